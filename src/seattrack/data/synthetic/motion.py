"""Motion: smooth random curves, the camera, and object paths (velocity, size, aspect and angle drifts).

Smooth random curves are random knots (one every `knot_spacing` frames), linearly interpolated; they drive a
target's velocity, log size, log aspect and angle, and the camera's pan velocity, log zoom and roll. Everything
is computed for all frames at once as (T, ...) arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config import SceneConfig


def rotation(angle: np.ndarray) -> np.ndarray:
    """Rotation matrices (..., 2, 2) for angles (...) in radians."""
    cos, sin = np.cos(angle), np.sin(angle)
    return np.stack([np.stack([cos, -sin], -1), np.stack([sin, cos], -1)], -2)


def smooth_curve(rng: np.random.Generator, config: SceneConfig, length: int, sigma: float, dims: int = 1,
                 walk: bool = False) -> np.ndarray:
    """A smooth random (length, dims) curve: random knots, linearly interpolated.

    `walk` makes the knots a random walk starting at 0 (a drift); otherwise they are independent N(0, sigma).
    """
    spacing = int(rng.integers(config.knot_spacing[0], config.knot_spacing[1] + 1))
    count = length // spacing + 2
    times = (np.arange(count) - rng.random()) * spacing
    knots = rng.normal(0, sigma, (count, dims))
    if walk:
        knots = np.cumsum(knots, axis=0)
    curve = np.stack([np.interp(np.arange(length), times, knots[:, d]) for d in range(dims)], axis=1)
    return curve - curve[0] if walk else curve


def drift(rng: np.random.Generator, config: SceneConfig, length: int, sigma: float) -> np.ndarray:
    """A (length,) smooth random walk starting at 0."""
    return smooth_curve(rng, config, length, sigma, walk=True)[:, 0]


@dataclass
class Camera:
    """World -> frame map per frame: zoom and roll about the frame centre after a pan."""

    pan: np.ndarray  # (T, 2)
    zoom: np.ndarray  # (T,)
    roll: np.ndarray  # (T,) radians
    centre: np.ndarray  # (2,)

    def to_frame(self, points: np.ndarray) -> np.ndarray:
        """Map (T, 2) world points to frame points."""
        shifted = points - self.centre - self.pan
        return self.zoom[:, None] * np.einsum("tij,tj->ti", rotation(self.roll), shifted) + self.centre

    def to_world_maps(self) -> np.ndarray:
        """(T, 3, 3) frame -> world homogeneous maps."""
        inverse = np.repeat(np.eye(3)[None], len(self.zoom), 0)
        inverse[:, :2, :2] = rotation(-self.roll) / self.zoom[:, None, None]
        inverse[:, :2, 2] = self.centre + self.pan - np.einsum("tij,j->ti", inverse[:, :2, :2], self.centre)
        return inverse


def plan_camera(rng: np.random.Generator, config: SceneConfig, length: int) -> Camera:
    centre = np.array(config.frame_size, float) / 2
    if rng.random() >= config.camera_prob:
        return Camera(np.zeros((length, 2)), np.ones(length), np.zeros(length), centre)
    velocity = rng.normal(0, config.camera_pan, 2) + smooth_curve(rng, config, length, config.camera_pan, 2)
    pan = np.cumsum(velocity, 0) - velocity[0]
    zoom = np.exp(drift(rng, config, length, config.camera_zoom))
    roll = drift(rng, config, length, np.radians(config.camera_rotation))
    return Camera(pan, zoom, roll, centre)


def log_uniform(rng: np.random.Generator, low: float, high: float) -> float:
    return float(np.exp(rng.uniform(np.log(low), np.log(max(high, low)))))


def initial_size(rng: np.random.Generator, config: SceneConfig) -> float:
    """Target size (sqrt of area): mostly within `typical_size`, sometimes tiny or large."""
    low, high = config.typical_size
    if rng.random() >= config.outlier_prob:
        return log_uniform(rng, low, high)
    return log_uniform(rng, config.tiny_size, low) if rng.random() < 0.5 else log_uniform(rng, high, config.max_size)


@dataclass
class Track:
    """An object's path in the frame: centre (T, 2), width and height (T,) and angle (T,)."""

    centre: np.ndarray
    width: np.ndarray
    height: np.ndarray
    angle: np.ndarray


def plan_track(rng: np.random.Generator, config: SceneConfig, camera: Camera, size: float,
               start: np.ndarray) -> Track:
    """A smooth random path (velocity, size, aspect and angle drifts) seen through `camera`."""
    length = len(camera.zoom)
    heading = rng.uniform(0, 2 * np.pi)
    speed = config.speed * np.sqrt(size / 50) * float(np.exp(rng.normal(0, 0.6)))  # bigger looks faster
    velocity = speed * np.array([np.cos(heading), np.sin(heading)]) + smooth_curve(rng, config, length, speed / 2, 2)
    world = start + np.cumsum(velocity, 0) - velocity[0]
    log_size = np.log(size) + drift(rng, config, length, config.scale_change) + np.log(camera.zoom)
    sizes = np.clip(np.exp(log_size), config.tiny_size, config.max_size)
    log_aspect = rng.normal(0, config.aspect_sigma) + drift(rng, config, length, config.aspect_change)
    spin = np.radians(config.rotation)
    angle = rng.normal(0, spin) + camera.roll + drift(rng, config, length, spin)
    aspect = np.exp(np.clip(log_aspect, -1.4, 1.4) / 2)
    return Track(camera.to_frame(world), sizes * aspect, sizes / aspect, angle)


def reflect(values: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Fold `values` into [low, high] like a ball bouncing off walls."""
    span = high - low
    folded = np.mod(values - low, 2 * span)
    return low + np.where(folded > span, 2 * span - folded, folded)
