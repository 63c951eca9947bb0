"""Synthetic tracking data from scikit-image's bundled photos, Debian's wallpaper photographs and procedural content
(see the data policy).

- `image_bank(split)`: the train/val photo banks (`TRAIN_IMAGES`, `VAL_IMAGES`, `PHOTOS`; disjoint);
- `SceneConfig`, `render_sequence`, `render_pair`: random clips of a scene family (`FAMILIES`: composites of a
  pasted object, a camera over a photograph with a region target, a parallax layer) with occlusion, look-alikes,
  illumination change, blur, noise and JPEG; boxes are exact by construction;
- `write_sequences` / `synthetic_sequences`: clips on disk (folder format) or in memory;
- `SyntheticPairSource`: endless training pairs rendered on the fly.
"""

from .bank import TRAIN_IMAGES, VAL_IMAGES, image_bank
from .camera import plan_region_scene, render_region_frame
from .config import SceneConfig
from .families import FAMILIES, TRAINING_FAMILIES, render_pair, render_sequence
from .photos import PHOTO_PACKAGES, PHOTOS, debian_photos
from .procedural import object_mask, procedural_texture
from .render import render_frame
from .scene import plan_scene
from .source import SyntheticPairSource
from .writer import synthetic_sequences, write_sequences

__all__ = [
    "FAMILIES", "PHOTOS", "PHOTO_PACKAGES", "TRAINING_FAMILIES", "TRAIN_IMAGES", "VAL_IMAGES", "SceneConfig",
    "SyntheticPairSource", "debian_photos", "image_bank", "object_mask", "plan_region_scene",
    "plan_scene", "procedural_texture", "render_frame", "render_pair", "render_region_frame", "render_sequence",
    "synthetic_sequences", "write_sequences",
]
