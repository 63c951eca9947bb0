"""Fixtures for export tests: real crops cut from real image files, small INT8 settings, a private export cache."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch

from seattrack.export.quantize import Int8Options, export_int8
from seattrack.models import save_model
from seattrack.models.registry import create_model
from seattrack.ops.crops import CropWindow, crop
from seattrack.ops.frames import read_frame

# small but real: 2 train clips x 8 frames to calibrate, 1 held-out clip x 20 frames to measure agreement
SMALL_INT8 = Int8Options(calib_clips=2, calib_frames=8, check_clips=1, check_frames=20, threads=1)


@contextlib.contextmanager
def torch_threads(count: int) -> Iterator[None]:
    """On a busy 2-core machine two PyTorch threads thrash (seconds per forward); one runs in milliseconds."""
    before = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@pytest.fixture(autouse=True)
def one_torch_thread() -> Iterator[None]:
    with torch_threads(1):
        yield


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """loading.cached_onnx_backend exports into $SEATTRACK_CACHE: keep it inside this test session."""
    monkeypatch.setenv("SEATTRACK_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))


def real_crops(image_path: Path, template_size: int, search_sizes: tuple[int, ...] = (255,)):
    """A template crop + box (x1,y1,x2,y2) and search crops of a real photo file, cut as the tracker cuts them."""
    image = read_frame(image_path)
    h, w = image.shape[:2]
    z = crop(image, CropWindow(w * 0.45, h * 0.4, 0.35 * min(h, w), template_size))
    box = np.array([0.3, 0.28, 0.72, 0.66], dtype=np.float32) * template_size
    side = 0.7 * min(h, w) / 255
    xs = {s: crop(image, CropWindow(w * 0.5, h * 0.45, side * s, s)) for s in search_sizes}
    return z, box, xs


def to_tensor(crop_hwc: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(crop_hwc.transpose(2, 0, 1)))[None].float()


@pytest.fixture(scope="session")
def lite_net():
    """seat_lite with its ImageNet backbone; neck and head from a fixed seed (non-degenerate, reproducible)."""
    torch.manual_seed(0)
    return create_model("seat_lite", pretrained_backbone=True).eval()


@pytest.fixture(scope="session")
def lite_export(lite_net, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """seat_lite exported with static INT8 graphs (calibrated on the tracker's own crops)."""
    with torch_threads(1):
        return export_int8(lite_net, tmp_path_factory.mktemp("export") / "seat_lite", "static", options=SMALL_INT8)


@pytest.fixture(scope="session")
def lite_checkpoint(lite_net, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ckpt") / "seat_lite_seeded.pt"
    save_model(lite_net, path)
    return path
