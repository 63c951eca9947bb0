"""Deployment: ONNX export of the two branches, an ONNX Runtime tracker backend, INT8 and a speed benchmark.

    layout.py       an export folder's files and model.json (format, opsets, INT8 modes), free of heavy imports
    onnx.py         export_onnx(net, out_dir, opset) -> template.onnx, track.onnx, model.json
    quantize.py     export_int8 / quantize_folder: INT8 (static calibrated / dynamic), its agreement with fp32
    runtime.py      OnnxRuntimeBackend.from_dir, the tracker's Backend over an export folder
    calibration.py  crops recorded from the tracker's own pipeline on real-image clips
    bench.py        side-by-side timing of backends; cli.py: `seattrack export`, `seattrack bench`

Models are exported on first use, and cached, by `seattrack.loading` (`make_backend`).
"""

from ..loading import BACKENDS

BENCH_BACKENDS = (*(name for name in BACKENDS if name != "auto"), "torch-compile")
"""What `seattrack bench` times: every tracker backend (`auto` only picks one of them), plus `torch-compile`, eager
PyTorch through torch.compile, which is measured but never tracked with."""
