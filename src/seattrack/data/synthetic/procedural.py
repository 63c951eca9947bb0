"""Procedural content: textures, object masks, patches cut from bank images and colour shifts.

Everything is built from a few random numbers expanded by OpenCV resizes and drawing calls (no loops over
pixels), so a fresh texture or object costs well under a millisecond and the scenes never run out of variety.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np


def _grid(rng: np.random.Generator, h: int, w: int, cells: int, channels: int = 1) -> np.ndarray:
    """Uniform noise on a coarse grid of about `cells` cells across, smoothly upsampled to (h, w)."""
    gh, gw = max(2, round(cells * h / max(h, w))), max(2, round(cells * w / max(h, w)))
    coarse = rng.random((gh, gw, channels), dtype=np.float32)
    return cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC).reshape(h, w, channels)


def _palette(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """Map a (h, w, 1) field in [0, 1] onto a ramp between two random BGR colours."""
    low, high = rng.uniform(0, 255, (2, 3)).astype(np.float32)
    return low + np.clip(weights, 0, 1) * (high - low)


def _field(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """A smooth random colour field."""
    return _grid(rng, h, w, int(rng.integers(2, 7)), 3) * 255


def _noise(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """Multi-octave value noise (clouds to gravel) painted with a random two-colour ramp."""
    octaves = int(rng.integers(2, 5))
    base = int(rng.integers(3, 9))
    total = sum(_grid(rng, h, w, base * 2**k) * 0.6**k for k in range(octaves))
    total -= total.min()
    return _palette(rng, total / max(float(total.max()), 1e-6))


def _stripes(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """Straight or plaid stripes (rotated later by the scene's warps), hard or soft edged."""
    period = rng.uniform(4, max(8, w / 3))
    sharpness = rng.choice([1.0, 8.0])
    profile = np.tanh(sharpness * np.sin(2 * np.pi * np.arange(w) / period + rng.uniform(0, 2 * np.pi)))
    weights = np.broadcast_to(profile[None, :], (h, w))
    if rng.random() < 0.3:
        rows = np.tanh(sharpness * np.sin(2 * np.pi * np.arange(h) / period + rng.uniform(0, 2 * np.pi)))
        weights = weights * rows[:, None]
    return _palette(rng, (weights[:, :, None] + 1) / 2)


def _blobs(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """Two-colour blobs: thresholded smooth noise with soft edges."""
    noise = _grid(rng, h, w, int(rng.integers(3, 12)))
    weights = 1 / (1 + np.exp(-rng.uniform(10, 40) * (noise - rng.uniform(0.35, 0.65))))
    return _palette(rng, weights)


def _shapes(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """Random filled circles, rectangles and triangles over a smooth field."""
    canvas = np.ascontiguousarray(_field(rng, h, w).astype(np.uint8))
    size = max(h, w)
    for _ in range(int(rng.integers(2, 12))):
        colour = rng.uniform(0, 255, 3).tolist()
        centre = rng.uniform((0, 0), (w, h))
        radius = rng.uniform(0.05, 0.3) * size
        kind = rng.integers(3)
        if kind == 0:
            cv2.circle(canvas, tuple(int(v) for v in centre), int(radius), colour, -1, cv2.LINE_AA)
        else:
            corners = centre + rng.uniform(-radius, radius, (4 if kind == 1 else 3, 2))
            cv2.fillPoly(canvas, [corners.astype(np.int32)], colour, cv2.LINE_AA)
    return canvas


TEXTURES: dict[str, Callable[[np.random.Generator, int, int], np.ndarray]] = {
    "field": _field, "noise": _noise, "stripes": _stripes, "blobs": _blobs, "shapes": _shapes,
}


def procedural_texture(rng: np.random.Generator, h: int, w: int, kind: str | None = None) -> np.ndarray:
    """A random (h, w, 3) BGR uint8 texture of `kind` (one of `TEXTURES`, random when None)."""
    kind = kind or str(rng.choice(list(TEXTURES)))
    texture = TEXTURES[kind](rng, h, w)
    return np.clip(texture, 0, 255).astype(np.uint8)


def _blob_outline(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """A star-shaped irregular outline around the patch centre (random low-order Fourier radius)."""
    angles = np.linspace(0, 2 * np.pi, 48, endpoint=False)
    orders = np.arange(1, 5)[:, None]
    amplitude = rng.normal(0, 0.25, (4, 1)) / orders
    radius = 1 + (amplitude * np.cos(orders * angles + rng.uniform(0, 2 * np.pi, (4, 1)))).sum(0)
    radius = np.clip(radius, 0.35, None) / max(radius.max(), 1e-6)
    return np.stack([(w - 1) / 2 * (1 + radius * np.cos(angles)), (h - 1) / 2 * (1 + radius * np.sin(angles))], 1)


def _box_outline(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """The patch rectangle, sometimes with cut corners."""
    cut = rng.uniform(0, 0.3) if rng.random() < 0.5 else 0.0
    cx, cy = cut * (w - 1), cut * (h - 1)
    x1, y1 = w - 1, h - 1
    return np.array([(cx, 0), (x1 - cx, 0), (x1, cy), (x1, y1 - cy), (x1 - cx, y1), (cx, y1), (0, y1 - cy), (0, cy)])


def _ellipse_outline(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    angles = np.linspace(0, 2 * np.pi, 48, endpoint=False)
    return np.stack([(w - 1) / 2 * (1 + np.cos(angles)), (h - 1) / 2 * (1 + np.sin(angles))], 1)


OUTLINES: dict[str, Callable[[np.random.Generator, int, int], np.ndarray]] = {
    "blob": _blob_outline, "ellipse": _ellipse_outline, "box": _box_outline,
}


EDGES: tuple[str, ...] = ("hard", "soft", "ragged")


def object_mask(rng: np.random.Generator, h: int, w: int, kind: str | None = None, edge: str | None = None
                ) -> np.ndarray:
    """An (h, w) float32 alpha mask in [0, 1] of an object filling the patch; it always covers the centre.

    `kind` is one of `OUTLINES`, `edge` one of `EDGES` (each random when None): a hard edge is the polygon's
    anti-aliased outline, a soft one is blurred by up to 3 px, a ragged one is eaten away irregularly (by noise,
    up to 15 % of the patch deep).
    """
    kind = kind or str(rng.choice(list(OUTLINES), p=[0.5, 0.25, 0.25]))
    edge = edge or str(rng.choice(EDGES))
    outline = OUTLINES[kind](rng, h, w)
    mask = np.zeros((h, w), np.uint8)
    cv2.fillPoly(mask, [np.round(outline * 16).astype(np.int32)], 255, cv2.LINE_AA, shift=4)
    alpha = mask.astype(np.float32) / 255
    if edge == "soft":
        alpha = cv2.GaussianBlur(alpha, (0, 0), rng.uniform(0.5, 3.0))
    elif edge == "ragged":
        depth = rng.uniform(2, max(3.0, 0.15 * min(h, w)))  # how far in the outline is eaten, at most
        inside = cv2.distanceTransform((mask > 127).astype(np.uint8), cv2.DIST_L2, 3)
        grain = _grid(rng, h, w, max(4, round(max(h, w) / rng.uniform(2, 5))))[:, :, 0]
        alpha = cv2.GaussianBlur((inside > depth * grain).astype(np.float32), (0, 0), 0.5)
    return alpha.astype(np.float32)


def cut_patch(rng: np.random.Generator, image: np.ndarray, h: int, w: int) -> np.ndarray:
    """A random region of `image`, resampled to (h, w) at a random zoom and sometimes mirrored."""
    zoom = np.exp(rng.uniform(-0.7, 0.7))
    ch = int(np.clip(round(h * zoom), 2, image.shape[0]))
    cw = int(np.clip(round(w * zoom), 2, image.shape[1]))
    y0 = int(rng.integers(0, image.shape[0] - ch + 1))
    x0 = int(rng.integers(0, image.shape[1] - cw + 1))
    crop = image[y0:y0 + ch, x0:x0 + cw]
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    interpolation = cv2.INTER_AREA if ch * cw > h * w else cv2.INTER_LINEAR
    return cv2.resize(np.ascontiguousarray(crop), (w, h), interpolation=interpolation)


def shift_colour(rng: np.random.Generator, image: np.ndarray, strength: float = 0.15) -> np.ndarray:
    """`image` with a small random per-channel gain and offset: a look-alike with slightly different colour."""
    gains = np.exp(rng.normal(0, strength, 3))
    offsets = rng.normal(0, 60 * strength, 3)
    levels = np.arange(256, dtype=np.float32)[:, None]
    table = np.clip(levels * gains + offsets, 0, 255).astype(np.uint8)
    return cv2.LUT(image, table.reshape(1, 256, 3))
