"""`seattrack search CONFIG [--resume]` and `seattrack derive CHECKPOINT --out arch.json`."""

from __future__ import annotations

import argparse

from ..cli import Handler, command


@command("search", "architecture search of the RFM (MCAS supernet, decoupled relaxation)")
def _search(p: argparse.ArgumentParser) -> Handler:
    p.add_argument("config", help="search recipe YAML (see configs/search/)")
    p.add_argument("overrides", nargs="*", help="dotted overrides, e.g. search.lam=0.2 epochs=10")
    p.add_argument("--resume", action="store_true", help="continue the search in out_dir from its checkpoint.pt")

    def run(args: argparse.Namespace) -> None:
        from .search import SearchTrainer, load_search_config

        SearchTrainer(load_search_config(args.config, args.overrides), resume=args.resume).run()

    return run


@command("derive", "derive the Arch JSON from a search checkpoint (Viterbi over beta, argmax alpha; with the "
                   "search's cost target, the budget DP when that misses it by over 10 %%)")
def _derive(p: argparse.ArgumentParser) -> Handler:
    p.add_argument("checkpoint", help="checkpoint.pt of a `seattrack search` run")
    p.add_argument("--out", required=True, help="Arch JSON to write")

    def run(args: argparse.Namespace) -> None:
        from .derive import derive_checkpoint

        arch, cost = derive_checkpoint(args.checkpoint)
        arch.save(args.out)
        print(f"derived {arch.describe()} ({cost}) -> {args.out}")

    return run
