"""`seattrack synth`: write synthetic sequences of a scene family (photographs + procedural content) in the folder
format, for tuning, validation or a quick benchmark; rendered like `SyntheticPairSource`'s training scenes, from the
same photo splits."""

from __future__ import annotations

import argparse

from ..cli import Handler, command, count
from ..fileio import check_writable


@command("synth", "write synthetic sequences (a scene family over the train or val photos) in the folder format")
def _synth(p: argparse.ArgumentParser) -> Handler:
    p.add_argument("out", help="output folder (<seq>/<frames> + groundtruth.txt; complete sequences are kept)")
    p.add_argument("--split", default="train", choices=["train", "val"],
                   help="photo split: train (tuning) or val (held-out validation)")
    p.add_argument("--family", default="composite", choices=["composite", "camera", "parallax"],
                   help="scene family: composite (pasted object), camera (region of a photograph under a moving "
                        "camera), parallax (region of a moving photograph layer; never trained on)")
    p.add_argument("--sequences", type=count(0), default=10)
    p.add_argument("--length", type=count(), default=100, help="frames per sequence")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--force", action="store_true",
                   help="replace sequence folders made with other settings or holding other files")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="a scene setting (seattrack.data.synthetic.SceneConfig), e.g. --set occlusion_prob=0.6")

    def run(args: argparse.Namespace) -> None:
        from ..config import apply_overrides
        from .synthetic import SceneConfig, write_sequences

        check_writable(args.out, "output folder", folder=True)
        config = SceneConfig.from_dict(apply_overrides({"length": args.length}, args.overrides))
        sequences = write_sequences(args.out, args.sequences, args.split, args.seed, config, args.family,
                                    args.force)
        frames = sum(len(s) for s in sequences)
        print(f"{len(sequences)} {args.family} sequences ({frames} frames, {args.split} photos, seed {args.seed}) in "
              f"{args.out}; "
              f"e.g. seattrack eval --dataset folder --root {args.out} --tracker seat_lite")

    return run
