import numpy as np
import pytest

from seattrack import create_model
from seattrack.data.labels import make_labels
from seattrack.data.pairs import PairDataset, SequencePairs
from seattrack.data.sources import build_source
from seattrack.errors import SeatError
from seattrack.models.seat import MapGeometry


def test_labels_follow_the_model_geometry():
    geo = MapGeometry(16, 16, 0.5)
    cls, ltrb, weight = make_labels(np.array([100.0, 90.0, 160.0, 150.0]), geo)
    grid = 0.5 + 16 * np.arange(16)
    r, c = int(np.argmin(np.abs(grid - 120))), int(np.argmin(np.abs(grid - 130)))  # the cell at the centre
    assert cls[r, c] == 1 and 1 < cls.sum() <= 13  # L1 radius 2 cells: at most 13 positives
    far = np.abs(grid[:, None] - 120) + np.abs(grid[None] - 130) > 2 * 16
    assert cls[far].sum() == 0
    assert np.allclose(ltrb[:, r, c], [grid[c] - 100, grid[r] - 90, 160 - grid[c], 150 - grid[r]])
    assert weight[r, c] == 1 and weight[0, 0] == 0
    tiny_cls, _, _ = make_labels(np.array([127.0, 127.0, 129.0, 129.0]), geo)
    assert tiny_cls.sum() >= 1  # a tiny target still gets its nearest cell
    neg_cls, _, neg_w = make_labels(None, geo)
    assert neg_cls.sum() == 0 and neg_w.sum() == 0


def test_pairs_from_a_real_folder_dataset(folder_dataset):
    net = create_model("seat_lite", pretrained_backbone=False, template_size=63, search_size=127)
    pairs = SequencePairs(build_source("folder", str(folder_dataset)), frame_range=4)
    data = PairDataset([pairs], [1.0], 8, net.geometry(), (63, 127), seed=3)
    item = data[0]
    assert item["z"].shape == (3, 63, 63) and item["x"].shape == (3, 127, 127)
    assert item["cls"].shape == (8, 8) and item["ltrb"].shape == (4, 8, 8)
    assert 0 <= item["z"].min() and item["z"].max() <= 255
    again = PairDataset([pairs], [1.0], 8, net.geometry(), (63, 127), seed=3)[0]
    assert all((item[k] == again[k]).all() for k in item)  # a pure function of (seed, index)
    data.epoch = 1
    assert not (data[0]["x"] == item["x"]).all()
    positives = [data[i] for i in range(8) if data[i]["negative"] == 0]
    assert positives and all(p["cls"].sum() >= 1 for p in positives)


def test_bad_frames_are_skipped_and_counted(folder_dataset, tmp_path):
    import shutil

    root = tmp_path / "ds"
    shutil.copytree(folder_dataset, root)
    for path in sorted((root / "clip0").glob("*.jpg"))[1:]:
        path.write_bytes(b"corrupt")
    pairs = SequencePairs(build_source("folder", str(root)), frame_range=4)
    rng = np.random.default_rng(0)
    for _ in range(10):
        pairs.sample(rng)
    assert pairs.warnings["unreadable frame"] > 0


def test_source_weights_are_checked(folder_dataset):
    pairs = SequencePairs(build_source("folder", str(folder_dataset)), frame_range=4)
    with pytest.raises(SeatError, match="source weights"):
        PairDataset([pairs], [0.0], 8, MapGeometry(8, 16, 0.5))
