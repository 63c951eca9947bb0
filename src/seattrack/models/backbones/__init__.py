"""Backbone registry: name -> constructor. Each backbone declares stride, channels, offset and input norm."""

from __future__ import annotations

from collections.abc import Callable

from ...errors import SeatError
from .alexnet import AlexNet
from .base import Backbone, InputNorm, to_normalized
from .efficientnet_lite import EfficientNetLite0, EfficientNetLite0S16
from .lighttrack import LightTrackMobile
from .resnet import ResNet50Dilated

BACKBONES: dict[str, Callable[..., Backbone]] = {
    "alexnet": lambda pretrained=True: AlexNet(),
    "lighttrack_mobile": lambda pretrained=True: LightTrackMobile(),
    "efficientnet_lite0": lambda pretrained=True: EfficientNetLite0S16(pretrained=pretrained),
    "resnet50_dilated": lambda pretrained=True: ResNet50Dilated(),
}


def build_backbone(name: str, pretrained: bool = True) -> Backbone:
    """Build a registered backbone; `pretrained` loads ImageNet weights where the project has them."""
    if name not in BACKBONES:
        raise SeatError(f"unknown backbone {name!r}: expected one of {', '.join(BACKBONES)}")
    return BACKBONES[name](pretrained=pretrained)


__all__ = [
    "BACKBONES", "Backbone", "InputNorm", "to_normalized", "build_backbone",
    "AlexNet", "LightTrackMobile", "EfficientNetLite0", "EfficientNetLite0S16", "ResNet50Dilated",
]
