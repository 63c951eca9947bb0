"""Synthetic tracking data from scikit-image's bundled photos and procedural content (see the data policy).

- `image_bank(split)`: the train/val photo banks (`TRAIN_IMAGES`, `VAL_IMAGES`, disjoint);
- `SceneConfig`, `render_sequence`, `render_pair`: random clips with a moving, scaling, rotating target,
  camera motion, occlusion, distractors and look-alikes, illumination change, blur and noise; boxes are
  measured on the rendered target mask;
- `write_sequences` / `synthetic_sequences`: clips on disk (folder format) or in memory;
- `SyntheticPairSource`: endless training pairs rendered on the fly.
"""

from .bank import TRAIN_IMAGES, VAL_IMAGES, image_bank
from .config import SceneConfig
from .procedural import object_mask, procedural_texture
from .render import RenderedSequence, render_frame, render_pair, render_sequence
from .scene import plan_scene
from .source import SyntheticPairSource
from .writer import synthetic_sequences, write_sequences

__all__ = [
    "TRAIN_IMAGES", "VAL_IMAGES", "RenderedSequence", "SceneConfig", "SyntheticPairSource",
    "image_bank", "object_mask", "plan_scene", "procedural_texture", "render_frame", "render_pair",
    "render_sequence", "synthetic_sequences", "write_sequences",
]
