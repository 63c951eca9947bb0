"""Region targets: a virtual camera moving over a still photograph, the target being any box a user might draw.

Nothing is pasted: the target is a region of the photograph (a whole object, part of one, a textured or flat area,
a box that follows no edge; aspect 1:4 to 4:1, 12 px to half the frame), and every frame is the photograph seen
through a homography (pan, zoom, roll, perspective tilt, hand-held shake, whip pans). The target's box on frame t
is the bounding box of its region mapped by that frame's homography, exact by construction, clipped to the frame;
the visible fraction is the share of the region inside the frame and not under an occluder.

Two families share this module:
- `camera` (training and validation): one photograph plane;
- `parallax` (validation only, the family the training mixture never uses): a second photograph cut with a large
  hard-edged mask moves over the first with its own camera path, and the target is a region of that moving layer.

Look-alikes (colour-shifted copies of the target region fixed to the scene) and an occluder crossing the target
are composited the same way as in the composite family; all photometric effects apply to the whole frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .config import SceneConfig
from .motion import drift, log_uniform, reflect, rotation, smooth_curve
from .procedural import object_mask, shift_colour
from .render import apply_effects, draw_layer
from .scene import Effects, Layer, crossing_occluder, plan_effects, premultiplied

MAX_STREAK = 40.0
"""Longest motion-blur streak in pixels (a whip pan's)."""


@dataclass
class Plane:
    """A picture (BGR, or premultiplied BGRA for a layer with a mask) and its (T, 3, 3) picture -> frame maps, in
    continuous pixel coordinates."""

    picture: np.ndarray
    to_frame: np.ndarray


@dataclass
class RegionScene:
    """Everything needed to render any frame of a region-target clip."""

    frame_size: tuple[int, int]
    planes: list[Plane]  # drawn in order; the last one carries the target
    region: np.ndarray  # (4, 2) corners of the target in the last plane's picture coordinates
    lookalikes: list[Layer]
    front: list[Layer]
    effects: Effects
    visible_cover: float


def _translation(offset: np.ndarray) -> np.ndarray:
    """(..., 3, 3) translations by (..., 2) offsets."""
    matrix = np.zeros((*offset.shape[:-1], 3, 3))
    matrix[..., 0, 0] = matrix[..., 1, 1] = matrix[..., 2, 2] = 1
    matrix[..., :2, 2] = offset
    return matrix


def map_points(homography: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Points (N, 2) mapped by one 3x3 homography."""
    mapped = np.c_[points, np.ones(len(points))] @ homography.T
    return mapped[:, :2] / mapped[:, 2:]


def _centre_path(rng: np.random.Generator, config: SceneConfig, length: int, start: np.ndarray, size: float,
                 exits: bool) -> tuple[np.ndarray, np.ndarray]:
    """Where the target's centre is in the frame over time (T, 2), and the per-frame velocity (T, 2).

    A smooth random velocity, sometimes fast, with hand-held shake and whip pans (a few frames of very fast motion);
    folded back into the frame, or into a band one target size beyond it when the target may leave.
    """
    speed = config.speed * np.sqrt(size / 50) * float(np.exp(rng.normal(0, 0.6)))
    if rng.random() < config.fast_prob:
        speed *= rng.uniform(3, 6)
    heading = rng.uniform(0, 2 * np.pi)
    velocity = speed * np.array([np.cos(heading), np.sin(heading)]) + smooth_curve(rng, config, length, speed / 2, 2)
    if rng.random() < config.whip_prob and length > 4:
        start_whip = int(rng.integers(1, length - 2))
        frames = int(rng.integers(2, 7))
        jump = rng.uniform(0.3, 0.9) * min(config.frame_size) * np.array([np.cos(h := rng.uniform(0, 2 * np.pi)),
                                                                           np.sin(h)])
        velocity[start_whip:start_whip + frames] += jump / frames
    if rng.random() < config.shake_prob:
        velocity += rng.normal(0, config.shake, (length, 2))
    path = start + np.cumsum(velocity, 0) - velocity[0]
    frame = np.array(config.frame_size, float)
    margin = -size if exits else np.minimum(size / 2, frame / 2 - 1)
    path = reflect(path, np.full(2, 0.0) + margin, frame - margin)
    return path, np.diff(path, axis=0, prepend=path[:1])


def _view(rng: np.random.Generator, config: SceneConfig, anchor: np.ndarray, centre: np.ndarray, scale0: float,
          reach: float) -> np.ndarray:
    """(T, 3, 3) picture -> frame maps putting picture point `anchor` at frame point `centre[t]`.

    Zoom drifts around `scale0` (frame px per picture px), roll drifts (strongly in the in-plane rotation hard
    case), and a drifting perspective tilt foreshortens the picture across `reach` picture pixels.
    """
    length = len(centre)
    zoom = scale0 * np.exp(drift(rng, config, length, config.camera_zoom))
    spin = config.rotation_hard if rng.random() < config.rotation_prob else config.camera_rotation
    roll = rng.normal(0, np.radians(spin) / 2) + drift(rng, config, length, np.radians(spin))
    if rng.random() < config.shake_prob:
        roll = roll + rng.normal(0, np.radians(0.3), length)
    tilt = (rng.normal(0, config.tilt, 2) + smooth_curve(rng, config, length, config.tilt / 2, 2)) / reach
    perspective = np.repeat(np.eye(3)[None], length, 0)
    perspective[:, 2, :2] = tilt
    linear = np.repeat(np.eye(3)[None], length, 0)
    linear[:, :2, :2] = rotation(roll) * zoom[:, None, None]
    return _translation(centre) @ linear @ perspective @ _translation(-anchor)


def _textured_point(rng: np.random.Generator, picture: np.ndarray, low: np.ndarray, high: np.ndarray,
                    size: float) -> np.ndarray:
    """A picture point in the box [low, high]: uniform, or (half the time) the most textured of 16 candidates."""
    candidates = rng.uniform(low, np.maximum(high, low + 1e-6), (16, 2))
    if rng.random() < 0.5:
        return candidates[0]
    grey = cv2.cvtColor(picture[:, :, :3], cv2.COLOR_BGR2GRAY).astype(np.float32)
    energy = cv2.blur(np.abs(cv2.Laplacian(grey, cv2.CV_32F)), (max(3, int(size)), max(3, int(size))))
    h, w = energy.shape
    values = energy[np.clip(candidates[:, 1].astype(int), 0, h - 1), np.clip(candidates[:, 0].astype(int), 0, w - 1)]
    return candidates[int(np.argmax(values))]


def _box_size(rng: np.random.Generator, config: SceneConfig, limit: np.ndarray) -> np.ndarray:
    """(w, h) of a user's box: sqrt-area 12 px to half the frame, aspect 1:4 to 4:1, at most `limit`."""
    side = log_uniform(rng, config.tiny_size, 0.5 * float(np.sqrt(np.prod(config.frame_size))))
    aspect = float(np.exp(np.clip(rng.normal(0, 0.55), -np.log(4), np.log(4))))
    return np.minimum([side * np.sqrt(aspect), side / np.sqrt(aspect)], limit)


def _placed_view(rng: np.random.Generator, config: SceneConfig, length: int, picture: np.ndarray,
                 box_size: np.ndarray, exits: bool, anchor: np.ndarray | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A camera path over `picture` putting the target's centre on a smooth path: (maps (T,3,3), centre (T, 2),
    velocity (T, 2)).

    Without `anchor` (a camera over a photograph) the starting zoom makes the picture cover the whole frame and the
    target's centre is a picture point chosen under the start; with it (a moving layer) the zoom is near 1.
    """
    frame = np.array(config.frame_size, float)
    picture_size = np.array(picture.shape[1::-1], float)
    start = rng.uniform(np.minimum(box_size / 2, frame / 2), np.maximum(frame - box_size / 2, frame / 2))
    if anchor is None:
        fit = float((frame / picture_size).max()) * 1.02
        scale0 = log_uniform(rng, fit, max(fit * 3, 0.8))
        low, high = start / scale0, picture_size - (frame - start) / scale0
        anchor = _textured_point(rng, picture, low, high, float(np.sqrt(np.prod(box_size))) / scale0)
    else:
        scale0 = log_uniform(rng, 0.8, 1.25)
    centre, velocity = _centre_path(rng, config, length, start, float(np.sqrt(np.prod(box_size))), exits)
    maps = _view(rng, config, anchor, centre, scale0, float(frame.max()) / scale0)
    return maps, centre, velocity


def _lookalikes(rng: np.random.Generator, config: SceneConfig, picture: np.ndarray, region: np.ndarray,
                to_frame: np.ndarray) -> list[Layer]:
    """Colour-shifted copies of the target's region fixed to the scene elsewhere on the picture."""
    if rng.random() >= config.lookalike_prob:
        return []
    x0, y0 = np.floor(region.min(0)).astype(int)
    x1, y1 = np.ceil(region.max(0)).astype(int)
    h, w = picture.shape[:2]
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return []
    patch = np.ascontiguousarray(picture[y0:y1, x0:x1, :3])
    centre0 = region.mean(0)
    scale = np.hypot(to_frame[:, 0, 0], to_frame[:, 1, 0])  # local zoom (tilt ignored)
    angle = np.arctan2(to_frame[:, 1, 0], to_frame[:, 0, 0])
    layers = []
    for _ in range(int(rng.integers(1, config.max_distractors + 1))):
        offset = rng.normal(0, 1.5, 2) * np.array([x1 - x0, y1 - y0]) + np.sign(rng.normal(size=2)) * (x1 - x0)
        point = centre0 + offset
        centre = np.stack([map_points(m, point[None])[0] for m in to_frame])
        alpha = object_mask(rng, *patch.shape[:2], kind=str(rng.choice(["box", "ellipse", "blob"])))
        layers.append(Layer(premultiplied(shift_colour(rng, patch), alpha), centre,
                            np.stack([scale, scale], 1), angle))
    return layers


def plan_region_scene(rng: np.random.Generator, config: SceneConfig, images: list[np.ndarray], length: int,
                      parallax: bool = False) -> RegionScene:
    """Draw a region-target scene of `length` frames over a random photograph of `images` (at least one)."""
    exits = rng.random() < config.exit_prob
    box_size = _box_size(rng, config, 0.9 * np.array(config.frame_size, float))
    photo = images[int(rng.integers(len(images)))]
    if parallax:
        background_maps, _, _ = _placed_view(rng, config, length, photo, box_size, False)
        planes = [Plane(photo, background_maps)]
        other = images[int(rng.integers(len(images)))]
        side = int(np.clip(box_size.max() * rng.uniform(2.0, 3.5), 24, min(other.shape[:2])))
        y0 = int(rng.integers(0, other.shape[0] - side + 1))
        x0 = int(rng.integers(0, other.shape[1] - side + 1))
        patch = other[y0:y0 + side, x0:x0 + side]
        alpha = object_mask(rng, side, side, kind=str(rng.choice(["blob", "ellipse", "box"])))
        layer = premultiplied(patch, (alpha > 0.5).astype(np.float32))
        anchor = side / 2 + rng.normal(0, 0.05 * side, 2)
        maps, centre, velocity = _placed_view(rng, config, length, layer, box_size, exits, anchor)
        target_plane = Plane(layer, maps)
    else:
        maps, centre, velocity = _placed_view(rng, config, length, photo, box_size, exits)
        planes, target_plane = [], Plane(photo, maps)
    planes.append(target_plane)
    corners = centre[0] + np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]]) * box_size / 2
    region = map_points(np.linalg.inv(maps[0]), corners)
    lookalikes = _lookalikes(rng, config, target_plane.picture, region, maps)
    sizes = np.full(length, float(np.sqrt(np.prod(box_size)))) * np.hypot(maps[:, 0, 0], maps[:, 1, 0]) / np.hypot(
        maps[0, 0, 0], maps[0, 1, 0])
    front = crossing_occluder(rng, config, images, centre, sizes, float(np.hypot(*box_size)), photo)
    effects = plan_effects(rng, config, length)
    if rng.random() < config.motion_blur_prob:
        streak = velocity * rng.uniform(0.3, 1.0)  # the camera's own motion smears the whole frame
        effects.motion = streak * np.minimum(1, MAX_STREAK / np.maximum(np.hypot(*streak.T), 1e-9))[:, None]
    return RegionScene(config.frame_size, planes, region, lookalikes, front, effects, config.visible_cover)


