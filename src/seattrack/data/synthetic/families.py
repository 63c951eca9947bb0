"""Scene families and rendering clips or pairs of any of them.

- `composite`: an object cut from another picture with a hard, soft or ragged mask moving over a photograph
  (`scene.py`, `render.py`);
- `camera`: a virtual camera over a still photograph, the target a region of it (`camera.py`);
- `parallax`: a masked photograph layer moving over another, the target a region of the layer (`camera.py`); the
  validation family that the training mixture never uses.

A clip is a pure function of the generator's state, so a pair draws only its two frames.
"""

from __future__ import annotations

import numpy as np

from ...errors import SeatError
from ..sequence import Sequence
from .camera import plan_region_scene, render_region_frame
from .config import SceneConfig
from .render import render_frame
from .scene import plan_scene

FAMILIES: tuple[str, ...] = ("composite", "camera", "parallax")
TRAINING_FAMILIES: tuple[str, ...] = ("composite", "camera")
"""The families a training mixture may use; `parallax` is kept for leave-one-family-out validation."""


def check_family(family: str) -> str:
    if family not in FAMILIES:
        raise SeatError(f"synthetic scene family {family!r}: expected one of {list(FAMILIES)}")
    return family


def _render(rng: np.random.Generator, config: SceneConfig, images: list[np.ndarray], family: str, length: int,
            times: list[int], name: str) -> Sequence:
    if check_family(family) == "composite":
        scene = plan_scene(rng, config, images, length)
        drawn = [render_frame(scene, t) for t in times]
    else:
        if not images:
            raise SeatError(f"synthetic scene family {family!r}: needs at least one photograph")
        region_scene = plan_region_scene(rng, config, images, length, parallax=family == "parallax")
        drawn = [render_region_frame(region_scene, t) for t in times]
    frames, boxes, covers = zip(*drawn, strict=True)
    cover = np.array(covers)
    return Sequence(name, list(frames), np.stack(boxes), cover >= config.visible_cover, {"cover": cover}, "synthetic")


def render_sequence(rng: np.random.Generator, config: SceneConfig, images: list[np.ndarray],
                    family: str = "composite", name: str = "") -> Sequence:
    """A fresh random clip of `config.length` frames of `family` built from `images` (see `image_bank`), in memory;
    its attributes hold `cover` (the target's visible fraction per frame)."""
    return _render(rng, config, images, family, config.length, list(range(config.length)), name)


def render_pair(rng: np.random.Generator, config: SceneConfig, images: list[np.ndarray], gap: int,
                family: str = "composite") -> Sequence:
    """Frames 0 and `gap` of a fresh random clip of `family` (only those two are drawn)."""
    return _render(rng, config, images, family, gap + 1, [0, gap], "")
