"""`OnnxRuntimeBackend`: the tracker's Backend (track/backends.py) running the exported graphs, fp32 or INT8.

    backend = OnnxRuntimeBackend.from_dir("exported/", threads=2)           # a `seattrack export` folder
    backend = OnnxRuntimeBackend.from_model(net, int8=True)                 # exported once, cached, reused
    tracker = SeatTracker(backend)

Crops go in as uint8 HWC (one conversion to float32 NCHW), outputs come back as numpy. The search size is a
dynamic axis of track.onnx, so any size >= the template size works; the map geometry of a size other than the
exported default comes from one dry run of the graph (cached), which is exact by construction.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
import torch
from onnxruntime.capi import onnxruntime_pybind11_state as _ort_errors

from ..errors import SeatError
from ..hardware import cache_dir
from ..models.seat import MapGeometry, SeatNet
from . import DEFAULT_OPSET
from .onnx import FORMAT, FORMAT_VERSION, META_FILE, export_onnx, model_digest

ORT_ERRORS = (_ort_errors.Fail, _ort_errors.InvalidArgument, _ort_errors.InvalidGraph, _ort_errors.NoSuchFile,
              _ort_errors.NotImplemented, _ort_errors.RuntimeException, _ort_errors.InvalidProtobuf)


def _providers(device: str) -> list:
    if device == "cpu":
        return ["CPUExecutionProvider"]
    kind, _, index = device.partition(":")
    if kind != "cuda" or (index and not index.isdigit()):
        raise SeatError(f"device {device!r}: expected cpu, cuda or cuda:N")
    if "CUDAExecutionProvider" not in ort.get_available_providers():
        raise SeatError(f"device {device!r}: this onnxruntime has no CUDA provider (pip install onnxruntime-gpu)")
    return [("CUDAExecutionProvider", {"device_id": int(index or 0)}), "CPUExecutionProvider"]


def create_session(path: str | Path, threads: int | None = None, device: str = "cpu") -> ort.InferenceSession:
    """An inference session: `threads` intra-op threads (None: ONNX Runtime's default), sequential execution."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or 0
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 4  # failures surface as exceptions (turned into SeatError), not log lines
    try:
        return ort.InferenceSession(str(path), options, providers=_providers(device))
    except ORT_ERRORS as exc:
        raise SeatError(f"ONNX Runtime cannot load {path}: {str(exc).splitlines()[0]}") from None


def read_metadata(folder: str | Path) -> dict[str, Any]:
    """The model.json of an export folder, with one-line errors for a missing or foreign folder."""
    path = Path(folder) / META_FILE
    try:
        meta = json.loads(path.read_text())
    except FileNotFoundError:
        raise SeatError(f"{folder}: no {META_FILE} (not a `seattrack export` folder)") from None
    except (OSError, ValueError) as exc:
        raise SeatError(f"{path}: cannot be read ({type(exc).__name__})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise SeatError(f"{path}: not a seattrack ONNX export (no '{FORMAT}' marker)")
    return meta


def crop_to_input(crop: np.ndarray, size: int | None = None, what: str = "crop") -> np.ndarray:
    """A uint8 (S, S, 3) BGR crop as the graphs' float32 (1, 3, S, S) input (checked: a clear error, not ORT's)."""
    if crop.ndim != 3 or crop.shape[2] != 3 or crop.shape[0] != crop.shape[1]:
        raise SeatError(f"{what} shape {crop.shape}: expected a square (S, S, 3) BGR crop")
    if size is not None and crop.shape[0] != size:
        raise SeatError(f"{what} size {crop.shape[0]}: this model expects {size}x{size} crops")
    return crop.transpose(2, 0, 1)[None].astype(np.float32)


class OnnxRuntimeBackend:
    """Backend over template.onnx / track.onnx (or their `_int8` versions) with ONNX Runtime."""

    def __init__(self, template: ort.InferenceSession, track: ort.InferenceSession, meta: dict[str, Any],
                 name: str = "onnxruntime"):
        self.name = name
        self.meta = meta
        self._template, self._track = template, track
        self._states = list(meta["template"]["outputs"])
        self.template_size = int(meta["input"]["template_size"])
        geo = meta["geometry"]
        self._stride, self._offset = int(geo["stride"]), float(geo["offset"])
        self._geometry = {int(geo["search_size"]): MapGeometry(int(geo["map_size"]), self._stride, self._offset)}
        self.batch_dynamic = bool(meta["track"].get("batch_dynamic", False))  # exports before format 2: batch 1

    @classmethod
    def from_dir(cls, folder: str | Path, threads: int | None = None, device: str = "cpu",
                 int8: bool = False) -> OnnxRuntimeBackend:
        """Load an export folder; `int8` picks the quantized graphs (the folder must have been exported with them)."""
        folder = Path(folder)
        meta = read_metadata(folder)
        files = {"template": meta["template"]["file"], "track": meta["track"]["file"]}
        if int8:
            if not meta.get("int8"):
                raise SeatError(f"{folder}: has no INT8 graphs (export it with --int8)")
            files = {k: meta["int8"][k] for k in files}
        sessions = [create_session(folder / files[k], threads, device) for k in ("template", "track")]
        return cls(*sessions, meta, "onnxruntime-int8" if int8 else "onnxruntime")

    @classmethod
    def from_model(cls, net: SeatNet, device: str = "cpu", threads: int | None = None, int8: bool = False,
                   cache_dir: str | Path | None = None) -> OnnxRuntimeBackend:
        """Export `net` (once: cached by config + weights hash) and load it; INT8 uses static calibration.

        A cache entry that cannot be loaded (a truncated or corrupt graph) is discarded and exported again, with a
        warning, so one damaged file never breaks every later run.
        """
        mode = "static" if int8 else None
        folder = cached_export(net, mode, cache_dir=cache_dir)
        try:
            return cls.from_dir(folder, threads=threads, device=device, int8=int8)
        except SeatError as exc:
            warnings.warn(f"ONNX cache entry {folder} is unusable ({exc}); exporting it again", stacklevel=2)
            shutil.rmtree(folder)
            return cls.from_dir(cached_export(net, mode, cache_dir=cache_dir), threads=threads, device=device,
                                int8=int8)

    def geometry(self, search_size: int) -> MapGeometry:
        if search_size not in self._geometry:
            if search_size < self.template_size:
                raise SeatError(f"search size {search_size}: expected at least the template size {self.template_size}")
            x = np.zeros((1, 3, search_size, search_size), np.float32)
            inputs = self._track.get_inputs()[1:]
            zeros = {i.name: np.zeros([d if isinstance(d, int) else 1 for d in i.shape], np.float32) for i in inputs}
            (cls,) = self._track.run(["cls"], {"x": x, **zeros})
            self._geometry[search_size] = MapGeometry(int(cls.shape[-1]), self._stride, self._offset)
        return self._geometry[search_size]

    def template(self, z_crop: np.ndarray, box_xyxy: np.ndarray) -> tuple[np.ndarray, ...]:
        z = crop_to_input(z_crop, self.template_size, "template crop")
        box = np.asarray(box_xyxy, dtype=np.float32).reshape(1, 4)
        return tuple(self._template.run(self._states, {"z": z, "box": box}))

    def track(self, x_crop: np.ndarray, state: tuple[np.ndarray, ...]) -> tuple[np.ndarray, np.ndarray]:
        feeds = {"x": crop_to_input(x_crop, None, "search crop"), **dict(zip(self._states, state))}
        cls, ltrb = self._track.run(["cls", "ltrb"], feeds)
        return cls[0, 0], ltrb[0]

    def track_batch(self, x_crops: list[np.ndarray], states: list[tuple[np.ndarray, ...]]
                    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """`track` for several targets (same-sized crops) in one graph run; one run each where the export has no
        batch axis (exported before format 2, or a fusion that bakes the batch in)."""
        if not self.batch_dynamic or len(x_crops) == 1:
            return [self.track(x, s) for x, s in zip(x_crops, states)]
        x = np.concatenate([crop_to_input(c, None, "search crop") for c in x_crops])
        feeds = {"x": x, **{n: np.concatenate(parts) for n, parts in zip(self._states, zip(*states))}}
        cls, ltrb = self._track.run(["cls", "ltrb"], feeds)
        return [(cls[i, 0], ltrb[i]) for i in range(len(x_crops))]


def cache_root() -> Path:
    """Where `from_model` keeps its exports: $SEATTRACK_CACHE/onnx (default ~/.cache/seattrack/onnx)."""
    return cache_dir("onnx")


def _complete(folder: Path, int8: str | None) -> bool:
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


def cached_export(net: SeatNet, int8: str | None = None, opset: int = DEFAULT_OPSET,
                  cache_dir: str | Path | None = None) -> Path:
    """The export folder of `net` in the cache, exported now unless a complete one exists (same config+weights)."""
    key = f"{model_digest(net)}|{opset}|{torch.__version__}|{ort.__version__}|format{FORMAT_VERSION}"
    key = hashlib.sha256(key.encode()).hexdigest()
    folder = Path(cache_dir or cache_root()) / f"{net.config.name}-{key[:20]}"
    if not _complete(folder, int8):
        if folder.exists():  # a damaged entry: the cache's own folder (named by its key), safe to discard
            shutil.rmtree(folder)
        export_onnx(net, folder, opset=opset, int8=int8)
    return folder

