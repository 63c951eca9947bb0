"""Reading frames: every image becomes a BGR uint8 3-channel array, whatever its file's format.

Grayscale is replicated to 3 channels, 16-bit images are scaled to 8 bits, an alpha channel is dropped; an
unreadable or missing file raises a one-line `SeatError` naming it.
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from ..errors import SeatError


def to_bgr8(image: np.ndarray, where: str = "image") -> np.ndarray:
    """Normalise an array to BGR uint8 (H, W, 3)."""
    if not isinstance(image, np.ndarray) or image.ndim not in (2, 3) or image.size == 0:
        shape = getattr(image, "shape", None)
        raise SeatError(f"{where}: expected an HxW or HxWxC image array, got shape {shape}")
    if image.dtype == np.uint16:
        image = (image >> 8).astype(np.uint8)
    elif image.dtype in (np.float32, np.float64):
        if not np.isfinite(image).all():
            raise SeatError(f"{where}: image contains NaN or infinite values")
        scale = 255.0 if image.max() <= 1.0 else 1.0
        image = np.clip(image * scale, 0, 255).astype(np.uint8)
    elif image.dtype != np.uint8:
        image = np.clip(image, 0, 255).astype(np.uint8)
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    channels = image.shape[2]
    if channels == 1:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    if channels == 4:
        return np.ascontiguousarray(image[:, :, :3])
    if channels != 3:
        raise SeatError(f"{where}: {channels}-channel image, expected 1, 3 or 4 channels")
    return image


def read_frame(path: str | os.PathLike) -> np.ndarray:
    """Read an image file as BGR uint8; a missing or corrupt file raises SeatError naming it."""
    path = Path(path)
    if not path.is_file():
        raise SeatError(f"frame not found: {path}")
    data = np.fromfile(path, dtype=np.uint8)
    image = cv2.imdecode(data, cv2.IMREAD_UNCHANGED) if data.size else None
    if image is None:
        raise SeatError(f"frame {path}: cannot be decoded (corrupt or not an image)")
    return to_bgr8(image, where=f"frame {path}")
