"""Per-frame `track()` latency (network only, template state precomputed) of every named model in PyTorch eager,
median and p90 at 1 and 2 threads, printed with params and MACs (fvcore). Random weights: speed does not depend on
the values. `bench_backends.py` adds ONNX Runtime and INT8 side by side.

    python benchmarks/model_speed.py [--iters 30]
"""

from __future__ import annotations

import argparse

from common import machine
from seattrack.export.bench import bench
from seattrack.models.registry import create_model, list_models


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iters", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args()
    print(f"machine: {machine()}; PyTorch eager, batch 1, fp32")
    print(f"{'model':<14}{'params (M)':>11}{'MACs/frame (G)':>15}{'threads':>8}{'median ms':>11}{'p90 ms':>9}"
          f"{'FPS':>7}")
    for name in list_models():
        net = create_model(name).eval()
        for threads in (1, 2):
            report = bench(net, ["torch"], threads=threads, warmup=args.warmup, iters=args.iters)
            t = report.results[0].track
            print(f"{name:<14}{report.params / 1e6:>11.2f}{report.macs_per_frame / 1e9:>15.3f}{threads:>8}"
                  f"{t.median_ms:>11.2f}{t.p90_ms:>9.2f}{t.fps:>7.1f}")


if __name__ == "__main__":
    main()
