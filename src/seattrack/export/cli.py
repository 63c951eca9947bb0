"""`seattrack export` (ONNX graphs + model.json, optionally INT8) and `seattrack bench` (speed per backend)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..cli import Handler, command, count, model_argument
from ..fileio import check_writable
from . import BENCH_BACKENDS
from .layout import DEFAULT_OPSET, INT8_MODES, MAX_OPSET, MIN_OPSET


def _load(spec: str):
    """A checkpoint or a model name; a name without shipped weights gets random weights and a note saying so."""
    from ..models.checkpoint import shipped_weights_path
    from ..models.resolve import resolve_model

    net = resolve_model(spec, pretrained_backbone=True)
    if not Path(spec).is_file() and shipped_weights_path(spec) is None:
        print(f"note: {spec} has no trained weights: using random weights (fine for export checks and speed)")
    return net


@command("export", "export a model to ONNX: template.onnx + track.onnx + model.json (optionally INT8 too)")
def _export(p: argparse.ArgumentParser) -> Handler:
    model = model_argument(p, "checkpoint file or model name")
    p.add_argument("--out", required=True, help="output folder (replaced atomically, only after a verified export)")
    p.add_argument("--opset", type=int, default=DEFAULT_OPSET, help=f"ONNX opset {MIN_OPSET}..{MAX_OPSET}")
    p.add_argument("--int8", action="store_true", help="also write template_int8.onnx and track_int8.onnx")
    p.add_argument("--int8-mode", choices=INT8_MODES, default="static",
                   help="static: calibrated on the tracker's own crops (default); dynamic: no calibration")

    def run(args: argparse.Namespace) -> None:
        from .layout import read_metadata
        from .onnx import export_onnx
        from .quantize import export_int8

        check_writable(args.out, "--out", folder=True)
        check_writable(Path(args.out).absolute().parent, "--out", folder=True)  # the export is staged beside it
        net = _load(model(args))
        out = export_int8(net, args.out, args.int8_mode, args.opset) if args.int8 else \
            export_onnx(net, args.out, args.opset)
        meta = read_metadata(out)
        geo = meta["geometry"]
        print(f"exported {meta['model']['name']} to {out} (opset {meta['opset']}, verified against PyTorch)")
        for name in sorted(p.name for p in out.glob("*.onnx")):
            print(f"  {name:<20} {(out / name).stat().st_size / 1e6:7.2f} MB")
        print(f"  search {geo['search_size']} (dynamic) -> map {geo['map_size']}x{geo['map_size']}, stride "
              f"{geo['stride']}, offset {geo['offset']}; cls = probabilities")
        if meta["int8"]:
            agreement = meta["int8"]["agreement"]
            print(f"  INT8 ({meta['int8']['mode']}): mean IoU of INT8 vs fp32 boxes {agreement['mean_iou_vs_fp32']:.3f}"
                  f" over {agreement['clips']} held-out clips x {agreement['frames_per_clip']} frames")

    return run


@command("bench", "time the network and the per-frame update per backend, side by side (median, p90, FPS)")
def _bench(p: argparse.ArgumentParser) -> Handler:
    model = model_argument(p, "checkpoint file or model name")
    p.add_argument("--backend", action="append", choices=BENCH_BACKENDS,
                   help="repeat to compare side by side (default: torch and onnxruntime)")
    p.add_argument("--threads", type=count(), help="CPU threads (default: all available)")
    p.add_argument("--device", default="cpu", help="cpu or cuda[:N]")
    p.add_argument("--warmup", type=int, default=5, help="untimed calls per backend and phase")
    p.add_argument("--iters", type=int, default=50, help="timed calls per backend and phase")
    p.add_argument("--json", help="the full report with raw samples (default: bench-<model>.json here; '' skips it)")

    def run(args: argparse.Namespace) -> None:
        from ..fileio import write_json_atomic
        from .bench import bench, format_report

        name = model(args)
        path = f"bench-{Path(name).stem}.json" if args.json is None else args.json
        if path:
            check_writable(path, "--json")
        report = bench(_load(name), args.backend or ["torch", "onnxruntime"], args.device, args.threads,
                       args.warmup, args.iters)
        print(format_report(report))
        if path:
            write_json_atomic(path, report.to_dict())
            print(f"report: {path}")

    return run
