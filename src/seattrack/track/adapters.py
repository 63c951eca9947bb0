"""Adapters presenting SeatTracker through other toolkits' interfaces.

- `Got10kTracker`: the got10k toolkit's `Tracker` interface (PIL RGB images in; `init`, `update`, `track`), so
  `got10k.experiments.ExperimentOTB(...).run(Got10kTracker(...))` works.
- `OpenCVTracker`: OpenCV's tracker interface, `init(frame, box)` then `ok, box = update(frame)`.
"""

from __future__ import annotations

import cv2
import numpy as np

from .run import iter_track
from .tracker import SeatTracker


def _pil_to_bgr(image) -> np.ndarray:
    array = np.asarray(image)
    if array.ndim == 2:
        return cv2.cvtColor(array, cv2.COLOR_GRAY2BGR)
    return cv2.cvtColor(array[:, :, :3], cv2.COLOR_RGB2BGR)


class Got10kTracker:
    """got10k toolkit interface: images are PIL RGB; boxes are x,y,w,h numpy arrays."""

    def __init__(self, tracker: SeatTracker, name: str = "SEAT"):
        self.tracker = tracker
        self.name = name
        self.is_deterministic = True

    def init(self, image, box) -> None:
        self.tracker.init(_pil_to_bgr(image), np.asarray(box, dtype=np.float64))

    def update(self, image) -> np.ndarray:
        return self.tracker.update(_pil_to_bgr(image)).box_xywh

    def track(self, img_files: list[str], box, visualize: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """The toolkit's `track`: boxes (N,4) and per-frame times (N,), frame 0 = the given box."""
        from PIL import Image

        steps = list(iter_track(self.tracker, (_pil_to_bgr(Image.open(p)) for p in img_files), box))
        return np.stack([s.box for s in steps]), np.array([s.seconds for s in steps])


class OpenCVTracker:
    """OpenCV tracker interface; `ok` is False while the target is lost (the presence calibration's hysteresis)
    when the weights have a calibration, else when the classifier's confidence drops below `threshold`."""

    def __init__(self, tracker: SeatTracker, threshold: float = 0.2):
        self.tracker = tracker
        self.threshold = threshold
        self.last_score = 0.0

    def init(self, frame: np.ndarray, box) -> None:
        self.tracker.init(frame, np.asarray(box, dtype=np.float64))

    def update(self, frame: np.ndarray) -> tuple[bool, tuple[int, int, int, int]]:
        result = self.tracker.update(frame)
        self.last_score = result.score
        x, y, w, h = (int(round(v)) for v in result.box_xywh)
        ok = not result.lost if result.present is not None else result.score >= self.threshold
        return ok, (x, y, w, h)

    def getTrackingScore(self) -> float:  # noqa: N802 - OpenCV's TrackerVit method name
        return self.last_score
