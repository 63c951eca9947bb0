"""INT8 graphs with ONNX Runtime quantization, and their measured agreement with the fp32 tracker.

- static (default): QDQ format, int8 per-channel weights, uint8 activations, MinMax ranges calibrated on the
  crops the fp32 tracker itself feeds its network over real-image clips (`calibration.record_crops`);
- dynamic: weights quantized offline (uint8: ONNX Runtime's CPU ConvInteger takes uint8 weights), activation
  ranges computed per run; no calibration, usually slower on CPU because of the per-run range computation.

The change in tracking is measured, not assumed: `int8_agreement` runs the fp32 and the INT8 tracker over
held-out clips (the `val` split, disjoint from calibration) and reports the mean IoU of INT8 boxes against fp32
boxes; `quantize_folder` stores it in model.json.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_dynamic, quantize_static
from onnxruntime.quantization.shape_inference import quant_pre_process

from ..data.sequence import Sequence
from ..errors import SeatError
from ..logs import logger_level
from ..models.seat import SeatNet
from ..ops.boxes import iou
from ..track.tracker import SeatTracker
from .calibration import Recording, record_crops, synthetic_clips, track_clip
from .layout import DEFAULT_OPSET, INT8_MODES, read_metadata, template_feeds
from .onnx import check_standard, staged_export
from .runtime import OnnxRuntimeBackend, create_session, crop_to_input


@dataclass
class Int8Options:
    """Calibration clips (train split) and agreement clips (val split): how many, how long, which seed."""

    calib_clips: int = 6
    calib_frames: int = 12
    check_clips: int = 2
    check_frames: int = 30
    seed: int = 0
    threads: int | None = None


class _Feeds(CalibrationDataReader):
    def __init__(self, feeds: Iterator[dict[str, np.ndarray]]):
        self._feeds = feeds

    def get_next(self) -> dict[str, np.ndarray] | None:
        return next(self._feeds, None)


def _template_feeds(recording: Recording, inputs: list[str]) -> Iterator[dict[str, np.ndarray]]:
    for z, box in recording.templates:
        yield template_feeds(inputs, crop_to_input(z), box.reshape(1, 4))


def _track_feeds(recording: Recording, states: list[tuple[np.ndarray, ...]], names: list[str]
                 ) -> Iterator[dict[str, np.ndarray]]:
    for x, index in recording.searches:
        yield {"x": crop_to_input(x), **dict(zip(names, states[index]))}


def _quantize(source: Path, target: Path, feeds: Iterator[dict[str, np.ndarray]] | None) -> None:
    """Shape-infer/optimise `source` (ONNX Runtime's recommended pre-processing), then quantize it to `target`."""
    # the quantizer logs per-tensor notes (e.g. rank-1 norm weights kept per-tensor) on the root logger
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp, logger_level(None, logging.ERROR):
        prepared = Path(tmp) / source.name
        quant_pre_process(str(source), str(prepared))
        if feeds is None:
            quantize_dynamic(str(prepared), str(target), weight_type=QuantType.QUInt8)
        else:
            quantize_static(str(prepared), str(target), _Feeds(feeds), quant_format=QuantFormat.QDQ,
                            per_channel=True, activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
    check_standard(target)


def quantize_folder(folder: str | Path, mode: str = "static", options: Int8Options | None = None) -> dict[str, Any]:
    """Write template_int8.onnx and track_int8.onnx into an export folder; returns model.json's `int8` entry."""
    if mode not in INT8_MODES:
        raise SeatError(f"int8 mode {mode!r}: expected one of {', '.join(INT8_MODES)}")
    options = options or Int8Options()
    folder = Path(folder)
    meta = read_metadata(folder)
    entry: dict[str, Any] = {"mode": mode, "template": "template_int8.onnx", "track": "track_int8.onnx"}
    template, track = folder / meta["template"]["file"], folder / meta["track"]["file"]
    if mode == "static":
        fp32 = OnnxRuntimeBackend.from_dir(folder, threads=options.threads)
        clips = synthetic_clips(options.calib_clips, options.calib_frames, "train", options.seed)
        recording = record_crops(fp32, clips)
        states = [fp32.template(z, box) for z, box in recording.templates]
        _quantize(template, folder / entry["template"], _template_feeds(recording, list(meta["template"]["inputs"])))
        _quantize(track, folder / entry["track"], _track_feeds(recording, states, list(meta["template"]["outputs"])))
        entry["calibration"] = {"split": "train", "seed": options.seed, "clips": options.calib_clips,
                                "templates": len(recording.templates), "search_crops": len(recording.searches),
                                "method": "MinMax, QDQ, per-channel int8 weights, uint8 activations"}
    else:
        _quantize(template, folder / entry["template"], None)
        _quantize(track, folder / entry["track"], None)
    clips = synthetic_clips(options.check_clips, options.check_frames, "val", options.seed)
    entry["agreement"] = {"mean_iou_vs_fp32": int8_agreement(folder, clips, entry, options.threads),
                          "split": "val", "seed": options.seed, "clips": options.check_clips,
                          "frames_per_clip": options.check_frames}
    return entry


def export_int8(net: SeatNet, out: str | Path, mode: str = "static", opset: int = DEFAULT_OPSET,
                options: Int8Options | None = None) -> Path:
    """`onnx.export_onnx` plus `template_int8.onnx` and `track_int8.onnx` (`quantize_folder`), in one atomic step:
    `out` is replaced only when both the export and the quantization succeeded."""
    if mode not in INT8_MODES:
        raise SeatError(f"int8 mode {mode!r}: expected one of {', '.join(INT8_MODES)}")
    with staged_export(net, out, opset) as (staging, meta):
        meta["int8"] = quantize_folder(staging, mode, options)
    return Path(out)


def int8_agreement(folder: str | Path, clips: list[Sequence], int8: dict[str, Any] | None = None,
                   threads: int | None = None) -> float:
    """Mean IoU of the INT8 tracker's boxes against the fp32 tracker's boxes over `clips` (init frames excluded).

    `int8` is model.json's int8 entry (default: read from the folder).
    """
    folder = Path(folder)
    fp32 = OnnxRuntimeBackend.from_dir(folder, threads=threads)
    entry = int8 or fp32.meta.get("int8")
    if not entry:
        raise SeatError(f"{folder}: has no INT8 graphs (export it with --int8)")
    sessions = [create_session(folder / entry[k], threads) for k in ("template", "track")]
    quantized = OnnxRuntimeBackend(*sessions, fp32.meta, "onnxruntime-int8")
    ious = []
    for clip in clips:
        reference = track_clip(SeatTracker(fp32), clip)
        boxes = track_clip(SeatTracker(quantized), clip)
        ious.append(iou(boxes[1:], reference[1:]))
    return float(np.mean(np.concatenate(ious)))
