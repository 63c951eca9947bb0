"""`seattrack track`: track one object through a video, a folder of frames, a glob or a webcam."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..cli import Handler, command, count
from ..errors import SeatError
from ..fileio import check_writable
from ..loading import BACKENDS


def parse_box(text: str) -> tuple[float, float, float, float]:
    try:
        values = [float(v) for v in text.replace(" ", "").split(",")]
    except ValueError:
        raise SeatError(f"--box {text!r}: expected x,y,w,h numbers") from None
    if len(values) != 4:
        raise SeatError(f"--box {text!r}: expected 4 numbers x,y,w,h")
    return tuple(values)  # type: ignore[return-value]


def add_tracker_args(p: argparse.ArgumentParser) -> None:
    """Arguments shared by commands that build a tracker."""
    p.add_argument("--model", "--weights", dest="model", default="seat_lite",
                   help="model name with shipped weights, or a checkpoint file (default seat_lite; --weights: the "
                        "former spelling)")
    p.add_argument("--hypers", help="hyper-parameter set: name, name:set or YAML (default: the model's own)")
    p.add_argument("--backend", default="auto", choices=BACKENDS,
                   help="auto: ONNX Runtime on CPU, PyTorch on CUDA (default)")
    p.add_argument("--device", default="cpu", help="cpu or cuda[:N]")
    p.add_argument("--threads", type=count(), default=None, help="CPU threads for the network")


@command("track", "track one object in a video, a folder of frames, a glob or a webcam")
def _track(p: argparse.ArgumentParser) -> Handler:
    p.add_argument("input", help="video file, folder of frames, glob pattern (quote it) or webcam index")
    p.add_argument("--box", action="append", help="initial box x,y,w,h on the first frame (draw it when omitted and a "
                                                  "display exists); repeat it to track several targets at once")
    add_tracker_args(p)
    p.add_argument("--out", help="annotated video to write (.mp4: MPEG-4 Part 2; .webm: VP8, plays in browsers)")
    p.add_argument("--txt", help="box file to write (x,y,w,h per line); several targets: OUT_1.txt .. OUT_N.txt and "
                                 "OUT_mot.txt (MOT-challenge lines)")
    p.add_argument("--presence", action="store_true", help="add a fifth column to the box file(s): the calibrated "
                   "probability that the target is in the box (1 on the first frame, nan on an unreadable one; "
                   "models with a presence calibration only)")
    p.add_argument("--show", action="store_true", help="show frames while tracking (needs a display; q stops)")
    p.add_argument("--max-frames", type=count(), help="stop after this many frames (a webcam never ends otherwise)")
    p.add_argument("--force", action="store_true", help="allow --out/--txt to replace an existing file")

    def run(args: argparse.Namespace) -> None:
        from ..loading import load_multi_tracker, load_tracker
        from .run import GUI_HINT, has_display, select_box, target_file_names, track_source
        from .tracker import check_init_box
        from .video import FrameSource

        if args.show and not has_display():
            raise SeatError(f"--show {GUI_HINT}")
        several = args.box is not None and len(args.box) > 1
        texts = {"--txt": args.txt} if not (several and args.txt) else {
            f"--txt ({path.name})": str(path) for path in target_file_names(args.txt, len(args.box))}
        check_outputs(args.input, {"--out": args.out, **texts}, args.force)
        source = FrameSource(args.input)
        try:
            first = source.first_frame()
        except SeatError as exc:
            raise SeatError(f"input {args.input}: the first frame is unreadable, and the box refers to it "
                            f"({exc})") from None
        boxes = [parse_box(text) for text in args.box] if args.box else [select_box(first)]
        for box in boxes:
            check_init_box(box, first.shape)  # before the model loads and the outputs open
        load = load_multi_tracker if several else load_tracker
        tracker = load(args.model, args.hypers, args.device, args.backend, args.threads)
        summary = track_source(source, tracker, boxes if several else boxes[0], args.out, args.txt, args.show,
                               max_frames=args.max_frames, presence_column=args.presence)
        print(summary.describe())

    return run


def check_outputs(source: str, outputs: dict[str, str | None], force: bool) -> None:
    """Refuse, before any work, an output that is the input itself or would silently replace an existing file."""
    named = {option: Path(path) for option, path in outputs.items() if path}
    inputs = {Path(source).resolve()} if Path(source).exists() else set()
    for option, path in named.items():
        if path.resolve() in inputs:
            raise SeatError(f"{option} {path}: is the input; choose another file")
        check_writable(path, option)
        from .video import VIDEO_SUFFIXES

        if option == "--out" and path.suffix.lower() not in VIDEO_SUFFIXES:
            raise SeatError(f"{option} {path}: expected a video file name ({', '.join(VIDEO_SUFFIXES)})")
        if path.exists() and not force:
            raise SeatError(f"{option} {path}: exists; pass --force to replace it")
    if len({p.resolve() for p in named.values()}) < len(named):
        raise SeatError(f"{' and '.join(named)}: the same file")
