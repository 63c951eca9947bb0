"""The training mixture measured: photographs per split, families and their weights, and how often each hard case
occurs in the training pairs (rendered exactly as `SyntheticPairSource` renders them: frame 0 and frame `gap`).

    python benchmarks/training_mixture.py [--config configs/train/seat_lite_cpu.yaml] [--pairs 400]

Per family, the share of pairs whose search frame shows: the target hidden (a negative: fully occluded or out of the
frame), partly occluded (an occluder over >= 10 % of it), partly or wholly outside the frame (region families), a
look-alike, a small target (sqrt area < 20 px), in-plane rotation >= 15 degrees since the template frame, fast motion
(the target moved more than a quarter of its size per frame on average), and camera motion blur (a streak >= 3 px).
"""

from __future__ import annotations

import argparse
import dataclasses
from collections import Counter

import numpy as np

from seattrack.data.synthetic import PHOTOS, SceneConfig, image_bank, plan_region_scene, plan_scene
from seattrack.data.synthetic.bank import SPLITS
from seattrack.data.synthetic.camera import region_geometry, render_region_frame
from seattrack.data.synthetic.render import render_frame
from seattrack.train.engine import load_train_config

CASES = ("hidden", "part occluded", "leaving frame", "look-alike", "small", "rotation>=15", "fast", "motion blur")


def _case_flags(family: str, rng: np.random.Generator, config: SceneConfig, images: list[np.ndarray], gap: int
                ) -> set[str]:
    flags = set()
    if family == "composite":
        scene = plan_scene(rng, config, images, gap + 1)
        (_, box0, _), (_, box, cover) = render_frame(scene, 0), render_frame(scene, gap)
        quiet = render_frame(dataclasses.replace(scene, front=[]), gap)[2]
        angle = np.degrees(abs(scene.target.angle[gap] - scene.target.angle[0]))
        # a look-alike shares the target's mask (a shadow does too, but is black)
        if any(layer.patch.shape == scene.target.patch.shape and layer.patch[:, :, :3].any() for layer in scene.behind):
            flags.add("look-alike")
        motion = scene.effects.motion[gap]
    else:
        scene = plan_region_scene(rng, config, images, gap + 1)
        (_, box0, _), (_, box, cover) = render_region_frame(scene, 0), render_region_frame(scene, gap)
        quiet = region_geometry(scene, gap)[2]
        maps = scene.planes[-1].to_frame
        angle = np.degrees(abs(np.arctan2(maps[gap, 1, 0], maps[gap, 0, 0]) - np.arctan2(maps[0, 1, 0], maps[0, 0, 0])))
        if quiet < 0.999:
            flags.add("leaving frame")
        if scene.lookalikes:
            flags.add("look-alike")
        motion = scene.effects.motion[gap]
    if cover < config.visible_cover:
        flags.add("hidden")
    elif cover < 0.9 * quiet:
        flags.add("part occluded")
    if np.sqrt(box[2] * box[3]) < 20:
        flags.add("small")
    if min(angle, 360 - angle) >= 15:
        flags.add("rotation>=15")
    size = np.sqrt(box0[2] * box0[3])
    shift = np.hypot(*((box[:2] + box[2:] / 2) - (box0[:2] + box0[2:] / 2)))
    if shift / gap > 0.25 * size:
        flags.add("fast")
    if np.hypot(*motion) >= 3:
        flags.add("motion blur")
    return flags


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default="configs/train/seat_lite_cpu.yaml")
    parser.add_argument("--pairs", type=int, default=400, help="pairs rendered per family")
    parser.add_argument("--max-gap", type=int, default=50)
    args = parser.parse_args()
    sources = load_train_config(args.config, []).data.sources
    for split in ("train", "val"):
        debian = [p for p in PHOTOS if p.split == split]
        print(f"{split} photographs: {len(SPLITS[split])} scikit-image + {len(debian)} Debian "
              f"({', '.join(sorted({p.package for p in debian}))}) = {len(SPLITS[split]) + len(debian)}")
    total = sum(s.weight for s in sources)
    print("mixture: " + ", ".join(f"{s.options.get('family', 'composite')} {s.weight / total:.0%}" for s in sources))
    print(f"{'family':<10} " + " ".join(f"{c:>13}" for c in CASES))
    for source in sources:
        family = source.options.get("family", "composite")
        config = SceneConfig.from_dict(source.options.get("config", {}))
        images = image_bank(source.split or "train")
        rng = np.random.default_rng(0)
        counts: Counter[str] = Counter()
        for _ in range(args.pairs):
            counts.update(_case_flags(family, rng, config, images, int(rng.integers(1, args.max_gap + 1))))
        print(f"{family:<10} " + " ".join(f"{counts[c] / args.pairs:>13.1%}" for c in CASES), flush=True)


if __name__ == "__main__":
    main()
