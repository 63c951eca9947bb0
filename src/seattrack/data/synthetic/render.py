"""Rendering a planned scene: compositing, box and visibility from the rendered mask, photometric effects.

`render_frame` is a pure function of the plan and the frame index, so a pair of frames far apart costs the
same as two neighbours: only the frames asked for are drawn.
"""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np

from .scene import Effects, Layer, Scene

_UNIFORM_STD = 255 / np.sqrt(12)  # standard deviation of uniform bytes


class Drawn(NamedTuple):
    """Where a layer landed: the top-left of its region of interest and its alpha there (float32, [0, 1])."""

    x: int
    y: int
    alpha: np.ndarray


def draw_layer(frame: np.ndarray, layer: Layer, t: int) -> Drawn | None:
    """Composite `layer` at frame `t` over `frame` in place ("over" with premultiplied colour); None if off-frame."""
    affine = layer.affine(t)
    h, w = layer.patch.shape[:2]
    corners = affine @ np.array([[-0.5, w - 0.5, -0.5, w - 0.5], [-0.5, -0.5, h - 0.5, h - 0.5], [1, 1, 1, 1]])
    height, width = frame.shape[:2]
    x0, y0 = np.clip(np.floor(corners.min(1)).astype(int), 0, (width, height))
    x1, y1 = np.clip(np.ceil(corners.max(1)).astype(int) + 1, 0, (width, height))
    if x1 <= x0 or y1 <= y0:
        return None
    affine[:, 2] -= (x0, y0)
    warped = cv2.warpAffine(layer.patch, affine, (int(x1 - x0), int(y1 - y0)), flags=cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    alpha = warped[:, :, 3].astype(np.float32) / 255
    region = frame[y0:y1, x0:x1]
    region[:] = cv2.add(region * (1 - alpha)[:, :, None], warped[:, :, :3], dtype=cv2.CV_8U)
    return Drawn(int(x0), int(y0), alpha)


def _mask_box(drawn: Drawn) -> np.ndarray:
    """The tight x,y,w,h box of the pixels where the object's alpha is at least one half."""
    mask = drawn.alpha >= min(0.5, float(drawn.alpha.max()))
    columns, rows = np.flatnonzero(mask.any(0)), np.flatnonzero(mask.any(1))
    return np.array([drawn.x + columns[0], drawn.y + rows[0], columns[-1] - columns[0] + 1, rows[-1] - rows[0] + 1],
                    dtype=np.float64)


def _cover(target: Drawn, occluders: list[Drawn | None], total_area: float) -> float:
    """Fraction of the whole object's alpha mass that is inside the frame and not hidden by an occluder."""
    seen = target.alpha.copy()
    h, w = seen.shape
    for occluder in filter(None, occluders):
        x0, y0 = max(target.x, occluder.x), max(target.y, occluder.y)
        x1 = min(target.x + w, occluder.x + occluder.alpha.shape[1])
        y1 = min(target.y + h, occluder.y + occluder.alpha.shape[0])
        if x1 > x0 and y1 > y0:
            hidden = occluder.alpha[y0 - occluder.y:y1 - occluder.y, x0 - occluder.x:x1 - occluder.x]
            seen[y0 - target.y:y1 - target.y, x0 - target.x:x1 - target.x] *= 1 - hidden
    return float(np.clip(seen.sum() / max(total_area, 1e-6), 0, 1))


def _motion_kernel(streak: np.ndarray) -> np.ndarray:
    """A normalised line kernel along `streak` (pixels)."""
    radius = int(np.ceil(np.abs(streak).max() / 2))
    kernel = np.zeros((2 * radius + 1, 2 * radius + 1), np.float32)
    start, end = np.round(radius - streak / 2).astype(int), np.round(radius + streak / 2).astype(int)
    cv2.line(kernel, tuple(start.tolist()), tuple(end.tolist()), 1.0, 1, cv2.LINE_AA)
    return kernel / kernel.sum()


def _shade(frame: np.ndarray, shading: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """Multiply `frame` by a smooth gain field (the log-gain grid `shading` shifted by `shift` cells).

    The field is interpolated at quarter resolution then upsampled: it is smooth, and this is 8x cheaper.
    """
    height, width = frame.shape[:2]
    small = (max(2, width // 4), max(2, height // 4))
    gh, gw = shading.shape
    to_field = np.array([[(gw - 2) / small[0], 0, 0.5 + shift[0]], [0, (gh - 2) / small[1], 0.5 + shift[1]]])
    log_gain = cv2.warpAffine(shading, to_field, small, flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP,
                              borderMode=cv2.BORDER_REFLECT_101)
    gain = cv2.resize(np.repeat(np.exp(log_gain)[:, :, None], 3, axis=2), (width, height))
    return cv2.multiply(frame, gain, dtype=cv2.CV_8U)


def apply_effects(frame: np.ndarray, effects: Effects, t: int) -> np.ndarray:
    """Illumination (per-channel gain and gamma via a lookup table, drifting shading), blur, noise, then JPEG
    compression: applied to the whole composited frame, so a pasted layer carries the same artefacts as the rest."""
    if effects.gamma[t] != 1 or (effects.gain[t] != 1).any():
        levels = (np.arange(256, dtype=np.float64)[:, None] / 255) ** effects.gamma[t] * effects.gain[t] * 255
        frame = cv2.LUT(frame, np.clip(levels, 0, 255).astype(np.uint8).reshape(1, 256, 3))
    if effects.shading is not None:
        frame = _shade(frame, effects.shading, effects.shading_shift[t])
    if effects.blur[t] > 0.3:
        frame = cv2.GaussianBlur(frame, (0, 0), effects.blur[t])
    if np.hypot(*effects.motion[t]) >= 1.5:
        frame = cv2.filter2D(frame, -1, _motion_kernel(effects.motion[t]), borderType=cv2.BORDER_REFLECT_101)
    if effects.noise[t] > 0:
        noise = np.frombuffer(np.random.default_rng(effects.seeds[t]).bytes(frame.size), np.uint8)
        weight = effects.noise[t] / _UNIFORM_STD
        frame = cv2.addWeighted(frame, 1.0, noise.reshape(frame.shape), weight, -127.5 * weight, dtype=cv2.CV_8U)
    if effects.jpeg[t] > 0:
        _, data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, int(effects.jpeg[t])])
        frame = cv2.imdecode(data, cv2.IMREAD_COLOR)
    return frame


def render_frame(scene: Scene, t: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Frame `t` of `scene` as (BGR uint8 image, x,y,w,h box of the target, visible fraction of the target).

    The box bounds the target's rendered mask (alpha >= 0.5) inside the frame, occluders ignored; the visible
    fraction also counts what is outside the frame.
    """
    width, height = scene.frame_size
    frame = cv2.warpAffine(scene.background, scene.background_maps[t], (width, height),
                           flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REFLECT_101)
    for layer in scene.behind:
        draw_layer(frame, layer, t)
    target = draw_layer(frame, scene.target, t)
    occluders = [draw_layer(frame, layer, t) for layer in scene.front]
    total_area = scene.target.area * float(np.prod(scene.target.scale[t]))
    return apply_effects(frame, scene.effects, t), _mask_box(target), _cover(target, occluders, total_area)
