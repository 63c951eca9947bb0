"""Shared fixtures: real images from scikit-image's bundled photos, written to disk as real files."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import skimage.data
import torch

torch.set_num_threads(2)


def skimage_bgr(name: str) -> np.ndarray:
    """A scikit-image bundled photo as BGR uint8 (3 channels)."""
    image = getattr(skimage.data, name)()
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    return cv2.cvtColor(image[:, :, :3], cv2.COLOR_RGB2BGR)


@pytest.fixture(scope="session")
def image_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a few real photos written as PNG/JPEG files."""
    root = tmp_path_factory.mktemp("images")
    for name in ("chelsea", "astronaut", "coffee", "rocket"):
        cv2.imwrite(str(root / f"{name}.png"), skimage_bgr(name))
    return root


@pytest.fixture(scope="session")
def chelsea_path(image_dir: Path) -> Path:
    return image_dir / "chelsea.png"
