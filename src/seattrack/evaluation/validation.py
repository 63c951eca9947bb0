"""The validation suite: the synthetic sequences that epochs and tracking hyper-parameters are chosen on.

Clips over the *val* photographs (never trained on), written once in the folder format and reused. Its counterpart
for final figures only is the reserved held-out suite (`heldout.py`), which nothing is ever chosen on.
"""

from __future__ import annotations

from pathlib import Path

from ..data.sequence import Sequence
from ..data.synthetic import FAMILIES, SceneConfig, write_sequences


def validation_suite(root: str | Path, n: int = 16, length: int = 80, seed: int = 1000
                     ) -> dict[str, list[Sequence]]:
    """`n` sequences of `length` frames per scene family, in `root/<family>`: `composite` and `camera` (the
    training mixture's families: in-distribution) and `parallax` (a family the training mixture never uses:
    leave-one-family-out)."""
    return {family: write_sequences(Path(root) / family, n, split="val", seed=seed, config=SceneConfig(length=length),
                                    family=family) for family in FAMILIES}
