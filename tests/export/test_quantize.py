"""INT8: standard quantized graphs from calibration on the tracker's own crops, and a measured IoU against fp32."""

from __future__ import annotations

import logging
import shutil

import numpy as np
import onnx

from seattrack.data.sequence import Sequence
from seattrack.export.calibration import record_crops
from seattrack.export.layout import read_metadata
from seattrack.export.quantize import export_int8, int8_agreement, quantize_folder
from seattrack.export.runtime import OnnxRuntimeBackend
from tests.export.conftest import SMALL_INT8


def test_calibration_records_the_crops_the_tracker_feeds_its_network(lite_export, target_sequence):
    frames, gt = target_sequence
    clip = Sequence("target", frames[:6], gt[:6])
    recording = record_crops(OnnxRuntimeBackend.from_dir(lite_export, threads=1), [clip])
    assert len(recording.templates) == 1 and len(recording.searches) == 5
    z, box = recording.templates[0]
    assert z.shape == (127, 127, 3) and z.dtype == np.uint8 and box.shape == (4,)
    assert all(x.shape == (255, 255, 3) and index == 0 for x, index in recording.searches)


def test_static_int8_is_standard_and_its_iou_against_fp32_is_measured(lite_export, target_sequence):
    meta = read_metadata(lite_export)
    int8 = meta["int8"]
    assert int8["mode"] == "static" and int8["calibration"]["search_crops"] == 2 * 7
    for name in (int8["template"], int8["track"]):
        model = onnx.load(str(lite_export / name))
        onnx.checker.check_model(model, full_check=True)
        ops = {(n.domain, n.op_type) for n in model.graph.node}
        assert {d for d, _ in ops} <= {"", "ai.onnx"} and ("", "QuantizeLinear") in ops
    # held-out clip (val split) measured at export time, and the real-photo sequence written by the tests
    frames, gt = target_sequence
    clip = Sequence("target", frames, gt)
    iou = int8_agreement(lite_export, [clip], threads=1)
    print(f"INT8 vs fp32 mean IoU: {iou:.3f} on the test sequence, "
          f"{int8['agreement']['mean_iou_vs_fp32']:.3f} on the held-out synthetic clip (seeded random head)")
    assert 0.0 <= iou <= 1.0 and 0.0 <= int8["agreement"]["mean_iou_vs_fp32"] <= 1.0
    int8_backend = OnnxRuntimeBackend.from_dir(lite_export, threads=1, int8=True)
    assert int8_backend.name == "onnxruntime-int8"


def test_dynamic_int8_needs_no_calibration(lite_export, tmp_path):
    folder = tmp_path / "copy"
    shutil.copytree(lite_export, folder)
    root_level = logging.getLogger().level
    entry = quantize_folder(folder, "dynamic", SMALL_INT8)
    assert logging.getLogger().level == root_level  # quieted while quantizing, as it was again afterwards
    assert entry["mode"] == "dynamic" and "calibration" not in entry
    ops = {n.op_type for n in onnx.load(str(folder / entry["track"])).graph.node}
    assert "DynamicQuantizeLinear" in ops and "ConvInteger" in ops
    assert 0.0 <= entry["agreement"]["mean_iou_vs_fp32"] <= 1.0


def test_int8_of_the_shipped_model_keeps_tracking_like_fp32(tmp_path, target_sequence):
    """The seeded-head checks above prove the mechanics; on the trained weights INT8 must also track like fp32."""
    from seattrack.models.resolve import resolve_model

    folder = export_int8(resolve_model("seat_lite", require_weights=True), tmp_path / "shipped", "static",
                         options=SMALL_INT8)
    frames, gt = target_sequence
    iou = int8_agreement(folder, [Sequence("target", frames, gt)], threads=1)
    held_out = read_metadata(folder)["int8"]["agreement"]["mean_iou_vs_fp32"]
    print(f"shipped seat_lite, static INT8 vs fp32 boxes: mean IoU {iou:.3f} on the test sequence, "
          f"{held_out:.3f} on the held-out synthetic clip")
    assert iou > 0.8 and held_out > 0.8