_HALF = _translation(np.array([0.5, 0.5]))


def _warp(picture: np.ndarray, to_frame: np.ndarray, size: tuple[int, int], border: int) -> np.ndarray:
    """`picture` seen through `to_frame` (continuous coordinates: pixel j spans [j, j + 1); OpenCV maps pixel
    indices, hence the half-pixel shifts)."""
    indices = np.linalg.inv(_HALF) @ to_frame @ _HALF
    return cv2.warpPerspective(picture, indices, size, flags=cv2.INTER_LINEAR, borderMode=border, borderValue=0)


def region_geometry(scene: RegionScene, t: int) -> tuple[np.ndarray, np.ndarray, float]:
    """The target at frame `t`: (quadrilateral (4, 2) in the frame, x,y,w,h box, share of the region in frame).

    The box bounds the part of the region inside the frame (the region's bounding box when none of it is).
    """
    quad = map_points(scene.planes[-1].to_frame[t], scene.region)
    width, height = scene.frame_size
    frame = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
    area = abs(cv2.contourArea(quad.astype(np.float32)))
    inside, polygon = cv2.intersectConvexConvex(quad.astype(np.float32), frame)
    seen = np.clip(polygon.reshape(-1, 2), 0, (width, height)) if inside > 0 and polygon is not None else quad
    low, high = seen.min(0), seen.max(0)
    return quad, np.r_[low, high - low], float(inside / max(area, 1e-9))


