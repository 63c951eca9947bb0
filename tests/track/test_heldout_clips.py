"""The shipped seat_lite follows what was boxed on footage made from reserved sources (evaluation only: these clips
choose nothing; the floors sit below what the shipped weights measure, see the README's model card).

The issue's reproducible case first, through the real command line on an mp4 the test writes: a 60-frame pure
camera pan over scikit-learn's `china.jpg` (`frame_t = img[t:t+360, 2t:2t+480]`), initial box 200,150,60,50, true
box on frame t (200-2t, 150-t, 60, 50). Then variants from `seattrack.evaluation.heldout`: zoom, roll, a box on a
flat region (sky), a box on a repeated texture (petals) under a perspective tilt, through the Python API.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from seattrack import load_tracker
from seattrack.cli import main
from seattrack.evaluation.heldout import clip, reserved_photo
from seattrack.ops.boxes import iou

PURE_PAN_FLOOR = 0.85  # the goal (the weights shipped before it scored 0.53)
VARIANT_FLOORS = {"china_zoom_in": 0.6, "china_roll": 0.65, "china_flat_sky": 0.7, "flower_texture_tilt": 0.85}
"""Measured with the shipped weights: 0.646, 0.708, 0.757, 0.899 (the pure pan: 0.946)."""


def test_pure_pan_over_china_through_the_command_line(tmp_path, capsys):
    china = reserved_photo("china")
    video = tmp_path / "pan.mp4"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"mp4v"), 30, (480, 360))
    for t in range(60):
        writer.write(np.ascontiguousarray(china[t:t + 360, 2 * t:2 * t + 480]))
    writer.release()
    boxes_file = tmp_path / "boxes.txt"
    assert main(["track", str(video), "--box", "200,150,60,50", "--txt", str(boxes_file), "--threads", "1"]) == 0
    boxes = np.loadtxt(boxes_file, delimiter=",")
    truth = np.array([[200 - 2 * t, 150 - t, 60, 50] for t in range(60)], float)
    mean_iou = float(iou(boxes, truth).mean())
    print(f"pure pan mean IoU {mean_iou:.3f}")
    assert boxes.shape == (60, 4)
    assert mean_iou >= PURE_PAN_FLOOR


@pytest.mark.parametrize("name", sorted(VARIANT_FLOORS))
def test_camera_variants_over_reserved_photos(name):
    frames, truth = clip(name)
    tracker = load_tracker("seat_lite", threads=1)
    tracker.init(frames[0], truth[0])
    boxes = np.array([truth[0], *(tracker.update(frame).box_xywh for frame in frames[1:])])
    mean_iou = float(iou(boxes, truth).mean())
    print(f"{name} mean IoU {mean_iou:.3f}")
    assert mean_iou >= VARIANT_FLOORS[name]
