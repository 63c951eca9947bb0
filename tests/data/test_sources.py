"""Dataset readers on small datasets written in each benchmark's exact on-disk layout, from real photographs
(scikit-image's bundled images), read back through `build_source`."""

from __future__ import annotations

import functools
import json
import pickle
import warnings
from pathlib import Path

import cv2
import numpy as np
import pytest
from skimage import data as skdata

from seattrack.data.sources import (
    OTB_QUIRKS,
    SOURCES,
    UAV123_SUBRANGES,
    DatasetSource,
    SeatDataWarning,
    build_source,
    list_sources,
)
from seattrack.errors import SeatError

# -- helpers: real frames, box files ------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _jpegs() -> tuple[bytes, ...]:
    """A few 32x24 JPEG frames cut from scikit-image's photographs (RGB -> BGR for OpenCV)."""
    encoded = []
    for image in (skdata.astronaut(), skdata.chelsea(), skdata.coffee()):
        small = cv2.resize(cv2.cvtColor(image, cv2.COLOR_RGB2BGR), (32, 24), interpolation=cv2.INTER_AREA)
        ok, buf = cv2.imencode(".jpg", small)
        assert ok
        encoded.append(buf.tobytes())
    return tuple(encoded)


def write_frames(directory: Path, names: list[str]) -> list[str]:
    """Write one small real JPEG per name into `directory`; return the full paths."""
    directory.mkdir(parents=True, exist_ok=True)
    jpegs = _jpegs()
    for i, name in enumerate(names):
        (directory / name).write_bytes(jpegs[i % len(jpegs)])
    return [str(directory / name) for name in names]


def write_rows(path: Path, rows, sep: str = ",") -> None:
    """Write one row per line with `sep` (NaN written as 'nan')."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(sep.join(f"{v:g}" for v in row) + "\n" for row in rows))


def boxes_for(n: int, start: float = 2.0) -> np.ndarray:
    """n distinct valid boxes."""
    return np.array([[start + i, 3.0 + i, 10.0 + i, 8.0 + i] for i in range(n)])


def quiet(source: DatasetSource, index=0):
    """`source[index]`, ignoring SeatDataWarning (for tests that check counts, not the warning itself)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SeatDataWarning)
        return source[index]


# -- GOT-10k ------------------------------------------------------------------------------------------------


def make_got10k_seq(split_dir: Path, name: str, n: int, rows: np.ndarray, labels: dict | None = None,
                    meta: str | None = None) -> list[str]:
    seq = split_dir / name
    frames = write_frames(seq, [f"{k:08d}.jpg" for k in range(1, n + 1)])
    write_rows(seq / "groundtruth.txt", rows)
    for key, values in (labels or {}).items():
        (seq / f"{key}.label").write_text("".join(f"{v}\n" for v in values))
    if meta is not None:
        (seq / "meta_info.ini").write_text(meta)
    return frames


def test_got10k_train_boxes_cover_absence_and_meta(tmp_path):
    split = tmp_path / "train"
    meta = "[METAINFO]\nurl: https://youtu.be/x\nobject_class: cat\nmotion_class: running\nresolution: (1280, 720)\n"
    frames = make_got10k_seq(split, "GOT-10k_Train_000001", 5, boxes_for(5),
                             {"absence": [0, 0, 1, 0, 0], "cover": [8, 4, 0, 0, 3], "cut_by_image": [0, 1, 0, 0, 0]},
                             meta)
    make_got10k_seq(split, "GOT-10k_Train_000002", 3, boxes_for(3))
    (split / "list.txt").write_text("GOT-10k_Train_000001\nGOT-10k_Train_000002\n")

    source = build_source("got10k", tmp_path, split="train")
    assert source.sequence_names() == ["GOT-10k_Train_000001", "GOT-10k_Train_000002"]
    seq = source[0]
    assert seq.dataset == "got10k" and seq.frames == frames
    np.testing.assert_allclose(seq.boxes, boxes_for(5))
    # visible = not absent and cover > 0
    assert seq.visible.tolist() == [True, True, False, False, True]
    assert seq.attributes["cover"].tolist() == [8, 4, 0, 0, 3]
    assert seq.attributes["absence"].tolist() == [False, False, True, False, False]
    assert seq.attributes["cut_by_image"].tolist() == [False, True, False, False, False]
    assert seq.attributes["object_class"] == "cat"
    assert seq.attributes["resolution"] == (1280, 720)
    assert seq.attributes["meta"]["url"] == "https://youtu.be/x"
    assert seq.frame(0).shape == (24, 32, 3)
    # no labels: visibility from the boxes alone
    assert source["GOT-10k_Train_000002"].visible.all()
    assert not source.warnings


