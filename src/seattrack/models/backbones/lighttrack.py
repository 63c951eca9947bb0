"""LightTrack-Mobile backbone (stride 16, 96 channels), spec §1.3.

Stem 3x3/2 (16) -> depthwise-separable block (16) -> inverted-residual stages 24 (2 blocks) / 40 (4) / 80 (4) /
96 (3), squeeze-excite in every IR block, Swish activations. The kernel/expansion choice per block is the
project's own fixed path (LightTrack's searched path is not published as code we may copy). No ImageNet
weights exist offline for it, so it is trained from scratch.
"""

from __future__ import annotations

import torch
from torch import nn

from .base import Backbone, conv_out
from .mobile_blocks import InvertedResidual, SqueezeExcite

# (out channels, first stride, [(kernel, expansion) per block])
STAGES: tuple[tuple[int, int, tuple[tuple[int, int], ...]], ...] = (
    (24, 2, ((3, 4), (3, 4))),
    (40, 2, ((5, 4), (3, 4), (5, 4), (3, 4))),
    (80, 2, ((5, 6), (3, 4), (5, 4), (3, 4))),
    (96, 1, ((5, 6), (3, 4), (5, 4))),
)


class LightTrackMobile(Backbone):
    """LightTrack-Mobile-shaped backbone: 255 -> 16x16, 127 -> 8x8, 96 channels."""

    stride = 16
    channels = 96
    offset = 0  # symmetric 'same' padding everywhere: feature i is centred on pixel 16 * i

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 2, 1, bias=False), nn.BatchNorm2d(16), nn.SiLU())
        self.ds = nn.Sequential(
            nn.Conv2d(16, 16, 3, 1, 1, groups=16, bias=False), nn.BatchNorm2d(16), nn.SiLU(),
            SqueezeExcite(16, 4), nn.Conv2d(16, 16, 1, bias=False), nn.BatchNorm2d(16),
        )
        blocks: list[nn.Module] = []
        c_in = 16
        for c_out, stride, layers in STAGES:
            for i, (kernel, expand) in enumerate(layers):
                blocks.append(InvertedResidual(c_in, c_out, kernel, stride if i == 0 else 1, expand, se_ratio=0.25))
                c_in = c_out
        self.blocks = nn.Sequential(*blocks)

    def feature_size(self, input_size: int) -> int:
        s = conv_out(input_size, 3, 2, 1)
        for _, stride, _ in STAGES:
            s = conv_out(s, 3, stride, 1)
        return s

    def stages(self) -> list[nn.Module]:
        return [self.stem, self.ds, *self.blocks]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        x = x + self.ds(x)
        return self.blocks(x)
