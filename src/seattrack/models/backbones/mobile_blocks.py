"""Mobile building blocks shared by the LightTrack and EfficientNet-Lite backbones."""

from __future__ import annotations

import torch
from torch import nn


class SqueezeExcite(nn.Module):
    """Channel attention: GAP -> 1x1 reduce -> act -> 1x1 expand -> sigmoid gate."""

    def __init__(self, channels: int, reduced: int, act: type[nn.Module] = nn.SiLU):
        super().__init__()
        self.reduce = nn.Conv2d(channels, reduced, 1)
        self.act = act()
        self.expand = nn.Conv2d(reduced, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = torch.mean(x, dim=(2, 3), keepdim=True)
        return x * torch.sigmoid(self.expand(self.act(self.reduce(s))))


class InvertedResidual(nn.Module):
    """MBConv: optional 1x1 expand, kxk depthwise (stride s), optional SE, 1x1 project; residual when shapes match.

    Attribute names follow the EfficientNet-PyTorch checkpoint layout (`_expand_conv`, `_bn0`, `_depthwise_conv`,
    `_bn1`, `_project_conv`, `_bn2`) so ImageNet weights load with strict key matching.
    """

    def __init__(
        self,
        c_in: int,
        c_out: int,
        kernel: int,
        stride: int,
        expand: int,
        act: type[nn.Module] = nn.SiLU,
        se_ratio: float = 0.0,
        bn_eps: float = 1e-5,
    ):
        super().__init__()
        mid = c_in * expand
        self.has_expand = expand != 1
        if self.has_expand:
            self._expand_conv = nn.Conv2d(c_in, mid, 1, bias=False)
            self._bn0 = nn.BatchNorm2d(mid, eps=bn_eps)
        self._depthwise_conv = nn.Conv2d(mid, mid, kernel, stride, padding=kernel // 2, groups=mid, bias=False)
        self._bn1 = nn.BatchNorm2d(mid, eps=bn_eps)
        self._se = SqueezeExcite(mid, max(1, int(c_in * se_ratio)), act) if se_ratio > 0 else None
        self._project_conv = nn.Conv2d(mid, c_out, 1, bias=False)
        self._bn2 = nn.BatchNorm2d(c_out, eps=bn_eps)
        self.act = act()
        self.residual = stride == 1 and c_in == c_out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.act(self._bn0(self._expand_conv(x))) if self.has_expand else x
        y = self.act(self._bn1(self._depthwise_conv(y)))
        if self._se is not None:
            y = self._se(y)
        y = self._bn2(self._project_conv(y))
        return x + y if self.residual else y
