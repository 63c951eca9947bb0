"""Photometric augmentation of training crops (vectorised NumPy/OpenCV on uint8 BGR)."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass
class ColorAugment:
    """Probabilities and magnitudes of the photometric augmentations (spec §7 [I])."""

    color_prob: float = 1.0
    brightness: float = 0.3
    contrast: float = 0.3
    saturation: float = 0.3
    channel_gain: float = 0.1
    blur_prob: float = 0.2
    blur_sigma: float = 2.0
    gray_prob: float = 0.05


def color_jitter(image: np.ndarray, rng: np.random.Generator, cfg: ColorAugment) -> np.ndarray:
    """Random brightness, contrast, saturation and per-channel gain."""
    img = image.astype(np.float32)
    if rng.random() < cfg.color_prob:
        mean = img.mean()
        contrast = 1 + rng.uniform(-cfg.contrast, cfg.contrast)
        brightness = 1 + rng.uniform(-cfg.brightness, cfg.brightness)
        img = (img - mean) * contrast + mean * brightness
        gray = img.mean(axis=2, keepdims=True)
        img = gray + (img - gray) * (1 + rng.uniform(-cfg.saturation, cfg.saturation))
        img = img * (1 + rng.uniform(-cfg.channel_gain, cfg.channel_gain, 3)).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)


def blur(image: np.ndarray, rng: np.random.Generator, cfg: ColorAugment) -> np.ndarray:
    """Gaussian blur with a random sigma, with probability `blur_prob`."""
    if rng.random() < cfg.blur_prob:
        return cv2.GaussianBlur(image, (0, 0), rng.uniform(0.3, cfg.blur_sigma))
    return image


def to_gray(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
