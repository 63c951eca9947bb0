"""Time per frame of `MultiTracker.update` (one network call for every target) against N single `SeatTracker`s
(one call each) for 1, 2, 4 and 8 targets, side by side in one run: the two are alternated frame by frame on the
same backend, so background load hits both alike.

    python benchmarks/multi_tracker_speed.py [--iters 40] [--threads 1] [--backend onnxruntime]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from common import machine
from seattrack.loading import make_backend
from seattrack.models.resolve import resolve_model
from seattrack.ops.frames import read_frame
from seattrack.track.hypers import resolve_hypers
from seattrack.track.multi import MultiTracker
from seattrack.track.tracker import SeatTracker

DEMO = Path(__file__).resolve().parents[1] / "src" / "seattrack" / "assets" / "demo"


def boxes_for(n: int, width: int, height: int) -> list[np.ndarray]:
    """`n` 48x40 targets on a grid over the frame."""
    cols = int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / cols))
    return [np.array([(c + 0.5) * width / cols - 24, (r + 0.5) * height / rows - 20, 48, 40])
            for r in range(rows) for c in range(cols)][:n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iters", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--backend", default="onnxruntime")
    parser.add_argument("--model", default="seat_lite")
    args = parser.parse_args()
    net = resolve_model(args.model, require_weights=True)
    backend = make_backend(net, args.backend, "cpu", args.threads)
    hypers = resolve_hypers(net, None)
    frames = [read_frame(p) for p in sorted(DEMO.glob("*.jpg"))]
    height, width = frames[0].shape[:2]
    print(f"machine: {machine()}; {args.model}, {backend.name}, {args.threads} thread(s); {width}x{height} frames "
          f"of the bundled demo clip; median of {args.iters} frames after {args.warmup}")
    print(f"{'targets':>7}{'multi ms':>10}{'N singles ms':>14}{'singles/multi':>15}{'multi vs 1 target':>19}")
    base = None
    for n in (1, 2, 4, 8):
        boxes = boxes_for(n, width, height)
        multi = MultiTracker(backend, hypers)
        multi.init(frames[0], boxes)
        singles = [SeatTracker(backend, hypers) for _ in boxes]
        for tracker, box in zip(singles, boxes):
            tracker.init(frames[0], box)
        times = {"multi": [], "singles": []}
        for i in range(args.warmup + args.iters):
            frame = frames[1 + i % (len(frames) - 1)]
            start = time.perf_counter()
            multi.update(frame)
            middle = time.perf_counter()
            for tracker in singles:
                tracker.update(frame)
            end = time.perf_counter()
            if i >= args.warmup:
                times["multi"].append(middle - start)
                times["singles"].append(end - middle)
        m, s = (1000 * float(np.median(times[k])) for k in ("multi", "singles"))
        base = base or m
        print(f"{n:>7}{m:>10.2f}{s:>14.2f}{s / m:>14.2f}x{m / base:>18.2f}x")


if __name__ == "__main__":
    main()
