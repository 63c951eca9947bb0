"""Turn a user's model argument (a registered name or a checkpoint path) into a SeatNet."""

from __future__ import annotations

from pathlib import Path

from ..errors import SeatError
from .checkpoint import load_model, shipped_weights_path
from .registry import create_model, list_models
from .seat import SeatNet


def resolve_model(spec: str, arch: str | None = None, pretrained_backbone: bool = True,
                  require_weights: bool = False) -> SeatNet:
    """`spec` is a checkpoint file or a model name; a name loads its shipped weights when they exist.

    With `require_weights`, a name without shipped weights is an error (random weights track nothing).
    """
    path = Path(spec)
    if path.suffix in (".pt", ".pth", ".ckpt") or path.is_file():
        if arch:
            raise SeatError(f"--arch cannot be combined with a checkpoint ({spec}): the checkpoint holds its Arch")
        return load_model(path)
    if spec not in list_models():
        raise SeatError(f"model {spec!r}: not a registered name ({', '.join(list_models())}) nor a checkpoint file")
    if arch is None and shipped_weights_path(spec) is not None:
        return create_model(spec, pretrained=True)
    if require_weights:
        raise SeatError(
            f"no trained weights for {spec!r}: pass a checkpoint from `seattrack train` (random weights track nothing)"
        )
    return create_model(spec, arch=arch, pretrained_backbone=pretrained_backbone)


def weights_file(spec: str) -> Path:
    """The file `resolve_model(spec, require_weights=True)` loads: a checkpoint, or a name's shipped weights."""
    path = Path(spec)
    if path.suffix in (".pt", ".pth", ".ckpt") or path.is_file():
        if not path.is_file():
            raise SeatError(f"checkpoint not found: {path}")
        return path
    shipped = shipped_weights_path(spec) if spec in list_models() else None
    if shipped is None:
        raise SeatError(f"model {spec!r}: no shipped weights and not a checkpoint file")
    return shipped