def render_region_frame(scene: RegionScene, t: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Frame `t` as (BGR uint8 image, x,y,w,h box of the target, visible fraction of the target)."""
    size = scene.frame_size
    base = scene.planes[0]
    frame = _warp(base.picture, base.to_frame[t], size, cv2.BORDER_REFLECT_101)
    for plane in scene.planes[1:]:
        warped = _warp(plane.picture, plane.to_frame[t], size, cv2.BORDER_CONSTANT)
        alpha = warped[:, :, 3:].astype(np.float32) / 255
        frame = cv2.add((frame * (1 - alpha)).astype(np.uint8), warped[:, :, :3])
    for layer in scene.lookalikes:
        draw_layer(frame, layer, t)
    occluders = [draw_layer(frame, layer, t) for layer in scene.front]
    quad, box, inside = region_geometry(scene, t)
    return apply_effects(frame, scene.effects, t), box, inside * _unoccluded(quad, occluders, frame.shape[:2])


def _unoccluded(quad: np.ndarray, occluders: list, shape: tuple[int, int]) -> float:
    """Share of the region's in-frame pixels that no occluder hides (1 without occluders: nothing to rasterise)."""
    drawn = [d for d in occluders if d is not None]
    if not drawn:
        return 1.0
    mask = np.zeros(shape, np.float32)
    cv2.fillConvexPoly(mask, np.round(quad * 16).astype(np.int32), 1.0, cv2.LINE_AA, shift=4)
    total = mask.sum()
    for d in drawn:
        h, w = d.alpha.shape
        mask[d.y:d.y + h, d.x:d.x + w] *= 1 - d.alpha
    return float(mask.sum()) / total if total > 0 else 1.0
