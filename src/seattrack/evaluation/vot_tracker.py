"""vot-toolkit integration: a tracker entry for the toolkit's `python` protocol (vot-toolkit >= 0.7).

Register it in the workspace's `trackers.ini`:

    [SEAT]
    label = SEAT
    protocol = python
    command = seattrack.evaluation.vot_tracker:create_tracker
    arg_model = seat_lite        ; or a checkpoint path

The toolkit imports the module in a worker process, calls `create_tracker(**args)`, then `initialize(frame, new)`
once and `update(frame)` per frame. `frame` is the image path (or a dict of channel -> path); `new` is the target
as the toolkit encodes it: a rectangle (x, y, w, h), a polygon (list of (x, y) points) or a mask (rows of 0/1).
Outputs are `((x, y, w, h), {"confidence": score})`, decoded by the toolkit as a rectangle with a property.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import SeatError
from ..loading import load_tracker
from ..ops.frames import read_frame
from ..track.tracker import SeatTracker


def region_to_box(region: Any) -> np.ndarray:
    """A toolkit-encoded region (rectangle tuple, polygon point list or mask rows) -> x, y, w, h."""
    if isinstance(region, tuple) and len(region) == 4:
        return np.asarray(region, dtype=np.float64)
    if isinstance(region, list) and region and isinstance(region[0], tuple):
        points = np.asarray(region, dtype=np.float64)
        x1, y1 = points.min(0)
        x2, y2 = points.max(0)
        return np.array([x1, y1, x2 - x1, y2 - y1])
    if isinstance(region, list) and region and isinstance(region[0], list):
        rows, cols = np.nonzero(np.asarray(region))
        if len(rows) == 0:
            raise SeatError("VOT initial mask is empty")
        return np.array([cols.min(), rows.min(), cols.max() + 1 - cols.min(), rows.max() + 1 - rows.min()], float)
    raise SeatError(f"VOT region {region!r}: expected a rectangle, a polygon or a mask")


def _image(frame: Any) -> np.ndarray:
    if isinstance(frame, dict):
        frame = frame.get("color") or next(iter(frame.values()))
    return read_frame(frame)


class VOTTracker:
    """SeatTracker behind the vot-toolkit python protocol."""

    def __init__(self, tracker: SeatTracker):
        self.tracker = tracker

    def initialize(self, frame: Any, new: Any, properties: dict | None = None):
        region = new[0] if isinstance(new, tuple) and len(new) == 2 and isinstance(new[1], dict) else new
        box = region_to_box(region)
        self.tracker.init(_image(frame), box)
        return tuple(float(v) for v in box), {"confidence": 1.0}

    def update(self, frame: Any, new: Any = None, properties: dict | None = None):
        result = self.tracker.update(_image(frame))
        confidence = result.present if result.present is not None else result.score  # calibrated when it can be
        return tuple(float(v) for v in result.box_xywh), {"confidence": float(confidence)}


def create_tracker(model: str = "seat_lite", hypers: str | None = None, backend: str = "auto",
                   threads: int | str = 1) -> VOTTracker:
    """Factory named in trackers.ini (`arg_*` entries become keyword arguments, as strings)."""
    return VOTTracker(load_tracker(model, hypers, "cpu", backend, int(threads)))
