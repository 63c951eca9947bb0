"""Run a tracker over a benchmark: sequences in parallel processes, field-standard result files, resumable.

Each sequence's result is written atomically when it finishes, then recorded in the folder's manifest
(`manifest.py`), so an interrupted run resumes by skipping the sequences recorded as finished by this same run
against today's ground truth. Per-frame times are recorded (`<seq>_time.txt`). Worker processes start once
(`TrackerPool`), load the network once and track sequences longest first. How a sequence is tracked and which
files it gets is the benchmark's protocol's business (`protocols.py`).
"""

from __future__ import annotations

import os
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ..config import to_dict
from ..data.sequence import Sequence
from ..errors import SeatError
from ..fileio import file_sha256
from ..track.hypers import TrackerHypers
from . import manifest
from .one_pass import track_ope_together
from .pool import LoadedTracker, TrackerPool
from .protocols import OnePass, Protocol
from .shards import Shard


@dataclass(frozen=True)
class TrackerSpec:
    """Everything a worker process needs to build the tracker (picklable)."""

    model: str
    hypers: str | TrackerHypers | None = None
    backend: str = "auto"
    threads: int = 1
    device: str = "cpu"  # cpu, cuda (worker processes spread over the GPUs) or cuda:K

    def build_backend(self):
        """(backend, hypers): the network behind the tracker, loaded once per process and shared by trackers with
        other hypers, and the hyper-parameters this spec resolves to (see `load_tracker`)."""
        from ..loading import make_backend
        from ..models.resolve import resolve_model
        from ..track.hypers import resolve_hypers

        net = resolve_model(self.model, require_weights=True)
        return make_backend(net, self.backend, self.device, self.threads), resolve_hypers(net, self.hypers)

    def build(self, hypers: str | TrackerHypers | None = None):
        from ..track.tracker import SeatTracker

        backend, resolved = self.build_backend()
        return SeatTracker(backend, hypers or resolved)

    def model_file(self) -> Path:
        """The weights file this spec loads (a checkpoint path, or a registered name's shipped weights)."""
        from ..models.resolve import weights_file

        return weights_file(self.model)

    def resolved_hypers(self) -> TrackerHypers:
        """The hypers this spec tracks with (as `build_backend` resolves them), read from the weights file without
        building the network, so worker processes can still be forked from a parent that ran no torch op."""
        from ..models.checkpoint import read_checkpoint
        from ..track.hypers import choose_hypers

        path = self.model_file()
        return choose_hypers(self.hypers, read_checkpoint(path).get("hypers"), f"{path} hypers")

    def identity(self, protocol: Protocol) -> manifest.RunIdentity:
        """What the results of this spec are recorded under: the weights' digest, the resolved hypers and the
        protocol's result layout."""
        return manifest.RunIdentity(self.model, file_sha256(self.model_file()),
                                    to_dict(self.resolved_hypers()), self.backend, protocol.files.name,
                                    self.device.partition(":")[0])


def has_initial_box(sequence: Sequence) -> bool:
    """Whether the first frame has a finite, positive-size ground-truth box to initialise a tracker from."""
    first = sequence.boxes[0]
    return bool(np.isfinite(first).all() and (first[2:] > 0).all())


def reportable(sequences: list[Sequence], failed: set[str] = frozenset()) -> list[Sequence]:
    """The sequences a report can score: those with an initial box and not in `failed`; the others are skipped
    with one counted warning (the field's convention for bad data), so one bad sequence never aborts a report."""
    kept = [s for s in sequences if has_initial_box(s) and s.name not in failed]
    left_out = [s.name for s in sequences if s not in kept]
    if left_out:
        warnings.warn(f"{len(left_out)} sequence(s) left out of the report (no valid first ground-truth box, or "
                      f"tracking failed): {', '.join(left_out[:5])}{', ...' if len(left_out) > 5 else ''}",
                      stacklevel=2)
    return kept


def run_sequence(tracker, sequence: Sequence, protocol: Protocol, out_dir: Path) -> int:
    """Track one sequence with the protocol and write its result files; returns frames tracked."""
    if not has_initial_box(sequence):
        raise SeatError(f"{sequence.name}: the first frame has no valid ground-truth box to initialise from")
    protocol.track(tracker, sequence, out_dir)
    return len(sequence)


def _track_and_record(loaded: LoadedTracker, sequence: Sequence, protocol: Protocol, out_dir: Path,
                      identity: manifest.RunIdentity) -> int:
    """Worker task: track one sequence, write its result files, then record it as finished by this run."""
    frames = run_sequence(loaded.tracker(), sequence, protocol, out_dir)
    manifest.record(out_dir, identity, sequence)
    return frames


@dataclass
class RunSummary:
    done: int
    skipped: int
    failed: dict[str, str]
    frames: int
    seconds: float
    workers: int = 1
    processes: int = 1
    threads: int = 1
    retracked: int = 0
    shard: Shard | None = None
    pending: int = 0

    @property
    def frames_per_second(self) -> float:
        return self.frames / max(self.seconds, 1e-9)

    def describe(self) -> str:
        """The summary line `seattrack eval` prints."""
        shard = f"shard {self.shard}: " if self.shard else ""
        redone = (f" ({self.retracked} re-tracked: interrupted before being recorded, or their ground truth changed)"
                  if self.retracked else "")
        return (f"{shard}{self.done} sequences tracked{redone}, {self.skipped} already done, {len(self.failed)} "
                f"failed; {self.frames} frames in {self.seconds:.1f} s ({self.frames_per_second:.1f} frames/s with "
                f"{self.workers} worker(s) in {self.processes} process(es), {self.threads} network thread(s) each, on "
                f"{available_cores()} cores)")


