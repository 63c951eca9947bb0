"""Cost of the architecture search on this CPU, for `configs/search/seat_lite_latency.yaml` scaled down:

- seconds per warm-up epoch and per alternating epoch (architecture pass and weight pass apart), timed inside the
  search process around each pass, so start-up (model, data, cost tables) is reported on its own;
- the derived Arch next to `seat_lite`'s hand-set default: params, MACs and the latency the table predicts;
- the memory peak of one supernet training step versus the derived network's and the default's, each in a fresh
  subprocess.

    python benchmarks/search_cost.py [--samples 64] [--batch-size 8] [--search-epochs 2] [--threads 2]
    python benchmarks/search_cost.py --set search.space.layers=[3,3,3,3,3] --set search.space.connect=5  # paper
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import seattrack
from common import machine
from seattrack.models import model_config
from seattrack.models.arch import Arch
from seattrack.nas.search import SearchTrainer, load_search_config

RECIPE = Path(seattrack.__file__).parent / "configs" / "search" / "seat_lite_latency.yaml"

PEAK = """
import json, sys, torch
from seattrack.models import create_model, model_config
from seattrack.models.seat import SeatNet
from seattrack.nas.search import load_search_config
from seattrack.nas.supernet import Supernet
import numpy as np
torch.set_num_threads(int(sys.argv[3]))
kind, batch = sys.argv[1], int(sys.argv[2])
if kind.startswith("supernet"):  # supernet1: a weight step (1 op per mixed layer), supernet2: an arch step
    cfg = model_config("seat_lite")
    space = load_search_config(sys.argv[4], json.loads(sys.argv[5])).search.space
    sn = Supernet(space, cfg.fusion_dim, cfg.arch.last_dim)
    sn.sample_by_alpha(np.random.default_rng(0), int(kind[-1]))
    net = SeatNet(cfg, rfm=sn)
else:
    net = create_model("seat_lite", arch=None if kind == "default" else sys.argv[4])
