"""SiamFC-style AlexNet (stride 8): 127 -> 6x6 and 255 -> 22x22 feature maps, 256 channels, no padding."""

from __future__ import annotations

import torch
from torch import nn

from .base import Backbone, conv_out


def _conv_bn(c_in: int, c_out: int, k: int, stride: int = 1, relu: bool = True) -> list[nn.Module]:
    layers: list[nn.Module] = [nn.Conv2d(c_in, c_out, k, stride), nn.BatchNorm2d(c_out)]
    return layers + [nn.ReLU(inplace=True)] if relu else layers


class AlexNet(Backbone):
    """conv11/2-pool-conv5-pool-conv3-conv3-conv3 with BN (SiamFC / SiamRPN AlexNet layout, no groups).

    Trained from scratch here (no ImageNet AlexNet weights ship offline); inputs are ImageNet-normalised RGB.
    """

    stride = 8
    channels = 256
    offset = 43  # conv1 (+5, x2) -> pool (+1, x2) -> conv5 (+2) -> pool (+1, x2) -> three 3x3 (+3): 8*i + 43

    def __init__(self, width: int = 1):
        super().__init__()
        c1, c2, c3 = 96 * width, 256 * width, 384 * width
        self.features = nn.Sequential(
            *_conv_bn(3, c1, 11, 2), nn.MaxPool2d(3, 2),
            *_conv_bn(c1, c2, 5), nn.MaxPool2d(3, 2),
            *_conv_bn(c2, c3, 3),
            *_conv_bn(c3, c3, 3),
            *_conv_bn(c3, self.channels, 3, relu=False),
        )

    def feature_size(self, input_size: int) -> int:
        s = conv_out(input_size, 11, 2)
        s = conv_out(s, 3, 2)
        s = conv_out(s, 5)
        s = conv_out(s, 3, 2)
        for _ in range(3):
            s = conv_out(s, 3)
        return s

    def stages(self) -> list[nn.Module]:
        return list(self.features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x)
