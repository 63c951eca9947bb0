"""Run a tracker over a benchmark: sequences in parallel processes, field-standard result files, resumable.

Each sequence's result is written atomically when it finishes, so an interrupted run resumes by skipping the
sequences whose result files are complete. Per-frame times are recorded (`<seq>_time.txt`).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import sys
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ..data.sequence import Sequence
from ..errors import SeatError
from ..track.hypers import TrackerHypers
from .datasets import benchmark
from .results import is_complete, write_boxes, write_vot
from .vot import run_vot_baseline


@dataclass(frozen=True)
class TrackerSpec:
    """Everything a worker process needs to build the tracker (picklable)."""

    model: str
    hypers: str | TrackerHypers | None = None
    backend: str = "auto"
    threads: int = 1

    def build_backend(self):
        """(backend, hypers): the network behind the tracker, loaded once per process and shared by trackers with
        other hypers, and the hyper-parameters this spec resolves to (see `load_tracker`)."""
        from ..models.resolve import resolve_model
        from ..track.backends import make_backend
        from ..track.tracker import resolve_hypers

        net = resolve_model(self.model, require_weights=True)
        return make_backend(net, self.backend, "cpu", self.threads), resolve_hypers(net, self.hypers)

    def build(self, hypers: str | TrackerHypers | None = None):
        from ..track.tracker import SeatTracker

        backend, resolved = self.build_backend()
        return SeatTracker(backend, hypers or resolved)


def track_ope(tracker, sequence: Sequence) -> tuple[np.ndarray, np.ndarray]:
    """One-pass evaluation: init on frame 0 with its ground truth, update on every other frame.

    An unreadable frame keeps the previous box (counted in a warning), as the field's runners do.
    """
    n = len(sequence)
    boxes, times = np.zeros((n, 4)), np.zeros(n)
    boxes[0] = sequence.boxes[0]
    unreadable = 0
    for i in range(n):
        try:
            frame = sequence.frame(i)
        except SeatError:
            if i == 0:
                raise
            unreadable += 1
            boxes[i] = boxes[i - 1]
            continue
        start = time.perf_counter()
        if i == 0:
            tracker.init(frame, sequence.boxes[0])
        else:
            boxes[i] = tracker.update(frame).box_xywh
        times[i] = time.perf_counter() - start
    if unreadable:
        warnings.warn(f"{sequence.name}: {unreadable} unreadable frame(s) kept the previous box", stacklevel=2)
    return boxes, times


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


def run_sequence(tracker, sequence: Sequence, layout: str, out_dir: Path) -> int:
    """Track one sequence with the layout's protocol and write its result files; returns frames tracked."""
    if not has_initial_box(sequence):
        raise SeatError(f"{sequence.name}: the first frame has no valid ground-truth box to initialise from")
    if layout == "vot":
        run = run_vot_baseline(tracker, sequence)
        write_vot(out_dir, sequence.name, run.outputs, run.times)
    else:
        boxes, times = track_ope(tracker, sequence)
        write_boxes(layout, out_dir, sequence.name, boxes, times)
    return len(sequence)


_WORKER_TRACKER = None


def die_with_parent() -> None:
    """Have the kernel SIGKILL this worker when its parent dies (Linux `PR_SET_PDEATHSIG`): a killed `eval` or
    `tune` must not leave its ~1 GB workers running. Elsewhere a no-op."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    if os.getppid() == 1:  # the parent died before the request took effect
        os.kill(os.getpid(), signal.SIGKILL)


def _init_worker(spec: TrackerSpec) -> None:
    global _WORKER_TRACKER
    import torch

    die_with_parent()
    torch.set_num_threads(spec.threads)
    _WORKER_TRACKER = spec.build()


def _work(sequence: Sequence, layout: str, out_dir: Path) -> tuple[str, int]:
    return sequence.name, run_sequence(_WORKER_TRACKER, sequence, layout, out_dir)


@dataclass
class RunSummary:
    done: int
    skipped: int
    failed: dict[str, str]
    frames: int
    seconds: float

    @property
    def frames_per_second(self) -> float:
        return self.frames / max(self.seconds, 1e-9)


def run_benchmark(spec: TrackerSpec, sequences: list[Sequence], layout: str, out_dir: str | Path, workers: int = 1,
                  progress: bool = True, tracker_factory: Callable | None = None) -> RunSummary:
    """Track every unfinished sequence; `workers` > 1 uses a process pool (one tracker per process)."""
    out_dir = Path(out_dir)
    todo = [s for s in sequences if not is_complete(layout, out_dir, s.name, len(s))]
    skipped = len(sequences) - len(todo)
    failed: dict[str, str] = {}
    frames, start = 0, time.perf_counter()
    bar = tqdm(total=len(todo), unit="seq", disable=not progress, desc=f"tracking ({skipped} already done)")
    if workers <= 1 or len(todo) <= 1:
        tracker = tracker_factory() if tracker_factory else spec.build()
        for seq in todo:
            try:
                frames += run_sequence(tracker, seq, layout, out_dir)
            except SeatError as exc:
                failed[seq.name] = str(exc)
            bar.update(1)
    else:
        context = mp.get_context("spawn")
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker, initargs=(spec,)) as pool:
            futures = {pool.submit(_work, seq, layout, out_dir): seq.name for seq in todo}
            for future in as_completed(futures):
                try:
                    frames += future.result()[1]
                except SeatError as exc:
                    failed[futures[future]] = str(exc)
                bar.update(1)
    bar.close()
    return RunSummary(len(todo) - len(failed), skipped, failed, frames, time.perf_counter() - start)


def results_dir(root: str | Path, tracker_name: str, dataset: str) -> Path:
    """`<root>/<tracker>/<dataset>`: the pysot/got10k results tree."""
    return Path(root) / tracker_name / dataset


def tracker_name(model: str, hypers: str) -> str:
    stem = Path(model).stem if Path(model).suffix else model
    return stem if hypers in ("default", None) else f"{stem}_{Path(str(hypers)).stem.replace(':', '-')}"


def layout_of(dataset: str) -> str:
    return benchmark(dataset).layout
