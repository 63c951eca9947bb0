"""Scene planning: what is in a synthetic clip and where every layer is in every frame.

A scene is a background, distractors behind the target, the target and occluders in front, each an image
patch with a soft alpha mask and a per-frame similarity transform (centre, x/y scale, angle) into frame
coordinates, plus per-frame photometric effects. All randomness is drawn here, from one
`numpy.random.Generator`, so rendering (`render.py`) is a pure function of the plan and the frame index.

Paths come from `motion.py`; the target's centre is reflected back into the frame so that it never leaves it
entirely, and the occluder crosses the target's path from outside the frame, so frame 0 is never occluded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from .config import SceneConfig
from .motion import (
    Camera,
    Track,
    drift,
    initial_size,
    log_uniform,
    plan_camera,
    plan_track,
    reflect,
    rotation,
    smooth_curve,
)
from .procedural import cut_patch, object_mask, procedural_texture, shift_colour


@dataclass
class Layer:
    """A patch (premultiplied BGRA uint8) and its per-frame placement in the frame."""

    patch: np.ndarray
    centre: np.ndarray  # (T, 2) frame coordinates of the patch centre (continuous pixels)
    scale: np.ndarray  # (T, 2) frame pixels per patch pixel along the patch's x and y
    angle: np.ndarray  # (T,) radians
    area: float = field(init=False)  # alpha mass of the patch in patch pixels

    def __post_init__(self) -> None:
        self.area = float(self.patch[:, :, 3].sum()) / 255

    def affine(self, t: int) -> np.ndarray:
        """The 2x3 map from patch pixel indices to frame pixel indices at frame `t`."""
        linear = rotation(self.angle[t]) * self.scale[t]
        h, w = self.patch.shape[:2]
        offset = self.centre[t] - 0.5 - linear @ np.array([(w - 1) / 2, (h - 1) / 2])
        return np.hstack([linear, offset[:, None]])


@dataclass
class Effects:
    """Per-frame photometric effects; all arrays have one row per frame."""

    gain: np.ndarray  # (T, 3) per-channel gain
    gamma: np.ndarray  # (T,)
    shading: np.ndarray | None  # (gh, gw) float32 log-gain field, drifting by `shading_shift`
    shading_shift: np.ndarray  # (T, 2) field-cell offset
    blur: np.ndarray  # (T,) Gaussian sigma in pixels (0: none)
    motion: np.ndarray  # (T, 2) motion-blur streak in pixels (under 1.5 px: none)
    noise: np.ndarray  # (T,) noise standard deviation in grey levels
    seeds: np.ndarray  # (T,) noise seeds
    jpeg: np.ndarray  # (T,) JPEG quality of a re-encoding (0: none)


@dataclass
class Scene:
    """Everything needed to render any frame of a clip."""

    frame_size: tuple[int, int]
    background: np.ndarray
    background_maps: np.ndarray  # (T, 2, 3) frame -> background image pixel maps
    behind: list[Layer]
    target: Layer
    front: list[Layer]
    effects: Effects
    visible_cover: float


def premultiplied(colour: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """BGRA uint8 with colour premultiplied by alpha (so warping never bleeds black into edges)."""
    premultiplied = colour.astype(np.float32) * alpha[:, :, None]
    return np.dstack([premultiplied, alpha * 255]).round().astype(np.uint8)


def _layer(colour: np.ndarray, alpha: np.ndarray, track: Track) -> Layer:
    h, w = alpha.shape
    scale = np.stack([track.width / w, track.height / h], 1)
    return Layer(premultiplied(colour, alpha), track.centre, scale, track.angle)


def _patch_shape(track: Track, limit: int) -> tuple[int, int]:
    """Patch (h, w) big enough that the object is rarely upsampled, capped at `limit`."""
    return (int(np.clip(np.ceil(track.height.max()), 4, limit)), int(np.clip(np.ceil(track.width.max()), 4, limit)))


def _matched(rng: np.random.Generator, config: SceneConfig, colour: np.ndarray, background: np.ndarray | None
             ) -> np.ndarray:
    """`colour` moved part of the way towards `background`'s per-channel mean and spread, and sometimes softened,
    so that a pasted layer's colour, contrast and sharpness are no cue that it was pasted."""
    if background is not None and rng.random() < config.match_prob:
        mean_c, std_c = (v.ravel() for v in cv2.meanStdDev(colour))
        mean_b, std_b = (v.ravel() for v in cv2.meanStdDev(background))
        k = rng.uniform(0.3, 1.0)
        gain = (std_c + k * (std_b - std_c)) / np.maximum(std_c, 1.0)
        levels = np.arange(256, dtype=np.float64)[:, None]
        table = (levels - mean_c) * gain + mean_c + k * (mean_b - mean_c)
        colour = cv2.LUT(colour, np.clip(table, 0, 255).astype(np.uint8).reshape(1, 256, 3))
    if rng.random() < config.match_prob:
        colour = cv2.GaussianBlur(colour, (0, 0), rng.uniform(0.3, 1.5))
    return colour


