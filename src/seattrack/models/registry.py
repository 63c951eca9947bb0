"""Model registry (timm habits): named configs registered by decorator, built by `create_model`."""

from __future__ import annotations

import dataclasses
import fnmatch
import functools
from collections.abc import Callable
from pathlib import Path

from ..config import from_dict, to_dict
from ..errors import SeatError
from .arch import Arch, ArchBlock, as_arch
from .seat import ModelConfig, SeatNet

_MODELS: dict[str, Callable[[], ModelConfig]] = {}


def register_model(fn: Callable[[], ModelConfig]) -> Callable[[], ModelConfig]:
    """Register a function returning the default `ModelConfig` of a model named after the function (the name is
    written into the config, so the function need not repeat it)."""

    @functools.wraps(fn)
    def named() -> ModelConfig:
        return dataclasses.replace(fn(), name=fn.__name__)

    _MODELS[fn.__name__] = named
    return named


def list_models(pattern: str = "*") -> list[str]:
    """Names of registered models, optionally filtered by a wildcard pattern."""
    return sorted(n for n in _MODELS if fnmatch.fnmatch(n, pattern))


def model_config(name: str, arch: Arch | dict | str | Path | None = None, **overrides) -> ModelConfig:
    """The config of a named model with an optional Arch and field overrides (e.g. fusion='xcorr')."""
    if name not in _MODELS:
        raise SeatError(f"unknown model {name!r}: expected one of {', '.join(list_models())}")
    data = to_dict(_MODELS[name]())
    fields = {f.name for f in dataclasses.fields(ModelConfig)}
    unknown = sorted(set(overrides) - fields)
    if unknown:
        raise SeatError(f"unknown model option(s) {', '.join(unknown)}: expected some of {', '.join(sorted(fields))}")
    data.update(to_dict(overrides))
    arch = as_arch(arch)
    if arch is not None:
        data["arch"] = arch.to_dict()
    return from_dict(ModelConfig, data, where=f"model {name}")


def create_model(name: str, arch: Arch | dict | str | Path | None = None, pretrained_backbone: bool = True,
                 pretrained: bool = False, **overrides) -> SeatNet:
    """Build a named SEAT model.

    `arch` replaces the default RFM (an Arch, a dict, JSON text or a JSON file); `pretrained_backbone` loads the
    ImageNet backbone weights where they exist; `pretrained` loads the shipped tracker weights (seat_lite).
    """
    if pretrained:
        from .checkpoint import load_shipped

        if arch is not None or overrides:
            raise SeatError("pretrained=True loads the shipped weights as trained: drop arch/overrides")
        return load_shipped(name)
    return SeatNet(model_config(name, arch, **overrides), pretrained_backbone=pretrained_backbone)


def _wavemlp_rfm(width: int, depth: int, last_dim: int) -> Arch:
    """The default RFM: one block of `depth` wavemlp_k5_t4_dw layers at `width`, then a tail to `last_dim`."""
    op = "wavemlp_k5_t4_dw"
    return Arch([ArchBlock(width, op, [op] * (depth - 1))], last_dim)


@register_model
def seat_alexnet() -> ModelConfig:
    """SiamFC AlexNet (stride 8, 22x22 map), the paper's headline/NPU backbone; spec head (256, 4 towers)."""
    return ModelConfig(backbone="alexnet", neck_dim=256, fusion_dim=128, head_towers=4, arch=_wavemlp_rfm(128, 3, 256))


@register_model
def seat_lt() -> ModelConfig:
    """SEAT_LT: LightTrack-Mobile backbone (stride 16, 16x16 map) for resource-constrained GPUs."""
    return ModelConfig(backbone="lighttrack_mobile", neck_dim=96, fusion_dim=128, head_towers=4,
                       arch=_wavemlp_rfm(128, 3, 128))


@register_model
def seat_lite() -> ModelConfig:
    """The CPU model: ImageNet EfficientNet-Lite0 to stride 16, a lean neck and a 2-tower head."""
    return ModelConfig(backbone="efficientnet_lite0", neck_dim=64, fusion_dim=64, head_towers=2,
                       arch=_wavemlp_rfm(64, 1, 64))


@register_model
def seat_r50() -> ModelConfig:
    """The authors' development setup: dilated ResNet-50 to layer3, template cropped to the centre 7x7."""
    return ModelConfig(backbone="resnet50_dilated", neck_dim=256, template_crop=7, fusion_dim=256, head_towers=4,
                       arch=_wavemlp_rfm(128, 3, 256))
