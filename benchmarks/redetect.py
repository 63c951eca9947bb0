"""Re-detection while lost (`redetect_ms`), off and at several budgets, side by side on the validation suite.

For each budget: the share of re-entries (a frame where the ground truth marks the target visible again after at
least one frame hidden or out of view) that the tracker is back on (IoU >= 0.3) within 30 frames; the false
re-acquisitions (a lost -> found transition whose box does not overlap the target with IoU >= 0.3) among all
re-acquisitions; the mean `update` time on frames tracked while lost; and the VOT long-term F-score
(`evaluation.longterm`, vot-toolkit 0.9's definition) of the same boxes with the calibrated presence as the
confidence and with the raw classifier score. One network thread, ONNX Runtime.

    python benchmarks/redetect.py [--budgets 0 10 30] [--sequences 16]
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import numpy as np

from common import machine, validation_suite
from seattrack.evaluation.longterm import evaluate_longterm
from seattrack.loading import load_tracker
from seattrack.ops.boxes import iou

BACK_IOU, WITHIN = 0.3, 30


def run(tracker, sequences) -> dict[str, float]:
    entries = recovered = reacquired = false_reacquired = 0
    lost_times = []
    preds, presence, scores = {}, {}, {}
    for seq in sequences:
        tracker.init(seq.frame(0), seq.boxes[0])
        boxes, lost, present, score = [seq.boxes[0]], [False], [1.0], [1.0]
        for i in range(1, len(seq)):
            frame = seq.frame(i)
            start = time.perf_counter()
            result = tracker.update(frame)
            if lost[-1]:
                lost_times.append(time.perf_counter() - start)
            boxes.append(result.box_xywh)
            lost.append(result.lost)
            present.append(result.present)
            score.append(result.score)
        preds[seq.name], presence[seq.name], scores[seq.name] = np.array(boxes), np.array(present), np.array(score)
        overlap = np.where(seq.visible, np.nan_to_num(iou(np.array(boxes), seq.boxes)), 0.0)
        for i in range(1, len(seq)):
            if seq.visible[i] and not seq.visible[i - 1]:
                entries += 1
                recovered += bool((overlap[i:i + WITHIN] >= BACK_IOU).any())
            if lost[i - 1] and not lost[i]:
                reacquired += 1
                false_reacquired += overlap[i] < BACK_IOU
    return {"re-entries": entries, "recovered within 30": recovered / max(entries, 1),
            "re-acquisitions": reacquired, "false re-acquisitions": false_reacquired / max(reacquired, 1),
            "ms per lost frame": 1000 * float(np.mean(lost_times)) if lost_times else float("nan"),
            "LT F (presence)": evaluate_longterm(preds, presence, sequences).fscore,
            "LT F (raw score)": evaluate_longterm(preds, scores, sequences).fscore}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="seat_lite")
    parser.add_argument("--budgets", type=float, nargs="+", default=[0, 10, 30])
    parser.add_argument("--sequences", type=int, default=16)
    args = parser.parse_args()
    sequences = [s for family in validation_suite("runs/validation", args.sequences).values() for s in family]
    tracker = load_tracker(args.model, threads=1)
    base = tracker.hypers
    print(f"machine: {machine()}; {len(sequences)} validation sequences; 1 network thread")
    for budget in args.budgets:
        tracker.hypers = dataclasses.replace(base, redetect_ms=budget)
        figures = run(tracker, sequences)
        print(f"redetect_ms {budget:5.0f}: " + ", ".join(
            f"{k} {v:.3f}" if k.startswith("LT") else f"{k} {v:.1f}" if "ms" in k
            else f"{k} {v:.1%}" if isinstance(v, float) else f"{k} {v}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
