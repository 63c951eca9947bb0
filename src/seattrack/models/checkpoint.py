"""Model files: one checkpoint holds the model config (with its Arch) and the weights, so a model is rebuilt
from the file alone. Training checkpoints add optimizer/scheduler/RNG state under other keys.

Every file is read with `torch.load(weights_only=True)`: tensors, numbers, strings and containers only, so loading a
file never runs code from it. The one extra type a training checkpoint holds, numpy's RNG state (an array of
uint32 and its dtype), is allowed explicitly (`SAFE_GLOBALS`); anything else is refused with a one-line error.
"""

from __future__ import annotations

import pickle
from importlib import resources
from pathlib import Path
from typing import Any

import torch

from ..config import from_dict, to_dict
from ..errors import SeatError
from ..fileio import torch_save_atomic
from .seat import ModelConfig, SeatNet

FORMAT = "seattrack-checkpoint"


def _safe_globals() -> list[Any]:
    """What numpy needs to rebuild an array and its dtype (the RNG state of training checkpoints), nothing more."""
    import numpy as np

    core = getattr(np, "_core", None) or np.core  # numpy >= 2 renamed np.core
    return [core.multiarray._reconstruct, np.ndarray, np.dtype, type(np.dtype(np.uint32))]


def model_payload(model: SeatNet, half: bool = False) -> dict[str, Any]:
    """The minimal checkpoint content for `model` (weights optionally stored as fp16 to halve the file)."""
    state = {k: (v.half() if half and v.is_floating_point() else v) for k, v in model.state_dict().items()}
    return {"format": FORMAT, "version": 1, "model_config": to_dict(model.config), "model": state}


def save_model(model: SeatNet, path: str | Path, half: bool = False, **extra: Any) -> None:
    """Write a standalone model file atomically."""
    torch_save_atomic({**model_payload(model, half), **extra}, path)


def read_checkpoint(path: str | Path) -> dict[str, Any]:
    """Load a checkpoint dict, with one-line errors for missing or foreign files."""
    path = Path(path)
    if not path.is_file():
        raise SeatError(f"checkpoint not found: {path}")
    try:
        with torch.serialization.safe_globals(_safe_globals()):
            payload = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:  # a type outside the allow-list: refused, never run
        reason = str(exc).split("Unsupported global: ")[-1].split(" was not")[0].strip()
        raise SeatError(f"checkpoint {path}: refused, it holds objects that could run code ({reason[:120]})") from None
    except Exception as exc:  # corrupted zip, truncated file, not a torch file
        raise SeatError(f"checkpoint {path}: cannot be read ({type(exc).__name__})") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise SeatError(f"checkpoint {path}: not a seattrack checkpoint (no '{FORMAT}' marker)")
    return payload


def checked_state(state: Any, expected: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """`state` with floating-point weights cast back to fp32, once it holds exactly the `expected` keys with
    tensors of their shapes; the first problem is one SeatError (load_state_dict lists all over many lines)."""
    if not isinstance(state, dict):
        raise SeatError(f"'model' is a {type(state).__name__}, expected a mapping of weight names to tensors")
    for key, want in expected.items():
        if key not in state:
            raise SeatError(f"{key} is missing from the weights")
        value = state[key]
        if not isinstance(value, torch.Tensor):
            raise SeatError(f"{key} is a {type(value).__name__}, expected a tensor")
        if value.shape != want.shape:
            raise SeatError(f"{key} has shape {tuple(value.shape)}, expected {tuple(want.shape)}")
    unexpected = [key for key in state if key not in expected]
    if unexpected:
        raise SeatError(f"{str(unexpected[0])[:120]} is not a weight of this model ({len(unexpected)} unexpected)")
    return {k: (v.float() if v.is_floating_point() else v) for k, v in state.items()}


def model_from_payload(payload: dict[str, Any], where: str = "checkpoint") -> SeatNet:
    """Rebuild a SeatNet from checkpoint content; a config or weights that do not fit are one SeatError naming
    `where` and the first problem, the config checked before any layer is built."""
    try:
        config = from_dict(ModelConfig, payload.get("model_config"), where="model_config")
        model = SeatNet(config, pretrained_backbone=False)
        state = checked_state(payload.get("model"), model.state_dict())
    except SeatError as exc:
        raise SeatError(f"{where}: {exc}") from None
    model.load_state_dict(state, strict=True)
    model.tracking_hypers = payload.get("hypers")  # the set tuned for these weights, when the file carries one
    return model.eval()


def load_model(path: str | Path) -> SeatNet:
    """Rebuild a model from a checkpoint file (training checkpoints included)."""
    return model_from_payload(read_checkpoint(path), where=str(path))


def shipped_weights_path(name: str) -> Path | None:
    """The weight file shipped inside the package for `name`, or None."""
    path = Path(str(resources.files("seattrack") / "weights" / f"{name}.pt"))
    return path if path.is_file() else None


def load_shipped(name: str) -> SeatNet:
    """The shipped trained weights of a named model; a clear error when none ship."""
    path = shipped_weights_path(name)
    if path is None:
        raise SeatError(
            f"no trained weights ship for {name!r}: train it with `seattrack train` and pass the checkpoint "
            "(random weights track nothing)"
        )
    return load_model(path)
