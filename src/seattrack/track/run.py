"""Run a tracker over frames: `iter_track`, the one "init, then update every frame" loop, and on top of it
`track_source` (annotated video, box file, progress bar and a one-screen summary)."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
from tqdm import tqdm

from ..data.sequence import write_box_file
from ..errors import SeatError
from ..fileio import write_text_atomic
from .multi import MultiTracker
from .tracker import Tracker, TrackResult
from .video import FrameSource, VideoSink, draw_result


class TrackStep(NamedTuple):
    """One frame of `iter_track`; unpacks as `index, box, score, seconds, result, frame`.

    `box` is x, y, w, h in pixels ((N, 4) for a `MultiTracker`), `score` the classifier's confidence ((N,) for a
    `MultiTracker`), `seconds` the time of the tracker's call (NaN on an unreadable frame), `result` what the
    tracker returned (a TrackResult, or a MultiTracker's list of them: presence, lost; None on the init frame and on
    unreadable frames) and `frame` the image (None when unreadable). The init frame yields the given box with
    score 1.0; an unreadable frame keeps the previous box with score 0.0.
    """

    index: int
    box: np.ndarray
    score: float | np.ndarray
    seconds: float
    result: TrackResult | list[TrackResult] | None = None
    frame: np.ndarray | None = None


def iter_track(tracker: Tracker | MultiTracker, frames: Iterable[np.ndarray | SeatError | None], init_box
               ) -> Iterator[TrackStep]:
    """Initialise `tracker` on the first frame with `init_box` (a `MultiTracker`: a list of boxes), then update it on
    every following frame, yielding one `TrackStep` per frame as it goes (stop iterating to stop tracking).

    A frame given as None (or as the SeatError that made it unreadable) keeps the previous box. The first frame
    must be readable, since the box refers to it: there, that SeatError is raised.
    """
    multi = isinstance(tracker, MultiTracker)
    box = np.asarray(init_box, dtype=np.float64).reshape((-1, 4) if multi else (4,))
    for index, frame in enumerate(frames):
        if frame is None or isinstance(frame, SeatError):
            if index == 0:
                raise frame or SeatError("the first frame is unreadable, and the box refers to it")
            yield TrackStep(index, box, np.zeros(len(box)) if multi else 0.0, float("nan"))
            continue
        start = time.perf_counter()
        if index == 0:
            tracker.init(frame, list(box) if multi else box)
            yield TrackStep(0, box, np.ones(len(box)) if multi else 1.0, time.perf_counter() - start, None, frame)
            continue
        result = tracker.update(frame)
        seconds = time.perf_counter() - start
        if multi:
            box, score = np.array([r.box_xywh for r in result]), np.array([r.score for r in result])
        else:
            box, score = result.box_xywh, result.score
        yield TrackStep(index, box, score, seconds, result, frame)


@dataclass
class TrackSummary:
    frames: int
    fps: float
    mean_score: float
    boxes: np.ndarray
    scores: np.ndarray
    times: np.ndarray = field(repr=False)
    skipped_frames: int = 0
    lost_frames: int | None = None  # frames flagged lost by the presence calibration (None: no calibration)
    ended_early: tuple[int, int] | None = None
    stopped: bool = False
    video: Path | None = None
    box_file: Path | None = None
    target_files: list[Path] = field(default_factory=list)  # several targets: one box file each, then the MOT file
    presence_column: bool = False  # the box files carry the calibrated presence as a fifth column

    def describe(self) -> str:
        lines = [f"tracked {self.frames} frames at {self.fps:.1f} fps (init excluded; crop + network + decode), "
                 f"mean score {self.mean_score:.3f}"]
        if self.stopped:
            lines.append("stopped before the end of the input: the outputs hold the frames tracked so far")
        if self.ended_early:
            lines.append(f"the video ended after {self.ended_early[0]} of its {self.ended_early[1]} declared frames "
                         "(truncated or corrupt): the outputs hold those frames")
        if self.skipped_frames:
            lines.append(f"{self.skipped_frames} unreadable frame(s) kept the previous box")
        if self.lost_frames:
            lines.append(f"target lost on {self.lost_frames} frame(s) (calibrated presence, with hysteresis)")
        if self.video:
            lines.append(f"annotated video: {self.video}")
        columns = "x,y,w,h,present" if self.presence_column else "x,y,w,h"
        if self.box_file:
            lines.append(f"boxes ({columns} per line, one per input frame): {self.box_file}")
        if self.target_files:
            lines.append(f"boxes of target 1..{len(self.target_files) - 1} ({columns} per line): "
                         f"{', '.join(map(str, self.target_files[:-1]))}; MOT lines: {self.target_files[-1]}")
        return "\n".join(lines)


def track_source(source: FrameSource, tracker: Tracker | MultiTracker, box_xywh,
                 out_video: str | Path | None = None, out_txt: str | Path | None = None, show: bool = False,
                 progress: bool = True, on_frame=None, max_frames: int | None = None,
                 presence_column: bool = False) -> TrackSummary:
    """Track through `source` (at most `max_frames` frames) starting from `box_xywh` on the first frame (with a
    `MultiTracker`: a list of boxes, one per target).

    An unreadable frame keeps the previous box (score 0) so the box file has one line per input frame, the video
    repeats the previous annotated frame, and its time (NaN) stays out of the fps figure. Ctrl+C, or
    q / Esc in the `show` window, stops early and keeps the outputs for the frames tracked so far; any other error
    leaves no output video behind. `presence_column` adds the calibrated presence as a fifth column of the box
    file(s): 1 on the first frame (the box given), NaN on an unreadable frame; it needs a model with a presence
    calibration (a one-line error before any frame is tracked otherwise).
    """
    multi = isinstance(tracker, MultiTracker)
    if presence_column and not has_presence(tracker):
        raise SeatError("--presence: this model has no presence calibration (configs/presence/<name>.yaml fitted for "
                        "its weights; see benchmarks/fit_presence.py)")
    sink = VideoSink(out_video, source.fps) if out_video else None
    boxes, scores, times, lost, presence = [], [], [], [], []
    annotated, stopped = None, False
    total = min(filter(None, (source.count, max_frames)), default=None)
    bar = tqdm(total=total, unit="frame", disable=not progress, desc="tracking")
    try:
        for index, box, score, seconds, result, frame in iter_track(
                tracker, itertools.islice(source, max_frames), box_xywh):
            box, score = np.reshape(box, (-1, 4)), np.reshape(score, -1)  # one loop: (N, 4) boxes, (N,) scores
            results = result if multi else [result]
            if result is not None and results[0].present is not None:
                lost.append(sum(r.lost for r in results))
            if presence_column:
                presence.append([1.0 if index == 0 else np.nan] * len(score) if result is None
                                else [r.present for r in results])
            times.append(seconds)
            boxes.append(box)
            scores.append(score)
            fps = frame_rate(times[-30:])
            if (sink or show or on_frame) and frame is not None:
                annotated = draw_result(frame, box, score, fps)
            if sink:
                sink.write(annotated)
            if show:
                _show(annotated)
            if on_frame is not None:
                on_frame(index, annotated, *((box, score) if multi else (box[0], float(score[0]))))
            bar.update(1)
            bar.set_postfix(score=f"{np.mean(score):.2f}", fps=f"{fps:.0f}")
    except KeyboardInterrupt:
        stopped = True
    except BaseException:
        if sink:
            sink.abort()
        raise
    finally:
        bar.close()
    if sink:
        sink.close()
    if not boxes:
        raise SeatError(f"input {source.spec}: no readable frames")
    boxes_arr, scores_arr = np.asarray(boxes), np.asarray(scores)
    if not multi:  # one target: (frames, 4) boxes and (frames,) scores, as ever
        boxes_arr, scores_arr = boxes_arr[:, 0], scores_arr[:, 0]
    columns = np.asarray(presence, dtype=np.float64)[..., None] if presence_column else None  # (frames, N, 1)
    target_files = []
    if out_txt and multi:
        target_files = write_target_files(out_txt, boxes_arr, scores_arr, columns)
    elif out_txt:
        write_box_file(out_txt, boxes_arr if columns is None else np.concatenate([boxes_arr, columns[:, 0]], axis=1))
    t = np.asarray(times)
    steady = t[1:] if np.isfinite(t[1:]).any() else t  # initialisation excluded when frames were tracked
    return TrackSummary(
        frames=len(boxes), fps=frame_rate(steady), mean_score=float(np.mean(scores_arr[1:])) if len(boxes) > 1 else 1.0,
        boxes=boxes_arr, scores=scores_arr, times=t, skipped_frames=source.skipped,
        lost_frames=sum(lost) if lost else None,
        ended_early=source.ended_early if not stopped else None, stopped=stopped,
        video=Path(out_video) if out_video else None,
        box_file=Path(out_txt) if out_txt and not multi else None, target_files=target_files,
        presence_column=presence_column,
    )


def has_presence(tracker: Tracker | MultiTracker) -> bool:
    """Whether the tracker's model carries a presence calibration (`TrackResult.present` is then a probability)."""
    return getattr(tracker, "presence", None) is not None


