"""The vot-toolkit python-protocol entry, driven the way the toolkit's worker drives it (vot-toolkit itself is
GPL-3.0 and its 0.9 release does not import on this Python, so the protocol calls are reproduced here)."""

import numpy as np

from seattrack.evaluation.vot_tracker import VOTTracker, region_to_box
from seattrack.track.backends import TorchBackend
from seattrack.track.tracker import SeatTracker
from tests.track.oracle import MagentaOracle


def test_region_encodings_become_boxes():
    np.testing.assert_allclose(region_to_box((1.0, 2.0, 3.0, 4.0)), [1, 2, 3, 4])
    np.testing.assert_allclose(region_to_box([(1.0, 2.0), (5.0, 2.0), (5.0, 8.0), (1.0, 8.0)]), [1, 2, 4, 6])
    mask = [[0, 0, 0], [0, 1, 1], [0, 1, 0]]
    np.testing.assert_allclose(region_to_box(mask), [1, 1, 2, 2])


def test_entry_tracks_through_the_protocol_calls(target_sequence):
    frames, gt = target_sequence
    entry = VOTTracker(SeatTracker(TorchBackend(MagentaOracle())))
    region, props = entry.initialize(str(frames[0]), (tuple(gt[0]), {}), {})
    assert region == tuple(gt[0]) and props["confidence"] == 1.0
    for path, box in zip(frames[1:10], gt[1:10]):
        region, props = entry.update({"color": str(path)})
        assert len(region) == 4 and 0 <= props["confidence"] <= 1
        assert np.abs(np.asarray(region) - box).max() < 8
