"""A test network that 'sees' the target by its colour: a magenta frame drawn around the object.

It implements the SeatNet interface (template/track/geometry/config) with fixed, known geometry, so that a
tracker driving it must follow the target exactly if crops, decoding, window, penalty and smoothing are right.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import torch
from torch import nn

from seattrack.models.seat import MapGeometry

MAGENTA_BGR = (255, 0, 255)


class MagentaOracle(nn.Module):
    def __init__(self, stride: int = 8, offset: float = 3.5, template_size: int = 127, search_size: int = 255):
        super().__init__()
        self.config = SimpleNamespace(template_size=template_size, search_size=search_size)
        self.stride, self.offset = stride, offset

    def geometry(self, search_size: int | None = None) -> MapGeometry:
        size = search_size or self.config.search_size
        return MapGeometry((size - 1 - int(self.offset)) // self.stride + 1, self.stride, self.offset)

    def template(self, z: torch.Tensor, box: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return (box,)

    def track(self, x: torch.Tensor, state: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, torch.Tensor]:
        """Score and box maps for each crop of the batch."""
        cls, ltrb = zip(*(self._track_one(crop) for crop in x))
        return torch.cat(cls), torch.cat(ltrb)

    def _track_one(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        b, g, r = x[0], x[1], x[2]
        mask = (b > 180) & (r > 180) & (g < 90)
        geo = self.geometry(x.shape[-1])
        grid = torch.tensor(geo.offset + geo.stride * np.arange(geo.size), dtype=torch.float32)
        if not mask.any():
            return torch.full((1, 1, geo.size, geo.size), -10.0), torch.full((1, 4, geo.size, geo.size), 10.0)
        ys, xs = torch.nonzero(mask, as_tuple=True)
        x1, x2 = xs.min().float(), xs.max().float() + 1
        y1, y2 = ys.min().float(), ys.max().float() + 1
        gx, gy = grid[None, :], grid[:, None]
        ltrb = torch.stack([gx - x1 + 0 * gy, gy - y1 + 0 * gx, x2 - gx + 0 * gy, y2 - gy + 0 * gx])
        cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
        dist2 = (gx - cx) ** 2 + (gy - cy) ** 2
        cls = 8.0 - dist2 / (2 * (geo.stride * 0.7) ** 2)
        return cls[None, None], ltrb.abs().clamp(min=0.5)[None]
