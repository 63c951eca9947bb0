"""A tiny on-disk training set in the project's folder format, rendered from real photos."""

from __future__ import annotations

import pytest

from tests.conftest import render_target_sequence


@pytest.fixture(scope="session")
def folder_dataset(tmp_path_factory):
    root = tmp_path_factory.mktemp("folder_ds")
    for i in range(2):
        render_target_sequence(root / f"clip{i}", n=12, ext="jpg")
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
