"""Run a tracker over a benchmark: sequences in parallel processes, field-standard result files, resumable.

Each sequence's result is written atomically when it finishes, then recorded in the folder's manifest
(`manifest.py`), so an interrupted run resumes by skipping the sequences recorded as finished by this same run
against today's ground truth. Per-frame times are recorded (`<seq>_time.txt`). Worker processes start once
(`TrackerPool`), load the network once and track sequences longest first; a reader thread decodes frames ahead of
the network.
"""

from __future__ import annotations

import os
import queue
import threading
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
from tqdm import tqdm

from ..config import to_dict
from ..data.sequence import Sequence
from ..errors import SeatError
from ..fileio import file_sha256
from ..track.backends import track_together
from ..track.hypers import TrackerHypers
from . import manifest
from .datasets import benchmark
from .longterm import confidence_path, write_confidences
from .pool import LoadedTracker, TrackerPool
from .results import is_complete, run_paths, write_boxes, write_vot
from .shards import Shard
from .vot import run_vot_baseline


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
        from ..models.resolve import resolve_model
        from ..track.backends import make_backend
        from ..track.tracker import resolve_hypers

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

    def identity(self, layout: str) -> manifest.RunIdentity:
        """What the results of this spec are recorded under: the weights' digest and the resolved hypers."""
        return manifest.RunIdentity(self.model, file_sha256(self.model_file()),
                                    to_dict(self.resolved_hypers()), self.backend, layout,
                                    self.device.partition(":")[0])


def read_ahead(sequence: Sequence, depth: int = 8) -> Iterator[np.ndarray | SeatError]:
    """The sequence's frames in order, decoded by a reader thread up to `depth` frames ahead of the consumer (image
    decoding releases the GIL, so it overlaps the network); an unreadable frame is yielded as its SeatError."""
    frames: queue.Queue = queue.Queue(depth)
    stop = threading.Event()

    def reader() -> None:
        for i in range(len(sequence)):
            try:
                item = sequence.frame(i)
            except Exception as exc:  # handed to the consumer, which re-raises anything but a SeatError
                item = exc
            while not stop.is_set():
                try:
                    frames.put(item, timeout=0.1)
                    break
                except queue.Full:
                    continue
            if stop.is_set():
                return

    thread = threading.Thread(target=reader, name=f"read-{sequence.name}", daemon=True)
    thread.start()
    try:
        for _ in range(len(sequence)):
            item = frames.get()
            if isinstance(item, Exception) and not isinstance(item, SeatError):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()


class OPERun(NamedTuple):
    """A one-pass run: per-frame boxes (N, 4), seconds (N,), and confidences (N,): the calibrated presence when the
    tracker has one, else the classifier's score (frame 0, the initialisation, NaN; an unreadable frame 0)."""

    boxes: np.ndarray
    times: np.ndarray
    confidences: np.ndarray


def confidence(result) -> float:
    """What a result file records as a frame's confidence: the calibrated presence when there is one."""
    return float(result.present if result.present is not None else result.score)


def track_ope(tracker, sequence: Sequence) -> OPERun:
    """One-pass evaluation: init on frame 0 with its ground truth, update on every other frame.

    An unreadable frame keeps the previous box (counted in a warning), as the field's runners do.
    """
    n = len(sequence)
    boxes, times, confidences = np.zeros((n, 4)), np.zeros(n), np.zeros(n)
    boxes[0], confidences[0] = sequence.boxes[0], np.nan
    unreadable = 0
    for i, frame in enumerate(read_ahead(sequence)):
        if isinstance(frame, SeatError):
            if i == 0:
                raise frame
            unreadable += 1
            boxes[i] = boxes[i - 1]
            continue
        start = time.perf_counter()
        if i == 0:
            tracker.init(frame, sequence.boxes[0])
        else:
            result = tracker.update(frame)
            boxes[i], confidences[i] = result.box_xywh, confidence(result)
        times[i] = time.perf_counter() - start
    if unreadable:
        warnings.warn(f"{sequence.name}: {unreadable} unreadable frame(s) kept the previous box", stacklevel=2)
    return OPERun(boxes, times, confidences)


