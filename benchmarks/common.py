"""Shared helpers for the benchmark scripts: machine description and the validation sequences."""

from __future__ import annotations

import os
from pathlib import Path

from seattrack.data.sequence import Sequence
from seattrack.hardware import cpu_name


def machine() -> str:
    """CPU model and core count, for every printed figure."""
    return f"{cpu_name()}, {os.cpu_count()} logical cores"


def validation_suite(root: str | Path, n: int = 16, length: int = 80, seed: int = 1000
                     ) -> dict[str, list[Sequence]]:
    """The validation suite that epochs and tracking hyper-parameters are chosen on: `n` synthetic sequences per
    scene family over the *val* photos (never trained on): `composite` and `camera` (the training mixture's
    families: in-distribution) and `parallax` (a family the training mixture never uses: leave-one-family-out)."""
    from seattrack.data.synthetic import FAMILIES, SceneConfig, write_sequences

    return {family: write_sequences(Path(root) / family, n, split="val", seed=seed, config=SceneConfig(length=length),
                                    family=family) for family in FAMILIES}


def validation_sequences(root: str | Path, n: int = 20, length: int = 100, seed: int = 1000,
                         frame_size: tuple[int, int] = (320, 240)) -> list[Sequence]:
    """The project's held-out validation sequences: synthetic scenes over the *val* image split (never trained on),
    written once in the folder format and reused."""
    from seattrack.data.synthetic import SceneConfig, write_sequences

    return write_sequences(root, n, split="val", seed=seed, config=SceneConfig(length=length, frame_size=frame_size))
