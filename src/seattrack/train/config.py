"""The training config (one YAML file + dotted overrides), saved resolved beside the checkpoints."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..data.augment import ColorAugment
from ..data.pairs import CropAugment, PairSettings
from ..errors import SeatError
from ..hardware import is_device_name


def _require(where: str, checks: dict[str, bool], values: Any) -> None:
    """A one-line error naming the first field whose range check fails (NaN fails every check)."""
    for name, ok in checks.items():
        if not ok:
            raise SeatError(f"{where}.{name} = {getattr(values, name)!r}: out of range")


@dataclass
class SourceConfig:
    """One data source: a dataset reader (`got10k`, `lasot`, ..., `folder`) or `synthetic`."""

    name: str
    root: str = ""
    split: str | None = None
    frame_range: int = 100
    weight: float = 1.0
    options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _require("data.sources[]", {"frame_range": self.frame_range >= 1, "weight": self.weight >= 0}, self)


@dataclass
class DataConfig:
    sources: list[SourceConfig] = field(default_factory=lambda: [SourceConfig("synthetic", split="train")])
    samples_per_epoch: int = 1000
    batch_size: int = 16
    workers: int = 0
    pairs: PairSettings = field(default_factory=PairSettings)
    val_sources: list[SourceConfig] = field(default_factory=list)
    val_samples: int = 0

    def __post_init__(self) -> None:
        _require("data", {"samples_per_epoch": self.samples_per_epoch >= 1, "batch_size": self.batch_size >= 1,
                          "workers": self.workers >= 0, "val_samples": self.val_samples >= 0}, self)
        if self.samples_per_epoch < self.batch_size:
            raise SeatError(f"data.samples_per_epoch {self.samples_per_epoch} < data.batch_size {self.batch_size}: "
                            "an epoch would have no batch")


@dataclass
class ModelSpec:
    name: str = "seat_lite"
    arch: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    pretrained_backbone: bool = True
    init_from: str | None = None


@dataclass
class OptimConfig:
    """SGD with warm-up then log decay (spec §7); the backbone trains from `unfreeze_epoch` at a reduced LR."""

    base_lr: float = 0.005
    warmup_lr: float = 0.001
    warmup_epochs: int = 1
    end_lr: float = 0.0005
    momentum: float = 0.9
    weight_decay: float = 1e-4
    unfreeze_epoch: int = 5
    backbone_trainable_stages: int = 0  # after unfreezing: train only the last N backbone stages (0 = all)
    backbone_lr_mult: float = 0.1
    clip_grad: float = 10.0
    cls_weight: float = 1.0
    reg_weight: float = 1.0
    max_loss: float = 1e4

    def __post_init__(self) -> None:
        _require("optim", {
            "base_lr": self.base_lr > 0, "warmup_lr": self.warmup_lr > 0, "end_lr": self.end_lr > 0,
            "warmup_epochs": self.warmup_epochs >= 0, "momentum": 0 <= self.momentum < 1,
            "weight_decay": self.weight_decay >= 0, "unfreeze_epoch": self.unfreeze_epoch >= 0,
            "backbone_trainable_stages": self.backbone_trainable_stages >= 0,
            "backbone_lr_mult": self.backbone_lr_mult >= 0, "clip_grad": self.clip_grad > 0,
            "cls_weight": self.cls_weight >= 0, "reg_weight": self.reg_weight >= 0, "max_loss": self.max_loss > 0,
        }, self)


@dataclass
class TrainConfig:
    model: ModelSpec = field(default_factory=ModelSpec)
    data: DataConfig = field(default_factory=DataConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    epochs: int = 20
    seed: int = 0
    device: str = "auto"
    amp: bool = True
    threads: int = 0
    out_dir: str = "runs/train"
    checkpoint_every: int = 0
    log_every: int = 10

    def __post_init__(self) -> None:
        _require("config", {"epochs": self.epochs >= 1, "threads": self.threads >= 0,
                            "checkpoint_every": self.checkpoint_every >= 0, "log_every": self.log_every >= 1}, self)
        if not is_device_name(self.device, ("auto", "cpu", "cuda")):
            raise SeatError(f"config.device {self.device!r}: expected auto, cpu, cuda or cuda:N")


__all__ = ["SourceConfig", "DataConfig", "ModelSpec", "OptimConfig", "TrainConfig", "PairSettings", "CropAugment",
           "ColorAugment"]
