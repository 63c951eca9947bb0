"""The derived RFM: a plain sequential stack built from an `Arch` (CH op + PH ops per block, then a 1x1 tail)."""

from __future__ import annotations

import torch
from torch import nn

from .arch import Arch
from .wavemlp import build_op


def conv1x1_tail(c_in: int, c_out: int) -> nn.Sequential:
    """The DenseNAS-style 'conv1_1' tail: 1x1 conv + BN + ReLU to the head's width (spec §3.2 [I])."""
    return nn.Sequential(nn.Conv2d(c_in, c_out, 1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


class RFM(nn.Module):
    """Refine Fusion MLP built from an Arch; input width `c_in` (the CFM output), output `arch.last_dim`."""

    def __init__(self, arch: Arch, c_in: int):
        super().__init__()
        layers: list[nn.Module] = []
        width = c_in
        for block in arch.blocks:
            layers.append(build_op(block.ch_op, width, block.width))
            layers += [build_op(op, block.width, block.width) for op in block.ph_ops]
            width = block.width
        self.blocks = nn.Sequential(*layers)
        self.tail = conv1x1_tail(width, arch.last_dim)
        self.out_dim = arch.last_dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.tail(self.blocks(x))
