"""Fixtures shared by the runner and command-line tests: a model checkpoint and small datasets written to disk."""

from __future__ import annotations

import numpy as np
import pytest

from seattrack.models import create_model, save_model
from tests.conftest import render_target_sequence


@pytest.fixture(scope="session")
def checkpoint(tmp_path_factory):
    """seat_lite with its ImageNet backbone and a random neck/head, saved as a checkpoint file."""
    path = tmp_path_factory.mktemp("ckpt") / "seat_lite_test.pt"
    save_model(create_model("seat_lite"), path)
    return path


@pytest.fixture(scope="session")
def otb_root(tmp_path_factory):
    """Four OTB-layout sequences (8, 10, 12, 14 frames): <Seq>/img/%04d.jpg and 1-based groundtruth_rect.txt."""
    root = tmp_path_factory.mktemp("otb")
    for i, name in enumerate(["Alpha", "Beta", "Gamma", "Delta"]):
        frames, boxes = render_target_sequence(root / name / "img", n=8 + 2 * i, ext="jpg")
        for k, f in enumerate(frames):
            f.rename(f.with_name(f"{k + 1:04d}.jpg"))
        (root / name / "img" / "groundtruth.txt").unlink()
        np.savetxt(root / name / "groundtruth_rect.txt", boxes + [1, 1, 0, 0], fmt="%d", delimiter=",")
    return root
