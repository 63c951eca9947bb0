"""Frames/s of the evaluation runner (`seattrack eval`) with 1 and 2 worker processes, side by side.

Runs the tracker over the project's validation sequences in the OPE layout into temporary result folders.

    python benchmarks/eval_throughput.py [--model seat_lite] [--sequences 8]
"""

from __future__ import annotations

import argparse
import tempfile

from common import machine, validation_sequences
from seattrack.evaluation.runner import TrackerSpec, run_benchmark


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="seat_lite")
    parser.add_argument("--root", default="runs/val_sequences")
    parser.add_argument("--sequences", type=int, default=8)
    args = parser.parse_args()
    sequences = validation_sequences(args.root, 20)[: args.sequences]
    print(f"machine: {machine()}; {len(sequences)} sequences, {sum(len(s) for s in sequences)} frames; "
          "1 network thread per worker")
    rates = {}
    for workers in (1, 2):
        with tempfile.TemporaryDirectory() as out:
            summary = run_benchmark(TrackerSpec(args.model, threads=1), sequences, "ope", out, workers, False)
        rates[workers] = summary.frames_per_second
        print(f"{workers} worker(s): {summary.frames_per_second:7.1f} frames/s "
              f"({summary.frames} frames in {summary.seconds:.1f} s, process start-up included)")
    print(f"2 workers / 1 worker: {rates[2] / rates[1]:.2f}x")


if __name__ == "__main__":
    main()
