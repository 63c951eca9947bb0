"""Tracker speed per backend, measured side by side in one process: network alone and the full per-frame update.

- `track`: `backend.track(search_crop, state)` on crops the tracker itself cut from real frames, template state
  precomputed (host arrays in, host arrays out: the network as the tracker sees it);
- `update`: `SeatTracker.update(frame)` on real frames (crop + network + decode).

Backends are timed round-robin, one call each in turn, so the load of a busy machine falls on all of them
alike; CUDA is synchronised around every call. Reported: median and p90 ms, FPS (1000 / median), and each
backend's speed-up over the first one, plus params and MACs (fvcore, models/complexity.py).
"""

from __future__ import annotations

import copy
import os
import platform
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch

from ..data.sequence import Sequence
from ..errors import SeatError
from ..hardware import cpu_name
from ..loading import make_backend
from ..models.complexity import model_cost
from ..models.modes import eval_mode
from ..models.seat import SeatNet
from ..track.backends import Backend, TorchBackend
from ..track.tracker import SeatTracker
from . import BENCH_BACKENDS
from .calibration import RecordingBackend, synthetic_clips


@dataclass
class Timing:
    """Per-call milliseconds: median, 90th percentile, FPS at the median, and the raw samples."""

    median_ms: float
    p90_ms: float
    fps: float
    samples_ms: list[float] = field(repr=False)

    @classmethod
    def of(cls, samples_ms: list[float]) -> Timing:
        median = float(np.median(samples_ms))
        return cls(median, float(np.percentile(samples_ms, 90)), 1000.0 / median, [round(s, 4) for s in samples_ms])


@dataclass
class BackendResult:
    backend: str
    track: Timing | None = None
    update: Timing | None = None
    note: str = ""


@dataclass
class BenchReport:
    model: str
    machine: dict[str, Any]
    device: str
    threads: int
    warmup: int
    iters: int
    search_size: int
    params: int
    macs_per_frame: int
    macs_template: int
    results: list[BackendResult]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def machine_info(device: str) -> dict[str, Any]:
    import onnxruntime

    info = {"cpu": cpu_name(), "cpus_available": len(os.sched_getaffinity(0)), "platform": platform.platform(),
            "torch": torch.__version__, "onnxruntime": onnxruntime.__version__}
    if device.startswith("cuda") and torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(torch.device(device))
    return info


def compiled_torch_backend(net: SeatNet, device: str = "cpu", threads: int | None = None) -> TorchBackend:
    """Eager TorchBackend whose per-frame `track` goes through torch.compile (a private copy of the model)."""
    backend = TorchBackend(copy.deepcopy(net), device, threads)
    backend.net.track = torch.compile(backend.net.track)  # instance attribute shadows the method
    return backend


def build_backend(net: SeatNet, name: str, device: str, threads: int) -> Backend:
    if name not in BENCH_BACKENDS:
        raise SeatError(f"backend {name!r}: expected one of {', '.join(BENCH_BACKENDS)}")
    if name == "torch-compile":
        return compiled_torch_backend(net, device, threads)
    return make_backend(net, name, device, threads)


class _Subject:
    """One backend under test: its own tracker on the clip, and search crops that tracker produced."""

    def __init__(self, name: str, backend: Backend, clip: Sequence, sync: Callable[[], None]):
        self.name, self.backend, self.sync = name, backend, sync
        self.recorder = RecordingBackend(backend)
        self.tracker = SeatTracker(self.recorder)
        self.tracker.init(clip.frame(0), clip.boxes[0])
        self.frames = [clip.frame(index) for index in range(1, len(clip))]  # read before timing, not while
        self.times: dict[str, list[float]] = {"track": [], "update": []}
        self._frame = self._crop = 0

    def _timed(self, call: Callable[[], Any]) -> float:
        self.sync()
        start = time.perf_counter()
        call()
        self.sync()
        return (time.perf_counter() - start) * 1e3

    def update(self) -> float:
        frame = self.frames[self._frame % len(self.frames)]
        self._frame += 1
        return self._timed(lambda: self.tracker.update(frame))

    def track(self) -> float:
        searches = self.recorder.recording.searches
        crop = searches[self._crop % len(searches)][0]
        self._crop += 1
        return self._timed(lambda: self.backend.track(crop, self.tracker.state))

    def warm_up(self, count: int) -> float:
        """`count` updates (recording their crops) and track calls; returns the first call's ms (compilation)."""
        first = self.update()
        for _ in range(count - 1):
            self.update()
        self.tracker.backend = self.backend  # stop recording: timed updates run the bare backend
        for _ in range(count):
            self.track()
        return first


def _sync(device: str) -> Callable[[], None]:
    if device.startswith("cuda") and torch.cuda.is_available():
        return torch.cuda.synchronize
    return lambda: None


