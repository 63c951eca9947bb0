"""`seattrack eval`, `seattrack report`, `seattrack tune` and `seattrack pack`."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..cli import Handler, command, count
from ..errors import SeatError
from ..loading import BACKENDS
from .datasets import BENCHMARKS


def device_option(text: str) -> str:
    """argparse type: cpu, cuda or cuda:K."""
    from ..hardware import is_device_name

    if not is_device_name(text):
        raise argparse.ArgumentTypeError(f"{text!r}: expected cpu, cuda or cuda:K")
    return text


def _dataset_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dataset", required=True, choices=sorted(BENCHMARKS))
    p.add_argument("--root", required=True, help="dataset root folder")
    p.add_argument("--split", help="override the dataset's split")


def _model_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", "--tracker", dest="model", default="seat_lite",
                   help="model name with shipped weights, or a checkpoint (--tracker: the former spelling)")


@command("eval", "run a tracker over a benchmark (parallel, resumable) and report its numbers")
def _eval(p: argparse.ArgumentParser) -> Handler:
    _dataset_args(p)
    _model_arg(p)
    p.add_argument("--hypers", help="hyper-parameter set: name, name:set or YAML (default: the model's own)")
    p.add_argument("--workers", type=count(), help="sequences tracked at once, one tracker each (default: one per "
                                                   "core that --threads leaves, at most one per sequence)")
    p.add_argument("--processes", type=count(), help="processes the workers are spread over (default: one per "
                                                     "4 workers; the workers of a process share its network)")
    p.add_argument("--threads", type=count(), default=1, help="network threads per process")
    p.add_argument("--backend", default="auto", choices=BACKENDS)
    p.add_argument("--device", type=device_option, default="cpu",
                   help="cpu, cuda:K, or cuda (worker processes spread over every GPU: use --processes)")
    p.add_argument("--batch", type=count(), default=1,
                   help="sequences each worker tracks in lockstep, their crops in one network call per frame (for "
                        "GPUs; on a CPU batching saves only the 1-2 %% per-call overhead)")
    p.add_argument("--results", default="results", help="results root: <results>/<tracker>/<dataset>/")
    p.add_argument("--name", help="tracker name in the results tree (default: from --model and --hypers)")
    p.add_argument("--preset", help="metric preset for the report (default: the dataset's own convention)")
    p.add_argument("--shard", help="track only shard I of N (I/N, 0-based) into the shared results folder; 'auto' "
                                   "or 'auto/N' reads I (and N) from a SLURM array or Kubernetes indexed Job")

    def run(args: argparse.Namespace) -> None:
        from ..fileio import check_writable
        from .datasets import benchmark, load_sequences
        from .report import make_report
        from .runner import TrackerSpec, reportable, results_dir, run_benchmark, tracker_name
        from .shards import parse_shard

        spec = benchmark(args.dataset)
        shard = parse_shard(args.shard) if args.shard else None
        if args.device.startswith("cuda"):
            import torch

            if not torch.cuda.is_available():
                raise SeatError(f"--device {args.device}: CUDA is not available on this machine")
        check_writable(args.results, "--results", folder=True)
        name = args.name or tracker_name(args.model, args.hypers)
        out = results_dir(args.results, name, args.dataset)
        sequences = load_sequences(args.dataset, args.root, args.split)
        tracker = TrackerSpec(args.model, args.hypers, args.backend, args.threads, args.device)
        summary = run_benchmark(tracker, sequences, spec.protocol, out, args.workers, shard=shard,
                                processes=args.processes, batch=args.batch)
        print(f"{summary.describe()}; results: {out}")
        for seq, reason in summary.failed.items():
            print(f"  failed {seq}: {reason}")
        if summary.pending:
            print(f"{summary.pending} sequence(s) of the dataset are not finished in {out} yet (other shards); "
                  "`seattrack report` the folder once every shard is done")
            return
        if args.dataset in ("got10k-test", "trackingnet"):
            print("ground truth of this split is hidden: pack the results with `seattrack pack` for the server")
            return
        scored = reportable(sequences, set(summary.failed))
        report = make_report({name: out}, scored, args.preset or spec.protocol.preset, out / "report")
        print(report.to_text())

    return run


@command("report", "compare trackers' result folders on a benchmark: table, CSV, plots, attributes")
def _report(p: argparse.ArgumentParser) -> Handler:
    p.add_argument("results", nargs="+", help="result folders (<results>/<tracker>/<dataset>), or NAME=FOLDER")
    _dataset_args(p)
    p.add_argument("--preset", help="metric preset (pysot, pytracking, got10k, lasot_official, trackingnet_server, "
                                    "vot2016..vot2019); default: the dataset's own")
    p.add_argument("--out", default="report", help="output folder")
    p.add_argument("--longterm", action="store_true",
                   help="add the VOT long-term Pr / Re / F-score from <seq>_confidence.value files beside OPE results")

    def run(args: argparse.Namespace) -> None:
        from ..fileio import check_writable
        from .datasets import benchmark, load_sequences
        from .report import make_report
        from .runner import reportable

        check_writable(args.out, "--out", folder=True)
        folders = {}
        for item in args.results:
            name, _, folder = item.rpartition("=") if "=" in item else ("", "", item)
            folders[name or Path(folder).parent.name] = Path(folder)
        sequences = reportable(load_sequences(args.dataset, args.root, args.split))
        report = make_report(folders, sequences, args.preset or benchmark(args.dataset).protocol.preset, args.out,
                             args.longterm)
        print(report.to_text())
        print("files: " + ", ".join(str(v) for v in report.files.values()))

    return run


@command("tune", "search tracking hyper-parameters on a validation split; writes a named set to runs/hypers/")
def _tune(p: argparse.ArgumentParser) -> Handler:
    _dataset_args(p)
    _model_arg(p)
    p.add_argument("--hypers", help="starting set (trial 0; default: the model's own)")
    p.add_argument("--trials", type=count(), default=20)
    p.add_argument("--workers", type=count(), help="sequences tracked at once (default: one per core --threads "
                                                   "leaves)")
    p.add_argument("--processes", type=count(), help="processes the workers are spread over (default: one per 4)")
    p.add_argument("--threads", type=count(), default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--set", default="tuned", help="name of the set written")
    p.add_argument("--out", default="runs/hypers", help="folder of the hypers YAML files (default runs/hypers; use "
                                                       "the set as --hypers runs/hypers/FILE.yaml:SET; the package's "
                                                       "shipped sets change only when --out names their folder)")

    def run(args: argparse.Namespace) -> None:
        from ..fileio import check_writable
        from .datasets import load_sequences
        from .runner import TrackerSpec
        from .tune import tune, write_tuned

        check_writable(args.out, "--out", folder=True)
        sequences = load_sequences(args.dataset, args.root, args.split)
        spec = TrackerSpec(args.model, args.hypers, "auto", args.threads)
        results = tune(spec, args.dataset, sequences, args.trials, args.workers, args.seed,
                       processes=args.processes)
        path = write_tuned(results, args.dataset, args.set, args.out)
        best, value = results[0]
        print(f"best score {value:.4f} over {len(results)} trials -> {path} [{args.set}]: {best}")

    return run


@command("pack", "pack GOT-10k test or TrackingNet results into the server's submission archive")
def _pack(p: argparse.ArgumentParser) -> Handler:
    p.add_argument("results", help="result folder (<results>/<tracker>/<dataset>)")
    p.add_argument("--dataset", required=True, choices=["got10k-test", "trackingnet"])
    p.add_argument("--root", required=True)
    p.add_argument("--out", required=True, help="zip file to write")

    def run(args: argparse.Namespace) -> None:
        from .datasets import load_sequences
        from .pack import pack_got10k, pack_trackingnet

        sequences = load_sequences(args.dataset, args.root)
        packer = pack_got10k if args.dataset == "got10k-test" else pack_trackingnet
        packer(args.results, sequences, args.out)
        print(f"wrote {args.out} ({len(sequences)} sequences)")

    return run