def _track_group_and_record(loaded: LoadedTracker, group: tuple[Sequence, ...], protocol: OnePass, out_dir: Path,
                            identity: manifest.RunIdentity) -> list[int | SeatError]:
    """Worker task for `--batch`: track a group of sequences in lockstep (`track_ope_together`), then write and
    record each; per sequence its frame count or its SeatError."""
    ready = [s for s in group if has_initial_box(s)]
    results = dict(zip((s.name for s in ready), track_ope_together([loaded.tracker() for _ in ready], ready)))
    outcomes: list[int | SeatError] = []
    for seq in group:
        result = results.get(seq.name, SeatError(f"{seq.name}: the first frame has no valid ground-truth box to "
                                                 "initialise from"))
        if not isinstance(result, SeatError):
            protocol.write_run(out_dir, seq.name, result)
            manifest.record(out_dir, identity, seq)
            result = len(seq)
        outcomes.append(result)
    return outcomes


def is_finished(protocol: Protocol, out_dir: str | Path, identity: manifest.RunIdentity, sequence: Sequence) -> bool:
    """Whether this run finished `sequence` against today's ground truth: recorded, with complete result files."""
    return manifest.is_recorded(out_dir, identity, sequence) and protocol.files.is_complete(out_dir, sequence.name,
                                                                                            len(sequence))


def available_cores() -> int:
    """The cores this process may run on (its affinity mask, which SLURM and containers set)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def default_workers(sequences: int, threads: int = 1) -> int:
    """As many workers as the cores allow with `threads` network threads each (never oversubscribing them), at most
    one per sequence."""
    return max(1, min(available_cores() // max(threads, 1), sequences))


def run_benchmark(spec: TrackerSpec, sequences: list[Sequence], protocol: Protocol, out_dir: str | Path,
                  workers: int | None = 1, progress: bool = True, shard: Shard | None = None,
                  processes: int | None = None, pool: TrackerPool | None = None, batch: int = 1) -> RunSummary:
    """Track every sequence of this shard that this run has not finished, longest first, with `workers` worker
    threads (None: `default_workers`) over `processes` processes (None: `default_processes`), or through a `pool`
    that is already running (and stays running). `batch` > 1 tracks groups of that many sequences in lockstep,
    their search crops in one network call per frame (one-pass protocols only: see `Protocol.unbatchable`)."""
    if batch > 1 and protocol.unbatchable:
        raise SeatError(f"--batch: {protocol.unbatchable}; use --batch 1")
    out_dir = Path(out_dir)
    identity = spec.identity(protocol)
    files = protocol.files
    manifest.claim(out_dir, identity, has_results=any(files.run_paths(out_dir, s.name) for s in sequences))
    mine = shard.select(sequences) if shard else list(sequences)
    finished = {s.name for s in mine if is_finished(protocol, out_dir, identity, s)}
    todo = sorted((s for s in mine if s.name not in finished), key=lambda s: -len(s))
    retracked = sum(bool(files.run_paths(out_dir, s.name)) for s in todo)
    workers = min(workers or default_workers(len(todo), spec.threads), max(len(todo), 1))
    failed: dict[str, str] = {}
    frames, start = 0, time.perf_counter()
    bar = tqdm(total=len(todo), unit="seq", disable=not progress, desc=f"tracking ({len(finished)} already done)")
    running = pool or TrackerPool(spec, workers, processes)
    if batch > 1:
        task, jobs = _track_group_and_record, [(tuple(todo[i:i + batch]), protocol, out_dir, identity)
                                               for i in range(0, len(todo), batch)]
    else:
        task, jobs = _track_and_record, [(s, protocol, out_dir, identity) for s in todo]
    try:
        for key, result in running.map(task, jobs):
            pairs = zip(key, result) if batch > 1 else [(key, result)]
            for seq, outcome in pairs:
                if isinstance(outcome, SeatError):
                    failed[seq.name] = str(outcome)
                else:
                    frames += outcome
                bar.update(1)
    finally:
        bar.close()
        if pool is None:
            running.close()
    pending = sum(not manifest.is_recorded(out_dir, identity, s) for s in sequences) if shard else 0
    return RunSummary(len(todo) - len(failed), len(finished), failed, frames, time.perf_counter() - start,
                      running.workers, running.processes, spec.threads, retracked, shard, pending)


def results_dir(root: str | Path, tracker_name: str, dataset: str) -> Path:
    """`<root>/<tracker>/<dataset>`: the pysot/got10k results tree."""
    return Path(root) / tracker_name / dataset


def tracker_name(model: str, hypers: str) -> str:
    stem = Path(model).stem if Path(model).suffix else model
    return stem if hypers in ("default", None) else f"{stem}_{Path(str(hypers)).stem.replace(':', '-')}"

