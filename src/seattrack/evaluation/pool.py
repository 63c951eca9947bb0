"""Tracking workers that start once: the network (and its ONNX Runtime sessions) is loaded once per process and
shared by that process's worker threads, each tracking its own sequences, for any hyper-parameter set (`eval` runs
one set, `tune` many), until the pool is closed.

Worker threads, not processes, are the default: ONNX Runtime and PyTorch release the GIL while the network runs
(about 5 of the 6.5 ms a frame costs on a 2-core machine), so two threads in one process track 1.8x as fast as one
and start in no time, where a spawned process pays ~2.5 s of imports and loading. The Python between network calls
holds the GIL, so one process saturates after a few threads: a larger pool is split over spawned processes
(`THREADS_PER_PROCESS` each), which take jobs from one shared queue, longest first. Every worker process asks the
kernel to kill it when its parent dies, so a killed `eval` or `tune` leaves nothing behind.
"""

from __future__ import annotations

import math
import multiprocessing as mp
import os
import queue
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

from ..errors import SeatError
from ..track.hypers import TrackerHypers

THREADS_PER_PROCESS = 4


@dataclass
class LoadedTracker:
    """A worker's network, loaded once, and the hypers its spec resolves to; trackers for any set share it."""

    backend: Any
    hypers: TrackerHypers

    def tracker(self, hypers: TrackerHypers | None = None):
        from ..track.tracker import SeatTracker

        return SeatTracker(self.backend, hypers or self.hypers)


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


def default_processes(workers: int) -> int:
    """Processes for `workers` worker threads: one up to `THREADS_PER_PROCESS` threads, then one more per as many."""
    return max(1, math.ceil(workers / THREADS_PER_PROCESS))


def _serve(spec, threads: int, jobs: mp.Queue, results: mp.Queue, rank: int) -> None:
    """Worker process `rank`: its network threads (torch and OpenCV), its network once (on GPU rank mod GPUs when
    the spec says `cuda`), then `threads` threads that take `(index, task, job)` from `jobs` until a None and put
    `(index, result or exception)` on `results`."""
    import dataclasses

    import cv2
    import torch

    die_with_parent()
    if spec.device == "cuda" and torch.cuda.is_available():
        spec = dataclasses.replace(spec, device=f"cuda:{rank % torch.cuda.device_count()}")
    torch.set_num_threads(spec.threads)
    cv2.setNumThreads(spec.threads)
    loaded = LoadedTracker(*spec.build_backend())

    def work() -> None:
        while (item := jobs.get()) is not None:
            index, task, job = item
            try:
                results.put((index, task(loaded, *job)))
            except Exception as exc:  # sent back: the parent yields a SeatError and re-raises anything else
                results.put((index, exc))

    workers = [threading.Thread(target=work, daemon=True) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()


class TrackerPool:
    """`workers` threads that run `task(loaded, *job)` for each job: in this process when `processes` is 1, else
    spread over `processes` spawned processes. Use as a context manager, or `close()` it; one pool serves any number
    of `map` calls."""

    def __init__(self, spec, workers: int = 1, processes: int | None = None):
        self.workers = max(1, int(workers))
        self.processes = min(self.workers, processes or default_processes(self.workers))
        self._local: LoadedTracker | None = None
        self._threads: ThreadPoolExecutor | None = None
        self._procs: list[mp.process.BaseProcess] = []
        if self.processes == 1:
            self._local = LoadedTracker(*spec.build_backend())
            if self.workers > 1:
                self._threads = ThreadPoolExecutor(self.workers, thread_name_prefix="track")
            return
        context = mp.get_context("spawn")  # fork is unsafe once OpenCV or OpenMP thread pools exist in the parent
        self._jobs, self._results = context.Queue(), context.Queue()
        self._per_process = math.ceil(self.workers / self.processes)
        self._procs = [context.Process(target=_serve, args=(spec, self._per_process, self._jobs, self._results, k),
                                       daemon=True, name=f"seattrack-worker-{k}") for k in range(self.processes)]
        for proc in self._procs:
            proc.start()

    def map(self, task: Callable, jobs: list[tuple]) -> Iterator[tuple[Any, Any]]:
        """(job's first item, result) in completion order; a job that raised SeatError yields the error instead,
        so one bad sequence never stops the others. Jobs start in the order given (pass them longest first)."""
        if self._procs:
            yield from self._map_processes(task, jobs)
        elif self._threads is None:
            for job in jobs:
                try:
                    yield job[0], task(self._local, *job)
                except SeatError as exc:
                    yield job[0], exc
        else:
            futures = {self._threads.submit(task, self._local, *job): job[0] for job in jobs}
            for future in as_completed(futures):
                try:
                    yield futures[future], future.result()
                except SeatError as exc:
                    yield futures[future], exc

    def _map_processes(self, task: Callable, jobs: list[tuple]) -> Iterator[tuple[Any, Any]]:
        for index, job in enumerate(jobs):
            self._jobs.put((index, task, job))
        for _ in jobs:
            index, outcome = self._next_result()
            if isinstance(outcome, Exception) and not isinstance(outcome, SeatError):
                raise outcome
            yield jobs[index][0], outcome

    def _next_result(self) -> tuple[int, Any]:
        """The next finished job; a worker process that died (out of memory, a crash) is an error, not a hang."""
        while True:
            try:
                return self._results.get(timeout=1.0)
            except queue.Empty:
                dead = [p for p in self._procs if not p.is_alive()]
                if dead:
                    for proc in self._procs:
                        proc.kill()
                    self._procs = []
                    raise SeatError(f"a tracking worker process died (exit code {dead[0].exitcode})") from None

    def close(self) -> None:
        if self._threads is not None:
            self._threads.shutdown(cancel_futures=True)
            self._threads = None
        if self._procs:
            for _ in range(self.processes * self._per_process):  # one stop sign per worker thread
                self._jobs.put(None)
            for proc in self._procs:
                proc.join(timeout=10)
                if proc.is_alive():
                    proc.kill()
            self._procs = []

    def __enter__(self) -> TrackerPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
