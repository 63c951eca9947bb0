"""End-to-end `update()` time of two seat_lite model files side by side (e.g. the weights shipped before and now),
each with its own tracking hyper-parameters (the search crop size is one of them), on 640x360 frames, ONNX Runtime
(the CPU default), 1 and 2 threads. The trackers alternate in blocks of frames (A B A B ...) so that both see the
same machine state; medians and the ratio come from the same run.

    python benchmarks/weights_speed.py --model runs/old_seat_lite.pt --model seat_lite [--blocks 10]
"""

from __future__ import annotations

import argparse
import time

import cv2
import numpy as np

from common import machine
from seattrack.loading import load_tracker


def frames_640x360() -> list[np.ndarray]:
    """A camera pan over a photograph, 60 frames at 640x360 (the content does not change the cost)."""
    from seattrack.evaluation.heldout import reserved_photo

    china = reserved_photo("china")
    return [cv2.resize(np.ascontiguousarray(china[t:t + 360, 2 * t:2 * t + 480]), (640, 360)) for t in range(60)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", action="append", required=True, help="model file or name (give two)")
    parser.add_argument("--blocks", type=int, default=10, help="alternating blocks of 59 updates per tracker")
    args = parser.parse_args()
    frames = frames_640x360()
    box = (266, 200, 80, 66)
    print(f"machine: {machine()}; ONNX Runtime; 640x360 frames; {args.blocks} alternating blocks of "
          f"{len(frames) - 1} updates")
    for threads in (1, 2):
        trackers = {model: load_tracker(model, backend="onnxruntime", threads=threads) for model in args.model}
        times: dict[str, list[float]] = {model: [] for model in trackers}
        for block in range(args.blocks + 1):
            for model, tracker in trackers.items():
                tracker.init(frames[0], box)
                for frame in frames[1:]:
                    start = time.perf_counter()
                    tracker.update(frame)
                    if block:  # block 0 warms up
                        times[model].append(time.perf_counter() - start)
        medians = {model: 1000 * float(np.median(t)) for model, t in times.items()}
        for model, tracker in trackers.items():
            print(f"{threads} thread(s)  {model:<32} search {tracker.hypers.small_sz} px  "
                  f"update median {medians[model]:6.2f} ms  p90 {1000 * np.percentile(times[model], 90):6.2f} ms")
        first, *others = args.model
        for model in others:
            print(f"{threads} thread(s)  {model} / {first}: {medians[model] / medians[first]:.2f}x")


if __name__ == "__main__":
    main()
