"""Tracking speed from the per-frame time files: frames per second as the toolkits average it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np


def positive_times(times: Any) -> np.ndarray:
    """All finite positive per-frame times (seconds), flattened over runs."""
    if times is None:
        return np.zeros(0)
    times = np.asarray(times, dtype=np.float64).ravel()
    return times[np.isfinite(times) & (times > 0)]


def mean_fps(times: Mapping[str, np.ndarray], names: Iterable[str]) -> float:
    """Mean over sequences (those with times) of each sequence's mean 1/t over its positive times."""
    speeds = [np.mean(1.0 / t) for t in (positive_times(times.get(n)) for n in names) if len(t)]
    return float(np.mean(speeds)) if speeds else float("nan")
