"""Tracker speed of every named model: PyTorch eager vs ONNX Runtime fp32 vs ONNX Runtime INT8, at 1 and 2 threads.

Each table is one `seattrack bench` measurement (seattrack.export.bench): the backends run side by side in one
process, in alternating blocks of calls, and the speed-ups are ratios within that run. `track` is the network alone
(template state precomputed, crops the tracker cut from real frames), `update` the full per-frame step. Models
carry random weights (seat_lite: its ImageNet backbone): speed does not depend on the values. INT8 graphs are
calibrated on the tracker's own crops when a model is first exported (cached in $SEATTRACK_CACHE afterwards).

    python benchmarks/bench_backends.py [--model seat_lite ...] [--threads 1 2] [--warmup 3] [--iters 20]
"""

from __future__ import annotations

import argparse
import os

from seattrack.export.bench import BenchReport, bench, format_report
from seattrack.hardware import cpu_name
from seattrack.loading import BACKENDS as TRACKER_BACKENDS
from seattrack.models.registry import create_model, list_models

BACKENDS = [name for name in TRACKER_BACKENDS if name != "auto"]  # every backend a tracker runs on


def summary(reports: list[BenchReport]) -> str:
    """One line per model and thread count: per-frame network ms of each backend and their speed-ups."""
    head = f"{'model':<14}{'threads':>8}" + "".join(f"{b + ' ms':>22}" for b in BACKENDS)
    lines = [head + f"{'ORT / torch':>13}{'INT8 / torch':>14}{'INT8 / ORT':>12}"]
    for r in reports:
        ms = {x.backend: x.track.median_ms for x in r.results if x.track}
        cells = "".join(f"{ms[b]:>22.2f}" if b in ms else f"{'-':>22}" for b in BACKENDS)
        ratio = [f"{ms[a] / ms[b]:.2f}x" if a in ms and b in ms else "-" for a, b in
                 (("torch", "onnxruntime"), ("torch", "onnxruntime-int8"), ("onnxruntime", "onnxruntime-int8"))]
        lines.append(f"{r.model:<14}{r.threads:>8}{cells}{ratio[0]:>13}{ratio[1]:>14}{ratio[2]:>12}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", "--models", dest="models", nargs="+", default=list_models(),
                        help="model names (default: all; --models: the former spelling)")
    parser.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--iters", type=int, default=20)
    args = parser.parse_args()
    print(f"machine: {cpu_name()}, {len(os.sched_getaffinity(0))} CPUs available; load average at start "
          f"{os.getloadavg()[0]:.1f} (other jobs share these cores: absolute times are noisy, ratios less so)\n")
    reports = []
    for name in args.models:
        net = create_model(name, pretrained_backbone=True).eval()
        for threads in args.threads:
            report = bench(net, BACKENDS, threads=threads, warmup=args.warmup, iters=args.iters)
            reports.append(report)
            print(format_report(report), end="\n\n", flush=True)
    print(f"per-frame network (track) median ms; speed-up = torch ms / backend ms; load average at end "
          f"{os.getloadavg()[0]:.1f}")
    print(summary(reports))


if __name__ == "__main__":
    main()
