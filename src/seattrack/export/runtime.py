"""`OnnxRuntimeBackend`: the tracker's Backend (track/backends.py) running the exported graphs, fp32 or INT8.

    backend = OnnxRuntimeBackend.from_dir("exported/", threads=2)           # a `seattrack export` folder
    tracker = SeatTracker(backend)

(`seattrack.loading.make_backend` exports a model once into a cache and loads it from there.)

Crops go in as uint8 HWC (one conversion to float32 NCHW), outputs come back as numpy. The search size is a
dynamic axis of track.onnx, so any size >= the template size works; the map geometry of a size other than the
exported default comes from one dry run of the graph (cached), which is exact by construction.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
from onnxruntime.capi import onnxruntime_pybind11_state as _ort_errors

from ..errors import SeatError
from ..models.seat import MapGeometry
from .layout import read_metadata, template_feeds

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
        self._template_inputs = list(meta["template"]["inputs"])
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
        return tuple(self._template.run(self._states, template_feeds(self._template_inputs, z, box)))

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
