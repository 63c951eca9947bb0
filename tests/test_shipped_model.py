"""The shipped default really tracks: its weights follow the bundled real-image clip; random weights do not."""

import numpy as np
import pytest
import torch

from seattrack import create_model, load_tracker
from seattrack.demo import demo_sequence
from seattrack.evaluation.one_pass import track_ope
from seattrack.models.checkpoint import read_checkpoint, shipped_weights_path
from seattrack.ops.boxes import iou
from seattrack.track.backends import TorchBackend
from seattrack.track.tracker import SeatTracker

FLOOR = 0.5  # mean IoU on the bundled clip's first 40 frames


def mean_iou(tracker) -> float:
    sequence = demo_sequence().subsequence(0, 40)
    boxes = track_ope(tracker, sequence).boxes
    return float(np.nanmean(iou(boxes[1:], sequence.boxes[1:])))


def test_weights_ship_in_the_package_and_are_small():
    path = shipped_weights_path("seat_lite")
    assert path is not None and path.stat().st_size < 4e6
    payload = read_checkpoint(path)
    assert all(v.dtype == torch.float16 for v in payload["model"].values() if v.is_floating_point())


def test_shipped_weights_track_above_a_floor_random_weights_cannot_reach():
    torch.manual_seed(0)
    trained = mean_iou(load_tracker("seat_lite"))
    random_heads = mean_iou(SeatTracker(TorchBackend(create_model("seat_lite"))))  # ImageNet backbone, random neck
    print(f"mean IoU on the bundled clip: shipped {trained:.3f}, random neck/head {random_heads:.3f}")
    assert trained > FLOOR > random_heads


def test_create_model_pretrained_refuses_models_without_weights():
    from seattrack.errors import SeatError

    with pytest.raises(SeatError, match="no trained weights ship for 'seat_r50'"):
        create_model("seat_r50", pretrained=True)


def test_the_tuned_hypers_travel_with_the_weights(tmp_path):
    from seattrack.models import save_model
    from seattrack.track.hypers import load_hypers

    assert load_tracker("seat_lite").hypers == load_hypers("seat_lite")  # the shipped file carries its tuned set
    assert load_tracker("seat_lite", "default").hypers == load_hypers("default")  # an explicit set wins
    path = tmp_path / "plain.pt"
    save_model(create_model("seat_lite", pretrained_backbone=False), path)
    assert load_tracker(str(path)).hypers == load_hypers("default")  # no set in the file: the configs default
