"""A training run's typed position (epoch, step, counters) instead of a loose dict."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class RunPosition:
    """Where a run stands: saved in every checkpoint (as a dict in field order) and restored by `--resume`."""

    epoch: int = 0
    step: int = 0  # weight steps done in `epoch`
    global_step: int = 0
    skipped: int = 0  # steps skipped for a non-finite or huge loss
    bad_data: dict[str, int] = field(default_factory=dict)  # bad-data cases met so far, by reason
