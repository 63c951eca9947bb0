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
from compare_opencv import SeatRunner, family_cells, run
from seattrack.config import to_dict
from seattrack.loading import load_tracker
from seattrack.track.hypers import load_hypers


def validation_parser(doc: str) -> argparse.ArgumentParser:
    """The options every validation-suite script shares: the model, where the suite is written, its size."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="seat_lite")
    parser.add_argument("--root", default="runs/validation")
    parser.add_argument("--sequences", type=int, default=16)
    return parser


def open_suite(args: argparse.Namespace) -> tuple[dict[str, list], list]:
    """Single-threaded trackers, the validation suite (written once) and its sequences pooled; prints the header."""
    torch.set_num_threads(1)
    cv2.setNumThreads(1)
    suite = validation_suite(args.root, args.sequences)
    everything = [seq for sequences in suite.values() for seq in sequences]
    print(f"validation suite ({len(everything)} sequences); model {args.model}; machine: {machine()}; 1 thread")
    return suite, everything


def main() -> None:
    parser = validation_parser(__doc__)
    parser.add_argument("--option", action="append", default=[], help="comma-separated KEY=VALUE overrides")
    args = parser.parse_args()
    suite, everything = open_suite(args)
    tracker = load_tracker(args.model, threads=1)
    base = tracker.hypers
    print(f"{'option':<40} " + " ".join(f"{c:>15}" for c in [*suite, "all"]))
    for option in ["", *args.option]:
        tracker.hypers = load_hypers(base, [o for o in option.split(",") if o])
        boxes, _, _ = run(SeatRunner(tracker), everything)
        print(f"{option or 'model set ' + str(to_dict(base)):<40.40} "
              + " ".join(f"{c:>15}" for c in family_cells(boxes, suite)), flush=True)


if __name__ == "__main__":
    main()
