"""The vot-toolkit python-protocol entry: first driven call by call the way the toolkit's worker calls it, then run
by vot-toolkit 0.9 itself (installed by `make`, see pyproject.toml) from a trackers.ini entry."""

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


def test_vot_toolkit_runs_the_entry_from_trackers_ini(target_sequence, tmp_path):
    """The toolkit itself (vot-toolkit 0.9, its tracker registry and `python` protocol runtime, in a worker
    process) reads the README's trackers.ini entry and tracks a VOT-layout sequence written here with polygons."""
    import shutil

    import cv2
    import pytest

    vot_tracker = pytest.importorskip("vot.tracker", reason="vot-toolkit is not installed (make test installs it)")
    from vot.dataset import load_sequence
    from vot.tracker import ObjectStatus

    from seattrack.ops.boxes import iou

    frames, gt = target_sequence
    root = tmp_path / "vot" / "target"
    (root / "color").mkdir(parents=True)
    for i, f in enumerate(frames[:20]):
        cv2.imwrite(str(root / "color" / f"{i + 1:08d}.jpg"), cv2.imread(str(f)))
    x, y, w, h = gt[:20].T  # rotated-rectangle style 8-value polygons, as VOT2016-2019 ground truth is
    polygons = np.stack([x, y, x + w, y, x + w, y + h, x, y + h], axis=1)
    np.savetxt(root / "groundtruth.txt", polygons, fmt="%.2f", delimiter=",")
    (root / "sequence").write_text("channels.color=color/%08d.jpg\nfps=25\n")  # the toolkit's sequence metadata
    (tmp_path / "trackers.ini").write_text(
        "[SEAT]\nlabel = SEAT\nprotocol = python\ncommand = seattrack.evaluation.vot_tracker:create_tracker\n"
        "arg_model = seat_lite\n")
    sequence = load_sequence(str(root))
    runtime = vot_tracker.Registry([str(tmp_path)])["SEAT"].runtime()
    try:
        boxes = []
        for index in range(len(sequence)):
            if index == 0:
                result = runtime.initialize(sequence.frame(0), ObjectStatus(sequence.groundtruth(0), {}))
            else:
                result = runtime.update(sequence.frame(index))
            status = result.objects[0] if isinstance(result.objects, list) else result.objects  # the one target
            box = status.region  # the entry reports rectangles
            boxes.append([box.x, box.y, box.width, box.height])
            assert 0.0 <= float(status.properties["confidence"]) <= 1.0
    finally:
        runtime.stop()
        shutil.rmtree(tmp_path / "vot")
    overlap = iou(np.asarray(boxes), gt[:20])
    print(f"vot-toolkit python runtime: mean IoU {overlap.mean():.3f} over 20 frames")
    assert overlap.mean() > 0.6
