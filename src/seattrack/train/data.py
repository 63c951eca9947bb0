"""Build the pair dataset from the config's sources, and an epoch loader that can start mid-epoch."""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import DataLoader, DistributedSampler

from ..data.pairs import PairDataset, PairGenerator, SequencePairs
from ..data.sequence import Sequence
from ..errors import SeatError
from ..models.seat import SeatNet
from .config import DataConfig, SourceConfig
from .distributed import DistInfo


def build_pair_source(cfg: SourceConfig, seed: int, holdout: str | None = None) -> PairGenerator:
    """A pair generator for one configured source.

    `holdout` splits a dataset for the search (`holdout_indices`): "arch" keeps a tenth of its videos, "weights" the
    rest (a synthetic source is split by seed: its scenes are never repeated).
    """
    if cfg.name == "synthetic":
        from ..data.synthetic import SyntheticPairSource

        return SyntheticPairSource(split=cfg.split or "train", seed=seed, **cfg.options)
    from ..data.sources import build_source

    source = build_source(cfg.name, cfg.root, cfg.split, **cfg.options)
    name = f"{cfg.name}:{cfg.root}"
    indices = holdout_indices([source[i] for i in range(len(source))], holdout, name) if holdout else None
    return SequencePairs(source, cfg.frame_range, name=name, indices=indices)


def footage(seq: Sequence) -> str | None:
    """What a sequence was filmed as: its frame folder, or its image for a one-frame sequence (None when it has no
    frame). Tracks of one video and COCO instances of one image share it, so a split by footage never shows the
    held-out frames to the weights."""
    if not seq.frames:
        return None
    return seq.frames[0] if len(seq.frames) == 1 else str(Path(seq.frames[0]).parent)


def holdout_indices(sequences: list[Sequence], part: str, name: str = "dataset") -> list[int]:
    """Positions of `part` ("arch" or "weights") in a fixed split by footage: a tenth of the videos (at least one),
    chosen by a stable hash of their folder, go to the architecture pass and never to the weight steps. Empty
    sequences go to neither. Reads every sequence's annotations once, when the search starts."""
    keys = [footage(seq) for seq in sequences]
    groups = sorted({k for k in keys if k is not None}, key=lambda k: (zlib.crc32(k.encode()), k))
    if len(groups) < 2:
        raise SeatError(f"source {name}: the search holds out a tenth of the videos for its architecture pass, "
                        f"which needs at least 2 videos (found {len(groups)})")
    arch = set(groups[: max(1, len(groups) // 10)])
    return [i for i, key in enumerate(keys) if key is not None and (key in arch) == (part == "arch")]


def build_pair_dataset(cfg: DataConfig, net: SeatNet, seed: int, samples: int | None = None,
                       sources: list[SourceConfig] | None = None, holdout: str | None = None) -> PairDataset:
    """The training (or validation) pair dataset, labelled for `net`'s score-map geometry."""
    sources = cfg.sources if sources is None else sources
    if not sources:
        raise SeatError("data.sources: no training source configured")
    generators = [build_pair_source(s, seed, holdout) for s in sources]
    return PairDataset(
        generators, [s.weight for s in sources], samples or cfg.samples_per_epoch, net.geometry(),
        (net.config.template_size, net.config.search_size), cfg.pairs, seed,
    )


class _Skip(torch.utils.data.Sampler):
    """Indices of a sampler from position `start` on (to resume mid-epoch without loading skipped data)."""

    def __init__(self, indices: list[int]):
        self.indices = indices

    def __iter__(self):
        return iter(self.indices)

    def __len__(self) -> int:
        return len(self.indices)


def epoch_loader(dataset: PairDataset, cfg: DataConfig, info: DistInfo, epoch: int, seed: int,
                 start_batch: int = 0) -> tuple[DataLoader, int]:
    """A loader over this rank's share of the epoch (DistributedSampler + set_epoch), from `start_batch`.

    Returns the loader and the number of batches in the whole epoch for this rank.
    """
    dataset.epoch = epoch
    sampler = DistributedSampler(dataset, num_replicas=info.world_size, rank=info.rank, shuffle=True, seed=seed,
                                 drop_last=True)
    sampler.set_epoch(epoch)
    indices = list(sampler)
    batches = len(indices) // cfg.batch_size
    indices = indices[start_batch * cfg.batch_size: batches * cfg.batch_size]
    loader_kwargs: dict[str, Any] = {"num_workers": cfg.workers, "batch_size": cfg.batch_size, "drop_last": True}
    if cfg.workers > 0:
        loader_kwargs["prefetch_factor"] = 4
    return DataLoader(dataset, sampler=_Skip(indices), **loader_kwargs), batches
