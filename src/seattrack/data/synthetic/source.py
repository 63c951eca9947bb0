"""Endless training pairs: two frames of a fresh random scene a random number of frames apart."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from ...errors import SeatError
from ..pairs import Pair
from .bank import image_bank
from .config import SceneConfig
from .families import check_family, render_pair


class SyntheticPairSource:
    """Training pairs rendered on the fly from the `split` image bank (no two pairs share a scene).

    `sample(rng)` draws from the caller's generator (e.g. one per data-loader worker); without one it uses the
    source's own generator seeded with `seed`. The gap between the two frames is uniform in [1, `max_gap`].
    `config` may be a `SceneConfig` or its fields as a mapping (from YAML); `family` is one of `FAMILIES`.
    """

    def __init__(self, split: str = "train", seed: int = 0, config: SceneConfig | dict[str, Any] | None = None,
                 max_gap: int = 50, family: str = "composite"):
        if max_gap < 1:
            raise SeatError(f"SyntheticPairSource max_gap {max_gap}: expected at least 1")
        self.config = config if isinstance(config, SceneConfig) else SceneConfig.from_dict(config or {})
        self.images = image_bank(split)
        self.max_gap = max_gap
        self.family = check_family(family)
        self._rng = np.random.default_rng(seed)
        self.warnings: Counter[str] = Counter()  # rendered data is never bad: always empty

    def sample(self, rng: np.random.Generator | None = None) -> Pair:
        """One pair: frame 0 (the target unoccluded) and frame `gap` of a new scene."""
        rng = rng or self._rng
        gap = int(rng.integers(1, self.max_gap + 1))
        clip = render_pair(rng, self.config, self.images, gap, self.family)
        return Pair(clip.frames[0], clip.boxes[0], clip.frames[1], clip.boxes[1], bool(clip.visible[1]))

    def distractor(self, rng: np.random.Generator, avoid: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The search frame and box of a new scene (every scene is new, so `avoid` needs no check)."""
        pair = self.sample(rng)
        return pair.image_x, pair.box_x
