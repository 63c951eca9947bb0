"""Square context crops and their inverse (spec §8 steps 1-2), vectorised with one cv2.warpAffine.

Coordinates are continuous: pixel j spans [j, j+1), so a box (x, y, w, h) covers [x, x+w) x [y, y+h). A crop of
side `side` centred on `center` and resized to `out` pixels maps image point p to crop point
(p - center) * out / side + out / 2. Outside the image the crop is padded with the image's per-channel mean.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


def context_side(w: float | np.ndarray, h: float | np.ndarray, context: float = 0.5) -> float | np.ndarray:
    """sqrt((w + p)(h + p)) with p = context * (w + h), element-wise on arrays: the side of the template's context
    square, and (context 0.5) the size measure of the tracker's scale penalty (spec §8)."""
    pad = context * (w + h)
    return np.sqrt((w + pad) * (h + pad))


@dataclass(frozen=True)
class CropWindow:
    """A square window of the image (`center`, `side`) resampled to `out` x `out` pixels."""

    cx: float
    cy: float
    side: float
    out: int

    @property
    def scale(self) -> float:
        """Crop pixels per image pixel."""
        return self.out / self.side

    def affine(self) -> np.ndarray:
        """2x3 matrix mapping image pixel indices to crop pixel indices (centres at index + 0.5)."""
        a = self.scale
        tx = (0.5 - self.cx) * a + self.out / 2 - 0.5
        ty = (0.5 - self.cy) * a + self.out / 2 - 0.5
        return np.array([[a, 0.0, tx], [0.0, a, ty]], dtype=np.float64)

    def to_crop(self, boxes_xywh: np.ndarray) -> np.ndarray:
        """Image boxes (..., 4) x,y,w,h -> crop coordinates."""
        b = np.asarray(boxes_xywh, dtype=np.float64)
        a = self.scale
        x = (b[..., 0] - self.cx) * a + self.out / 2
        y = (b[..., 1] - self.cy) * a + self.out / 2
        return np.stack([x, y, b[..., 2] * a, b[..., 3] * a], axis=-1)

    def to_image(self, boxes_xywh: np.ndarray) -> np.ndarray:
        """Crop boxes (..., 4) x,y,w,h -> image coordinates (the inverse of `to_crop`)."""
        b = np.asarray(boxes_xywh, dtype=np.float64)
        a = self.scale
        x = (b[..., 0] - self.out / 2) / a + self.cx
        y = (b[..., 1] - self.out / 2) / a + self.cy
        return np.stack([x, y, b[..., 2] / a, b[..., 3] / a], axis=-1)


def crop(image: np.ndarray, window: CropWindow, pad_color: np.ndarray | None = None) -> np.ndarray:
    """Resample `window` of a BGR uint8 image to (out, out, 3), padding outside with `pad_color` (default mean)."""
    if pad_color is None:
        pad_color = image_mean(image)
    return cv2.warpAffine(
        image, window.affine(), (window.out, window.out), flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT, borderValue=tuple(float(c) for c in pad_color),
    )


def image_mean(image: np.ndarray) -> np.ndarray:
    """Per-channel mean colour (the padding colour of SiamFC-family trackers)."""
    return np.asarray(cv2.mean(image)[:3], dtype=np.float64)
