"""Benchmark names of `seattrack eval`: which reader and split each uses, and its protocol (how it runs and scores)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..data.sequence import Sequence
from ..errors import SeatError
from .protocols import OPE, GOT10k, Protocol, VOTBaseline


@dataclass(frozen=True)
class Benchmark:
    """`protocol`: how the benchmark runs a tracker and scores it, with its default metric preset or edition.
    `hypers`: the `configs/hypers/<name>.yaml` file for this benchmark's tracking hyper-parameter sets (shipped for
    the standard benchmarks; `seattrack tune` creates or extends it)."""

    source: str
    split: str | None
    protocol: Protocol
    hypers: str
    options: dict[str, Any] = field(default_factory=dict)


BENCHMARKS: dict[str, Benchmark] = {
    "otb": Benchmark("otb", None, OPE("pysot"), "otb"),
    "uav123": Benchmark("uav", None, OPE("pysot"), "uav123", {"variant": "uav123"}),
    "uav20l": Benchmark("uav", None, OPE("pysot"), "uav123", {"variant": "uav20l"}),  # same videos
    "lasot": Benchmark("lasot", "test", OPE("lasot_official"), "lasot"),
    "got10k-val": Benchmark("got10k", "val", GOT10k(), "got10k"),  # tuned on val, used on test
    "got10k-test": Benchmark("got10k", "test", GOT10k(), "got10k"),
    "trackingnet": Benchmark("trackingnet", "test", OPE("trackingnet_server"), "trackingnet"),
    "vot2019": Benchmark("vot", None, VOTBaseline("vot2019"), "vot2019"),
    "folder": Benchmark("folder", None, OPE("pysot"), "folder"),
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
