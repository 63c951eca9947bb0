"""Tiny on-disk training sets in the project's folder format, rendered from real photos, and a tiny recipe."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import render_target_sequence


@pytest.fixture(scope="session")
def folder_dataset(tmp_path_factory):
    root = tmp_path_factory.mktemp("folder_ds")
    for i in range(2):
        render_target_sequence(root / f"clip{i}", n=12, ext="jpg")
    return root


@pytest.fixture(scope="session")
def bad_dataset(tmp_path_factory):
    """A folder dataset with every kind of bad data: corrupt JPEGs (real files cut in half), a missing frame, NaN /
    zero-size / negative boxes and an empty sequence, beside one clean clip."""
    root = tmp_path_factory.mktemp("bad_ds")
    render_target_sequence(root / "clean", n=12, ext="jpg")
    frames, _ = render_target_sequence(root / "corrupt", n=12, ext="jpg")
    for path in frames[2:]:
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    frames, _ = render_target_sequence(root / "gap", n=12, ext="jpg")
    frames[4].unlink()
    _, boxes = render_target_sequence(root / "badbox", n=12, ext="jpg")
    boxes[3] = np.nan  # the folder format's "target absent": invisible, not counted
    boxes[6, 2] = 0.0  # zero width
    boxes[8, 3] = -5.0  # negative height
    np.savetxt(root / "badbox" / "groundtruth.txt", boxes, fmt="%.2f", delimiter=",")
    (root / "empty").mkdir()
    (root / "empty" / "groundtruth.txt").write_text("")
    return root


def tiny_overrides(root, out_dir, **extra) -> list[str]:
    """A small, fast CPU recipe: seat_lite at 63/127 crops on the folder dataset."""
    base = {
        "model.name": "seat_lite", "model.pretrained_backbone": "false",
        "model.options": "{template_size: 63, search_size: 127}",
        "data.sources": f"[{{name: folder, root: {root}, frame_range: 4}}]",
        "data.samples_per_epoch": 16, "data.batch_size": 4, "epochs": 2, "optim.unfreeze_epoch": 1,
        "out_dir": str(out_dir), "log_every": 1, "threads": 1,
    }
    base.update(extra)
    return [f"{k}={v}" for k, v in base.items()]
