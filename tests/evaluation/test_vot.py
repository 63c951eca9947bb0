"""VOT baseline protocol: region overlap, the reset-based driver (scripted fake tracker), accuracy, robustness, EAO."""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seattrack.data.sequence import Sequence
from seattrack.errors import SeatError
from seattrack.evaluation import vot
from seattrack.ops.boxes import iou

GT = [0, 0, 10, 10]
SIZE = (100, 100)
# Boxes with a known overlap against GT (0, 0, 10, 10).
OVERLAP = {1.0: np.array([0, 0, 10, 10.0]), 0.5: np.array([0, 0, 10, 5.0]), 0.0: np.array([50, 50, 10, 10.0])}


def seq(n: int, **attributes) -> Sequence:
    return Sequence("s", [f"{i}.png" for i in range(n)], [GT] * n, None, {"resolution": SIZE, **attributes})


def scripted_run() -> list:
    """13 frames: init, overlaps 1 and 0.5, failure at 3, frames 4-7 skipped, re-init at 8, then 0.5, 1, 1, 0.5."""
    b = OVERLAP
    return [1, b[1.0], b[0.5], 2, 0, 0, 0, 0, 1, b[0.5], b[1.0], b[1.0], b[0.5]]


# -- overlap ---------------------------------------------------------------------------------------------------------


def test_region_overlap_with_a_polygon_and_the_image_bounds() -> None:
    diamond = [50, 40, 60, 50, 50, 60, 40, 50]  # area 200, inside the box (40, 40, 20, 20) of area 400
    assert vot.region_overlap([40, 40, 20, 20], diamond, (100, 100)) == pytest.approx(0.5)
    # Bounded to a 45 px wide image the diamond keeps its left tip (a triangle of area 25), the box 5 x 20 = 100.
    assert vot.region_overlap([40, 40, 20, 20], diamond, (45, 100)) == pytest.approx(25 / 100)
    assert vot.region_overlap([200, 200, 10, 10], GT, SIZE) == 0.0  # off the image
    assert vot.region_overlap([0, 0, 0, 10], GT, SIZE) == 0.0  # empty
    assert vot.region_overlap([np.nan, 0, 1, 1], GT, SIZE) == 0.0


@settings(max_examples=150, deadline=None)
@given(st.tuples(*[st.floats(0, 60)] * 2, *[st.floats(0.5, 40)] * 2),
       st.tuples(*[st.floats(0, 60)] * 2, *[st.floats(0.5, 40)] * 2))
def test_region_overlap_of_rectangles_inside_the_image_is_their_iou(a, b) -> None:
    assert vot.region_overlap(a, b, SIZE) == pytest.approx(float(iou(a, b)), abs=1e-9)


# -- measures --------------------------------------------------------------------------------------------------------


def test_eao_against_a_hand_computed_example() -> None:
    """Fragments: failed [init, 1, .5] and successful [init, .5, 1, 1, .5]. Mean overlap of frames 1..n:
    failed (padded with zeros) 1, .75, .5, .375; successful .5, .75, .8333, .75. Curve n = 1..4:
    .75, .75, .6667, .5625."""
    outputs = scripted_run()
    overlaps = vot.run_overlaps(outputs, np.array([GT] * 13, float), SIZE)
    fragments = vot.eao_fragments(outputs, overlaps)
    assert [(list(o), failed) for o, failed in fragments] == [([0, 1, 0.5], True), ([0, 0.5, 1, 1, 0.5], False)]
    curve = vot.eao_curve(fragments)
    np.testing.assert_allclose(curve[1:], [0.75, 0.75, (0.5 + 2.5 / 3) / 2, (0.375 + 0.75) / 2])
    assert vot.eao_score(curve, (1, 4)) == pytest.approx((0.75 + 0.75 + (0.5 + 2.5 / 3) / 2 + 0.5625) / 4)
    assert vot.eao_score(curve, (3, 4)) == pytest.approx(((0.5 + 2.5 / 3) / 2 + 0.5625) / 2)
    assert math.isnan(vot.eao_score(curve, (46, 291)))  # no fragment is that long


def test_accuracy_skips_markers_and_burn_in() -> None:
    outputs = scripted_run()
    overlaps = vot.run_overlaps(outputs, np.array([GT] * 13, float), SIZE)
    # burn-in 2 masks 0-1 and 8-9; markers mask 3-7: frames 2, 10, 11, 12 remain: (.5 + 1 + 1 + .5) / 4.
    assert vot.run_accuracy(outputs, overlaps, burnin=2) == (pytest.approx(0.75), 4)
    assert vot.run_accuracy(outputs, overlaps, burnin=10) == (0.0, 0)  # everything is burn-in
    assert vot.count_failures(outputs) == 1


