"""A collated batch of training pairs, typed: what the trainer, the losses and the search read after `to_device`.

The datasets yield one dict per pair (the DataLoader's default collation stacks them); the trainer turns the stacked
dict into a `PairBatch` on its device, so a misspelt field is an AttributeError at the line that reads it, not a
KeyError deep in a loss.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import torch


@dataclass(frozen=True)
class PairBatch:
    z: torch.Tensor           # (B, 3, T, T) template crops, raw BGR 0-255
    x: torch.Tensor           # (B, 3, S, S) search crops
    z_box: torch.Tensor       # (B, 4) target box in the template crop, x1 y1 x2 y2
    cls: torch.Tensor         # (B, M, M) classification labels: 1 on the cells near the target's centre
    ltrb: torch.Tensor        # (B, 4, M, M) regression targets in search-crop pixels
    reg_weight: torch.Tensor  # (B, M, M) 1 on cells inside the target box: where the regression counts
    x_box: torch.Tensor       # (B, 4) target box in the search crop, x1 y1 x2 y2
    negative: torch.Tensor    # (B,) 1 for a negative pair (template and search of different objects)

    @classmethod
    def from_collated(cls, items: dict[str, torch.Tensor], device: torch.device | str) -> PairBatch:
        """The collated dict of a DataLoader (extra keys such as bad-data counts left out) moved to `device`."""
        return cls(**{f.name: items[f.name].to(device, non_blocking=True) for f in fields(cls)})

    def __len__(self) -> int:
        return len(self.z)