def _object_colour(rng: np.random.Generator, config: SceneConfig, images: list[np.ndarray], exclude: int | None,
                   h: int, w: int, background: np.ndarray | None = None) -> np.ndarray:
    """An object's colour patch: a region of a bank image (other than `exclude`) or a procedural texture, matched
    to `background` (see `_matched`)."""
    choices = [i for i in range(len(images)) if i != exclude] or list(range(len(images)))
    if not choices or rng.random() < config.procedural_prob:
        return _matched(rng, config, procedural_texture(rng, h, w), background)
    return _matched(rng, config, cut_patch(rng, images[int(rng.choice(choices))], h, w), background)


def _plan_target(rng: np.random.Generator, config: SceneConfig, images: list[np.ndarray], exclude: int | None,
                 camera: Camera, background: np.ndarray) -> tuple[Layer, np.ndarray, np.ndarray]:
    """The target layer plus its colour and alpha patches (for look-alikes)."""
    size = initial_size(rng, config)
    frame = np.array(config.frame_size, float)
    margin = np.minimum(size / 2, frame / 2 - 1)
    start_frame = rng.uniform(margin, frame - margin)
    start = camera.to_world_maps()[0] @ np.append(start_frame, 1)
    track = plan_track(rng, config, camera, size, start[:2])
    track.centre = reflect(track.centre, np.ones(2), frame - 1)
    h, w = _patch_shape(track, 2 * max(config.frame_size))
    colour = _object_colour(rng, config, images, exclude, h, w, background)
    alpha = object_mask(rng, h, w)
    return _layer(colour, alpha, track), colour, alpha


def _plan_distractors(rng: np.random.Generator, config: SceneConfig, images: list[np.ndarray], camera: Camera,
                      target: tuple[Layer, np.ndarray, np.ndarray], background: np.ndarray) -> list[Layer]:
    """Other objects behind the target; some are look-alike copies of it in a slightly different colour."""
    if rng.random() >= config.distractor_prob:
        return []
    layer, colour, alpha = target
    target_size = float(np.sqrt(layer.scale[0].prod() * alpha.size))
    world_maps = camera.to_world_maps()[0]
    layers = []
    for _ in range(int(rng.integers(1, config.max_distractors + 1))):
        lookalike = rng.random() < config.lookalike_prob
        size = target_size * float(np.exp(rng.normal(0, 0.25))) if lookalike else initial_size(rng, config)
        start = world_maps @ np.append(rng.uniform((0, 0), config.frame_size), 1)
        track = plan_track(rng, config, camera, size, start[:2])
        if lookalike:
            layers.append(_layer(shift_colour(rng, colour), alpha, track))
            continue
        h, w = _patch_shape(track, 2 * max(config.frame_size))
        other = _object_colour(rng, config, images, None, h, w, background)
        layers.append(_layer(other, object_mask(rng, h, w), track))
    return layers