def test_got10k_test_split_has_only_the_first_box(tmp_path):
    make_got10k_seq(tmp_path / "test", "GOT-10k_Test_000001", 4, boxes_for(1))
    (tmp_path / "test" / "list.txt").write_text("GOT-10k_Test_000001\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error", SeatDataWarning)
        seq = build_source("got10k", tmp_path, split="test")[0]
    assert len(seq) == 4
    np.testing.assert_allclose(seq.boxes[0], boxes_for(1)[0])
    assert np.isnan(seq.boxes[1:]).all()
    assert seq.visible.tolist() == [True, False, False, False]


def test_got10k_wrong_root_names_the_missing_file_and_layout(tmp_path):
    with pytest.raises(SeatError) as info:
        build_source("got10k", tmp_path, split="val")
    message = str(info.value)
    assert "\n" not in message
    assert str(tmp_path / "val" / "list.txt") in message
    assert "expected <root>/{train,val,test}/list.txt" in message


def test_got10k_sequence_listed_but_absent_is_skipped(tmp_path):
    make_got10k_seq(tmp_path / "val", "GOT-10k_Val_000001", 2, boxes_for(2))
    (tmp_path / "val" / "list.txt").write_text("GOT-10k_Val_000001\nGOT-10k_Val_000002\n")
    source = build_source("got10k", tmp_path, split="val")
    with pytest.warns(SeatDataWarning, match="missing_sequence"):
        assert source.sequence_names() == ["GOT-10k_Val_000001"]
    assert source.warnings["missing_sequence"] == 1


# -- bad data (shown on GOT-10k; the logic is shared by every source) ----------------------------------------


def test_missing_frame_file_is_dropped_and_counted(tmp_path):
    frames = make_got10k_seq(tmp_path / "train", "a", 5, boxes_for(5))
    Path(frames[2]).unlink()
    (tmp_path / "train" / "list.txt").write_text("a\n")
    source = build_source("got10k", tmp_path)
    with pytest.warns(SeatDataWarning, match="missing_frame"):
        seq = source[0]
    assert seq.frames == frames[:2] + frames[3:]
    np.testing.assert_allclose(seq.boxes, boxes_for(5)[[0, 1, 3, 4]])
    assert source.warnings["missing_frame"] == 1


