"""`seattrack demo`: track the bundled clip with the shipped default model and score it against its ground truth.

The clip (`assets/demo/`, 60 frames, 320x240) was rendered from held-out images only (scikit-learn's sample photos,
never used for training or tuning) by `tools/make_demo_assets.py`.
"""

from __future__ import annotations

import argparse
from importlib import resources
from pathlib import Path

from .cli import Handler, command, count
from .data.sequence import Sequence, read_box_file
from .errors import SeatError
from .fileio import check_writable
from .loading import BACKENDS


def demo_sequence() -> Sequence:
    """The bundled demo clip as a Sequence."""
    root = Path(str(resources.files("seattrack") / "assets" / "demo"))
    frames = sorted(root.glob("*.jpg"))
    if not frames:
        raise SeatError(f"the bundled demo clip is missing from {root}: reinstall seattrack")
    return Sequence("demo", [str(f) for f in frames], read_box_file(root / "groundtruth.txt"), dataset="demo")


@command("demo", "track the bundled clip with the shipped seat_lite and print AUC, precision and FPS")
def _demo(p: argparse.ArgumentParser) -> Handler:
    p.add_argument("--out", default="seattrack-demo", help="output folder (annotated mp4 + box file)")
    p.add_argument("--model", default="seat_lite", help="model name with shipped weights, or a checkpoint")
    p.add_argument("--backend", default="auto", choices=BACKENDS)
    p.add_argument("--threads", type=count(), default=None)

    def run(args: argparse.Namespace) -> None:
        from .evaluation.ope import evaluate_ope
        from .loading import load_tracker
        from .track.run import track_source
        from .track.video import FrameSource

        out = Path(args.out)
        check_writable(out, "--out", folder=True)
        sequence = demo_sequence()
        tracker = load_tracker(args.model, None, "cpu", args.backend, args.threads)
        source = FrameSource(str(Path(sequence.frames[0]).parent))
        summary = track_source(source, tracker, sequence.boxes[0], out / "demo_tracked.mp4", out / "demo_boxes.txt")
        result = evaluate_ope({"demo": summary.boxes}, [sequence], "pysot")
        print(summary.describe())
        print(f"demo clip ({len(sequence)} frames, held-out images): success AUC {result.auc:.3f}, "
              f"precision@20px {result.precision_score:.3f} (pysot convention); "
              f"{summary.fps:.1f} FPS per frame (crop + network + decode) with the {tracker.backend.name} backend "
              f"on this CPU")

    return run
