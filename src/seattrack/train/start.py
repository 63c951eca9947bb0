"""Starting a training process: the distributed group, this rank's seed and the run folder, all before the network
is built (its initial weights follow the seed; a bad out_dir fails before a backbone download)."""

from __future__ import annotations

from pathlib import Path

import torch

from ..errors import SeatError
from ..fileio import check_writable
from .checkpoint import CHECKPOINT
from .config import TrainConfig
from .distributed import DistInfo, init_distributed


def start_process(config: TrainConfig, resume: bool) -> DistInfo:
    """Join the process group (under torchrun), seed this rank and check the run folder; its `DistInfo` is what a
    `Trainer` needs besides the config and the network."""
    info = init_distributed(config.device)
    if config.threads:
        torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed + info.rank)
    check_run_folder(Path(config.out_dir), resume)
    return info


def check_run_folder(out_dir: Path, resume: bool) -> None:
    """`--resume` needs a checkpoint in `out_dir`, a new run needs none there."""
    check_writable(out_dir, "out_dir", folder=True)
    exists = (out_dir / CHECKPOINT).is_file()
    if resume and not exists:
        raise SeatError(f"--resume: no {CHECKPOINT} in {out_dir} to continue from")
    if not resume and exists:
        raise SeatError(f"{out_dir} already holds a run: pass --resume to continue it or set out_dir")
    out_dir.mkdir(parents=True, exist_ok=True)
