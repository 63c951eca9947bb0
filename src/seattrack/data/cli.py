"""`seattrack synth`: write synthetic sequences (scikit-image photos + procedural content) in the folder format,
for tuning, validation or a quick benchmark; rendered like `SyntheticPairSource`'s training scenes, from the same
photo splits."""

from __future__ import annotations

import argparse

from ..cli import Handler, command


@command("synth", "write synthetic sequences from scikit-image's photos in the folder format (for tuning or eval)")
def _synth(p: argparse.ArgumentParser) -> Handler:
    p.add_argument("out", help="output folder (<seq>/<frames> + groundtruth.txt; complete sequences are kept)")
    p.add_argument("--split", default="train", choices=["train", "val"],
                   help="photo split: train (tuning) or val (held-out validation)")
    p.add_argument("--sequences", type=int, default=10)
    p.add_argument("--length", type=int, default=100, help="frames per sequence")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="a scene setting (seattrack.data.synthetic.SceneConfig), e.g. --set occlusion_prob=0.6")

    def run(args: argparse.Namespace) -> None:
        from ..config import apply_overrides, from_dict
        from .synthetic import SceneConfig, write_sequences

        config = from_dict(SceneConfig, apply_overrides({"length": args.length}, args.overrides), "scene")
        sequences = write_sequences(args.out, args.sequences, args.split, args.seed, config)
        frames = sum(len(s) for s in sequences)
        print(f"{len(sequences)} sequences ({frames} frames, {args.split} photos, seed {args.seed}) in {args.out}; "
              f"e.g. seattrack eval --dataset folder --root {args.out} --tracker seat_lite")

    return run
