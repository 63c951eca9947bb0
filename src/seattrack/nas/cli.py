"""`seattrack search CONFIG [--resume]` and `seattrack derive CHECKPOINT --out arch.json`."""

from __future__ import annotations

import argparse

from ..cli import Handler, command, recipe_arguments


@command("search", "architecture search of the RFM (MCAS supernet, decoupled relaxation)")
def _search(p: argparse.ArgumentParser) -> Handler:
    recipe_arguments(p, "search recipe YAML (see configs/search/)", "search.lam=0.2 epochs=10",
                     "continue the search in out_dir from its checkpoint.pt")

    def run(args: argparse.Namespace) -> None:
        from .search import SearchTrainer, load_search_config

        SearchTrainer.from_config(load_search_config(args.config, args.overrides), resume=args.resume).run()

    return run


@command("derive", "derive the Arch JSON from a search checkpoint (Viterbi over beta, argmax alpha; with the "
                   "search's cost target, the budget DP when that misses it by over 10 %%)")
def _derive(p: argparse.ArgumentParser) -> Handler:
    p.add_argument("checkpoint", help="checkpoint.pt of a `seattrack search` run")
    p.add_argument("--out", required=True, help="Arch JSON to write")
    p.add_argument("--mode", choices=["viterbi", "joint"], default=None,
                   help="path by Viterbi over beta, or by maximum joint probability (default: the search's)")

    def run(args: argparse.Namespace) -> None:
        from .derive import derive_checkpoint
        from .diagnostics import describe_report

        arch, cost, report = derive_checkpoint(args.checkpoint, args.mode)
        arch.save(args.out)
        print(f"derived {arch.describe()} ({cost}) -> {args.out}\n{describe_report(report)}")

    return run


@command("validate-cost", "check a search recipe's cost table against whole-network measurements of random "
                          "architectures (Spearman rank correlation, mean relative error)")
def _validate_cost(p: argparse.ArgumentParser) -> Handler:
    recipe_arguments(p, "search recipe YAML (its model, space and search.metric/cost_threads are used)",
                     "search.metric=latency_ort")
    p.add_argument("--archs", type=int, default=8, help="random architectures to measure (default 8)")
    p.add_argument("--runs", type=int, default=30, help="timed runs per op and per network (default 30)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random architectures (default 0)")
    p.add_argument("--json", default="cost-validation.json", help="report file (default cost-validation.json)")

    def run(args: argparse.Namespace) -> None:
        from ..fileio import write_json_atomic
        from ..models.registry import model_config
        from .search import load_search_config
        from .validate import validate_cost_table

        cfg = load_search_config(args.config, args.overrides)
        s = cfg.search
        report = validate_cost_table(model_config(cfg.model.name, cfg.model.arch, **cfg.model.options), s.space,
                                     s.metric, args.archs, args.seed, s.cost_device, s.cost_threads, args.runs,
                                     s.cost_cache)
        for row in report["rows"]:
            print(f"{row['predicted']:10.4g} {row['measured']:10.4g} {report['unit']}  {row['arch']}")
        print(f"{report['metric']} table vs whole network ({args.archs} archs, {s.cost_threads} thread(s)): Spearman "
              f"{report['spearman']:.3f}, mean relative error {100 * report['mean_relative_error']:.1f} % "
              f"-> {args.json}")
        write_json_atomic(args.json, report)

    return run
