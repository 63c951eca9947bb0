"""The search's fixed held-out split: by video (footage), so no frame of the architecture pass reaches the weights."""

import numpy as np
import pytest

from seattrack.data.sequence import Sequence
from seattrack.errors import SeatError
from seattrack.train.data import holdout_indices


def _seq(name: str, frames: list[str]) -> Sequence:
    return Sequence(name, frames, np.tile([10.0, 10.0, 20.0, 20.0], (len(frames), 1)))


def test_tracks_of_one_video_and_instances_of_one_image_stay_on_one_side():
    sequences = []
    for v in range(30):  # 30 videos, two tracks each (ImageNet VID style), and 10 COCO images with two instances
        frames = [f"/data/vid/video{v:03d}/{i:06d}.JPEG" for i in range(5)]
        sequences += [_seq(f"video{v}_0", frames), _seq(f"video{v}_1", frames[2:])]
    for k in range(10):
        sequences += [_seq(f"coco{k}_{a}", [f"/data/coco/train2017/{k:012d}.jpg"]) for a in range(2)]
    arch, weights = holdout_indices(sequences, "arch"), holdout_indices(sequences, "weights")
    assert sorted(arch + weights) == list(range(len(sequences)))
    held_out = {sequences[i].frames[0] if "coco" in sequences[i].name else sequences[i].frames[0].rsplit("/", 1)[0]
                for i in arch}
    assert len(held_out) == 4  # a tenth of the 40 videos and images
    arch_frames = {f for i in arch for f in sequences[i].frames}
    assert not arch_frames & {f for i in weights for f in sequences[i].frames}
    assert holdout_indices(sequences, "arch") == arch  # fixed: the same split every epoch and on resume


def test_a_single_video_cannot_be_split_and_says_so():
    frames = [f"/data/clip/{i:04d}.jpg" for i in range(10)]
    with pytest.raises(SeatError, match="mine: .* at least 2 videos"):
        holdout_indices([_seq("a", frames), _seq("b", frames[3:])], "weights", "mine")
    two = holdout_indices([_seq("a", frames), _seq("b", ["/data/other/0001.jpg"])], "weights")
    assert len(two) == 1