def track_ope_together(trackers: list, sequences: list[Sequence]) -> list[OPERun | SeatError]:
    """`track_ope` for several sequences in lockstep, each with its own tracker on one shared backend: at every frame
    the search crops of the sequences still running go through one batched network call per crop size (what a GPU
    wants; `eval --batch`). Each sequence gets `track_ope`'s boxes (bit for bit with ONNX Runtime) or the SeatError
    of its first frame; a step's time is shared equally among the sequences in it."""
    boxes = [np.zeros((len(s), 4)) for s in sequences]
    times = [np.zeros(len(s)) for s in sequences]
    confidences = [np.full(len(s), np.nan) for s in sequences]
    readers = [read_ahead(s) for s in sequences]
    outcome: list = [None] * len(sequences)
    unreadable = [0] * len(sequences)
    for k, (tracker, seq) in enumerate(zip(trackers, sequences)):
        boxes[k][0] = seq.boxes[0]
        first = next(readers[k])
        if isinstance(first, SeatError):
            outcome[k] = first
            readers[k].close()
            continue
        start = time.perf_counter()
        tracker.init(first, seq.boxes[0])
        times[k][0] = time.perf_counter() - start
    running = [k for k in range(len(sequences)) if outcome[k] is None]
    for i in range(1, max(map(len, sequences))):
        step = [k for k in running if i < len(sequences[k])]
        frames = {k: next(readers[k]) for k in step}
        for k in [k for k in step if isinstance(frames[k], SeatError)]:
            boxes[k][i], confidences[k][i] = boxes[k][i - 1], 0.0
            unreadable[k] += 1
        live = [k for k in step if not isinstance(frames[k], SeatError)]
        if not live:
            continue
        start = time.perf_counter()
        prepared = [trackers[k].search_crop(frames[k]) for k in live]
        outputs = track_together(trackers[live[0]].backend, [p[2] for p in prepared],
                                 [trackers[k].state for k in live])
        for k, (image, window, _), out in zip(live, prepared, outputs):
            result = trackers[k].finish(image, window, *out)
            boxes[k][i], confidences[k][i] = result.box_xywh, confidence(result)
        share = (time.perf_counter() - start) / len(live)
        for k in live:
            times[k][i] = share
    for k in running:
        if unreadable[k]:
            warnings.warn(f"{sequences[k].name}: {unreadable[k]} unreadable frame(s) kept the previous box",
                          stacklevel=2)
        outcome[k] = OPERun(boxes[k], times[k], confidences[k])
    return outcome


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


def write_run(layout: str, out_dir: Path, name: str, run: OPERun) -> None:
    """A one-pass run's result files; OPE folders also get `<seq>_confidence.value` (vot-toolkit's per-frame
    property file, for `report --longterm`), written before the box file that marks the sequence complete."""
    if layout == "ope":
        write_confidences(confidence_path(out_dir, name), run.confidences)
    write_boxes(layout, out_dir, name, run.boxes, run.times)


def run_sequence(tracker, sequence: Sequence, layout: str, out_dir: Path) -> int:
    """Track one sequence with the layout's protocol and write its result files; returns frames tracked."""
    if not has_initial_box(sequence):
        raise SeatError(f"{sequence.name}: the first frame has no valid ground-truth box to initialise from")
    if layout == "vot":
        run = run_vot_baseline(tracker, sequence)
        write_vot(out_dir, sequence.name, run.outputs, run.times)
    else:
        run = track_ope(tracker, sequence)
        write_run(layout, out_dir, sequence.name, run)
    return len(sequence)


def _track_and_record(loaded: LoadedTracker, sequence: Sequence, layout: str, out_dir: Path,
                      identity: manifest.RunIdentity) -> int:
    """Worker task: track one sequence, write its result files, then record it as finished by this run."""
    frames = run_sequence(loaded.tracker(), sequence, layout, out_dir)
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


def _track_group_and_record(loaded: LoadedTracker, group: tuple[Sequence, ...], layout: str, out_dir: Path,
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
            write_run(layout, out_dir, seq.name, result)
            manifest.record(out_dir, identity, seq)
            result = len(seq)
        outcomes.append(result)
    return outcomes


def is_finished(layout: str, out_dir: str | Path, identity: manifest.RunIdentity, sequence: Sequence) -> bool:
    """Whether this run finished `sequence` against today's ground truth: recorded, with complete result files."""
    return manifest.is_recorded(out_dir, identity, sequence) and is_complete(layout, out_dir, sequence.name,
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


def run_benchmark(spec: TrackerSpec, sequences: list[Sequence], layout: str, out_dir: str | Path,
                  workers: int | None = 1, progress: bool = True, shard: Shard | None = None,
                  processes: int | None = None, pool: TrackerPool | None = None, batch: int = 1) -> RunSummary:
    """Track every sequence of this shard that this run has not finished, longest first, with `workers` worker
    threads (None: `default_workers`) over `processes` processes (None: `default_processes`), or through a `pool`
    that is already running (and stays running). `batch` > 1 tracks groups of that many sequences in lockstep,
    their search crops in one network call per frame (OPE and GOT-10k layouts: the VOT protocol re-initialises)."""
    if batch > 1 and layout == "vot":
        raise SeatError("--batch: the VOT protocol re-initialises each sequence on its own; use --batch 1")
    out_dir = Path(out_dir)
    identity = spec.identity(layout)
    manifest.claim(out_dir, identity, has_results=any(run_paths(layout, out_dir, s.name) for s in sequences))
    mine = shard.select(sequences) if shard else list(sequences)
    finished = {s.name for s in mine if is_finished(layout, out_dir, identity, s)}
    todo = sorted((s for s in mine if s.name not in finished), key=lambda s: -len(s))
    retracked = sum(bool(run_paths(layout, out_dir, s.name)) for s in todo)
    workers = min(workers or default_workers(len(todo), spec.threads), max(len(todo), 1))
    failed: dict[str, str] = {}
    frames, start = 0, time.perf_counter()
    bar = tqdm(total=len(todo), unit="seq", disable=not progress, desc=f"tracking ({len(finished)} already done)")
    running = pool or TrackerPool(spec, workers, processes)
    if batch > 1:
        task, jobs = _track_group_and_record, [(tuple(todo[i:i + batch]), layout, out_dir, identity)
                                               for i in range(0, len(todo), batch)]
    else:
        task, jobs = _track_and_record, [(s, layout, out_dir, identity) for s in todo]
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


def layout_of(dataset: str) -> str:
    return benchmark(dataset).layout
