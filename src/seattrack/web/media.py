"""What an uploaded file is: a video container sniffed from its magic bytes, then at least two decoded frames.

OpenCV alone is too lenient a check: its image-sequence and FFmpeg readers open a JPEG renamed .mp4 as a
one-frame "video". The signature decides the container family; decoding two frames proves it holds a video.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ..errors import SeatError
from ..track.video import FrameSource

HEAD_BYTES = 512
# (name, signature) of the containers accepted, matched at the start of the file.
VIDEO_SIGNATURES = (
    ("MP4/MOV", rb".{4}(?:ftyp|moov|mdat|free|skip|wide)"),
    ("AVI", rb"RIFF.{4}AVI "),
    ("Matroska/WebM", rb"\x1a\x45\xdf\xa3"),
    ("MPEG-TS", rb"\x47.{187}\x47"),
    ("MPEG-PS", rb"\x00\x00\x01\xba"),
    ("FLV", rb"FLV\x01"),
    ("Ogg", rb"OggS"),
    ("ASF/WMV", rb"\x30\x26\xb2\x75\x8e\x66\xcf\x11"),
)
# Still images, recognised only to say so in the message.
IMAGE_SIGNATURES = (
    ("JPEG", rb"\xff\xd8\xff"),
    ("PNG", rb"\x89PNG\r\n\x1a\n"),
    ("GIF", rb"GIF8[79]a"),
    ("BMP", rb"BM.{4}\x00\x00\x00\x00"),
    ("WebP", rb"RIFF.{4}WEBP"),
    ("TIFF", rb"II\x2a\x00|MM\x00\x2a"),
)
ACCEPTED = ", ".join(name for name, _ in VIDEO_SIGNATURES)


@dataclass(frozen=True)
class VideoInfo:
    """A checked video: its container family, first frame, frame rate and frame count (None when unknown)."""

    container: str
    first_frame: np.ndarray
    fps: float
    total: int | None


def _match(head: bytes, signatures: tuple[tuple[str, bytes], ...]) -> str | None:
    return next((name for name, sig in signatures if re.match(sig, head, re.DOTALL)), None)


def sniff_container(head: bytes) -> str | None:
    """The video container family whose signature `head` (the file's first bytes) starts with, else None."""
    return _match(head, VIDEO_SIGNATURES)


def probe_video(path: Path, name: str) -> VideoInfo:
    """Check that `path` is a video container holding at least two decodable frames; `name` labels the errors."""
    with open(path, "rb") as file:
        head = file.read(HEAD_BYTES)
    container = sniff_container(head)
    if container is None:
        image = _match(head, IMAGE_SIGNATURES)
        kind = f"a {image} still image" if image else "an unrecognised file type"
        raise SeatError(f"{name}: not a video ({kind}); expected one of {ACCEPTED}")
    try:
        video = FrameSource(str(path))
    except SeatError:
        message = f"{name}: not a video OpenCV can decode ({container} container, corrupt or unsupported codec)"
        raise SeatError(message) from None
    total = video.count
    try:
        frames = list(itertools.islice(video, 2))
    finally:
        video.capture.release()
    if len(frames) < 2:
        raise SeatError(f"{name}: not a video (only one frame decodes); a video needs at least 2 frames")
    return VideoInfo(container, frames[0], video.fps, total)


def downscale(frame: np.ndarray, scale: float) -> np.ndarray:
    """`frame` shrunk by `scale` (pixel-area averaging; sizes rounded down, so a cap is never passed by rounding)
    when `scale` < 1; otherwise `frame` itself, uncopied."""
    if scale >= 1:
        return frame
    height, width = frame.shape[:2]
    size = (max(1, int(width * scale)), max(1, int(height * scale)))
    return cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
