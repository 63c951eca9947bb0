"""Shared fixtures: real photos from scikit-image written to disk, and a real-image target sequence on disk."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import skimage.data
import torch

from tests.track.oracle import MAGENTA_BGR

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

def render_target_sequence(root: Path, n: int = 40, size=(320, 240), ext: str = "png"):
    """Astronaut background; a coffee-photo patch with a 2 px magenta frame moving and growing. Returns boxes."""
    w, h = size
    background = cv2.resize(skimage_bgr("astronaut"), (w, h), interpolation=cv2.INTER_AREA)
    texture = skimage_bgr("coffee")
    root.mkdir(parents=True, exist_ok=True)
    boxes = []
    for i in range(n):
        t = i / (n - 1)
        bw, bh = 36 + 30 * t, 28 + 22 * t
        cx = 70 + 170 * t + 12 * np.sin(6 * t)
        cy = 70 + 90 * t
        x1, y1 = int(round(cx - bw / 2)), int(round(cy - bh / 2))
        x2, y2 = int(round(cx + bw / 2)), int(round(cy + bh / 2))
        frame = background.copy()
        frame[y1:y2, x1:x2] = cv2.resize(texture[100:300, 150:400], (x2 - x1, y2 - y1))
        cv2.rectangle(frame, (x1, y1), (x2 - 1, y2 - 1), MAGENTA_BGR, 2)
        cv2.imwrite(str(root / f"{i + 1:08d}.{ext}"), frame)
        boxes.append([x1, y1, x2 - x1, y2 - y1])
    boxes = np.asarray(boxes, dtype=np.float64)
    np.savetxt(root / "groundtruth.txt", boxes, fmt="%.2f", delimiter=",")
    return sorted(root.glob(f"*.{ext}")), boxes


@pytest.fixture(scope="session")
def target_sequence(tmp_path_factory):
    return render_target_sequence(tmp_path_factory.mktemp("seq") / "magenta")
