"""Shared helpers for the benchmark scripts: machine description, timing statistics, validation sequences."""

from __future__ import annotations

import platform
from pathlib import Path

import numpy as np

from seattrack.data.sequence import Sequence


def machine() -> str:
    """CPU model and core count, for every printed figure."""
    import os

    name = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                name = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{name}, {os.cpu_count()} logical cores"


def stats_ms(seconds: list[float] | np.ndarray) -> tuple[float, float]:
    """Median and p90 in milliseconds."""
    t = np.asarray(seconds, dtype=np.float64) * 1e3
    return float(np.median(t)), float(np.percentile(t, 90))


def validation_sequences(root: str | Path, n: int = 20, length: int = 100, seed: int = 1000) -> list[Sequence]:
    """The project's held-out validation sequences: synthetic scenes over the *val* image split (never trained on),
    written once in the folder format and reused."""
    from seattrack.data.synthetic import SceneConfig, write_sequences

    return write_sequences(root, n, split="val", seed=seed, config=SceneConfig(length=length))
