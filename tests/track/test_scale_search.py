"""The scale search (`scale_step`, SiamFC-style): three search windows per frame in one network call, the best
scale-penalised cell wins, and the size follows the winning scale at `scale_lr`."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from seattrack.errors import SeatError
from seattrack.ops.boxes import iou
from seattrack.track.backends import TorchBackend
from seattrack.track.hypers import TrackerHypers
from seattrack.track.tracker import SeatTracker
from tests.track.oracle import MagentaOracle


def scale_tracker(**hypers) -> SeatTracker:
    return SeatTracker(TorchBackend(MagentaOracle(stride=16, offset=0.5)), TrackerHypers(**hypers))


def test_three_windows_share_the_centre_and_scale_by_the_step(target_sequence):
    frames, gt = target_sequence
    tracker = scale_tracker(scale_step=0.05)
    tracker.init(cv2.imread(str(frames[0])), gt[0])
    windows = tracker.search_windows()
    assert [w.side / windows[0].side for w in windows] == pytest.approx([1.0, 1 / 1.05, 1.05])
    assert {(w.cx, w.cy, w.out) for w in windows} == {(windows[0].cx, windows[0].cy, windows[0].out)}
    assert scale_tracker().scale_factors() == (1.0,)  # off by default: one crop per frame


def test_the_oracle_is_followed_through_the_scale_search(target_sequence):
    """Every window's crop is cut and decoded back into image pixels: the oracle's target (moving and growing) is
    followed as closely as without the scale search."""
    frames, gt = target_sequence
    ious = {}
    for step in (0.0, 0.05):
        tracker = scale_tracker(scale_step=step)
        tracker.init(cv2.imread(str(frames[0])), gt[0])
        ious[step] = [iou(tracker.update(cv2.imread(str(f))).box_xywh, g) for f, g in zip(frames[1:], gt[1:])]
    assert np.mean(ious[0.05]) > 0.9 and min(ious[0.05]) > 0.75, np.round(ious[0.05], 2)
    assert np.mean(ious[0.05]) >= np.mean(ious[0.0]) - 0.01, (np.mean(ious[0.05]), np.mean(ious[0.0]))


def _outputs(tracker: SeatTracker, peaks: list[float]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Flat score maps with one peak cell (value `peak`) per window, boxes of the current size around each cell."""
    outputs = []
    for window, peak in zip(tracker.search_windows(), peaks):
        geo = tracker.backend.geometry(window.out)
        cls = np.full((geo.size, geo.size), 0.01)
        cls[geo.size // 2, geo.size // 2] = peak
        half = tracker.size * window.scale / 2
        ltrb = np.stack([np.full((geo.size, geo.size), v) for v in (half[0], half[1], half[0], half[1])])
        outputs.append((cls, ltrb))
    return outputs


@pytest.mark.parametrize("peaks,factor", [
    ([0.80, 0.60, 0.90], 1.05),    # the larger window scores 0.90 x 0.97 = 0.873 > 0.80: the target grew
    ([0.80, 0.90, 0.60], 1 / 1.05),  # the smaller one wins: it shrank
    ([0.80, 0.60, 0.82], 1.0),     # 0.82 x 0.97 = 0.795 < 0.80: the penalty keeps the unit scale
])
def test_the_best_penalised_scale_wins_and_the_size_follows_it(target_sequence, peaks, factor):
    frames, gt = target_sequence
    tracker = scale_tracker(scale_step=0.05, scale_penalty=0.97, scale_lr=0.5, lr=0.0, window_influence=0.0)
    image = cv2.imread(str(frames[0]))
    tracker.init(image, gt[0])
    size = tracker.size.copy()
    result = tracker.finish(image, tracker.search_windows(), _outputs(tracker, peaks))
    np.testing.assert_allclose(tracker.size, size * (1 + 0.5 * (factor - 1)), rtol=1e-9)
    assert result.score == pytest.approx(max(peaks) if factor != 1.0 else peaks[0])


@pytest.mark.parametrize("name,value", [("scale_step", 1.0), ("scale_step", -0.1), ("scale_penalty", 0.0),
                                        ("scale_lr", 1.5)])
def test_out_of_range_scale_settings_are_clear_errors(name, value):
    with pytest.raises(SeatError, match=f"tracking hyper-parameter {name} = "):
        TrackerHypers(**{name: value})