def test_nan_negative_and_zero_size_boxes_are_invisible_with_one_warning(tmp_path):
    rows = boxes_for(5)
    rows[1] = np.nan
    rows[2, 2] = -4.0  # negative width
    rows[3, 3] = 0.0  # zero height
    for name in ("a", "b"):
        make_got10k_seq(tmp_path / "train", name, 5, rows)
    (tmp_path / "train" / "list.txt").write_text("a\nb\n")
    source = build_source("got10k", tmp_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        seqs = [source[0], source[1], source[0]]
    assert [s.visible.tolist() for s in seqs] == [[True, False, False, False, True]] * 3
    assert source.warnings["invalid_box"] == 6  # 3 per sequence, each sequence counted once
    assert len([w for w in caught if issubclass(w.category, SeatDataWarning)]) == 1  # one line per reason
    assert "invalid_box" in source.summary() or "NaN" in source.summary()


def test_empty_sequence_is_counted_and_skipped_when_iterating(tmp_path):
    (tmp_path / "train" / "empty").mkdir(parents=True)
    (tmp_path / "train" / "empty" / "groundtruth.txt").write_text("")
    make_got10k_seq(tmp_path / "train", "full", 2, boxes_for(2))
    (tmp_path / "train" / "list.txt").write_text("empty\nfull\n")
    source = build_source("got10k", tmp_path)
    with pytest.warns(SeatDataWarning, match="empty_sequence"):
        names = [s.name for s in source]
    assert names == ["full"]
    assert len(source) == 2 and len(source["empty"]) == 0
    assert source.warnings["empty_sequence"] == 1


def test_short_groundtruth_is_padded_invisible_and_unreadable_one_is_empty(tmp_path):
    make_got10k_seq(tmp_path / "train", "short", 4, boxes_for(2))
    make_got10k_seq(tmp_path / "train", "garbled", 2, boxes_for(2))
    (tmp_path / "train" / "garbled" / "groundtruth.txt").write_text("1,2,3,4\nnot,a,box,row\n")
    (tmp_path / "train" / "list.txt").write_text("short\ngarbled\n")
    source = build_source("got10k", tmp_path)
    assert len(source) == 2  # listing never reads annotations
    short, garbled = quiet(source, 0), quiet(source, 1)
    assert short.visible.tolist() == [True, True, False, False] and np.isnan(short.boxes[2:]).all()
    assert len(garbled) == 0 and "line 2" in garbled.attributes["error"]
    assert source.warnings["annotation_shorter_than_frames"] == 2
    assert source.warnings["unreadable_annotation"] == 1


# -- LaSOT --------------------------------------------------------------------------------------------------


def make_lasot(root: Path) -> None:
    for seq, n in (("airplane-1", 4), ("airplane-2", 3), ("cat-1", 3)):
        cls = seq.split("-")[0]
        seq_dir = root / cls / seq
        write_frames(seq_dir / "img", [f"{k:08d}.jpg" for k in range(1, n + 1)])
        write_rows(seq_dir / "groundtruth.txt", boxes_for(n))
        (seq_dir / "full_occlusion.txt").write_text(",".join(["0"] * n))
        (seq_dir / "out_of_view.txt").write_text(",".join(["0"] * n))
        (seq_dir / "nlp.txt").write_text(f"the {cls} in the sky\n")
    (root / "airplane" / "airplane-1" / "full_occlusion.txt").write_text("0,1,0,0")
    (root / "airplane" / "airplane-1" / "out_of_view.txt").write_text("0,0,0,1")


def test_lasot_testing_set_split_and_occlusion_out_of_view(tmp_path):
    make_lasot(tmp_path)
    (tmp_path / "testing_set.txt").write_text("airplane-1\n")
    assert build_source("lasot", tmp_path, split="test").sequence_names() == ["airplane-1"]
    assert build_source("lasot", tmp_path, split="train").sequence_names() == ["airplane-2", "cat-1"]
    seq = build_source("lasot", tmp_path, split="test")["airplane-1"]
    assert len(seq) == 4 and seq.frames[0].endswith("airplane/airplane-1/img/00000001.jpg")
    assert seq.visible.tolist() == [True, False, True, False]
    assert seq.attributes["full_occlusion"].tolist() == [False, True, False, False]
    assert seq.attributes["out_of_view"].tolist() == [False, False, False, True]
    assert seq.attributes["object_class"] == "airplane" and seq.attributes["nlp"] == "the airplane in the sky"
    np.testing.assert_allclose(seq.boxes, boxes_for(4))


def test_lasot_split_needs_testing_set_file(tmp_path):
    make_lasot(tmp_path)
    for split in ("test", "train"):
        with pytest.raises(SeatError, match="testing_set.txt"):
            build_source("lasot", tmp_path, split=split)
    assert len(build_source("lasot", tmp_path, split="all")) == 3


# -- TrackingNet --------------------------------------------------------------------------------------------


def test_trackingnet_frames_sorted_numerically_and_chunks(tmp_path):
    n = 12
    write_frames(tmp_path / "TRAIN_0" / "frames" / "seqA", [f"{k}.jpg" for k in range(n)])
    write_rows(tmp_path / "TRAIN_0" / "anno" / "seqA.txt", boxes_for(n))
    write_frames(tmp_path / "TRAIN_1" / "frames" / "seqB", [f"{k}.jpg" for k in range(2)])
    write_rows(tmp_path / "TRAIN_1" / "anno" / "seqB.txt", boxes_for(2))
    seq = build_source("trackingnet", tmp_path, split="TRAIN_0")[0]
    assert [Path(f).name for f in seq.frames] == [f"{k}.jpg" for k in range(n)]  # 2 before 10, 10 after 9
    np.testing.assert_allclose(seq.boxes, boxes_for(n))
    assert seq.attributes["chunk"] == "TRAIN_0"
    assert build_source("trackingnet", tmp_path, split="train").sequence_names() == ["seqA", "seqB"]
    assert build_source("trackingnet", tmp_path, split="TRAIN_1").sequence_names() == ["seqB"]
    with pytest.raises(SeatError, match=r"missing .*TRAIN_2.*expected <root>/\{TRAIN_0..TRAIN_11,TEST\}"):
        build_source("trackingnet", tmp_path, split="TRAIN_0,TRAIN_2")
    with pytest.raises(SeatError, match="unknown split"):
        build_source("trackingnet", tmp_path, split="validation")


def test_trackingnet_test_chunk_has_only_frame_zero(tmp_path):
    write_frames(tmp_path / "TEST" / "frames" / "t1", [f"{k}.jpg" for k in range(3)])
    write_rows(tmp_path / "TEST" / "anno" / "t1.txt", boxes_for(1))
    with warnings.catch_warnings():
        warnings.simplefilter("error", SeatDataWarning)
        seq = build_source("trackingnet", tmp_path, split="test")[0]
    assert seq.visible.tolist() == [True, False, False] and np.isnan(seq.boxes[1:]).all()


# -- COCO ---------------------------------------------------------------------------------------------------


def test_coco_instances_exclude_crowd_and_bad_boxes(tmp_path):
    image_dir = tmp_path / "images" / "train2017"  # the images/ variant of the layout
    write_frames(image_dir, ["000000000001.jpg", "000000000002.jpg"])
    instances = {
        "images": [{"id": 1, "file_name": "000000000001.jpg", "width": 32, "height": 24},
                   {"id": 2, "file_name": "000000000002.jpg", "width": 32, "height": 24},
                   {"id": 3, "file_name": "000000000003.jpg", "width": 32, "height": 24}],
        "categories": [{"id": 17, "name": "cat"}, {"id": 1, "name": "person"}],
        "annotations": [
            {"id": 10, "image_id": 1, "category_id": 17, "bbox": [1.5, 2, 10, 12], "iscrowd": 0, "area": 120},
            {"id": 11, "image_id": 1, "category_id": 1, "bbox": [0, 0, 30, 20], "iscrowd": 1, "area": 600},
            {"id": 12, "image_id": 2, "category_id": 1, "bbox": [4, 5, 6, 7], "iscrowd": 0, "area": 42},
            {"id": 13, "image_id": 2, "category_id": 1, "bbox": [4, 5, 0, 7], "iscrowd": 0, "area": 0},
            {"id": 14, "image_id": 3, "category_id": 1, "bbox": [4, 5, 6, 7], "iscrowd": 0, "area": 42},
        ],
    }
    (tmp_path / "annotations").mkdir()
    (tmp_path / "annotations" / "instances_train2017.json").write_text(json.dumps(instances))
    source = build_source("coco", tmp_path, split="train")
    with pytest.warns(SeatDataWarning):
        assert source.sequence_names() == ["1_10", "2_12"]  # crowd 11 excluded, zero-width 13, no image 14
    assert source.warnings == {"invalid_box": 1, "missing_frame": 1}
    seq = source["1_10"]
    assert seq.frames == [str(image_dir / "000000000001.jpg")] and seq.visible.tolist() == [True]
    np.testing.assert_allclose(seq.boxes, [[1.5, 2, 10, 12]])
    assert seq.attributes["category"] == "cat" and seq.attributes["image_size"] == (32, 24)
    assert seq.frame(0).shape == (24, 32, 3)


def test_coco_wrong_root(tmp_path):
    with pytest.raises(SeatError, match=r"missing .*instances_val2017.json; expected <root>/annotations"):
        build_source("coco", tmp_path, split="val")


# -- ImageNet VID -------------------------------------------------------------------------------------------


def vid_xml(objects: list[tuple[int, str, tuple[int, int, int, int], int]]) -> str:
    parts = ["<annotation><folder>x</folder><size><width>32</width><height>24</height></size>"]
    for trackid, wnid, (x0, y0, x1, y1), occluded in objects:
        parts.append(f"<object><trackid>{trackid}</trackid><name>{wnid}</name><bndbox><xmax>{x1}</xmax>"
                     f"<xmin>{x0}</xmin><ymax>{y1}</ymax><ymin>{y0}</ymin></bndbox>"
                     f"<occluded>{occluded}</occluded><generated>0</generated></object>")
    return "".join(parts) + "</annotation>"


def test_vid_one_sequence_per_track_with_absent_frames(tmp_path):
    rel = Path("ILSVRC2015_VID_train_0000") / "ILSVRC2015_train_00000000"
    stems = [f"{k:06d}" for k in range(4)]
    write_frames(tmp_path / "Data" / "VID" / "train" / rel, [f"{s}.JPEG" for s in stems])
    ann_dir = tmp_path / "Annotations" / "VID" / "train" / rel
    ann_dir.mkdir(parents=True)
    for k, stem in enumerate(stems):
        objects = [(0, "n02121808", (1 + k, 2, 10 + k, 12), 0)]
        if k in (1, 2):
            objects.append((1, "n02084071", (5, 6, 14, 20), int(k == 2)))
        (ann_dir / f"{stem}.xml").write_text(vid_xml(objects))
    cache = tmp_path / "vid_index.json"
    source = build_source("vid", tmp_path, split="train", index_cache=cache)
    assert source.sequence_names() == ["ILSVRC2015_train_00000000.0", "ILSVRC2015_train_00000000.1"]
    assert cache.is_file()
    cat = source[0]
    assert len(cat) == 4 and cat.visible.all() and cat.attributes["object_class"] == "n02121808"
    np.testing.assert_allclose(cat.boxes[1], [2, 2, 10, 11])  # inclusive xmax: w = xmax - xmin + 1
    dog = source[1]
    assert dog.visible.tolist() == [False, True, True, False]
    assert np.isnan(dog.boxes[[0, 3]]).all()
    np.testing.assert_allclose(dog.boxes[1], [5, 6, 10, 15])
    assert dog.attributes["occluded"].tolist() == [False, False, True, False]
    assert not source.warnings
    # the cached index lists the same sequences without scanning the XML files
    assert build_source("vid", tmp_path, split="train", index_cache=cache).sequence_names() == source.sequence_names()


# -- OTB ----------------------------------------------------------------------------------------------------


def make_otb_seq(root: Path, video: str, numbers, rows, sep=",", digits=4, gt="groundtruth_rect.txt") -> list[str]:
    frames = write_frames(root / video / "img", [f"{k:0{digits}d}.jpg" for k in numbers])
    write_rows(root / video / gt, rows, sep)
    return frames


def test_otb_delimiter_variants(tmp_path):
    expected = boxes_for(3)
    make_otb_seq(tmp_path, "Car4", range(1, 4), expected, sep=",")
    make_otb_seq(tmp_path, "Deer", range(1, 4), expected, sep="\t")
    make_otb_seq(tmp_path, "Dog", range(1, 4), expected, sep=" ")
    make_otb_seq(tmp_path, "Coke", range(1, 4), expected)
    (tmp_path / "Coke" / "groundtruth_rect.txt").write_text("2\t3\t10\t8\n3,4,11,9\n4 5  12\t10\n")  # mixed
    source = build_source("otb", tmp_path)
    assert source.sequence_names() == ["Car4", "Coke", "Deer", "Dog"]
    for seq in source:
        np.testing.assert_allclose(seq.boxes, expected, err_msg=seq.name)
        assert [Path(f).name for f in seq.frames] == ["0001.jpg", "0002.jpg", "0003.jpg"]
    assert not source.warnings


def test_otb_start_frame_and_five_digit_quirks(tmp_path):
    # David: benchmark frames 300..770 (471 rows) of a longer video
    make_otb_seq(tmp_path, "David", range(1, 771), boxes_for(471))
    # Board: 5-digit names
    make_otb_seq(tmp_path, "Board", range(1, 5), boxes_for(4), digits=5)
    # Tiger1: rows cover frames 1..354 but the benchmark starts at frame 6
    make_otb_seq(tmp_path, "Tiger1", range(1, 355), boxes_for(354))
    # BlurCar4: the folder itself starts at 0018
    make_otb_seq(tmp_path, "BlurCar4", range(18, 398), boxes_for(380))
    source = build_source("otb", tmp_path)
    david = source["David"]
    assert len(david) == 471 and Path(david.frames[0]).name == "0300.jpg" and Path(david.frames[-1]).name == "0770.jpg"
    np.testing.assert_allclose(david.boxes, boxes_for(471))
    board = source["Board"]
    assert [Path(f).name for f in board.frames] == ["00001.jpg", "00002.jpg", "00003.jpg", "00004.jpg"]
    tiger = source["Tiger1"]
    assert len(tiger) == 349 and Path(tiger.frames[0]).name == "0006.jpg"
    np.testing.assert_allclose(tiger.boxes, boxes_for(354)[5:])
    blurcar = source["BlurCar4"]
    assert len(blurcar) == 380 and Path(blurcar.frames[0]).name == "0018.jpg"
    assert OTB_QUIRKS["BlurCar1"].first == 247
    assert not source.warnings


def test_otb_two_targets_share_frames(tmp_path):
    frames = make_otb_seq(tmp_path, "Jogging", range(1, 4), boxes_for(3), gt="groundtruth_rect.1.txt")
    write_rows(tmp_path / "Jogging" / "groundtruth_rect.2.txt", boxes_for(3, start=20), "\t")
    # Human4: one numbered target file plus an empty stray file -> plain name
    make_otb_seq(tmp_path, "Human4", range(1, 3), boxes_for(2), gt="groundtruth_rect.2.txt")
    (tmp_path / "Human4" / "groundtruth_rect1.txt").write_text("")
    source = build_source("otb", tmp_path)
    assert source.sequence_names() == ["Human4", "Jogging.1", "Jogging.2"]
    one, two = source["Jogging.1"], source["Jogging.2"]
    assert one.frames == two.frames == frames
    np.testing.assert_allclose(one.boxes, boxes_for(3))
    np.testing.assert_allclose(two.boxes, boxes_for(3, start=20))
    assert (one.attributes["video"], one.attributes["target"], two.attributes["target"]) == ("Jogging", 1, 2)


def test_otb_length_mismatch_truncates_to_shorter(tmp_path):
    make_otb_seq(tmp_path, "Basketball", range(1, 6), boxes_for(4))
    source = build_source("otb", tmp_path)
    with pytest.warns(SeatDataWarning, match="length_mismatch"):
        seq = source[0]
    assert len(seq) == 4 and Path(seq.frames[-1]).name == "0004.jpg"
    assert source.warnings["length_mismatch"] == 1


# -- UAV123 / UAV20L ----------------------------------------------------------------------------------------


def test_uav_sub_range_and_nan_rows(tmp_path):
    # person8_2 is frames 1075..1525 of video person8 (official table)
    assert UAV123_SUBRANGES["person8_2"] == ("person8", 1075, 1525)
    write_frames(tmp_path / "data_seq" / "UAV123" / "person8", [f"{k:06d}.jpg" for k in range(1070, 1531)])
    rows = boxes_for(451)
    rows[[3, 4]] = np.nan  # out of view
    write_rows(tmp_path / "anno" / "UAV123" / "person8_2.txt", rows)
    # not in the table: frame 1 of the video of the same name, as long as its rows
    write_frames(tmp_path / "data_seq" / "UAV123" / "boat1", [f"{k:06d}.jpg" for k in range(1, 4)])
    write_rows(tmp_path / "anno" / "UAV123" / "boat1.txt", boxes_for(3))
    with warnings.catch_warnings():
        warnings.simplefilter("error", SeatDataWarning)
        source = build_source("uav123", tmp_path)
        assert source.sequence_names() == ["boat1", "person8_2"]
        seq = source["person8_2"]
        boat = source["boat1"]
    assert len(seq) == 451
    assert Path(seq.frames[0]).name == "001075.jpg" and Path(seq.frames[-1]).name == "001525.jpg"
    assert not seq.visible[[3, 4]].any() and seq.visible.sum() == 449
    assert [Path(f).name for f in boat.frames] == ["000001.jpg", "000002.jpg", "000003.jpg"]
    assert not source.warnings  # NaN rows are UAV's "absent", not bad data


def test_uav20l_reads_whole_videos(tmp_path):
    write_frames(tmp_path / "data_seq" / "UAV123" / "bird1", [f"{k:06d}.jpg" for k in range(1, 6)])
    write_rows(tmp_path / "anno" / "UAV20L" / "bird1.txt", boxes_for(5))
    source = build_source("uav", tmp_path, variant="uav20l")
    assert source.sequence_names() == ["bird1"] and len(source[0]) == 5
    with pytest.raises(SeatError, match=r"missing .*anno/UAV123"):
        build_source("uav123", tmp_path)


# -- VOT ----------------------------------------------------------------------------------------------------


def test_vot_polygons_become_bounding_boxes_and_tags(tmp_path):
    seq_dir = tmp_path / "ball"
    frames = write_frames(seq_dir / "color", [f"{k:08d}.jpg" for k in range(1, 4)])
    polygons = np.array([[5, 2, 15, 4, 13, 14, 3, 12], [6, 3, 16, 5, 14, 15, 4, 13], [7, 4, 17, 6, 15, 16, 5, 14]],
                        dtype=float)
    write_rows(seq_dir / "groundtruth.txt", polygons)
    (seq_dir / "occlusion.tag").write_text("0\n1\n0\n")
    (seq_dir / "camera_motion.tag").write_text("1\n1\n0\n")
    (tmp_path / "list.txt").write_text("ball\n")
    seq = build_source("vot", tmp_path)[0]
    assert seq.frames == frames
    np.testing.assert_allclose(seq.boxes[0], [3, 2, 12, 12])  # min/max of the corners
    np.testing.assert_allclose(seq.attributes["polygons"], polygons)
    assert seq.attributes["occlusion"].tolist() == [False, True, False]
    assert seq.attributes["camera_motion"].tolist() == [True, True, False]
    assert seq.visible.all()


def test_vot_older_layout_without_color_folder(tmp_path):
    frames = write_frames(tmp_path / "bolt", [f"{k:08d}.jpg" for k in range(1, 4)])
    write_rows(tmp_path / "bolt" / "groundtruth.txt", boxes_for(3))
    (tmp_path / "bolt" / "occlusion.label").write_text("")  # empty: never tagged
    (tmp_path / "list.txt").write_text("bolt\n")
    seq = build_source("vot", tmp_path)[0]
    assert seq.frames == frames
    np.testing.assert_allclose(seq.boxes, boxes_for(3))
    assert seq.attributes["polygons"].shape == (3, 8)
    assert not seq.attributes["occlusion"].any()
    assert seq.frame(2).shape == (24, 32, 3)


# -- folder (the project's own format) ----------------------------------------------------------------------


def test_folder_natural_order_img_subfolder_and_list(tmp_path):
    write_frames(tmp_path / "walk", ["f1.png", "f10.png", "f2.png"])
    write_rows(tmp_path / "walk" / "groundtruth.txt", boxes_for(3), " ")
    write_frames(tmp_path / "run" / "img", ["a.jpg", "b.jpg"])
    write_rows(tmp_path / "run" / "groundtruth.txt", boxes_for(2))
    (tmp_path / "notes").mkdir()  # no groundtruth: not a sequence
    source = build_source("folder", tmp_path)
    assert source.sequence_names() == ["run", "walk"]
    assert [Path(f).name for f in source["walk"].frames] == ["f1.png", "f2.png", "f10.png"]
    assert [Path(f).name for f in source["run"].frames] == ["a.jpg", "b.jpg"]
    (tmp_path / "list.txt").write_text("walk\n")
    assert build_source("folder", tmp_path).sequence_names() == ["walk"]
    (tmp_path / "train.txt").write_text("run\n")
    assert build_source("folder", tmp_path, split="train").sequence_names() == ["run"]
    # a root that is itself one sequence
    assert build_source("folder", tmp_path / "walk").sequence_names() == ["walk"]


def test_folder_short_groundtruth_is_padded_and_counted(tmp_path):
    write_frames(tmp_path / "s", ["1.jpg", "2.jpg", "3.jpg"])
    write_rows(tmp_path / "s" / "groundtruth.txt", boxes_for(2))
    source = build_source("folder", tmp_path)
    with pytest.warns(SeatDataWarning, match="annotation_shorter_than_frames"):
        seq = source[0]
    assert seq.visible.tolist() == [True, True, False]
    assert source.warnings["annotation_shorter_than_frames"] == 1


def test_folder_missing_numbered_frame_is_dropped_with_its_box(tmp_path):
    frames = write_frames(tmp_path / "gap", [f"{k:08d}.jpg" for k in range(1, 6)])
    Path(frames[2]).unlink()  # frame 3 of 5
    write_rows(tmp_path / "gap" / "groundtruth.txt", boxes_for(5))
    write_frames(tmp_path / "every5th", ["1.jpg", "6.jpg", "11.jpg"])  # subsampled: one row per file
    write_rows(tmp_path / "every5th" / "groundtruth.txt", boxes_for(3))
    source = build_source("folder", tmp_path)
    with pytest.warns(SeatDataWarning, match="missing_frame"):
        gap = source["gap"]
    assert gap.frames == frames[:2] + frames[3:]
    np.testing.assert_allclose(gap.boxes, boxes_for(5)[[0, 1, 3, 4]])  # later boxes stay on their frames
    assert source.warnings == {"missing_frame": 1}
    sparse = source["every5th"]
    assert [Path(f).name for f in sparse.frames] == ["1.jpg", "6.jpg", "11.jpg"]
    np.testing.assert_allclose(sparse.boxes, boxes_for(3))
    assert source.warnings == {"missing_frame": 1}


# -- registry and layout errors -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_every_source_rejects_a_wrong_root_in_one_line(tmp_path, name):
    split = {"lasot": "all"}.get(name)
    with pytest.raises(SeatError) as info:
        build_source(name, tmp_path, split=split)
    message = str(info.value)
    assert "\n" not in message and str(tmp_path) in message and "expected <root>" in message
    with pytest.raises(SeatError, match="not a directory"):
        build_source(name, tmp_path / "nowhere", split=split)


def test_registry_names_and_bad_input():
    assert {"got10k", "lasot", "trackingnet", "coco", "vid", "otb", "uav", "vot", "folder"} <= set(SOURCES)
    assert {"uav123", "uav20l"} <= set(list_sources())
    with pytest.raises(SeatError, match="unknown dataset source 'kitti'"):
        build_source("kitti", ".")
    with pytest.raises(SeatError, match="unknown split"):
        build_source("got10k", ".", split="holdout")
    with pytest.raises(SeatError, match="bad option"):
        build_source("got10k", ".", colour=True)


def test_sources_pickle_for_data_loader_workers(tmp_path):
    make_got10k_seq(tmp_path / "train", "a", 2, boxes_for(2))
    (tmp_path / "train" / "list.txt").write_text("a\n")
    source = build_source("got10k", tmp_path)
    source[0]
    clone = pickle.loads(pickle.dumps(source))
    assert clone.sequence_names() == ["a"] and clone[0].frames == source[0].frames
