"""The shipped SEAT default versus OpenCV's CSRT, KCF and MIL on the project's held-out validation sequences.

Each tracker runs single-threaded (torch.set_num_threads(1), cv2.setNumThreads(1)) over the same sequences in one
run; success AUC and precision@20 px follow the pysot convention (seattrack.evaluation.metrics, preset `pysot`);
FPS = frames / total time spent in `update` (initialisation excluded). An OpenCV tracker that reports a lost
target keeps its previous box.

    python benchmarks/compare_opencv.py [--root runs/val_sequences] [--sequences 20] [--model seat_lite]
"""

from __future__ import annotations

import argparse
import time

import cv2
import numpy as np
import torch

from common import machine, validation_sequences
from seattrack.evaluation.metrics import evaluate_ope
from seattrack.track.tracker import load_tracker


class OpenCVRunner:
    def __init__(self, factory):
        self.factory = factory

    def init(self, frame, box):
        self.tracker = self.factory()
        self.tracker.init(frame, tuple(int(round(v)) for v in box))
        self.last = np.asarray(box, dtype=np.float64)

    def update(self, frame) -> np.ndarray:
        ok, box = self.tracker.update(frame)
        if ok and box[2] > 0 and box[3] > 0:
            self.last = np.asarray(box, dtype=np.float64)
        return self.last


class SeatRunner:
    def __init__(self, tracker):
        self.tracker = tracker

    def init(self, frame, box):
        self.tracker.init(frame, box)

    def update(self, frame) -> np.ndarray:
        return self.tracker.update(frame).box_xywh


def run(runner, sequences) -> tuple[dict[str, np.ndarray], float, int]:
    boxes, total, frames = {}, 0.0, 0
    for seq in sequences:
        images = [seq.frame(i) for i in range(len(seq))]
        out = np.zeros((len(seq), 4))
        out[0] = seq.boxes[0]
        runner.init(images[0], seq.boxes[0])
        for i in range(1, len(seq)):
            start = time.perf_counter()
            out[i] = runner.update(images[i])
            total += time.perf_counter() - start
        boxes[seq.name] = out
        frames += len(seq) - 1
    return boxes, total, frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default="runs/val_sequences")
    parser.add_argument("--sequences", type=int, default=20)
    parser.add_argument("--model", default="seat_lite", help="model name with shipped weights or a checkpoint")
    parser.add_argument("--backend", default="auto")
    parser.add_argument("--hypers", help="tracking hyper-parameter set (default: the model's own)")
    parser.add_argument("--only-seat", action="store_true", help="skip the OpenCV trackers")
    args = parser.parse_args()
    torch.set_num_threads(1)
    cv2.setNumThreads(1)
    sequences = validation_sequences(args.root, args.sequences)
    seat = load_tracker(args.model, args.hypers, backend=args.backend, threads=1)
    trackers = {f"SEAT ({args.model}, {args.backend})": SeatRunner(seat)}
    if not args.only_seat:
        trackers.update({"OpenCV CSRT": OpenCVRunner(cv2.TrackerCSRT_create),
                         "OpenCV KCF": OpenCVRunner(cv2.TrackerKCF_create),
                         "OpenCV MIL": OpenCVRunner(cv2.TrackerMIL_create)})
    print(f"{len(sequences)} held-out validation sequences ({sum(len(s) for s in sequences)} frames); "
          f"machine: {machine()}; 1 thread per tracker")
    print(f"{'tracker':<36} {'AUC':>6} {'P@20':>6} {'FPS':>8}")
    rows = {}
    for name, runner in trackers.items():
        boxes, seconds, frames = run(runner, sequences)
        result = evaluate_ope(boxes, sequences, "pysot")
        rows[name] = (result.auc, result.precision_score, frames / seconds)
        print(f"{name:<36} {result.auc:>6.3f} {result.precision_score:>6.3f} {frames / seconds:>8.1f}")
    if "OpenCV CSRT" in rows:
        seat = next(iter(rows.values()))
        csrt = rows["OpenCV CSRT"]
        print(f"SEAT / CSRT: AUC {seat[0] / csrt[0]:.2f}x, speed {seat[2] / csrt[2]:.2f}x")


if __name__ == "__main__":
    main()
