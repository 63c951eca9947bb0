"""Backbone contract: every backbone declares its geometry and the input normalisation it expects.

Callers always feed raw BGR crops with values in [0, 255]; `SeatNet` applies `normalize` once, so the pixel
convention lives in one place. Geometry: feature index i is centred on input pixel `offset + stride * i`
(pixel-index coordinates), which the tracker uses to place its grid exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

IMAGENET_MEAN = (0.485 * 255, 0.456 * 255, 0.406 * 255)
IMAGENET_STD = (0.229 * 255, 0.224 * 255, 0.225 * 255)


@dataclass(frozen=True)
class InputNorm:
    """Normalisation a backbone expects: channel order and per-channel mean/std in 0-255 units."""

    rgb: bool = True
    mean: tuple[float, float, float] = IMAGENET_MEAN
    std: tuple[float, float, float] = IMAGENET_STD


class Backbone(nn.Module):
    """Base class: subclasses set `stride`, `channels`, `offset`, `norm` and implement `forward`."""

    stride: int
    channels: int
    offset: int
    norm: InputNorm = InputNorm()

    def feature_size(self, input_size: int) -> int:
        """Spatial size of the feature map for a square input of `input_size` pixels."""
        raise NotImplementedError

    def stages(self) -> list[nn.Module]:
        """The backbone's layers in input-to-output order (for partial fine-tuning of the last ones)."""
        raise NotImplementedError


def conv_out(size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    """Output length of a convolution or pooling layer along one axis."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def to_normalized(x: torch.Tensor, norm: InputNorm) -> torch.Tensor:
    """Raw BGR [0,255] -> the backbone's expected input (channel order, mean/std)."""
    if norm.rgb:
        x = x[:, [2, 1, 0]]
    mean = torch.tensor(norm.mean, dtype=x.dtype, device=x.device).view(1, 3, 1, 1)
    std = torch.tensor(norm.std, dtype=x.dtype, device=x.device).view(1, 3, 1, 1)
    return (x - mean) / std
