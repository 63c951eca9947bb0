"""Shared helpers for the benchmark scripts: machine description and the validation sequences."""

from __future__ import annotations

import os
from pathlib import Path

from seattrack.data.sequence import Sequence
from seattrack.evaluation.validation import validation_suite
from seattrack.hardware import cpu_name

__all__ = ["machine", "validation_sequences", "validation_suite"]


def machine() -> str:
    """CPU model and core count, for every printed figure."""
    return f"{cpu_name()}, {os.cpu_count()} logical cores"


def validation_sequences(root: str | Path, n: int = 20, length: int = 100, seed: int = 1000,
                         frame_size: tuple[int, int] = (320, 240)) -> list[Sequence]:
    """`n` composite sequences over the *val* photos at `frame_size`, for timing (`validation_suite` is the set
    that epochs and hyper-parameters are chosen on); written once in the folder format and reused."""
    from seattrack.data.synthetic import SceneConfig, write_sequences

    return write_sequences(root, n, split="val", seed=seed, config=SceneConfig(length=length, frame_size=frame_size))
