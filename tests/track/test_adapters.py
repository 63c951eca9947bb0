import cv2
import numpy as np
from PIL import Image

from seattrack.track.adapters import Got10kTracker, OpenCVTracker
from seattrack.track.backends import TorchBackend
from seattrack.track.tracker import SeatTracker
from tests.track.oracle import MagentaOracle


def test_got10k_interface_runs_the_toolkit_track_loop(target_sequence):
    from got10k.trackers import Tracker as ToolkitTracker

    frames, gt = target_sequence
    adapter = Got10kTracker(SeatTracker(TorchBackend(MagentaOracle())))
    boxes, times = adapter.track([str(f) for f in frames[:10]], gt[0])
    assert boxes.shape == (10, 4) and (times > 0).all()
    # same numbers as the toolkit's own Tracker.track loop driving our init/update
    toolkit_boxes, _ = ToolkitTracker.track(adapter, [str(f) for f in frames[:10]], gt[0])
    np.testing.assert_allclose(boxes, toolkit_boxes)
    assert np.abs(boxes[-1] - gt[9]).max() < 6
    rgb = Image.open(frames[1]).convert("RGB")
    adapter.init(rgb, gt[1])
    assert adapter.update(rgb).shape == (4,)


def test_opencv_interface(target_sequence):
    frames, gt = target_sequence
    tracker = OpenCVTracker(SeatTracker(TorchBackend(MagentaOracle())))
    tracker.init(cv2.imread(str(frames[0])), tuple(int(v) for v in gt[0]))
    ok, box = tracker.update(cv2.imread(str(frames[1])))
    assert ok and len(box) == 4 and all(isinstance(v, int) for v in box)
    assert tracker.getTrackingScore() > 0.5
