"""Bad-data accounting of a training run: the counts each batch carries (from any worker and rank) are kept
pending, summed over the ranks at agreed points and added to the run's totals (saved in the checkpoint)."""

from __future__ import annotations

import warnings

import torch

from ..data.pairs import DATA_ISSUES
from ..data.sources.base import SeatDataWarning
from .distributed import DistInfo, all_sum


class DataIssueTally:
    """This rank's bad-data counts per reason (`DATA_ISSUES`) since the last `sync`."""

    def __init__(self) -> None:
        self.pending = torch.zeros(len(DATA_ISSUES), dtype=torch.float64)

    def add(self, batch_issues: torch.Tensor) -> None:
        """Count a batch's per-pair issue vectors (batch, len(DATA_ISSUES))."""
        self.pending += batch_issues.sum(0, dtype=torch.float64)

    def sync(self, totals: dict[str, int], info: DistInfo) -> dict[str, int]:
        """Add every rank's pending counts to `totals` (in place) and return it.

        A collective call: every rank makes it at the same points (log steps, checkpoints, epoch ends).
        """
        pending = all_sum(self.pending, info)
        self.pending.zero_()
        for reason, count in zip(DATA_ISSUES, pending.tolist()):
            if count:
                totals[reason] = totals.get(reason, 0) + round(count)
        return totals


def listing_issues(*datasets) -> dict[str, int]:
    """Bad data the readers found while listing the sources of `datasets` (None entries skipped) in this process
    (e.g. COCO's bad boxes)."""
    total = sum(d.data_issues() for d in datasets if d is not None)
    return {r: int(c) for r, c in zip(DATA_ISSUES, total) if c}


def warn_issues(totals: dict[str, int], epoch: int) -> None:
    """One counted SeatDataWarning when the run has met bad data so far."""
    if totals:
        warnings.warn(f"training data after epoch {epoch}: {describe_issues(totals)} so far; bad draws were "
                      f"repeated, bad frames and boxes left out (reasons: README, Data)", SeatDataWarning,
                      stacklevel=2)


def describe_issues(totals: dict[str, int]) -> str:
    """'N bad-data cases (reason count, ...)' for logs and warnings."""
    counts = ", ".join(f"{reason} {count}" for reason, count in sorted(totals.items()))
    return f"{sum(totals.values())} bad-data cases" + (f" ({counts})" if counts else "")
