"""Synthetic data: bank split, procedural content, rendered clips and their boxes, the writer and the pair source."""

from __future__ import annotations

import dataclasses
import hashlib
import shutil

import numpy as np
import pytest

from seattrack.data.sequence import read_box_file, read_frame
from seattrack.data.synthetic import (
    TRAIN_IMAGES,
    VAL_IMAGES,
    SceneConfig,
    SyntheticPairSource,
    image_bank,
    object_mask,
    plan_scene,
    procedural_texture,
    render_frame,
    render_pair,
    render_sequence,
    synthetic_sequences,
    write_sequences,
)
from seattrack.data.synthetic.procedural import OUTLINES, TEXTURES
from seattrack.errors import SeatError

SMALL = SceneConfig(frame_size=(160, 120), length=24, typical_size=(10.0, 60.0), tiny_size=6.0)
PLAIN = dataclasses.replace(
    SMALL, procedural_prob=0.0, occlusion_prob=0.0, distractor_prob=0.0, illumination_prob=0.0, shading_prob=0.0,
    blur_prob=0.0, motion_blur_prob=0.0, noise_prob=0.0, camera_prob=1.0, jpeg_prob=0.0, shadow_prob=0.0,
    match_prob=0.0,
)
"""Flat-colour scenes: only geometry varies, so the target's pixels can be found by colour."""

BLACK, GREEN, RED = (0, 0, 0), (0, 255, 0), (0, 0, 255)


def flat(colour: tuple[int, int, int]) -> np.ndarray:
    return np.full((200, 240, 3), colour, np.uint8)


@pytest.fixture(scope="module")
def train_images() -> list[np.ndarray]:
    return image_bank("train")


def box_of(mask: np.ndarray) -> np.ndarray:
    columns, rows = np.flatnonzero(mask.any(0)), np.flatnonzero(mask.any(1))
    return np.array([columns[0], rows[0], columns[-1] - columns[0] + 1, rows[-1] - rows[0] + 1], float)


def assert_boxes_valid(boxes: np.ndarray, frame_size: tuple[int, int]) -> None:
    width, height = frame_size
    assert np.isfinite(boxes).all()
    assert (boxes[:, 2:] > 0).all()
    assert (boxes[:, :2] >= 0).all()
    assert (boxes[:, 0] + boxes[:, 2] <= width).all() and (boxes[:, 1] + boxes[:, 3] <= height).all()


def test_bank_splits_are_disjoint_and_bgr() -> None:
    assert not set(TRAIN_IMAGES) & set(VAL_IMAGES)
    assert 3 <= len(VAL_IMAGES) <= 4
    banks = {split: image_bank(split) for split in ("train", "val")}
    for images in banks.values():
        assert all(image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3 for image in images)
    digests = [{hashlib.sha1(image.tobytes()).hexdigest() for image in images} for images in banks.values()]
    assert not digests[0] & digests[1]
    with pytest.raises(SeatError, match="split"):
        image_bank("test")


@pytest.mark.parametrize("kind", sorted(TEXTURES))
def test_procedural_textures_vary(kind: str) -> None:
    texture = procedural_texture(np.random.default_rng(3), 40, 56, kind)
    assert texture.shape == (40, 56, 3) and texture.dtype == np.uint8
    assert texture.std() > 1


@pytest.mark.parametrize("kind", sorted(OUTLINES))
def test_object_masks_are_soft_and_cover_the_centre(kind: str) -> None:
    mask = object_mask(np.random.default_rng(4), 31, 45, kind, edge="soft")
    assert mask.shape == (31, 45) and mask.dtype == np.float32
    assert 0 <= mask.min() and mask.max() <= 1
    assert mask[15, 22] > 0.99
    if kind != "box":  # a box fills its patch: only its cut corners (sometimes) have an edge
        assert ((mask > 0.05) & (mask < 0.95)).any()


def test_config_rejects_bad_values() -> None:
    with pytest.raises(SeatError, match="length"):
        SceneConfig(length=0)
    with pytest.raises(SeatError, match="frame_size"):
        SceneConfig(frame_size=(8, 8))
    with pytest.raises(SeatError, match="unknown key"):
        SceneConfig.from_dict({"lenght": 5})
    with pytest.raises(SeatError, match=r"synthetic scene config\.length: expected an integer"):
        SceneConfig.from_dict({"length": "long"})
    assert SceneConfig.from_dict({"frame_size": [96, 72]}) == SceneConfig(frame_size=(96, 72))


