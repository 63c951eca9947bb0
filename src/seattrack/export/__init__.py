"""Deployment: ONNX export of the two branches, an ONNX Runtime tracker backend, INT8 and a speed benchmark.

    onnx.py         export_onnx(net, out_dir, opset, int8) -> template.onnx, track.onnx, model.json
    runtime.py      OnnxRuntimeBackend.from_dir / from_model (cached export), the tracker's Backend
    calibration.py  crops recorded from the tracker's own pipeline on real-image clips
    quantize.py     INT8 (static calibrated / dynamic) and its measured agreement with fp32
    bench.py        side-by-side timing of backends; cli.py: `seattrack export`, `seattrack bench`

The choices below are kept here, free of heavy imports, so that building the CLI parser stays cheap.
"""

DEFAULT_OPSET = 17
MIN_OPSET = 16  # RoiAlign's coordinate_transformation_mode (needed for aligned=True) arrived in opset 16
MAX_OPSET = 20  # the TorchScript exporter's newest opset
INT8_MODES = ("static", "dynamic")
BACKENDS = ("torch", "torch-compile", "onnxruntime", "onnxruntime-int8")
