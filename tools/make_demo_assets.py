"""Render the short clip bundled for `seattrack demo` and the web app's sample picker.

Built from held-out evaluation images only (scikit-learn's sample photos `china.jpg` and `flower.jpg`), never from
the training images, with the project's synthetic scene renderer: a camera moving over a real photo and an object
cut from a real photo moving, scaling, passing behind an occluder and changing illumination.

    python tools/make_demo_assets.py [--seed N]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import cv2
import numpy as np
from sklearn.datasets import load_sample_image

from seattrack.data.synthetic.config import SceneConfig
from seattrack.data.synthetic.families import render_sequence

ASSETS = Path(__file__).resolve().parents[1] / "src" / "seattrack" / "assets"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--frames", type=int, default=60)
    args = parser.parse_args()
    images = [cv2.cvtColor(load_sample_image(name), cv2.COLOR_RGB2BGR) for name in ("china.jpg", "flower.jpg")]
    config = SceneConfig(length=args.frames, typical_size=(40.0, 70.0), outlier_prob=0.0, occlusion_prob=1.0,
                         camera_prob=1.0, distractor_prob=1.0, illumination_prob=1.0, procedural_prob=0.0,
                         lookalike_prob=0.3)
    clip = render_sequence(np.random.default_rng(args.seed), config, images)
    out = ASSETS / "demo"
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.jpg"):
        old.unlink()
    for i, frame in enumerate(clip.frames):
        cv2.imwrite(str(out / f"{i + 1:08d}.jpg"), frame, [cv2.IMWRITE_JPEG_QUALITY, 85])
    np.savetxt(out / "groundtruth.txt", clip.boxes, fmt="%.2f", delimiter=",")
    clips = ASSETS / "clips"
    clips.mkdir(parents=True, exist_ok=True)
    h, w = clip.frames[0].shape[:2]
    tmp = clips / ".demo.mp4"
    writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*"mp4v"), 20, (w, h))
    for frame in clip.frames:
        writer.write(frame)
    writer.release()
    os.replace(tmp, clips / "demo.mp4")
    print(f"wrote {len(clip.frames)} frames to {out} and {clips / 'demo.mp4'}; "
          f"target sizes {clip.boxes[:, 2:].min():.0f}-{clip.boxes[:, 2:].max():.0f} px, "
          f"{int((~clip.visible).sum())} occluded frames")


if __name__ == "__main__":
    main()