def test_same_seed_same_clip(train_images: list[np.ndarray]) -> None:
    first, again, other = (render_sequence(np.random.default_rng(s), SMALL, train_images) for s in (7, 7, 8))
    assert all(np.array_equal(a, b) for a, b in zip(first.frames, again.frames, strict=True))
    np.testing.assert_array_equal(first.boxes, again.boxes)
    np.testing.assert_array_equal(first.attributes["cover"], again.attributes["cover"])
    assert not np.array_equal(first.frames[0], other.frames[0])
    assert first.frame(3) is first.frames[3] and first.subsequence(2, 4).frame(0) is first.frames[2]  # in memory


def test_clips_have_valid_boxes_and_motion(train_images: list[np.ndarray]) -> None:
    for seed in range(4):
        clip = render_sequence(np.random.default_rng(seed), SMALL, train_images)
        frames, boxes, visible, attributes = clip.frames, clip.boxes, clip.visible, clip.attributes
        assert len(frames) == len(boxes) == len(visible) == SMALL.length
        assert all(frame.shape == (120, 160, 3) and frame.dtype == np.uint8 for frame in frames)
        assert_boxes_valid(boxes, SMALL.frame_size)
        np.testing.assert_array_equal(visible, attributes["cover"] >= SMALL.visible_cover)
        assert visible[0]
        centres = boxes[:, :2] + boxes[:, 2:] / 2
        areas = boxes[:, 2] * boxes[:, 3]
        assert np.abs(np.diff(centres, axis=0)).sum(1).mean() > 0.5
        assert areas.max() / areas.min() > 1.05


def test_box_bounds_the_rendered_target() -> None:
    """With a flat background and a flat target, the box is the bound of the target-coloured pixels."""
    for seed in range(6):
        clip = render_sequence(np.random.default_rng(seed), PLAIN, [flat(BLACK), flat(GREEN)])
        for frame, box in zip(clip.frames, clip.boxes, strict=True):
            green = frame[:, :, 1].astype(int)
            background = np.median(green)
            np.testing.assert_allclose(box, box_of(np.abs(green - background) >= 128), atol=1)


def test_occluded_frames_are_invisible_and_cover_is_measured() -> None:
    """A red occluder over a flat target: `cover` matches the share of target pixels left, hidden ones are flagged."""
    config = dataclasses.replace(PLAIN, occlusion_prob=1.0, length=40)
    invisible = 0
    for seed in range(6):
        scene = plan_scene(np.random.default_rng(seed), config, [flat(BLACK), flat(GREEN)], config.length)
        occluder = scene.front[0].patch
        occluder[:, :, :3] = 0
        occluder[:, :, 2] = occluder[:, :, 3]  # premultiplied pure red
        target_colour = np.array(GREEN if scene.background[0, 0, 1] == 0 else BLACK)
        palette = np.array([scene.background[0, 0], RED, target_colour], float)
        for t in range(config.length):
            frame, _, cover = render_frame(scene, t)
            nearest = np.linalg.norm(frame[:, :, None].astype(float) - palette, axis=-1).argmin(-1)
            whole = scene.target.area * np.prod(scene.target.scale[t])
            assert cover == pytest.approx((nearest == 2).sum() / whole, abs=0.08)
            invisible += cover < config.visible_cover
            if t == 0:  # the occluder never starts over the target
                assert cover == render_frame(dataclasses.replace(scene, front=[]), 0)[2]
        clip = render_sequence(np.random.default_rng(seed), config, [flat(BLACK), flat(GREEN)])
        np.testing.assert_array_equal(clip.visible, clip.attributes["cover"] >= config.visible_cover)
        assert clip.visible[0]
    assert invisible > 0


def test_render_pair_draws_two_frames_gap_apart(train_images: list[np.ndarray]) -> None:
    pair = render_pair(np.random.default_rng(5), SMALL, train_images, gap=30)
    frames, boxes, visible, attributes = pair.frames, pair.boxes, pair.visible, pair.attributes
    again = render_pair(np.random.default_rng(5), SMALL, train_images, gap=30)
    assert len(frames) == 2 and visible[0] and attributes["cover"].shape == (2,)
    assert_boxes_valid(boxes, SMALL.frame_size)
    assert all(np.array_equal(a, b) for a, b in zip(frames, again.frames, strict=True))