net.train(); net.freeze_backbone(True)
z = torch.rand(batch, 3, 127, 127) * 255; x = torch.rand(batch, 3, 255, 255) * 255
box = torch.tensor([[40.0, 40.0, 87.0, 87.0]]).repeat(batch, 1)
def high_water_mb():  # VmHWM belongs to this process's memory map (ru_maxrss would carry the parent's over exec)
    line = next(l for l in open("/proc/self/status") if l.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024
base = high_water_mb()
cls, ltrb = net(z, x, box); (cls.mean() + ltrb.mean()).backward()
print(json.dumps({"peak_mb": high_water_mb(), "step_mb": high_water_mb() - base}))
"""


class TimedSearch(SearchTrainer):
    """The real search, recording (epoch, pass, steps, seconds) for each architecture and weight pass."""

    def setup(self) -> None:
        self.timings: list[tuple[int, str, int, float]] = []
        super().setup()

    def _timed(self, name: str, counter: str, run: Callable[..., None], epoch: int, *args) -> None:
        """Run one pass and record its steps (the position counter's advance) and wall seconds."""
        steps_before, start = getattr(self.position, counter), time.perf_counter()
        run(epoch, *args)
        self.timings.append((epoch, name, getattr(self.position, counter) - steps_before, time.perf_counter() - start))

    def arch_pass(self, epoch: int) -> None:
        self._timed("arch", "arch_step", super().arch_pass, epoch)

    def train_pass(self, epoch: int, dataset, desc: str = "train") -> None:
        self._timed("weights", "step", super().train_pass, epoch, dataset, desc)


def run_search(args: argparse.Namespace, tmp: Path) -> tuple[TimedSearch, float]:
    """The timed search and its start-up seconds (model, data and both cost tables)."""
    overrides = [f"data.samples_per_epoch={args.samples}", f"data.batch_size={args.batch_size}",
                 f"epochs={1 + args.search_epochs}", "search.warmup_epochs=1", f"threads={args.threads}",
                 f"out_dir={tmp / 'run'}", f"search.cost_cache={tmp / 'costs'}", *args.set]
    start = time.perf_counter()
    trainer = TimedSearch.from_config(load_search_config(str(RECIPE), overrides))
    startup = time.perf_counter() - start
    trainer.run()
    return trainer, startup


def print_timings(trainer: TimedSearch) -> None:
    """Seconds per epoch, split into its passes, with steps and seconds per step."""
    for epoch in sorted({t[0] for t in trainer.timings}):
        rows = [t for t in trainer.timings if t[0] == epoch]
        kind = "warm-up" if epoch < trainer.cfg.search.warmup_epochs else "search"
        parts = ", ".join(f"{name} pass {steps} steps {secs:.1f} s ({secs / max(steps, 1):.2f} s/step)"
                          for _, name, steps, secs in rows)
        print(f"  epoch {epoch} {kind:<8} {sum(r[3] for r in rows):6.1f} s = {parts}")


def print_arch_table(trainer: TimedSearch, derived_path: Path) -> None:
    """Params, MACs (per frame, whole network) and table-predicted latency of the default and the derived Arch."""
    unit = trainer.cost_model.table.unit
    print(f"  {'arch':<9} {'params':>8} {'MACs':>9} {'predicted':>11}  RFM")
    for name, arch in (("default", model_config("seat_lite").arch), ("derived", Arch.load(derived_path))):
        r = trainer.describe(arch)
        print(f"  {name:<9} {r['params'] / 1e6:6.3f} M {r['macs'] / 1e9:7.4f} G {r['predicted']:8.2f} {unit}  "
              f"{r['arch']}")


def print_memory(args: argparse.Namespace, derived_path: Path) -> None:
    """Peak RSS of one training step of the supernet (weight and arch step), the default and the derived network."""
    runs = (("supernet1", "supernet, weight step (1 op per mixed layer)", str(RECIPE)),
            ("supernet2", "supernet, arch step (2 ops per mixed layer)", str(RECIPE)),
            ("default", "hand-set default seat_lite", ""), ("derived", "derived network", str(derived_path)))
    for kind, label, extra in runs:
        out = subprocess.run([sys.executable, "-c", PEAK, kind, str(args.batch_size), str(args.threads), extra,
                              json.dumps(args.set)],
                             check=True, capture_output=True, text=True).stdout
        peak = json.loads(out.strip().splitlines()[-1])
        print(f"  {label:<46} peak RSS {peak['peak_mb']:5.0f} MB, of which the forward/backward step added "
              f"{peak['step_mb']:4.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=64, help="weight-pass pairs per epoch (arch pass: 10 %%)")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--search-epochs", type=int, default=2, help="alternating epochs after the 1 warm-up epoch")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="a dotted override of the recipe (repeat), e.g. the paper's space: "
                             "--set search.space.layers=[3,3,3,3,3] --set search.space.connect=5")
    args = parser.parse_args()
    search = load_search_config(str(RECIPE), args.set).search
    print(f"machine: {machine()}; torch threads {args.threads}; recipe {RECIPE.name} {' '.join(args.set)} "
          f"(cost table: {search.metric}, {search.cost_threads} thread(s)), {args.samples} weight pairs per epoch, "
          f"batch {args.batch_size}; "
          f"1-min load average {os.getloadavg()[0]:.1f} (other jobs on this CPU slow every figure)")
    with tempfile.TemporaryDirectory() as tmp:
        trainer, startup = run_search(args, Path(tmp))
        s = trainer.cfg.search
        print(f"search space {s.space.widths} widths, {s.space.layers} PH layers, connect {s.space.connect}; "
              f"arch pass on {trainer.arch_dataset.samples} held-out pairs per epoch")
        print(f"  start-up (model, data, MACs and latency tables measured): {startup:.1f} s")
        print_timings(trainer)
        derived_path = Path(tmp) / "run" / "arch.json"
        print(f"derived after {args.search_epochs} search epochs vs seat_lite's hand-set default "
              f"(predicted = the latency table's sum):")
        print_arch_table(trainer, derived_path)
        print(f"1-min load average at the end of the search: {os.getloadavg()[0]:.1f}")
        print(f"memory of one training step, batch {args.batch_size}, backbone frozen (fresh process each):")
        print_memory(args, derived_path)


if __name__ == "__main__":
    main()
