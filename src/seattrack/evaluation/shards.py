"""Split a benchmark's sequences into N deterministic shards, so N machines (a SLURM array, a Kubernetes indexed
Job, or plain processes) each track one part into a shared results folder.

Every machine computes the same partition from the sequences alone: longest sequence first, each to the shard with
the fewest frames so far (ties: the lower index, then the name), so the shards' work is balanced.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from ..data.sequence import Sequence
from ..errors import SeatError


@dataclass(frozen=True)
class Shard:
    """Shard `index` of `count` (0-based, as Kubernetes' JOB_COMPLETION_INDEX)."""

    index: int
    count: int

    def __post_init__(self) -> None:
        if self.count < 1 or not 0 <= self.index < self.count:
            raise SeatError(f"--shard {self.index}/{self.count}: expected 0 <= I < N")

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def select(self, sequences: list[Sequence]) -> list[Sequence]:
        """This shard's sequences (the same on every machine for the same sequences)."""
        load = [0] * self.count
        mine = []
        for seq in sorted(sequences, key=lambda s: (-len(s), s.name)):
            target = min(range(self.count), key=lambda k: (load[k], k))
            load[target] += len(seq)
            if target == self.index:
                mine.append(seq)
        return mine


def _env_int(environ: Mapping[str, str], name: str) -> int:
    try:
        return int(environ[name])
    except ValueError:
        raise SeatError(f"--shard auto: ${name} is {environ[name]!r}, not an integer") from None


def parse_shard(text: str, environ: Mapping[str, str] | None = None) -> Shard:
    """`I/N`, or `auto` / `auto/N`: the index (and count) from a SLURM array job (SLURM_ARRAY_TASK_ID minus
    SLURM_ARRAY_TASK_MIN, SLURM_ARRAY_TASK_COUNT) or a Kubernetes indexed Job (JOB_COMPLETION_INDEX; its count is
    not in the environment, so give it as `auto/N`)."""
    environ = os.environ if environ is None else environ
    index_text, _, count_text = text.partition("/")
    if index_text != "auto":
        if not (index_text.isdigit() and count_text.isdigit()):
            raise SeatError(f"--shard {text!r}: expected I/N (e.g. 0/4), auto or auto/N")
        return Shard(int(index_text), int(count_text))
    if "SLURM_ARRAY_TASK_ID" in environ:
        first = _env_int(environ, "SLURM_ARRAY_TASK_MIN") if "SLURM_ARRAY_TASK_MIN" in environ else 0
        index = _env_int(environ, "SLURM_ARRAY_TASK_ID") - first
        count = _env_int(environ, "SLURM_ARRAY_TASK_COUNT") if "SLURM_ARRAY_TASK_COUNT" in environ else None
    elif "JOB_COMPLETION_INDEX" in environ:
        index, count = _env_int(environ, "JOB_COMPLETION_INDEX"), None
    else:
        raise SeatError("--shard auto: neither SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX is set")
    if count_text:
        if not count_text.isdigit():
            raise SeatError(f"--shard {text!r}: expected auto/N with N an integer")
        given = int(count_text)
        if count is not None and count != given:
            raise SeatError(f"--shard {text}: SLURM_ARRAY_TASK_COUNT is {count}, not {given}")
        count = given
    if count is None:
        raise SeatError("--shard auto: the number of shards is not in the environment; pass --shard auto/N")
    return Shard(index, count)
