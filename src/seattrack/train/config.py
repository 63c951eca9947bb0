"""The training config (one YAML file + dotted overrides), saved resolved beside the checkpoints."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..data.augment import ColorAugment
from ..data.pairs import CropAugment, PairSettings


@dataclass
class SourceConfig:
    """One data source: a dataset reader (`got10k`, `lasot`, ..., `folder`) or `synthetic`."""

    name: str
    root: str = ""
    split: str | None = None
    frame_range: int = 100
    weight: float = 1.0
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class DataConfig:
    sources: list[SourceConfig] = field(default_factory=lambda: [SourceConfig("synthetic", split="train")])
    samples_per_epoch: int = 1000
    batch_size: int = 16
    workers: int = 0
    pairs: PairSettings = field(default_factory=PairSettings)
    val_sources: list[SourceConfig] = field(default_factory=list)
    val_samples: int = 0


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


__all__ = ["SourceConfig", "DataConfig", "ModelSpec", "OptimConfig", "TrainConfig", "PairSettings", "CropAugment",
           "ColorAugment"]
