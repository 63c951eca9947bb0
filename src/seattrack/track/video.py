"""Frame sources (video file, folder of frames, glob, webcam index) and an atomic annotated-video writer."""

from __future__ import annotations

import glob
import os
import re
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from ..errors import SeatError
from ..fileio import default_file_mode
from ..ops.frames import read_frame, to_bgr8

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")
# Codec per output suffix. WebM: VP8, which browsers play (libvpx writes it ~4x faster than VP9). Anything else:
# MPEG-4 Part 2, which every OpenCV build writes but browsers do not play (the wheels' FFmpeg has no H.264 encoder).
FOURCCS = {".webm": "VP80"}
VIDEO_SUFFIXES = (".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm")
"""Containers `VideoSink` writes (MPEG-4 Part 2 in all but .webm, which gets VP8)."""
MAX_CAMERA_INDEX = 255
"""Highest camera index tried (OpenCV takes a C int; Linux numbers its video devices well below this)."""
MAX_DECODE_GAP = 100
"""Consecutive undecodable frames after which a video is taken to end."""


def natural_key(text: str) -> list:
    """Sort key that orders 'frame2' before 'frame10'."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", text)]


class FrameSource:
    """Iterates BGR uint8 frames from a video, an image list or a camera; `fps` and `count` when known."""

    def __init__(self, spec: str):
        self.spec = spec
        self.skipped = 0
        self.ended_early: tuple[int, int] | None = None  # (frames read, frames declared) of a cut-short video
        self.paths: list[str] | None = None
        self.capture: cv2.VideoCapture | None = None
        if re.fullmatch(r"\d+", spec):
            self._open_capture(int(spec), f"webcam {spec}")
        elif os.path.isdir(spec):
            self.paths = sorted((str(p) for p in Path(spec).iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS),
                                key=natural_key)
            if not self.paths:
                raise SeatError(f"folder {spec}: no image files ({', '.join(IMAGE_EXTENSIONS)})")
        elif any(ch in spec for ch in "*?["):
            self.paths = sorted(glob.glob(spec), key=natural_key)
            if not self.paths:
                raise SeatError(f"glob {spec!r}: matches no files")
        elif os.path.isfile(spec):
            if Path(spec).suffix.lower() in IMAGE_EXTENSIONS:
                self.paths = [spec]
            else:
                self._open_capture(spec, f"video {spec}")
        else:
            raise SeatError(f"input {spec!r}: not a video file, a folder of frames, a glob or a webcam index")
        self.fps = self._fps()

    def _open_capture(self, target: int | str, label: str) -> None:
        if isinstance(target, int) and target > MAX_CAMERA_INDEX:
            raise SeatError(f"{label}: no such camera (indices go from 0 to {MAX_CAMERA_INDEX})")
        capture = cv2.VideoCapture(target)
        if not capture.isOpened():
            raise SeatError(f"{label}: cannot be opened (missing, unsupported or corrupt)")
        ok, frame = capture.read()
        if not ok or frame is None:
            capture.release()
            raise SeatError(f"{label}: no frame can be decoded (corrupt or empty video)")
        self.capture = capture
        self._first = frame

    def _fps(self) -> float:
        if self.capture is not None:
            fps = self.capture.get(cv2.CAP_PROP_FPS)
            return float(fps) if fps and np.isfinite(fps) and 0 < fps < 1000 else 30.0
        return 30.0

    def first_frame(self) -> np.ndarray:
        """The first frame, without consuming the source."""
        if self.capture is not None:
            return to_bgr8(self._first)
        return read_frame(self.paths[0])

    @property
    def count(self) -> int | None:
        if self.paths is not None:
            return len(self.paths)
        n = int(self.capture.get(cv2.CAP_PROP_FRAME_COUNT)) if self.capture is not None else 0
        return n if n > 0 else None

    def __iter__(self) -> Iterator[np.ndarray | None]:
        """Frames in order; an unreadable frame yields None (counted in `skipped`, with a warning), so frame numbers
        stay aligned with the input. In a video, frames that fail to decode inside the container's declared length
        are skipped the same way (the decoder's own frame position keeps later frames in place); decoding ends at
        the declared length, or after `MAX_DECODE_GAP` failures in a row, and `ended_early` then says the video
        stopped before its declared length (truncated or corrupt)."""
        if self.paths is not None:
            for path in self.paths:
                try:
                    yield read_frame(path)
                except SeatError as exc:
                    self._skip(str(exc))
                    yield None
            return
        assert self.capture is not None
        declared = self.count
        yield to_bgr8(self._first)
        index, failures = 1, 0
        while True:
            ok, frame = self.capture.read()
            if not ok or frame is None:
                failures += 1
                if declared is None or index + failures >= declared or failures > MAX_DECODE_GAP:
                    break
                continue
            position = int(self.capture.get(cv2.CAP_PROP_POS_FRAMES))  # 1-based after a read
            for _ in range(max(failures, position - 1 - index)):
                self._skip(f"{self.spec}: frame {index + 1} cannot be decoded")
                yield None
                index += 1
            failures = 0
            yield to_bgr8(frame)
            index += 1
        self.capture.release()
        if declared is not None and index < declared:
            self.ended_early = (index, declared)

    def _skip(self, reason: str) -> None:
        self.skipped += 1
        warnings.warn(f"skipped unreadable frame: {reason}", stacklevel=3)


def _count_frames(path: Path) -> int:
    """Frames that OpenCV can decode from a video file (0 for an unreadable one)."""
    capture = cv2.VideoCapture(str(path))
    count = 0
    try:
        while capture.isOpened() and capture.grab():
            count += 1
    finally:
        capture.release()
    return count


def temp_beside(path: Path, suffix: str) -> Path:
    """An empty hidden file beside `path`, named after it, where a video is written before it replaces `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    return Path(tmp)


def replace_when_decodable(tmp: Path, path: Path, frames: int) -> None:
    """Move the finished video `tmp` over `path` only once it decodes with all `frames` written (a full disk or a
    failing encoder leaves a broken file: an error, and nothing replaced); `tmp` is gone afterwards either way."""
    try:
        decoded = _count_frames(tmp)
        if decoded < frames:
            raise SeatError(f"output video {path}: the written file decodes to {decoded} of {frames} frames (disk "
                            "full?); nothing was replaced")
        os.chmod(tmp, default_file_mode())
        os.replace(tmp, path)
    except OSError as exc:
        raise SeatError(f"output video {path}: {exc.strerror or exc}") from None
    finally:
        tmp.unlink(missing_ok=True)


class VideoSink:
    """Video writer (`.webm`: VP8, else mp4 / MPEG-4 Part 2) whose file appears at `path` only when closed
    successfully (temp file + rename)."""

    def __init__(self, path: str | os.PathLike, fps: float):
        self.path = Path(path)
        self.tmp = temp_beside(self.path, self.path.suffix or ".mp4")
        self.fps = fps
        self.size: tuple[int, int] | None = None
        self.writer: cv2.VideoWriter | None = None
        self.frames = 0

    def write(self, frame: np.ndarray) -> None:
        if self.writer is None:
            self.size = (frame.shape[1], frame.shape[0])
            fourcc = FOURCCS.get(self.tmp.suffix.lower(), "mp4v")
            self.writer = cv2.VideoWriter(str(self.tmp), cv2.VideoWriter_fourcc(*fourcc), self.fps, self.size)
            if not self.writer.isOpened():
                raise SeatError(f"output video {self.path}: OpenCV cannot write {fourcc} {self.tmp.suffix} here")
        if (frame.shape[1], frame.shape[0]) != self.size:
            frame = cv2.resize(frame, self.size)
        self.writer.write(frame)
        self.frames += 1

    def close(self) -> None:
        """Finish the file and move it into place, only after it decodes with every frame written (a full disk or
        a failing encoder leaves a broken file, reported as an error and never renamed over `path`)."""
        if self.writer is not None:
            self.writer.release()
            replace_when_decodable(self.tmp, self.path, self.frames)
        self.tmp.unlink(missing_ok=True)

    def abort(self) -> None:
        if self.writer is not None:
            self.writer.release()
        self.tmp.unlink(missing_ok=True)

    def __enter__(self) -> VideoSink:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.abort() if exc_type else self.close()


TARGET_COLORS = ((0, 255, 0), (255, 160, 0), (0, 160, 255), (255, 0, 255), (0, 255, 255), (160, 80, 255))


def draw_result(frame: np.ndarray, box_xywh: np.ndarray, score, fps: float | None = None,
                color: tuple[int, int, int] = (0, 255, 0)) -> np.ndarray:
    """Overlay the box (or boxes (N, 4), one colour each, `color` first), the score(s) and the speed on a copy of
    the frame."""
    out = frame.copy()
    thickness = max(1, round(min(out.shape[:2]) / 240))
    boxes = np.reshape(box_xywh, (-1, 4))
    colors = (color, *[c for c in TARGET_COLORS if c != color])
    for k, box in enumerate(boxes):
        x, y, w, h = (int(round(v)) for v in box)
        cv2.rectangle(out, (x, y), (x + w, y + h), colors[k % len(colors)], thickness)
    scores = np.atleast_1d(score)
    label = ("score " if len(scores) == 1 else "scores ") + " ".join(f"{v:.2f}" for v in scores) + \
        (f"  {fps:.0f} fps" if fps else "")
    scale = max(0.4, min(out.shape[:2]) / 600)
    cv2.putText(out, label, (6, int(22 * scale / 0.6)), cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), thickness + 2)
    cv2.putText(out, label, (6, int(22 * scale / 0.6)), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), thickness)
    return out
