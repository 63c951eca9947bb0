"""Frames/s of the evaluation runner (`seattrack eval`) with 1 and 2 workers, side by side, on 16 and 64 sequences.

Runs the tracker over the project's validation sequences in the OPE layout into temporary result folders, worker
counts alternating (1 2 1 2 ...) so that drift in the machine's speed hits both alike; start-up (loading the
network, starting workers) is inside the timing, as a user pays it.

    python benchmarks/eval_throughput.py [--model seat_lite] [--sequences 16 64] [--repeats 2] [--processes 1]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile

from common import machine, validation_sequences
from seattrack.evaluation.protocols import OPE
from seattrack.evaluation.runner import TrackerSpec, run_benchmark


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="seat_lite")
    parser.add_argument("--root", default="runs/val_sequences")
    parser.add_argument("--sequences", type=int, nargs="+", default=[16, 64])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--processes", type=int, help="processes the 2 workers use (default: the runner's own)")
    args = parser.parse_args()
    pool = validation_sequences(args.root, max(args.sequences))
    print(f"machine: {machine()}; 1 network thread per worker; {args.repeats} runs per figure (median)")
    for n in args.sequences:
        sequences = pool[:n]
        rates: dict[int, list[float]] = {1: [], 2: []}
        for _ in range(args.repeats):
            for workers in (1, 2):
                with tempfile.TemporaryDirectory() as out:
                    summary = run_benchmark(TrackerSpec(args.model, threads=1), sequences, OPE(), out, workers,
                                            False, processes=args.processes if workers > 1 else None)
                rates[workers].append(summary.frames_per_second)
        one, two = statistics.median(rates[1]), statistics.median(rates[2])
        print(f"{n:3d} sequences ({sum(len(s) for s in sequences)} frames): 1 worker {one:6.1f} frames/s, "
              f"2 workers {two:6.1f} frames/s ({summary.processes} process(es)): {two / one:.2f}x")


if __name__ == "__main__":
    main()
