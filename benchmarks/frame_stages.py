"""Where an evaluated frame's time goes: decoding the image, cropping, the network, decoding the box, writing the
result; and the wall time per frame of the runner's loop without and with the reader thread that decodes ahead.

One worker, one network thread, shipped `seat_lite` through the runner's own backend. Stages are timed by wrapping
the tracker's crop function and backend (a measurement here, nothing in the library changes). Frame sizes: the
validation suite's 320x240, and 1280x720 (LaSOT's common size), where JPEG decoding weighs as much as the network.

    python benchmarks/frame_stages.py [--sequences 4]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import defaultdict

import numpy as np

import seattrack.track.tracker as tracker_module
from common import machine, validation_sequences
from seattrack.evaluation.one_pass import track_ope
from seattrack.evaluation.results import OPE_FILES
from seattrack.evaluation.runner import TrackerSpec


class Stopwatch:
    """Sums the seconds spent in wrapped callables, per stage."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    def wrap(self, stage: str, fn):
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[stage] += time.perf_counter() - start
        return timed


def sequential_loop(tracker, sequence) -> None:
    """The runner's loop before the reader thread: decode, then track, frame after frame."""
    for i in range(len(sequence)):
        frame = sequence.frame(i)
        if i == 0:
            tracker.init(frame, sequence.boxes[0])
        else:
            tracker.update(frame)


def stages(sequences, spec: TrackerSpec) -> dict[str, float]:
    """Milliseconds per frame of each stage, measured one stage at a time over the sequences."""
    watch = Stopwatch()
    tracker = spec.build()
    backend = tracker.backend
    original_crop = tracker_module.crop
    tracker_module.crop = watch.wrap("crop", original_crop)
    backend.track = watch.wrap("network", backend.track)
    frames = sum(len(s) for s in sequences)
    try:
        for seq in sequences:
            images = [watch.wrap("decode image", seq.frame)(i) for i in range(len(seq))]
            tracker.init(images[0], seq.boxes[0])
            boxes = np.zeros((len(seq), 4))
            for i, image in enumerate(images[1:], 1):
                boxes[i] = watch.wrap("update", tracker.update)(image).box_xywh
            with tempfile.TemporaryDirectory() as out:
                watch.wrap("write result", OPE_FILES.write)(out, seq.name, boxes, np.zeros(len(seq)))
    finally:
        tracker_module.crop = original_crop
    ms = {k: 1000 * v / frames for k, v in watch.seconds.items()}
    ms["decode box (rest of update)"] = ms.pop("update") - ms["crop"] - ms["network"]
    return ms


def wall_per_frame(sequences, spec: TrackerSpec, loop) -> float:
    tracker = spec.build()
    start = time.perf_counter()
    for seq in sequences:
        loop(tracker, seq)
    return 1000 * (time.perf_counter() - start) / sum(len(s) for s in sequences)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="seat_lite")
    parser.add_argument("--sequences", type=int, default=4)
    args = parser.parse_args()
    spec = TrackerSpec(args.model, threads=1)
    print(f"machine: {machine()}; 1 worker, 1 network thread; ms per frame")
    for size in ((320, 240), (1280, 720)):
        root = f"runs/val_sequences_{size[0]}x{size[1]}"
        sequences = validation_sequences(root, args.sequences, frame_size=size)
        parts = stages(sequences, spec)
        print(f"{size[0]}x{size[1]} JPEG, {sum(len(s) for s in sequences)} frames: "
              + ", ".join(f"{k} {v:.2f}" for k, v in parts.items()))
        before = [wall_per_frame(sequences, spec, sequential_loop) for _ in range(2)]
        after = [wall_per_frame(sequences, spec, track_ope) for _ in range(2)]
        print(f"  wall per frame: decode then track {min(before):.2f}, reader thread decoding ahead "
              f"{min(after):.2f} ({min(before) / min(after):.2f}x)")


if __name__ == "__main__":
    main()
