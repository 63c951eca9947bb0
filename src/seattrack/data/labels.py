"""Classification and regression labels on the model's score-map grid (spec §6.2).

The grid comes from the model's geometry (stride, offset, size), never a hard-coded 31. A cell is positive when
its L1 distance to the target centre is at most `r_pos` cells and it lies inside the box; when no cell qualifies
(tiny targets) the nearest cell is positive. Regression targets are the (l, t, r, b) distances from each cell to
the box edges in search-crop pixels, weighted 1 where the cell lies inside the box.
"""

from __future__ import annotations

import numpy as np

from ..models.seat import MapGeometry


def make_labels(box_xyxy: np.ndarray | None, geo: MapGeometry, r_pos: float = 2.0
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(cls (S,S), ltrb (4,S,S), reg_weight (S,S)) as float32; `box_xyxy=None` is a negative pair."""
    s = geo.size
    grid = geo.offset + geo.stride * np.arange(s, dtype=np.float64)
    if box_xyxy is None:
        return np.zeros((s, s), np.float32), np.zeros((4, s, s), np.float32), np.zeros((s, s), np.float32)
    x1, y1, x2, y2 = box_xyxy
    gx, gy = grid[None, :], grid[:, None]
    ltrb = np.stack(np.broadcast_arrays(gx - x1, gy - y1, x2 - gx, y2 - gy)).astype(np.float32)
    inside = ltrb.min(axis=0) > 0
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    dist = (np.abs(gx - cx) + np.abs(gy - cy)) / geo.stride
    positive = (dist <= r_pos) & inside
    if not positive.any():
        positive = dist == dist.min()
    return positive.astype(np.float32), ltrb, inside.astype(np.float32)