def crossing_occluder(rng: np.random.Generator, config: SceneConfig, images: list[np.ndarray], centre: np.ndarray,
                      size: np.ndarray, diagonal: float, background: np.ndarray | None = None) -> list[Layer]:
    """At most one occluder crossing a target's path (`centre` (T, 2), sqrt-area `size` (T,), first-frame
    `diagonal`) in a straight line; it never overlaps the target at frame 0."""
    length = len(centre)
    if length < 2 or rng.random() >= config.occlusion_prob:
        return []
    when = int(rng.integers(1, length))
    side = float(size[when]) * rng.uniform(1.2, 2.2)
    aspect = float(np.exp(rng.normal(0, 0.3) / 2))
    w, h = max(4, round(side * aspect)), max(4, round(side / aspect))
    heading = rng.uniform(0, 2 * np.pi)
    direction = np.array([np.cos(heading), np.sin(heading)])
    passing = centre[when] + rng.normal(0, 0.1 * side, 2)
    radius = (np.hypot(w, h) + diagonal) / 2
    speed = _clearing_speed(passing - centre[0], direction, radius, when, config.speed * rng.uniform(0.5, 2.5))
    times = np.arange(length) - when
    track = Track(passing + times[:, None] * speed * direction, np.full(length, float(w)), np.full(length, float(h)),
                  np.full(length, rng.normal(0, 0.3)))
    colour = _object_colour(rng, config, images, None, h, w, background)
    return [_layer(colour, object_mask(rng, h, w, kind=str(rng.choice(["ellipse", "box", "blob"]))), track)]


def _plan_occluder(rng: np.random.Generator, config: SceneConfig, images: list[np.ndarray], target: Layer,
                   background: np.ndarray) -> list[Layer]:
    """`crossing_occluder` for a composited target layer."""
    size = np.sqrt(target.area * target.scale.prod(1))
    diagonal = float(np.hypot(*(target.patch.shape[1::-1] * target.scale[0])))
    return crossing_occluder(rng, config, images, target.centre, size, diagonal, background)


def _clearing_speed(offset: np.ndarray, direction: np.ndarray, radius: float, when: int, speed: float) -> float:
    """The occluder's speed: `speed`, or faster when needed to start at least `radius` away from the target.

    Its path runs along `direction` and passes `offset` (relative to the target's first position) at frame `when`.
    """
    along = float(offset @ direction)
    spread = along**2 - float(offset @ offset) + radius**2
    if spread <= 0:
        return speed
    near, far = along - np.sqrt(spread), along + np.sqrt(spread)
    travel = speed * when
    return speed if travel <= near or travel >= far else far / when


def _world_extent(camera: Camera, config: SceneConfig) -> np.ndarray:
    """(min_x, min_y, max_x, max_y) of the world region seen by the camera over the clip."""
    width, height = config.frame_size
    corners = np.array([[0, 0, 1], [width, 0, 1], [0, height, 1], [width, height, 1]], float)
    seen = np.einsum("tij,cj->tci", camera.to_world_maps()[:, :2], corners).reshape(-1, 2)
    return np.concatenate([seen.min(0), seen.max(0)])


def _plan_background(rng: np.random.Generator, config: SceneConfig, images: list[np.ndarray], index: int | None,
                     camera: Camera) -> tuple[np.ndarray, np.ndarray]:
    """A background image (bank image `index`, or procedural when None) and its per-frame frame->image maps.

    The image is placed in the world at a random scale and offset that covers everything the camera sees.
    """
    extent = _world_extent(camera, config)
    span = extent[2:] - extent[:2]
    if index is None:
        scale = rng.uniform(1.0, 2.0)  # frame pixels per texture pixel
        texture_size = np.ceil(span / scale).astype(int) + 2
        image = procedural_texture(rng, int(texture_size[1]), int(texture_size[0]))
    else:
        image = images[index]
    image_size = np.array(image.shape[1::-1], float)
    scale = max(float((span / (image_size - 1)).max()), log_uniform(rng, 0.5, 1.6))
    offset = rng.uniform(0, np.maximum(image_size - 1 - span / scale, 0))
    world_to_image = np.array([[1 / scale, 0, offset[0] - extent[0] / scale],
                               [0, 1 / scale, offset[1] - extent[1] / scale], [0, 0, 1]])
    if rng.random() < 0.5:
        world_to_image = np.array([[-1, 0, image_size[0] - 1], [0, 1, 0], [0, 0, 1]]) @ world_to_image
    return image, (world_to_image @ camera.to_world_maps())[:, :2]


