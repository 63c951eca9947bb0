"""End-to-end `update()` time per frame (crop + network + decode) of every named model at 1 and 2 threads, for
the default CPU backend (ONNX Runtime) and PyTorch eager side by side, with the share of the frame spent outside
the network (cropping, resizing, decoding, window and penalty).

    python benchmarks/tracker_speed.py [--iters 30]
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
    parser.add_argument("--models", nargs="+", default=list_models())
    args = parser.parse_args()
    print(f"machine: {machine()}; batch 1, fp32; 320x240 real-image frames")
    print(f"{'model':<14}{'backend':>13}{'threads':>8}{'update ms':>11}{'p90 ms':>9}{'FPS':>7}{'network ms':>12}"
          f"{'outside net':>13}")
    for name in args.models:
        net = create_model(name).eval()
        for threads in (1, 2):
            report = bench(net, ["onnxruntime", "torch"], threads=threads, warmup=args.warmup, iters=args.iters)
            for r in report.results:
                share = 1 - r.track.median_ms / r.update.median_ms
                print(f"{name:<14}{r.backend:>13}{threads:>8}{r.update.median_ms:>11.2f}{r.update.p90_ms:>9.2f}"
                      f"{r.update.fps:>7.1f}{r.track.median_ms:>12.2f}{share:>12.0%}")


if __name__ == "__main__":
    main()
