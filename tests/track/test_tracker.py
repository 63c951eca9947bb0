import cv2
import numpy as np
import pytest

from seattrack.errors import SeatError
from seattrack.ops.boxes import iou
from seattrack.ops.crops import CropWindow, crop
from seattrack.track.backends import TorchBackend
from seattrack.track.tracker import SeatTracker
from tests.track.oracle import MagentaOracle


def oracle_tracker(**kw):
    return SeatTracker(TorchBackend(MagentaOracle(**kw)), "default")


@pytest.mark.parametrize("stride,offset", [(8, 43.5), (16, 0.5)])
def test_tracker_follows_a_moving_scaling_target_with_a_geometric_oracle(target_sequence, stride, offset):
    frames, gt = target_sequence
    tracker = oracle_tracker(stride=stride, offset=offset)
    tracker.init(cv2.imread(str(frames[0])), gt[0])
    ious = [iou(tracker.update(cv2.imread(str(f))).box_xywh, g) for f, g in zip(frames[1:], gt[1:])]
    assert np.mean(ious) > 0.9, np.round(ious, 2)
    assert min(ious) > 0.75


def test_crop_then_uncrop_round_trips_boxes():
    rng = np.random.default_rng(0)
    for _ in range(20):
        window = CropWindow(rng.uniform(-50, 500), rng.uniform(-50, 350), rng.uniform(20, 600), 255)
        boxes = np.column_stack([rng.uniform(0, 400, 5), rng.uniform(0, 300, 5), rng.uniform(1, 80, (5, 2))])
        np.testing.assert_allclose(window.to_image(window.to_crop(boxes)), boxes, atol=1e-9)
    # the pixel content lands where to_crop says: a white square maps onto the predicted crop box
    canvas = np.zeros((300, 400, 3), np.uint8)
    canvas[100:140, 200:260] = 255
    window = CropWindow(230.0, 120.0, 200.0, 255)
    patch = crop(canvas, window, np.zeros(3))
    ys, xs = np.nonzero(patch[:, :, 0] > 127)
    x, y, w, h = window.to_crop(np.array([200.0, 100.0, 60.0, 40.0]))
    assert abs(xs.min() - x) <= 0.5 and abs(xs.max() + 1 - (x + w)) <= 0.5
    assert abs(ys.min() - y) <= 0.5 and abs(ys.max() + 1 - (y + h)) <= 0.5


def test_padding_uses_the_image_mean(chelsea_path):
    image = cv2.imread(str(chelsea_path))
    patch = crop(image, CropWindow(0.0, 0.0, 200.0, 100))
    np.testing.assert_allclose(patch[5, 5], cv2.mean(image)[:3], atol=1)


def _frames_ok(tracker, frames):
    for frame in frames:
        box = tracker.update(frame).box_xywh
        h, w = frame.shape[:2]
        assert np.isfinite(box).all() and box[2] > 0 and box[3] > 0
        assert box[0] >= 0 and box[1] >= 0 and box[0] + box[2] <= w + 1e-6 and box[1] + box[3] <= h + 1e-6


def test_edge_cases_never_return_nan_or_out_of_image_boxes(target_sequence):
    frames, gt = target_sequence
    image = cv2.imread(str(frames[0]))
    tracker = oracle_tracker()
    # target at the image border, partly outside
    tracker.init(image, [-10, -5, 40, 30])
    _frames_ok(tracker, [image] * 3)
    # tiny 4x4 and image-sized targets
    tracker.init(image, [150, 100, 4, 4])
    _frames_ok(tracker, [image] * 3)
    assert tracker.size.min() >= 4
    tracker.init(image, [0, 0, image.shape[1], image.shape[0]])
    _frames_ok(tracker, [image] * 3)
    # grayscale and 16-bit frames, and a frame size change mid-sequence
    tracker.init(image, gt[0])
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    _frames_ok(tracker, [gray, (image.astype(np.uint16) * 257), cv2.resize(image, (200, 150)), image])


@pytest.mark.parametrize("box,match", [
    ([10, 10, 0, 20], "positive w,h"), ([10, np.nan, 5, 5], "finite"), ([1000, 10, 5, 5], "outside"),
    ([1, 2, 3], "4 numbers"),
])
def test_bad_init_boxes_are_clear_errors(target_sequence, box, match):
    image = cv2.imread(str(target_sequence[0][0]))
    with pytest.raises(SeatError, match=match):
        oracle_tracker().init(image, box)


def test_update_before_init_is_an_error(target_sequence):
    with pytest.raises(SeatError, match="before init"):
        oracle_tracker().update(cv2.imread(str(target_sequence[0][0])))


def test_a_seatnet_can_be_passed_directly(target_sequence):
    from seattrack.models import create_model

    frames, gt = target_sequence
    tracker = SeatTracker(create_model("seat_lite", pretrained_backbone=False), "default")
    tracker.init(cv2.imread(str(frames[0])), gt[0])
    assert tracker.backend.name == "torch" and np.isfinite(tracker.update(cv2.imread(str(frames[1]))).box_xywh).all()


def test_a_torch_backend_leaves_the_process_thread_count_as_it_found_it(target_sequence):
    import torch

    frames, gt = target_sequence
    before = torch.get_num_threads()
    tracker = SeatTracker(TorchBackend(MagentaOracle(), threads=before + 1), "default")
    tracker.init(cv2.imread(str(frames[0])), gt[0])
    tracker.update(cv2.imread(str(frames[1])))
    assert torch.get_num_threads() == before


def test_iter_track_yields_the_init_box_then_one_step_per_frame_and_keeps_the_box_on_unreadable_ones(
        target_sequence):
    from seattrack.track.run import iter_track

    frames, gt = target_sequence
    images = [cv2.imread(str(f)) for f in frames[:4]]
    steps = list(iter_track(oracle_tracker(), [images[0], images[1], None, images[3]], gt[0]))
    assert [s.index for s in steps] == [0, 1, 2, 3]
    assert steps[0].score == 1.0 and steps[0].result is None and np.array_equal(steps[0].box, gt[0])
    assert steps[1].result is not None and steps[1].box is steps[1].result.box_xywh and steps[1].seconds > 0
    assert steps[2].score == 0.0 and np.isnan(steps[2].seconds) and np.array_equal(steps[2].box, steps[1].box)
    with pytest.raises(SeatError, match="first frame is unreadable"):
        next(iter_track(oracle_tracker(), [None], gt[0]))