def _plan_lighting(rng: np.random.Generator, config: SceneConfig, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel gain (T, 3) and gamma (T,): a drifting exposure, a white-balance wobble and a gamma wobble."""
    if rng.random() >= config.illumination_prob:
        return np.ones((length, 3)), np.ones(length)
    change = config.gain_change
    exposure = rng.normal(0, change) + drift(rng, config, length, change)
    tint = rng.normal(0, change / 3, 3) + smooth_curve(rng, config, length, change / 3, 3)
    gamma = rng.normal(0, config.gamma_change) + smooth_curve(rng, config, length, config.gamma_change)[:, 0]
    return np.exp(exposure[:, None] + tint), np.exp(gamma)


def plan_effects(rng: np.random.Generator, config: SceneConfig, length: int) -> Effects:
    """Illumination ramps, local shading, Gaussian and motion blur, sensor noise and JPEG compression, each with
    its probability."""
    gain, gamma = _plan_lighting(rng, config, length)
    shading = None
    if rng.random() < config.shading_prob:
        shading = rng.normal(0, 0.35, tuple(rng.integers(3, 7, 2))).astype(np.float32)
    shading_shift = smooth_curve(rng, config, length, 0.3, 2, walk=True)
    blur = np.zeros(length)
    if rng.random() < config.blur_prob:
        blur = config.max_blur * np.clip(smooth_curve(rng, config, length, 1.0)[:, 0], 0, 1)
    motion = np.zeros((length, 2))
    if rng.random() < config.motion_blur_prob:
        motion = smooth_curve(rng, config, length, config.max_motion_blur / 2, 2)
    noise = np.zeros(length)
    if rng.random() < config.noise_prob:
        noise = np.full(length, rng.uniform(0.5, config.max_noise))
    seeds = rng.integers(0, 2**63, length)
    jpeg = np.zeros(length)
    if rng.random() < config.jpeg_prob:
        jpeg = np.full(length, float(rng.integers(config.jpeg_quality[0], config.jpeg_quality[1] + 1)))
    return Effects(gain, gamma, shading, shading_shift, blur, motion, noise, seeds, jpeg)


def _shadow(rng: np.random.Generator, config: SceneConfig, target: Layer, alpha: np.ndarray) -> list[Layer]:
    """Sometimes a soft dark copy of the target's mask, offset and drawn just under it: a cast shadow."""
    if rng.random() >= config.shadow_prob:
        return []
    h, w = alpha.shape
    softness = rng.uniform(0.02, 0.1) * max(h, w)
    shade = cv2.GaussianBlur(alpha, (0, 0), softness) * rng.uniform(0.25, 0.6)
    offset = rng.normal(0, 0.15, 2) * np.array([w, h]) * target.scale[0]
    return [Layer(premultiplied(np.zeros((h, w, 3), np.uint8), shade), target.centre + offset, target.scale,
                  target.angle)]


def plan_scene(rng: np.random.Generator, config: SceneConfig, images: list[np.ndarray], length: int) -> Scene:
    """Draw a random scene of `length` frames from `images` (a bank; may be empty: procedural only)."""
    camera = plan_camera(rng, config, length)
    procedural = not images or rng.random() < config.procedural_prob
    index = None if procedural else int(rng.integers(len(images)))
    background, maps = _plan_background(rng, config, images, index, camera)
    target = _plan_target(rng, config, images, index, camera, background)
    behind = _plan_distractors(rng, config, images, camera, target, background)
    behind += _shadow(rng, config, target[0], target[2])
    front = _plan_occluder(rng, config, images, target[0], background)
    effects = plan_effects(rng, config, length)
    return Scene(config.frame_size, background, maps, behind, target[0], front, effects, config.visible_cover)
