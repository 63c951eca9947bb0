"""Benchmark layouts written to disk for the tests: annotation files plus (empty) frame files the readers list."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def write_gt(path: Path, boxes: np.ndarray, frames: Path, digits: int, count: int | None = None,
             first: int = 1) -> Path:
    """An annotation file (comma separated, NaN as 'nan') and `count` frame files (default: one per row), numbered
    from `first`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savetxt(path, np.reshape(boxes, (-1, 4)), fmt="%.3f", delimiter=",")
    frames.mkdir(parents=True, exist_ok=True)
    for i in range(len(boxes) if count is None else count):
        (frames / f"{i + first:0{digits}d}.jpg").touch()  # listed by the readers, decoded only when tracking
    return path


def write_otb(root: Path, gts: dict[str, np.ndarray]) -> dict[str, Path]:
    """The OTB layout: <Seq>/groundtruth_rect.txt and <Seq>/img/%04d.jpg; returns the annotation files."""
    return {n: write_gt(root / n / "groundtruth_rect.txt", gt, root / n / "img", 4) for n, gt in gts.items()}


def write_uav123(root: Path, gts: dict[str, np.ndarray], attributes: dict[str, str] | None = None) -> dict[str, Path]:
    """The UAV123 layout: anno/UAV123/<seq>.txt, data_seq/UAV123/<seq>/%06d.jpg and, for the sequences in
    `attributes`, the line of anno/UAV123/att/<seq>.txt; returns the annotation files."""
    anno = root / "anno" / "UAV123"
    for name, line in (attributes or {}).items():
        (anno / "att").mkdir(parents=True, exist_ok=True)
        (anno / "att" / f"{name}.txt").write_text(line + "\n")
    return {n: write_gt(anno / f"{n}.txt", gt, root / "data_seq" / "UAV123" / n, 6) for n, gt in gts.items()}
