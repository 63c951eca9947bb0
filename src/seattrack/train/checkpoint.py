"""Training checkpoints: model config + Arch + weights + optimizer + scaler + position + each rank's RNG states,
written atomically."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..fileio import torch_save_atomic
from ..models.checkpoint import model_payload, read_checkpoint
from ..models.seat import SeatNet

CHECKPOINT = "checkpoint.pt"  # the resumable state in a run folder


def rng_state() -> dict[str, Any]:
    """This process's torch, NumPy, Python (and CUDA) generator states."""
    state = {"torch": torch.get_rng_state(), "numpy": np.random.get_state(), "python": random.getstate()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    np.random.set_state(state["numpy"])
    random.setstate(state["python"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def rank_rng_state(saved: list[dict[str, Any]] | dict[str, Any], rank: int) -> dict[str, Any] | None:
    """Rank `rank`'s saved generator states, or None when the checkpoint has none for it (it ran on fewer ranks;
    checkpoints from before per-rank states hold rank 0's alone)."""
    states = saved if isinstance(saved, list) else [saved]
    return states[rank] if rank < len(states) else None


def save_training_state(path: Path, net: SeatNet, optimizer: torch.optim.Optimizer, scaler: torch.amp.GradScaler,
                        position: dict[str, Any], config: dict, rng: list[dict[str, Any]],
                        extra: dict[str, Any] | None = None) -> None:
    """Everything needed to continue exactly where training stopped; `rng` holds each rank's `rng_state()`."""
    payload = model_payload(net)
    payload.update({
        "optimizer": optimizer.state_dict(), "scaler": scaler.state_dict(), "position": dict(position),
        "rng": rng, "train_config": config, "extra": extra or {},
    })
    torch_save_atomic(payload, path)


def load_training_state(path: Path) -> dict[str, Any]:
    return read_checkpoint(path)
