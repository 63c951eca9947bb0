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
    "alexnet": lambda pretrained, weights: AlexNet(),
    "lighttrack_mobile": lambda pretrained, weights: LightTrackMobile(),
    "efficientnet_lite0": lambda pretrained, weights: EfficientNetLite0S16(pretrained=pretrained),
    "resnet50_dilated": lambda pretrained, weights: ResNet50Dilated(weights if pretrained else None),
}
ACCEPTS_WEIGHT_FILE = ("resnet50_dilated",)


def build_backbone(name: str, pretrained: bool = True, weights: str | None = None) -> Backbone:
    """Build a registered backbone; `pretrained` loads ImageNet weights where the project has them (the shipped
    EfficientNet-Lite0) or where the user gives a state-dict file in `weights` (ResNet-50)."""
    if name not in BACKBONES:
        raise SeatError(f"unknown backbone {name!r}: expected one of {', '.join(BACKBONES)}")
    if weights and name not in ACCEPTS_WEIGHT_FILE:
        raise SeatError(f"backbone_weights {weights}: backbone {name!r} takes no weight file "
                        f"(only {', '.join(ACCEPTS_WEIGHT_FILE)})")
    return BACKBONES[name](pretrained, weights)


__all__ = [
    "BACKBONES", "Backbone", "InputNorm", "to_normalized", "build_backbone",
    "AlexNet", "LightTrackMobile", "EfficientNetLite0", "EfficientNetLite0S16", "ResNet50Dilated",
]
