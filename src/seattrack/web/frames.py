"""Every frame of a session's video as a small JPEG on disk, for the page's timeline (review, start frame, fixes).

The page scrubs by fetching `frames/{k}.jpg` and drawing box k over it itself, so review never depends on the
annotated mp4 (which Chromium cannot play) and a box moved by a correction shows at once, without re-encoding.
Frames are extracted once per session, in a background thread started when the upload is accepted; a frame is
published (`count`) only after its file is complete, so a reader never sees half a JPEG.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import cv2
import numpy as np

from ..errors import SeatError
from ..track.video import FrameSource
from .media import downscale

log = logging.getLogger(__name__)

PREVIEW_SIDE = 1280
"""Longest side of a timeline frame (pixels): sharp enough to draw a box on, small enough to scrub (about 0.1 MB)."""
PREVIEW_QUALITY = 80


def encode_jpeg(frame: np.ndarray, max_side: int = PREVIEW_SIDE, quality: int = PREVIEW_QUALITY) -> bytes:
    """JPEG bytes of `frame`, downscaled so that its longer side is at most `max_side` (a preview, not the output)."""
    frame = downscale(frame, max_side / max(frame.shape[:2]))
    ok, data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise SeatError("frame: cannot be encoded as JPEG")
    return data.tobytes()


class FrameStore:
    """Preview JPEGs of a video's frames in `folder`, extracted by a daemon thread; `count` of them are ready."""

    def __init__(self, source: Path, folder: Path):
        self.source = source
        self.folder = folder
        self.count = 0  # frames 0..count-1 are on disk (an unreadable frame is stored black, so indices align)
        self.done = False  # extraction reached the end of the video (or failed: `count` is then final too)
        self.stop = threading.Event()
        folder.mkdir(exist_ok=True)
        self.thread = threading.Thread(target=self._extract, name="seattrack-frames", daemon=True)
        self.thread.start()

    def path(self, index: int) -> Path:
        return self.folder / f"{index:07d}.jpg"

    def _extract(self) -> None:
        """Decode the whole video once, writing each frame's preview; stops early when the session ends."""
        blank = None
        try:
            source = FrameSource(str(self.source))
            try:
                for index, frame in enumerate(source):
                    if self.stop.is_set():
                        return
                    blank = np.zeros_like(frame) if blank is None else blank  # frame 0 always decodes
                    # an unreadable frame is stored black, keeping frame numbers aligned with the tracker's
                    self.path(index).write_bytes(encode_jpeg(blank if frame is None else frame))
                    self.count = index + 1
            finally:
                if source.capture is not None:
                    source.capture.release()
        except (OSError, SeatError) as exc:  # the session ended and its folder went, or the video broke off
            if not self.stop.is_set():
                log.warning("frame extraction of %s stopped: %s", self.source, exc)
        finally:
            self.done = True

    def close(self) -> None:
        """Stop extracting (the session is ending) and wait for the thread, so its folder can be deleted."""
        self.stop.set()
        self.thread.join(timeout=10)