def test_evaluate_vot_weights_sequences_by_length_and_averages_runs() -> None:
    long, short = seq(13), Sequence("t", [f"{i}.png" for i in range(4)], [GT] * 4, None, {"resolution": SIZE})
    b = OVERLAP
    runs = {"s": [scripted_run(), [1] + [b[1.0]] * 12],  # run 2 never fails
            "t": [[1, b[0.5], b[0.5], b[0.5]]]}
    result = vot.evaluate_vot(runs, [long, short], interval=(1, 2), burnin=2)
    acc_s = (0.75 + 1.0) / 2  # run 1: 0.75 (see above); run 2: frames 2-12 all overlap 1
    assert result.per_sequence["s"] == {"accuracy": pytest.approx(acc_s), "failures": 0.5, "length": 13}
    assert result.per_sequence["t"]["accuracy"] == pytest.approx(0.5)
    assert result.accuracy == pytest.approx((13 * acc_s + 4 * 0.5) / 17)
    assert result.failures == 0.5
    assert result.robustness == pytest.approx(0.5 / 17 * 100)
    assert result.ar_robustness == pytest.approx(math.exp(-30 * 0.5 / 17))
    assert result.frames == 17
    assert result.eao == pytest.approx(float(np.mean(result.eao_curve[1:3])))


def test_evaluate_vot_rejects_bad_input() -> None:
    with pytest.raises(SeatError, match="unknown VOT edition"):
        vot.evaluate_vot({"s": [scripted_run()]}, [seq(13)], interval="vot2020")
    with pytest.raises(SeatError, match="no VOT runs for sequence s"):
        vot.evaluate_vot({}, [seq(13)])
    with pytest.raises(SeatError, match="run 1 has 13 outputs for 12 frames"):
        vot.evaluate_vot({"s": [scripted_run()]}, [seq(12)])
    assert vot.EAO_INTERVALS["vot2019"] == (46, 291) and vot.EAO_INTERVALS["vot2016"] == (108, 371)


# -- the driver ------------------------------------------------------------------------------------------------------


class ScriptedTracker:
    """Returns scripted boxes; records what it was initialised with and on which frames."""

    def __init__(self, boxes: list) -> None:
        self.boxes = list(boxes)
        self.inits: list[tuple[int, tuple]] = []
        self.updates: list[int] = []

    def init(self, image: np.ndarray, box: tuple) -> None:
        self.inits.append((int(image[0, 0, 0]), box))

    def update(self, image: np.ndarray):
        self.updates.append(int(image[0, 0, 0]))
        return self.boxes.pop(0)


class Result:
    def __init__(self, box) -> None:
        self.box_xywh = box


@pytest.fixture()
def frames(tmp_path: Path) -> list[str]:
    """16 real 64x48 PNG frames whose first pixel holds the frame number."""
    paths = []
    for i in range(16):
        image = np.full((48, 64, 3), 40, np.uint8)
        image[0, 0] = i
        paths.append(str(tmp_path / f"{i:08d}.png"))
        cv2.imwrite(paths[-1], image)
    return paths


def test_driver_fails_skips_and_reinitialises(frames: list[str]) -> None:
    gt = np.tile([10.0, 10, 20, 20], (16, 1))
    gt[8] = [12, 10, 20, 20]
    sequence = Sequence("synthetic", frames, gt)
    good, lost = (10, 10, 20, 20), (40, 0, 10, 10)  # lost: no overlap with the GT
    script = [good, Result(good), lost] + [good] * 9  # frames 1, 2 tracked; failure at 3; frames 9..15 after re-init
    tracker = ScriptedTracker(script)
    run = vot.run_vot_baseline(tracker, sequence)
    markers = [o if vot.is_marker(o) else "box" for o in run.outputs]
    assert markers == [1, "box", "box", 2, 0, 0, 0, 0, 1] + ["box"] * 7
    assert tracker.inits == [(0, good), (8, tuple(gt[8]))]  # re-initialised 5 frames after the failure, with GT
    assert tracker.updates == [1, 2, 3] + list(range(9, 16))  # skipped frames are never shown to the tracker
    assert run.failures == 1 and len(run.times) == 16 and (run.times[4:8] == 0).all()
    np.testing.assert_allclose(run.outputs[1], good)


def test_driver_uses_polygons_bounds_and_a_factory(frames: list[str]) -> None:
    """The GT polygon hangs off the 64 px wide image; a box overlapping only the off-image part is a failure."""
    polygons = np.tile([50, 10, 80, 10, 80, 30, 50, 30], (16, 1)).astype(float)
    sequence = Sequence("poly", frames, np.tile([50.0, 10, 30, 20], (16, 1)), None, {"polygons": polygons})
    made = []

    def factory() -> ScriptedTracker:
        made.append(ScriptedTracker([(52, 12, 8, 8), (66, 12, 10, 10)] + [(52, 12, 8, 8)] * 10))
        return made[-1]

    run = vot.run_vot_baseline(factory, sequence)
    assert len(made) == 1
    assert run.outputs[2] == vot.FAILURE  # (66, 12, 10, 10) lies beyond x = 64
    assert run.outputs[7] == vot.INIT


def test_driver_rejects_a_tracker_without_a_box(frames: list[str]) -> None:
    sequence = Sequence("s", frames[:3], np.tile([10.0, 10, 20, 20], (3, 1)))
    with pytest.raises(SeatError, match="expected a box"):
        vot.run_vot_baseline(ScriptedTracker(["nothing"]), sequence)
    with pytest.raises(SeatError, match="init\\(\\) and update\\(\\)"):
        vot.run_vot_baseline(42, sequence)
