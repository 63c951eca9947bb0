import json

import cv2
import numpy as np
import pytest
import torch

from seattrack import create_model
from seattrack.data.augment import ColorAugment
from seattrack.data.labels import make_labels
from seattrack.data.pairs import CropAugment, PairDataset, PairSettings, SequencePairs, _jittered_crop
from seattrack.data.sources import build_source
from seattrack.errors import SeatError
from seattrack.models.seat import MapGeometry
from tests.conftest import skimage_bgr
from tests.data.test_sources import write_frames

GEOMETRY = MapGeometry(8, 16, 0.5)  # seat_lite's map at 63/127 crops
NO_JITTER = PairSettings(negative_prob=1.0, crop=CropAugment(0, 0, 0, 0),
                         color=ColorAugment(color_prob=0, blur_prob=0, gray_prob=0))


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
    assert pairs.warnings["unreadable_frame"] > 0


def test_source_weights_are_checked(folder_dataset):
    pairs = SequencePairs(build_source("folder", str(folder_dataset)), frame_range=4)
    with pytest.raises(SeatError, match="source weights"):
        PairDataset([pairs], [0.0], 8, MapGeometry(8, 16, 0.5))


def write_clip(directory, photo: str, n: int = 6) -> None:
    """n lossless frames panning 2 px a frame over one scikit-image photo, the box on a fixed patch of it."""
    image = cv2.resize(skimage_bgr(photo), (200, 150), interpolation=cv2.INTER_AREA)
    directory.mkdir(parents=True)
    for i in range(n):
        cv2.imwrite(str(directory / f"{i + 1:08d}.png"), image[10:130, 2 * i:2 * i + 160])
    np.savetxt(directory / "groundtruth.txt", [[60 - 2 * i, 40, 40, 30] for i in range(n)], fmt="%.1f", delimiter=",")


def crops_by_sequence(source, size: int) -> dict[str, list[torch.Tensor]]:
    """Every frame's un-jittered crop of `size` pixels (CHW float, as items hold them), by sequence name."""
    rng = np.random.default_rng(0)
    return {seq.name: [torch.from_numpy(np.ascontiguousarray(
        _jittered_crop(rng, seq.frame(i), seq.boxes[i], size, 0.5, 0, 0, 63)[0].transpose(2, 0, 1))).float()
        for i in range(len(seq))] for seq in source}


def origin(crop: torch.Tensor, crops: dict[str, list[torch.Tensor]]) -> str:
    """The one sequence whose frames give `crop`."""
    names = [name for name, frames in crops.items() if any(torch.equal(crop, f) for f in frames)]
    assert len(names) == 1, names
    return names[0]


def test_negative_pairs_search_another_sequence(tmp_path):
    write_clip(tmp_path / "cat", "chelsea")
    write_clip(tmp_path / "cup", "coffee")
    source = build_source("folder", tmp_path)
    data = PairDataset([SequencePairs(source, frame_range=2)], [1.0], 12, GEOMETRY, (63, 127), NO_JITTER, seed=1)
    templates, searches = crops_by_sequence(source, 63), crops_by_sequence(source, 127)
    seen = set()
    for i in range(len(data)):
        item = data[i]
        assert item["negative"] == 1 and item["cls"].sum() == 0
        template = origin(item["z"], templates)
        assert origin(item["x"], searches) != template
        seen.add(template)
    assert seen == {"cat", "cup"}


def test_a_single_sequence_source_makes_no_negatives_of_its_own(tmp_path):
    write_clip(tmp_path / "cat", "chelsea")
    write_clip(tmp_path / "other" / "cup", "coffee")
    alone = SequencePairs(build_source("folder", tmp_path / "cat"), frame_range=2)  # the root is one sequence
    rng = np.random.default_rng(0)
    assert alone.distractor(rng, avoid=0) is None and alone.distractor(rng) is not None
    data = PairDataset([alone], [1.0], 8, GEOMETRY, (63, 127), NO_JITTER)
    assert all(data[i]["negative"] == 0 for i in range(8))  # every frame shows the target: pairs stay positive
    other = SequencePairs(build_source("folder", tmp_path / "other"), frame_range=2)
    mixed = PairDataset([alone, other], [1.0, 1.0], 16, GEOMETRY, (63, 127), NO_JITTER)
    negatives = [mixed[i]["negative"] for i in range(16)]
    assert 0 < sum(negatives) < 16  # negatives still come from the other source, at its weight


def test_negatives_avoid_other_targets_of_the_template_image(tmp_path):
    write_frames(tmp_path / "train2017", ["000000000001.jpg", "000000000002.jpg"])
    instances = {
        "images": [{"id": k, "file_name": f"{k:012d}.jpg", "width": 32, "height": 24} for k in (1, 2)],
        "categories": [{"id": 1, "name": "person"}],
        "annotations": [{"id": 10, "image_id": 1, "category_id": 1, "bbox": [1, 2, 10, 12], "iscrowd": 0},
                        {"id": 11, "image_id": 1, "category_id": 1, "bbox": [15, 5, 8, 9], "iscrowd": 0},
                        {"id": 12, "image_id": 2, "category_id": 1, "bbox": [4, 5, 6, 7], "iscrowd": 0}],
    }
    (tmp_path / "annotations").mkdir()
    (tmp_path / "annotations" / "instances_train2017.json").write_text(json.dumps(instances))
    source = build_source("coco", tmp_path)
    assert source.sequence_names() == ["1_10", "1_11", "2_12"]
    pairs = SequencePairs(source, frame_range=1)
    for seed in range(10):  # the other instance of image 1 shows the template's image: never a negative
        _, box = pairs.distractor(np.random.default_rng(seed), avoid=0)
        np.testing.assert_allclose(box, [4, 5, 6, 7])
    boxes = {tuple(pairs.distractor(np.random.default_rng(seed), avoid=2)[1]) for seed in range(10)}
    assert boxes == {(1, 2, 10, 12), (15, 5, 8, 9)}
