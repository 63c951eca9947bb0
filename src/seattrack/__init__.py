"""seattrack: the SEAT Siamese tracker (CFM + searched Wave-MLP RFM) from data to deployment.

    import seattrack
    tracker = seattrack.load_tracker("seat_lite")          # shipped weights, CPU
    tracker.init(frame, (x, y, w, h))                       # BGR uint8 numpy image, box in pixels
    result = tracker.update(next_frame)                     # TrackResult(box_xywh, score)
    multi = seattrack.load_multi_tracker("seat_lite")       # several targets, one network call per frame
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import SeatError
from .models import Arch, ArchBlock, ModelConfig, SeatNet, create_model, list_models, load_model

if TYPE_CHECKING:  # imported lazily: tracking pulls in OpenCV
    from .track.multi import MultiTracker
    from .track.tracker import SeatTracker, TrackResult

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name in ("SeatTracker", "TrackResult", "load_tracker"):
        from .track import tracker as _tracker

        return getattr(_tracker, name)
    if name in ("MultiTracker", "load_multi_tracker"):
        from .track import multi as _multi

        return getattr(_multi, name)
    raise AttributeError(f"module 'seattrack' has no attribute {name!r}")


__all__ = [
    "SeatError", "Arch", "ArchBlock", "ModelConfig", "SeatNet", "create_model", "list_models", "load_model",
    "SeatTracker", "TrackResult", "load_tracker", "MultiTracker", "load_multi_tracker", "__version__",
]
