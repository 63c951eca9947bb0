"""Template update measured on the validation suite (never on the held-out suite): every `every` frames, when the
score is at least `min_score`, the template state becomes (1 - gamma) * first + gamma * state of the current box
(an anchored linear update, as UpdateNet's simplest baseline). Rows: no update, then each `--update`.

    python benchmarks/template_update.py --update 0.1,5,0.9 --update 0.2,5,0.9 --update 0.1,10,0.8

Success AUC / P@20 (pysot) per scene family of `evaluation.validation` and overall, 1 thread, ONNX Runtime.
"""

from __future__ import annotations

import argparse

import cv2
import numpy as np
import torch

from common import machine, validation_suite
from compare_opencv import run
from seattrack.evaluation.ope import evaluate_ope
from seattrack.loading import load_tracker
from seattrack.track.tracker import SeatTracker


class UpdatingRunner:
    """A SeatTracker whose template state is blended with the state of its own box every `every` frames."""

    def __init__(self, tracker: SeatTracker, gamma: float, every: int, min_score: float):
        self.tracker, self.gamma, self.every, self.min_score = tracker, gamma, every, min_score
        self.probe = SeatTracker(tracker.backend, tracker.hypers)  # computes a template state, shares the network

    def init(self, frame: np.ndarray, box) -> None:
        self.tracker.init(frame, box)
        self.first, self.frames = self.tracker.state, 0

    def update(self, frame: np.ndarray) -> np.ndarray:
        result = self.tracker.update(frame)
        self.frames += 1
        if self.gamma and self.frames % self.every == 0 and result.score >= self.min_score:
            self.probe.init(frame, result.box_xywh)
            self.tracker.state = tuple((1 - self.gamma) * a + self.gamma * b
                                       for a, b in zip(self.first, self.probe.state))
        return result.box_xywh


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="seat_lite")
    parser.add_argument("--update", action="append", default=[], help="GAMMA,EVERY,MIN_SCORE")
    parser.add_argument("--root", default="runs/validation")
    parser.add_argument("--sequences", type=int, default=16)
    args = parser.parse_args()
    torch.set_num_threads(1)
    cv2.setNumThreads(1)
    suite = validation_suite(args.root, args.sequences)
    everything = [seq for sequences in suite.values() for seq in sequences]
    columns = [*suite, "all"]
    print(f"validation suite ({len(everything)} sequences); model {args.model}; machine: {machine()}; 1 thread")
    print(f"{'gamma,every,min_score':<24} " + " ".join(f"{c:>15}" for c in columns))
    for spec in ["0,1,0", *args.update]:
        gamma, every, min_score = (float(v) for v in spec.split(","))
        runner = UpdatingRunner(load_tracker(args.model, threads=1), gamma, int(every), min_score)
        boxes, _, _ = run(runner, everything)
        cells = [evaluate_ope(boxes, everything if c == "all" else suite[c], "pysot", dataset="folder")
                 for c in columns]
        print(f"{spec if gamma else 'no update':<24} " + " ".join(f"{r.auc:.3f} / {r.precision_score:.3f}"
                                                               for r in cells), flush=True)


if __name__ == "__main__":
    main()
