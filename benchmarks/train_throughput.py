"""Pairs/s of the data pipeline alone (1 and 2 loader workers) versus pairs/s of the training step, side by side.

The pipeline renders synthetic pairs (the data of `--config`, by default the shipped recipe's mixture of scene
families), crops, augments and labels them; the step is forward + backward + SGD on a batch already in memory, with
the backbone frozen as in the recipe for `seat_lite` and trainable for `seat_alexnet` (no pretrained AlexNet exists
offline).

    python benchmarks/train_throughput.py [--config configs/train/seat_lite_cpu.yaml] [--batches 8] [--threads 2]
"""

from __future__ import annotations

import argparse
import time

import torch
from torch.utils.data import DataLoader

from common import machine
from seattrack import create_model
from seattrack.train.batch import PairBatch
from seattrack.train.config import DataConfig
from seattrack.train.data import build_pair_dataset
from seattrack.train.engine import load_train_config
from seattrack.train.losses import tracking_loss


def pipeline_rate(net, data: DataConfig, workers: int, batches: int, batch_size: int) -> float:
    dataset = build_pair_dataset(data, net, seed=0, samples=batches * batch_size)
    loader = DataLoader(dataset, batch_size=batch_size, num_workers=workers)
    iterator = iter(loader)
    next(iterator)  # worker start-up excluded
    start = time.perf_counter()
    count = sum(len(batch["z"]) for batch in iterator)
    return count / (time.perf_counter() - start)


def step_rate(name: str, data: DataConfig, frozen: bool, batches: int, batch_size: int) -> float:
    net = create_model(name).train()
    net.freeze_backbone(frozen)
    dataset = build_pair_dataset(data, net, seed=0, samples=batch_size)
    batch = PairBatch.from_collated(next(iter(DataLoader(dataset, batch_size=batch_size))), "cpu")
    optimizer = torch.optim.SGD([p for p in net.parameters() if p.requires_grad], lr=1e-3, momentum=0.9)
    times = []
    for i in range(batches + 1):
        start = time.perf_counter()
        cls, ltrb = net(batch.z, batch.x, batch.z_box)
        loss = tracking_loss(cls, ltrb, batch)["loss"]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if i:
            times.append(time.perf_counter() - start)
    return batch_size / (sum(times) / len(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default="configs/train/seat_lite_cpu.yaml", help="recipe whose data to render")
    parser.add_argument("--batches", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    data_config = load_train_config(args.config, []).data
    mixture = ", ".join(f"{s.name}:{s.split}:{s.options.get('family', 'composite')} {s.weight}"
                        for s in data_config.sources)
    print(f"machine: {machine()}; torch threads {args.threads}; batch {args.batch_size}; data {mixture}")
    for name, frozen in (("seat_lite", True), ("seat_alexnet", False)):
        net = create_model(name)
        step = step_rate(name, data_config, frozen, args.batches, args.batch_size)
        for workers in (1, 2):
            data = pipeline_rate(net, data_config, workers, args.batches, args.batch_size)
            print(f"{name:<13} backbone {'frozen' if frozen else 'trained'}: pipeline {workers} worker(s) "
                  f"{data:7.1f} pairs/s | training step {step:6.1f} pairs/s | pipeline/step {data / step:5.1f}x")


if __name__ == "__main__":
    main()
