"""`SceneConfig`: the knobs of the synthetic scenes (sizes, motion, and each variation's probability and size)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from ...config import from_dict
from ...errors import SeatError


@dataclass(frozen=True)
class SceneConfig:
    """Frame size, clip length, and the probability and magnitude of every variation.

    Sizes are in frame pixels (size: square root of the area); `speed` is the typical speed in pixels per
    frame of a 50 px target (scaled by the square root of size); `*_change` are standard deviations per motion
    knot (one knot every `knot_spacing` frames) of a random walk; probabilities are per scene; a frame's target
    is `visible` when at least `visible_cover` of it can be seen.

    Hard cases of the region families (`camera.py`): `fast_prob` (3-6x speed), `whip_prob` (a whip pan over a few
    frames), `shake_prob`/`shake` (hand-held jitter, px per frame), `rotation_prob`/`rotation_hard` (in-plane roll,
    degrees per knot), `tilt` (perspective foreshortening across the frame), `exit_prob` (the target may leave the
    frame). For every family: `jpeg_prob`/`jpeg_quality` (re-encoding of the whole frame); for composites:
    `shadow_prob` (a cast shadow) and `match_prob` (pasted colour, contrast and sharpness matched to the background).
    """

    frame_size: tuple[int, int] = (320, 240)
    length: int = 100
    typical_size: tuple[float, float] = (20.0, 120.0)
    tiny_size: float = 12.0
    large_fraction: float = 0.4
    outlier_prob: float = 0.2
    aspect_sigma: float = 0.35
    speed: float = 3.0
    scale_change: float = 0.15
    aspect_change: float = 0.08
    rotation: float = 6.0
    knot_spacing: tuple[int, int] = (8, 30)
    camera_prob: float = 0.6
    camera_pan: float = 2.0
    camera_zoom: float = 0.06
    camera_rotation: float = 2.0
    occlusion_prob: float = 0.3
    distractor_prob: float = 0.5
    max_distractors: int = 3
    lookalike_prob: float = 0.5
    illumination_prob: float = 0.5
    gain_change: float = 0.2
    gamma_change: float = 0.12
    shading_prob: float = 0.25
    blur_prob: float = 0.25
    max_blur: float = 1.5
    motion_blur_prob: float = 0.2
    max_motion_blur: float = 8.0
    noise_prob: float = 0.7
    max_noise: float = 6.0
    procedural_prob: float = 0.3
    visible_cover: float = 0.3
    fast_prob: float = 0.15
    whip_prob: float = 0.1
    shake_prob: float = 0.3
    shake: float = 1.5
    rotation_prob: float = 0.15
    rotation_hard: float = 15.0
    tilt: float = 0.15
    exit_prob: float = 0.1
    jpeg_prob: float = 0.5
    jpeg_quality: tuple[int, int] = (30, 90)
    shadow_prob: float = 0.3
    match_prob: float = 0.5

    def __post_init__(self) -> None:
        width, height = self.frame_size
        if width < 16 or height < 16:
            raise SeatError(f"SceneConfig.frame_size {self.frame_size}: expected (width, height) of at least 16 px")
        if self.length < 1:
            raise SeatError(f"SceneConfig.length {self.length}: expected at least 1 frame")
        if not 0 < self.tiny_size <= self.typical_size[0] <= self.typical_size[1]:
            raise SeatError(f"SceneConfig sizes {self.tiny_size}, {self.typical_size}: expected 0 < tiny <= lo <= hi")
        for f in fields(self):
            if f.name.endswith("_prob") and not 0 <= getattr(self, f.name) <= 1:
                raise SeatError(f"SceneConfig.{f.name} {getattr(self, f.name)}: expected a probability in [0, 1]")
        if not 1 <= self.jpeg_quality[0] <= self.jpeg_quality[1] <= 100:
            raise SeatError(f"SceneConfig.jpeg_quality {self.jpeg_quality}: expected 1 <= low <= high <= 100")

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> SceneConfig:
        """A config from plain values (e.g. YAML), type-checked by `config.from_dict`: unknown keys or a value of the
        wrong type are a one-line error naming the field; lists become tuples."""
        return from_dict(cls, values, "synthetic scene config")

    @property
    def max_size(self) -> float:
        """The largest target size (square root of its area): `large_fraction` of the frame's area."""
        width, height = self.frame_size
        return max(float(np.sqrt(self.large_fraction * width * height)), self.typical_size[1])
