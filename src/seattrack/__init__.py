"""seattrack: the SEAT Siamese tracker (CFM + searched Wave-MLP RFM) from data to deployment.

    import seattrack
    tracker = seattrack.load_tracker("seat_lite")          # shipped weights, CPU
    tracker.init(frame, (x, y, w, h))                       # BGR uint8 numpy image, box in pixels
    result = tracker.update(next_frame)                     # TrackResult(box_xywh, score)
    multi = seattrack.load_multi_tracker("seat_lite")       # several targets, one network call per frame

`Tracker` is the contract every single-object tracker keeps (`init`, then `update -> TrackResult`).
"""

from __future__ import annotations

import importlib.metadata
from typing import TYPE_CHECKING, Any

from .errors import SeatError
from .models import Arch, ArchBlock, ModelConfig, SeatNet, create_model, list_models, load_model

if TYPE_CHECKING:  # imported lazily: tracking pulls in OpenCV
    from .loading import load_multi_tracker, load_tracker
    from .track.multi import MultiTracker
    from .track.tracker import SeatTracker, Tracker, TrackResult

__version__ = importlib.metadata.version("seattrack")

def __getattr__(name: str) -> Any:
    if name in ("SeatTracker", "TrackResult", "Tracker"):
        from .track import tracker as module
    elif name == "MultiTracker":
        from .track import multi as module
    elif name in ("load_tracker", "load_multi_tracker"):
        from . import loading as module
    else:
        raise AttributeError(f"module 'seattrack' has no attribute {name!r}")
    return getattr(module, name)


__all__ = [
    "SeatError", "Arch", "ArchBlock", "ModelConfig", "SeatNet", "create_model", "list_models", "load_model",
    "SeatTracker", "TrackResult", "Tracker", "load_tracker", "MultiTracker", "load_multi_tracker", "__version__",
]