def _prepare(net: SeatNet, name: str, clip: Sequence, device: str, threads: int, warmup: int
             ) -> tuple[_Subject | None, str]:
    """Build and warm up one backend; torch.compile failures become a note instead of an error."""
    try:
        start = time.perf_counter()
        subject = _Subject(name, build_backend(net, name, device, threads), clip, _sync(device))
        first = subject.warm_up(warmup)
        setup = time.perf_counter() - start
    except Exception as exc:  # torch.compile fails in many ways (no compiler, unsupported op, ...)
        if name != "torch-compile":
            raise
        return None, f"torch.compile failed here: {type(exc).__name__}: {str(exc).strip().splitlines()[0][:120]}"
    if name == "torch-compile":
        return subject, f"compile+warm-up {setup:.1f} s (first call {first / 1e3:.1f} s)"
    if name.startswith("onnxruntime"):
        return subject, f"export/load+warm-up {setup:.1f} s"
    return subject, ""


def bench(net: SeatNet, backends: list[str], device: str = "cpu", threads: int | None = None, warmup: int = 5,
          iters: int = 50, clip: Sequence | None = None) -> BenchReport:
    """Time `backends` side by side on one real-image clip (default: a 30-frame synthetic `val` clip); `net` runs
    in eval mode and is left in the mode it had."""
    if warmup < 1 or iters < 1:
        raise SeatError(f"--warmup {warmup} / --iters {iters}: expected at least 1 each")
    if not backends:
        raise SeatError("no backend to benchmark: pass --backend (torch, torch-compile, onnxruntime, ...)")
    threads = threads or len(os.sched_getaffinity(0))
    cost = model_cost(net)  # before a backend moves `net` to a GPU
    clip = clip or synthetic_clips(1, 30, "val", seed=0)[0]
    with eval_mode(net):
        results = _time_backends(net, backends, clip, device, threads, warmup, iters)
    return BenchReport(net.config.name, machine_info(device), device, threads, warmup, iters,
                       net.config.search_size, cost.params, cost.frame_macs, cost.template_macs, results)


def _time_backends(net: SeatNet, backends: list[str], clip: Sequence, device: str, threads: int, warmup: int,
                   iters: int) -> list[BackendResult]:
    """Build, warm up and time each backend in alternating blocks (see `bench`)."""
    results, subjects = [], []
    for name in dict.fromkeys(backends):
        subject, note = _prepare(net, name, clip, device, threads, warmup)
        results.append(BackendResult(name, note=note))
        subjects.append(subject)
    # Blocks, not call-by-call interleaving: each runtime's thread pool spins for a while after a call, so
    # alternating calls would make the backends slow each other down. Blocks alternate in rounds against drift,
    # and the first calls of every block (pool wake-up) are discarded.
    rounds = min(3, iters)
    for phase in ("track", "update"):
        for r in range(rounds):
            for subject in subjects:
                if subject is None:
                    continue
                call = getattr(subject, phase)
                for _ in range(2):
                    call()
                subject.times[phase] += [call() for _ in range(iters // rounds + (r < iters % rounds))]
    for result, subject in zip(results, subjects):
        if subject is not None:
            result.track, result.update = Timing.of(subject.times["track"]), Timing.of(subject.times["update"])
    _note_slow_compile(results)
    return results


def _note_slow_compile(results: list[BackendResult]) -> None:
    eager = next((r for r in results if r.backend == "torch" and r.track), None)
    for r in results:
        if r.backend == "torch-compile" and r.track and eager and r.track.median_ms > eager.track.median_ms:
            r.note += "; slower than eager here"


def _ratio(base: Timing | None, other: Timing | None) -> str:
    return f"{base.median_ms / other.median_ms:.2f}x" if base and other else "-"


def format_report(report: BenchReport) -> str:
    """A fixed-width table; ratios are speed-ups over the first backend (higher is faster)."""
    m = report.machine
    base = report.results[0]
    lines = [
        f"model {report.model}: {report.params / 1e6:.2f} M params, {report.macs_per_frame / 1e9:.3f} GMACs per "
        f"frame (search {report.search_size}), template branch {report.macs_template / 1e9:.3f} GMACs once",
        f"machine: {m['cpu']} ({m['cpus_available']} CPUs available){', ' + m['gpu'] if 'gpu' in m else ''}; "
        f"device {report.device}, {report.threads} thread(s); warm-up {report.warmup}, {report.iters} timed calls "
        f"each, backends in alternating blocks",
        f"{'backend':<18}{'track ms med/p90':>18}{'FPS':>8}{'speed-up':>10}   "
        f"{'update ms med/p90':>18}{'FPS':>8}{'speed-up':>10}   note",
    ]
    for r in report.results:
        if r.track is None or r.update is None:
            lines.append(f"{r.backend:<18}{'-':>18}{'-':>8}{'-':>10}   {'-':>18}{'-':>8}{'-':>10}   {r.note}")
            continue
        track = f"{r.track.median_ms:.2f}/{r.track.p90_ms:.2f}"
        update = f"{r.update.median_ms:.2f}/{r.update.p90_ms:.2f}"
        lines.append(f"{r.backend:<18}{track:>18}{r.track.fps:>8.1f}{_ratio(base.track, r.track):>10}   "
                     f"{update:>18}{r.update.fps:>8.1f}{_ratio(base.update, r.update):>10}   {r.note}")
    lines.append(f"speed-up = median of {base.backend} / median of the backend (side by side in this run)")
    return "\n".join(lines)