def target_file_names(out_txt: str | Path, targets: int) -> list[Path]:
    """Where `--txt out.txt` puts several targets' results: `out_1.txt` .. `out_N.txt` (x,y,w,h per line, one file
    per target, in `--box` order) and `out_mot.txt` (all targets as MOT-challenge lines)."""
    path = Path(out_txt)
    return [path.with_name(f"{path.stem}_{k}{path.suffix}") for k in range(1, targets + 1)] + \
        [path.with_name(f"{path.stem}_mot{path.suffix}")]


def write_target_files(out_txt: str | Path, boxes: np.ndarray, scores: np.ndarray,
                       columns: np.ndarray | None = None) -> list[Path]:
    """Per-target box files and the MOT file (`frame,id,x,y,w,h,conf,-1,-1,-1`, frames and ids from 1, as the
    MOT challenge writes them) for boxes (frames, N, 4) and scores (frames, N); `columns` (frames, N, K) are
    appended to each target's box lines (the presence column)."""
    paths = target_file_names(out_txt, boxes.shape[1])
    for k, path in enumerate(paths[:-1]):
        write_box_file(path, boxes[:, k] if columns is None else np.concatenate([boxes[:, k], columns[:, k]], axis=1))
    lines = [f"{i + 1},{k + 1},{x:.4f},{y:.4f},{w:.4f},{h:.4f},{scores[i, k]:.4f},-1,-1,-1"
             for i in range(boxes.shape[0]) for k, (x, y, w, h) in enumerate(boxes[i])]
    write_text_atomic(paths[-1], "\n".join(lines) + "\n")
    return paths


