"""Learning-rate schedule of SOTS/Ocean (spec §7): warm-up from `warmup_lr` to `base_lr` over the warm-up epochs
(linear per step), then a log-space decay from `base_lr` to `end_lr` over the remaining epochs (per step)."""

from __future__ import annotations

import math

from .config import OptimConfig


def learning_rate(cfg: OptimConfig, epochs: int, epoch: int, step: int, steps_per_epoch: int) -> float:
    """LR at (epoch, step); a pure function, so resuming needs no scheduler state beyond the position."""
    progress = epoch + step / max(steps_per_epoch, 1)
    warm = min(cfg.warmup_epochs, epochs)
    if progress < warm:
        return cfg.warmup_lr + (cfg.base_lr - cfg.warmup_lr) * progress / warm
    remaining = max(epochs - warm, 1e-9)
    frac = min((progress - warm) / remaining, 1.0)
    return math.exp(math.log(cfg.base_lr) + frac * (math.log(cfg.end_lr) - math.log(cfg.base_lr)))
