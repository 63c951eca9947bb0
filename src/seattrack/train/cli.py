"""`seattrack train CONFIG [key=value ...] [--resume]` (plain process, or under torchrun for DDP)."""

from __future__ import annotations

import argparse

from ..cli import Handler, command, recipe_arguments


@command("train", "train a model on Siamese pairs (torchrun for several processes/GPUs)")
def _train(p: argparse.ArgumentParser) -> Handler:
    recipe_arguments(p, "training recipe YAML (see configs/train/)", "optim.base_lr=0.01 epochs=5",
                     "continue the run in out_dir from its checkpoint.pt")

    def run(args: argparse.Namespace) -> None:
        from .engine import Trainer, load_train_config

        Trainer.from_config(load_train_config(args.config, args.overrides), resume=args.resume).run()

    return run
