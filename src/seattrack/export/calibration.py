"""Crops exactly as the tracker feeds them to its network, recorded while a tracker runs over real-image clips.

INT8 calibration and the benchmark both need inputs from the real pipeline (context crops of real frames with
the image-mean padding, at the search size the tracker chose), not random tensors. `RecordingBackend` wraps any
Backend and keeps what passes through it; `record_crops` runs an fp32 tracker over clips to collect them.
Clips are `Sequence`s (frames in memory or on disk); `synthetic_clips` renders them with `seattrack.data.synthetic`
(scikit-image photos, see the data policy): the `train` split for calibration, the disjoint `val` split for
measuring agreement.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..data.sequence import Sequence
from ..data.synthetic import SceneConfig, synthetic_sequences
from ..models.seat import MapGeometry
from ..track.backends import Backend
from ..track.run import iter_track
from ..track.tracker import SeatTracker


def synthetic_clips(count: int, length: int, split: str = "train", seed: int = 0) -> list[Sequence]:
    """`count` rendered clips of `length` frames (in memory) from the `split` photo bank."""
    return [clip for _, clip in synthetic_sequences(count, split, seed, SceneConfig(length=length))]


def track_clip(tracker: SeatTracker, clip: Sequence) -> np.ndarray:
    """Boxes (N, 4) x,y,w,h: the first frame's box, then one `update` per following frame."""
    frames = (clip.frame(index) for index in range(len(clip)))
    return np.stack([step.box for step in iter_track(tracker, frames, clip.boxes[0])])


@dataclass
class Recording:
    """Template inputs (crop, box) and search crops, each tagged with the index of its template."""

    templates: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    searches: list[tuple[np.ndarray, int]] = field(default_factory=list)


class RecordingBackend:
    """A Backend that forwards to `inner` and records every crop it is given (no copies: crops are fresh)."""

    def __init__(self, inner: Backend, recording: Recording | None = None):
        self.inner = inner
        self.name = inner.name
        self.template_size = inner.template_size
        self.recording = recording or Recording()

    def geometry(self, search_size: int) -> MapGeometry:
        return self.inner.geometry(search_size)

    def template(self, z_crop: np.ndarray, box_xyxy: np.ndarray) -> Any:
        self.recording.templates.append((z_crop, np.asarray(box_xyxy, dtype=np.float32)))
        return self.inner.template(z_crop, box_xyxy)

    def track(self, x_crop: np.ndarray, state: Any) -> tuple[np.ndarray, np.ndarray]:
        self.recording.searches.append((x_crop, len(self.recording.templates) - 1))
        return self.inner.track(x_crop, state)


def record_crops(backend: Backend, clips: Iterable[Sequence]) -> Recording:
    """Run a tracker on `backend` over `clips` and return every network input it produced."""
    recorder = RecordingBackend(backend)
    tracker = SeatTracker(recorder)
    for clip in clips:
        track_clip(tracker, clip)
    return recorder.recording