GUI_HINT = ("needs a display and an OpenCV build with GUI support; the package installs OpenCV's headless build "
            "(swap it: pip uninstall -y opencv-contrib-python-headless && pip install opencv-contrib-python)")


def frame_rate(seconds) -> float:
    """Frames per second over the timed frames (NaN entries, the unreadable frames, left out; 0 if none)."""
    timed = np.asarray(seconds, dtype=np.float64)
    timed = timed[np.isfinite(timed)]
    return float(1.0 / max(timed.mean(), 1e-9)) if len(timed) else 0.0


def has_display() -> bool:
    """True when OpenCV can open a window (a GUI build and a display)."""
    import cv2

    try:
        cv2.namedWindow("seattrack")
        cv2.destroyWindow("seattrack")
        return True
    except cv2.error:
        return False


def _show(frame: np.ndarray) -> None:
    import cv2

    cv2.imshow("seattrack", frame)
    if cv2.waitKey(1) & 0xFF in (27, ord("q")):
        raise KeyboardInterrupt


def select_box(frame: np.ndarray) -> tuple[float, float, float, float]:
    """Let the user draw the target box (needs a display); a clear error otherwise."""
    import cv2

    if not has_display():
        raise SeatError(f"drawing the box {GUI_HINT}; or pass --box x,y,w,h")
    box = cv2.selectROI("seattrack: draw the target, then ENTER", frame, showCrosshair=False)
    cv2.destroyAllWindows()
    if box[2] <= 0 or box[3] <= 0:
        raise SeatError("no box drawn: draw the target and press ENTER, or pass --box x,y,w,h")
    return tuple(float(v) for v in box)
