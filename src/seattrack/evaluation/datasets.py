"""Benchmark names of `seattrack eval`: which reader, split, result layout and default metric preset each uses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..data.sequence import Sequence
from ..errors import SeatError


@dataclass(frozen=True)
class Benchmark:
    """`hypers`: the `configs/hypers/<name>.yaml` file for this benchmark's tracking hyper-parameter sets (shipped for
    the standard benchmarks; `seattrack tune` creates or extends it)."""

    source: str
    split: str | None
    layout: str
    preset: str
    hypers: str
    options: dict[str, Any] = field(default_factory=dict)


BENCHMARKS: dict[str, Benchmark] = {
    "otb": Benchmark("otb", None, "ope", "pysot", "otb"),
    "uav123": Benchmark("uav", None, "ope", "pysot", "uav123", {"variant": "uav123"}),
    "uav20l": Benchmark("uav", None, "ope", "pysot", "uav123", {"variant": "uav20l"}),  # same videos
    "lasot": Benchmark("lasot", "test", "ope", "lasot_official", "lasot"),
    "got10k-val": Benchmark("got10k", "val", "got10k", "got10k", "got10k"),  # tuned on val, used on test
    "got10k-test": Benchmark("got10k", "test", "got10k", "got10k", "got10k"),
    "trackingnet": Benchmark("trackingnet", "test", "ope", "trackingnet_server", "trackingnet"),
    "vot2019": Benchmark("vot", None, "vot", "vot2019", "vot2019"),
    "folder": Benchmark("folder", None, "ope", "pysot", "folder"),
}


def benchmark(name: str) -> Benchmark:
    if name not in BENCHMARKS:
        raise SeatError(f"unknown dataset {name!r}: expected one of {', '.join(BENCHMARKS)}")
    return BENCHMARKS[name]


def load_sequences(name: str, root: str, split: str | None = None) -> list[Sequence]:
    """The sequences of a benchmark under `root` (non-empty ones, in the reader's order)."""
    from ..data.sources import build_source

    spec = benchmark(name)
    source = build_source(spec.source, root, split or spec.split, **spec.options)
    sequences = [s for s in source if len(s) > 0]
    if not sequences:
        raise SeatError(f"{name} at {root}: no sequences found")
    return sequences
