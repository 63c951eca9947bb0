"""Cls_Reg head (spec §6.1): two conv towers; cls logits and exp-activated (l, t, r, b) distances in pixels."""

from __future__ import annotations

import torch
from torch import nn


def norm_groups(dim: int) -> int:
    """GroupNorm groups of a tower `dim` channels wide; `dim` must be a multiple of them."""
    return min(32, dim)


def _tower(dim: int, depth: int) -> nn.Sequential:
    layers: list[nn.Module] = []
    for _ in range(depth):
        layers += [nn.Conv2d(dim, dim, 3, padding=1), nn.GroupNorm(norm_groups(dim), dim), nn.ReLU(inplace=True)]
    return nn.Sequential(*layers)


class ClsRegHead(nn.Module):
    """`cls = 0.1 * conv(cls_tower)`; `ltrb = exp(s * conv(reg_tower) + b)` with learnable s (0.1) and b (1.0)."""

    def __init__(self, dim: int = 256, towers: int = 4):
        super().__init__()
        self.cls_tower = _tower(dim, towers)
        self.reg_tower = _tower(dim, towers)
        self.cls_pred = nn.Conv2d(dim, 1, 3, padding=1)
        self.reg_pred = nn.Conv2d(dim, 4, 3, padding=1)
        self.reg_scale = nn.Parameter(torch.tensor(0.1))
        self.reg_bias = nn.Parameter(torch.ones(1, 4, 1, 1))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        cls = 0.1 * self.cls_pred(self.cls_tower(x))
        ltrb = torch.exp(self.reg_scale * self.reg_pred(self.reg_tower(x)) + self.reg_bias)
        return cls, ltrb
