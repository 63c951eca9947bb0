"""Dilated ResNet-50 to layer3 (stride 8, 1024 channels), the SOTS/Ocean development backbone.

No ImageNet ResNet weights ship offline, so it is randomly initialised unless the user gives a state-dict file
(`create_model("seat_r50", backbone_weights=PATH)`, or `model.options.backbone_weights=PATH` in a training config);
torchvision's layout is used so standard ResNet-50 checkpoints load directly. Every conv1..layer3 tensor must be in
the file (layer4 and fc are ignored): a partial or foreign file is an error, never a silent partial load.
"""

from __future__ import annotations

import torch
from torch import nn
from torchvision.models import resnet50

from ...errors import SeatError
from .base import Backbone, conv_out


def _load_imagenet_weights(net: nn.Module, path: str) -> None:
    """Load conv1..layer3 of a torchvision ResNet-50 state-dict file into `net`; anything missing is an error."""
    unused = ("fc.", "layer4.")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
        if not isinstance(state, dict):
            raise TypeError("not a state dict")
        result = net.load_state_dict({k: v for k, v in state.items() if not k.startswith(unused)}, strict=False)
    except (OSError, RuntimeError, TypeError) as exc:  # unreadable file, wrong shapes, wrong content
        raise SeatError(f"ResNet-50 weights {path}: cannot load ({str(exc).splitlines()[0]})") from None
    missing = [k for k in result.missing_keys if not k.startswith(unused)]
    if missing or result.unexpected_keys:
        raise SeatError(f"ResNet-50 weights {path}: not a torchvision ResNet-50 state dict (missing {missing[:3]}, "
                        f"unexpected {result.unexpected_keys[:3]})")


class ResNet50Dilated(Backbone):
    """conv1..layer3 of ResNet-50 with layer3 dilated (stride 8); 255 -> 32x32, 127 -> 16x16."""

    stride = 8
    channels = 1024
    offset = 0  # conv1 7x7/2 p3, maxpool 3/2 p1, layer2 3x3/2 p1, dilated layer3 keeps alignment: 8 * i

    def __init__(self, weights: str | None = None):
        super().__init__()
        net = resnet50(weights=None, replace_stride_with_dilation=[False, True, True])
        if weights:
            _load_imagenet_weights(net, weights)
        self.stem = nn.Sequential(net.conv1, net.bn1, net.relu, net.maxpool)
        self.layer1, self.layer2, self.layer3 = net.layer1, net.layer2, net.layer3

    def feature_size(self, input_size: int) -> int:
        s = conv_out(input_size, 7, 2, 3)
        s = conv_out(s, 3, 2, 1)
        return conv_out(s, 3, 2, 1)

    def stages(self) -> list[nn.Module]:
        return [self.stem, self.layer1, self.layer2, self.layer3]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layer3(self.layer2(self.layer1(self.stem(x))))
