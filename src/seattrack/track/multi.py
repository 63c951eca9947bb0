"""MultiTracker: N independent targets on one video, their search crops run through the network together.

    mt = seattrack.load_multi_tracker("seat_lite", threads=1)
    ids = mt.init(frame, [(x, y, w, h), ...])      # one id per target
    results = mt.update(frame)                     # one TrackResult per target, in `mt.ids` order
    new_id = mt.add(frame, box); mt.remove(ids[0]) # between frames

Each target is a `SeatTracker` of its own (template state, centre, size, search size) sharing one backend, so a
target's boxes are the single tracker's boxes for it. Per frame the crops are cut once per target and every
target with the same search size goes into one `backend.track_batch` call (all of them unless the instance-size
switch gave some a larger crop); box decoding stays per target (`SeatTracker.finish`).
"""

from __future__ import annotations

import numpy as np

from ..errors import SeatError
from ..ops.crops import crop, image_mean
from ..ops.frames import to_bgr8
from .backends import Backend, track_together
from .hypers import TrackerHypers, load_hypers
from .presence import PresenceModel
from .tracker import SeatTracker, TrackResult


class MultiTracker:
    """Several targets, one network call per frame (per distinct search size); ids are never reused."""

    def __init__(self, backend: Backend, hypers: TrackerHypers | str | None = "default",
                 presence: PresenceModel | None = None):
        self.backend = backend
        self.hypers = load_hypers(hypers)
        self.presence = presence  # each target's presence and `lost` when the weights have a calibration
        self.targets: dict[int, SeatTracker] = {}
        self._next_id = 0

    @property
    def ids(self) -> list[int]:
        """The tracked targets' ids, in the order `update` returns their results."""
        return list(self.targets)

    def init(self, image: np.ndarray, boxes) -> list[int]:
        """Forget every target and start tracking `boxes` (x, y, w, h each) on `image`; returns their ids."""
        boxes = list(boxes)
        if not boxes:
            raise SeatError("init boxes: expected at least one x,y,w,h box")
        image = to_bgr8(image, "init image")
        self.targets.clear()
        return [self.add(image, box) for box in boxes]

    def add(self, image: np.ndarray, box) -> int:
        """Start tracking one more target in `box` on `image` (the frame last updated, or a new one); its id."""
        tracker = SeatTracker(self.backend, self.hypers, self.presence)
        tracker.init(image, box)
        target_id, self._next_id = self._next_id, self._next_id + 1
        self.targets[target_id] = tracker
        return target_id

    def remove(self, target_id: int) -> None:
        """Stop tracking target `target_id`."""
        if target_id not in self.targets:
            raise SeatError(f"target id {target_id!r}: not tracked (tracked: {self.ids})")
        del self.targets[target_id]

    def update(self, image: np.ndarray) -> list[TrackResult]:
        """Locate every target in the next frame; one result per target, in `ids` order."""
        if not self.targets:
            raise SeatError("update() called with no targets (init(image, boxes) or add(image, box) first)")
        image = to_bgr8(image, "frame")
        mean = image_mean(image)
        trackers = list(self.targets.values())
        windows = [t.search_windows() for t in trackers]
        crops = [crop(image, w, mean) for ws in windows for w in ws]
        outputs = iter(track_together(self.backend, crops, [t.state for t, ws in zip(trackers, windows) for _ in ws]))
        return [t.finish(image, ws, [next(outputs) for _ in ws]) for t, ws in zip(trackers, windows)]