def test_pair_source_samples() -> None:
    source = SyntheticPairSource("val", seed=1, config=SMALL, max_gap=20)
    pairs = [source.sample(np.random.default_rng(s)) for s in range(4)]
    for pair in pairs:
        assert pair.image_z.shape == pair.image_x.shape == (120, 160, 3)
        assert_boxes_valid(np.stack([pair.box_z, pair.box_x]), SMALL.frame_size)
        assert isinstance(pair.visible_x, bool)
    repeat = source.sample(np.random.default_rng(0))
    assert np.array_equal(repeat.image_x, pairs[0].image_x) and np.array_equal(repeat.box_x, pairs[0].box_x)
    assert source.sample().image_z.shape == (120, 160, 3)


def test_write_sequences_round_trip_and_resume(tmp_path) -> None:
    config = dataclasses.replace(SMALL, frame_size=(96, 72), length=5)
    root = tmp_path / "synth"
    sequences = write_sequences(root, 2, "val", seed=3, config=config)
    assert (root / "list.txt").read_text().split() == [s.name for s in sequences]
    in_memory = dict(synthetic_sequences(2, "val", seed=3, config=config))
    for sequence in sequences:
        boxes = read_box_file(root / sequence.name / "groundtruth.txt")
        np.testing.assert_allclose(boxes, in_memory[sequence.name].boxes, atol=1e-4)
        np.testing.assert_array_equal(sequence.visible, in_memory[sequence.name].visible)
        assert len(sequence) == 5 and sequence.frame(4).shape == read_frame(sequence.frames[4]).shape == (72, 96, 3)

    kept, partial = (root / s.name for s in sequences)
    stamp = (kept / "00000001.jpg").stat().st_mtime_ns
    original = (partial / "00000003.jpg").read_bytes()
    (partial / "00000003.jpg").unlink()  # a sequence left half-deleted
    leftover = root / f".{kept.name}.tmp-crash"  # a temp folder left by an interrupted run
    leftover.mkdir()
    (leftover / "00000001.jpg").write_bytes(b"partial")

    again = write_sequences(root, 2, "val", seed=3, config=config)
    assert not leftover.exists()
    assert (kept / "00000001.jpg").stat().st_mtime_ns == stamp
    assert (partial / "00000003.jpg").read_bytes() == original
    np.testing.assert_array_equal(again[1].boxes, sequences[1].boxes)

    shutil.rmtree(partial)
    (partial / "junk").mkdir(parents=True)  # a folder from elsewhere, without meta.json
    (partial / "notes.txt").write_text("a user's file")
    with pytest.raises(SeatError, match="holds files the writer never writes \\(junk, notes.txt\\)"):
        write_sequences(root, 2, "val", seed=3, config=config)
    with pytest.raises(SeatError, match="made with other settings \\(seed 3\\)"):  # nothing written before
        write_sequences(root, 2, "val", seed=4, config=config)
    assert (partial / "notes.txt").read_text() == "a user's file" and (kept / "00000001.jpg").is_file()
    assert len(write_sequences(root, 2, "val", seed=3, config=config, force=True)[1]) == 5


def test_synth_command_writes_folder_sequences_the_readers_load(tmp_path, capsys):
    from seattrack.cli import main
    from seattrack.data.sources import build_source

    out = tmp_path / "synth"
    assert main(["synth", str(out), "--split", "val", "--sequences", "2", "--length", "12", "--seed", "3",
                 "--set", "occlusion_prob=0"]) == 0
    assert "2 composite sequences (24 frames, val photos, seed 3)" in capsys.readouterr().out
    loaded = list(build_source("folder", str(out)))
    assert [len(s) for s in loaded] == [12, 12] and all(s.visible.all() for s in loaded)  # no occlusion asked
    assert main(["synth", str(out), "--sequences", "1", "--set", "colour=red"]) == 2
    assert "unknown key(s) colour" in capsys.readouterr().err
    camera = tmp_path / "camera"
    args = ["synth", str(camera), "--family", "camera", "--split", "val", "--sequences", "1", "--length", "6"]
    assert main(args) == 0
    assert [s.name for s in build_source("folder", str(camera))] == ["camera_val_00000"]
