"""Tracker-side options measured on the validation suite (never on the held-out suite): each `--option` is a set of
hyper-parameter overrides on top of the model's own set, run over the same sequences in one run.

    python benchmarks/tracker_options.py --model runs/seat_lite_cpu/model.pt \\
        --option aspect_damping=0.5 --option max_scale_step=0.1 --option recover_score=0.5

Success AUC / P@20 (pysot) per scene family of `evaluation.validation` and overall; a row per option, the first
being the model's own set unchanged.
"""

from __future__ import annotations

import argparse

import cv2
import torch

from common import machine, validation_suite
from compare_opencv import SeatRunner, run
from seattrack.config import to_dict
from seattrack.evaluation.ope import evaluate_ope
from seattrack.loading import load_tracker
from seattrack.track.hypers import load_hypers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="seat_lite")
    parser.add_argument("--option", action="append", default=[], help="comma-separated KEY=VALUE overrides")
    parser.add_argument("--root", default="runs/validation")
    parser.add_argument("--sequences", type=int, default=16)
    args = parser.parse_args()
    torch.set_num_threads(1)
    cv2.setNumThreads(1)
    suite = validation_suite(args.root, args.sequences)
    everything = [seq for sequences in suite.values() for seq in sequences]
    tracker = load_tracker(args.model, threads=1)
    base = tracker.hypers
    columns = [*suite, "all"]
    print(f"validation suite ({len(everything)} sequences); model {args.model}; machine: {machine()}; 1 thread")
    print(f"{'option':<40} " + " ".join(f"{c:>15}" for c in columns))
    for option in ["", *args.option]:
        tracker.hypers = load_hypers(base, [o for o in option.split(",") if o])
        boxes, _, _ = run(SeatRunner(tracker), everything)
        cells = []
        for family in columns:
            result = evaluate_ope(boxes, everything if family == "all" else suite[family], "pysot", dataset="folder")
            cells.append(f"{result.auc:.3f} / {result.precision_score:.3f}")
        print(f"{option or 'model set ' + str(to_dict(base)):<40.40} " + " ".join(f"{c:>15}" for c in cells),
              flush=True)


if __name__ == "__main__":
    main()
