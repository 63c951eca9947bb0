"""From a model name or checkpoint to a ready tracker: `load_tracker`, `load_multi_tracker`, the backend names
(`BACKENDS`) and `make_backend`, with the cache of ONNX exports an ONNX Runtime backend runs from.

This sits above both `track/` (the tracking loop, which only knows the `Backend` interface) and `export/` (the
graphs and their runtime), so that neither imports the other. Heavy libraries are imported on use: the command
line reads `BACKENDS` from here while it builds its parser.
"""

from __future__ import annotations

import hashlib
import shutil
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import SeatError

if TYPE_CHECKING:
    from .export.runtime import OnnxRuntimeBackend
    from .models.seat import SeatNet
    from .track.backends import Backend
    from .track.hypers import TrackerHypers
    from .track.multi import MultiTracker
    from .track.presence import PresenceModel
    from .track.tracker import SeatTracker

BACKENDS = ("auto", "torch", "onnxruntime", "onnxruntime-int8")
"""The backends a tracker runs on, the one list every command's --backend and the benchmarks read: a new backend is
its name here and its branch in `make_backend`."""


def make_backend(net: SeatNet, backend: str = "auto", device: str = "cpu", threads: int | None = None) -> Backend:
    """Build a backend by name: `torch` (eager), `onnxruntime` / `onnxruntime-int8` (exported graphs, from the
    cache), or `auto`: ONNX Runtime on a CPU (2-3x faster than eager PyTorch on this network) and PyTorch on CUDA."""
    if backend == "auto":
        backend = "torch" if device.startswith("cuda") else "onnxruntime"
    if backend == "torch":
        from .track.backends import TorchBackend

        return TorchBackend(net, device, threads)
    if backend in ("onnxruntime", "onnxruntime-int8"):
        return cached_onnx_backend(net, device, threads, int8=backend.endswith("int8"))
    raise SeatError(f"backend {backend!r}: expected one of {', '.join(BACKENDS)}")


def load_tracker(name_or_checkpoint: str, hypers: str | TrackerHypers | None = None, device: str = "cpu",
                 backend: str = "auto", threads: int | None = None) -> SeatTracker:
    """One-line entry point: a named model with shipped weights, or a checkpoint file, ready to track.

    `hypers=None` uses the set tuned for these weights when the model file carries one (the shipped seat_lite does),
    else `configs/hypers/default.yaml`. `backend="auto"` runs the exported ONNX graphs with ONNX Runtime on a CPU
    (exported once, then cached under ~/.cache/seattrack/onnx) and eager PyTorch on CUDA; `torch`, `onnxruntime`
    and `onnxruntime-int8` force one.
    """
    from .track.tracker import SeatTracker

    return SeatTracker(*_tracker_parts(name_or_checkpoint, hypers, device, backend, threads))


def load_multi_tracker(name_or_checkpoint: str, hypers: str | TrackerHypers | None = None, device: str = "cpu",
                       backend: str = "auto", threads: int | None = None) -> MultiTracker:
    """`load_tracker` for several targets: the same model, hypers and backend choices."""
    from .track.multi import MultiTracker

    return MultiTracker(*_tracker_parts(name_or_checkpoint, hypers, device, backend, threads))


def _tracker_parts(name_or_checkpoint: str, hypers: str | TrackerHypers | None, device: str, backend: str,
                   threads: int | None) -> tuple[Backend, TrackerHypers, PresenceModel | None]:
    """The backend, hypers and presence calibration (when shipped for these exact weights) of a tracker."""
    from .models.resolve import resolve_model, weights_file
    from .track.hypers import resolve_hypers
    from .track.presence import shipped_presence

    net = resolve_model(name_or_checkpoint, require_weights=True)
    return (make_backend(net, backend, device, threads), resolve_hypers(net, hypers),
            shipped_presence(weights_file(name_or_checkpoint)))


def cache_root() -> Path:
    """Where exports are cached: $SEATTRACK_CACHE/onnx (default ~/.cache/seattrack/onnx)."""
    from .hardware import cache_dir

    return cache_dir("onnx")


def cached_export(net: SeatNet, int8: str | None = None, opset: int | None = None,
                  cache_dir: str | Path | None = None) -> Path:
    """The export folder of `net` in the cache (with INT8 graphs of mode `int8`, if given), exported now unless a
    complete one exists for the same config, weights, opset and library versions."""
    import onnxruntime
    import torch

    from .export.layout import DEFAULT_OPSET, FORMAT_VERSION
    from .export.onnx import export_onnx, model_digest
    from .export.quantize import export_int8

    opset = opset or DEFAULT_OPSET
    key = f"{model_digest(net)}|{opset}|{torch.__version__}|{onnxruntime.__version__}|format{FORMAT_VERSION}"
    key = hashlib.sha256(key.encode()).hexdigest()
    folder = Path(cache_dir or cache_root()) / f"{net.config.name}-{key[:20]}"
    if not _complete(folder, int8):
        if folder.exists():  # a damaged entry: the cache's own folder (named by its key), safe to discard
            shutil.rmtree(folder)
        if int8:
            export_int8(net, folder, int8, opset)
        else:
            export_onnx(net, folder, opset)
    return folder


def _complete(folder: Path, int8: str | None) -> bool:
    """Whether a cache entry holds every graph its model.json names (and INT8 graphs of mode `int8`, if given)."""
    from .export.layout import read_metadata

    try:
        meta = read_metadata(folder)
    except SeatError:
        return False
    graphs = [meta["template"]["file"], meta["track"]["file"]]
    if int8:
        if not meta.get("int8") or meta["int8"].get("mode") != int8:
            return False
        graphs += [meta["int8"]["template"], meta["int8"]["track"]]
    return all((folder / g).is_file() for g in graphs)


def cached_onnx_backend(net: SeatNet, device: str = "cpu", threads: int | None = None, int8: bool = False,
                        cache_dir: str | Path | None = None) -> OnnxRuntimeBackend:
    """`net` on ONNX Runtime, from its cached export (made now if missing); INT8 uses static calibration.

    A cache entry that cannot be loaded (a truncated or corrupt graph) is discarded and exported again, with a
    warning, so one damaged file never breaks every later run.
    """
    from .export.runtime import OnnxRuntimeBackend

    mode = "static" if int8 else None
    folder = cached_export(net, mode, cache_dir=cache_dir)
    try:
        return OnnxRuntimeBackend.from_dir(folder, threads=threads, device=device, int8=int8)
    except SeatError as exc:
        warnings.warn(f"ONNX cache entry {folder} is unusable ({exc}); exporting it again", stacklevel=2)
        shutil.rmtree(folder)
        return OnnxRuntimeBackend.from_dir(cached_export(net, mode, cache_dir=cache_dir), threads=threads,
                                           device=device, int8=int8)
