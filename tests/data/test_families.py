"""Scene families: region targets under a camera (exact boxes), the parallax family, mask edges, whole-frame JPEG,
the training photographs (Debian packages) and the family option of the pair source and the writer."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import cv2
import numpy as np
import pytest

from seattrack.data.synthetic import (
    FAMILIES,
    PHOTO_PACKAGES,
    PHOTOS,
    TRAINING_FAMILIES,
    SceneConfig,
    SyntheticPairSource,
    debian_photos,
    image_bank,
    object_mask,
    plan_region_scene,
    render_pair,
    render_region_frame,
    render_sequence,
    write_sequences,
)
from seattrack.data.synthetic import photos as photos_module  # the module (its function is debian_photos)
from seattrack.data.synthetic.procedural import EDGES
from seattrack.data.synthetic.render import apply_effects
from seattrack.data.synthetic.scene import plan_effects
from seattrack.errors import SeatError

QUIET = SceneConfig(
    frame_size=(160, 120), length=30, occlusion_prob=0.0, lookalike_prob=0.0, illumination_prob=0.0,
    shading_prob=0.0, blur_prob=0.0, motion_blur_prob=0.0, noise_prob=0.0, jpeg_prob=0.0,
)
"""Region scenes without any photometric effect or layer, so the target region can be followed in the pixels."""

RESERVED = ("sklearn", "scikit_learn", "matplotlib", "skvideo", "opencv")


@pytest.fixture(scope="module")
def val_photos() -> list[np.ndarray]:
    return image_bank("val")


def textured(seed: int, h: int = 300, w: int = 400) -> np.ndarray:
    """Smoothed random noise: every region of it is distinct, so a warped region can be located exactly."""
    noise = np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)
    return cv2.normalize(cv2.GaussianBlur(noise, (0, 0), 2.0), None, 0, 255, cv2.NORM_MINMAX)


@pytest.mark.parametrize("parallax", [False, True])
def test_region_box_is_the_mapped_region(parallax: bool) -> None:
    """The box on frame t bounds the target region warped like the picture: a supersampled mask of the region in
    picture coordinates (pixel centres inside the polygon), warped with the same continuous-coordinate map, agrees
    with the analytic box to half a pixel on each side."""
    for seed in range(4):
        scene = plan_region_scene(np.random.default_rng(seed), QUIET, [textured(seed)], QUIET.length, parallax)
        plane = scene.planes[-1]
        k = 8  # supersampling: mask pixel (i, j) covers picture [j / k, (j + 1) / k)
        height, width = plane.picture.shape[:2]
        mask = np.zeros((height * k, width * k), np.uint8)
        cv2.fillConvexPoly(mask, np.round((scene.region * k - 0.5) * 16).astype(np.int32), 255, cv2.LINE_8, shift=4)
        up = np.diag([k, k, 1.0])
        for t in (0, QUIET.length // 2, QUIET.length - 1):
            _, box, cover = render_region_frame(scene, t)
            to_fine = up @ plane.to_frame[t] @ np.linalg.inv(up)
            half = np.array([[1, 0, 0.5], [0, 1, 0.5], [0, 0, 1]])
            size = (QUIET.frame_size[0] * k, QUIET.frame_size[1] * k)
            warped = cv2.warpPerspective(mask, np.linalg.inv(half) @ to_fine @ half, size, flags=cv2.INTER_NEAREST)
            ys, xs = np.nonzero(warped)
            if cover < 0.05 or len(xs) == 0:
                continue
            measured = np.array([xs.min(), ys.min(), xs.max() + 1 - xs.min(), ys.max() + 1 - ys.min()], float) / k
            np.testing.assert_allclose(box, measured, atol=0.5)
        assert scene.planes[0].to_frame.shape == (QUIET.length, 3, 3)
        assert len(scene.planes) == 1 + parallax


def test_region_target_follows_the_picture() -> None:
    """Pure content check: the pixels inside the box at frame 0 reappear inside the box at frame t (NCC of the
    template placed at the box, found by matchTemplate inside a margin around it)."""
    picture = textured(1)
    config = dataclasses.replace(QUIET, camera_zoom=0.0, rotation_prob=0.0, camera_rotation=0.0, tilt=0.0,
                                 shake_prob=0.0, typical_size=(30.0, 60.0))
    clip = render_sequence(np.random.default_rng(2), config, [picture], "camera")
    x, y, w, h = np.round(clip.boxes[0]).astype(int)
    template = clip.frames[0][y + 2:y + h - 2, x + 2:x + w - 2]
    for t in (5, 15, 29):
        if not clip.visible[t] or clip.attributes["cover"][t] < 1:
            continue
        scores = cv2.matchTemplate(clip.frames[t], template, cv2.TM_CCOEFF_NORMED)
        _, best, _, (bx, by) = cv2.minMaxLoc(scores)
        assert best > 0.9
        np.testing.assert_allclose([bx - 2, by - 2], clip.boxes[t][:2], atol=2)


def test_targets_leave_the_frame_and_come_back_invisible() -> None:
    config = dataclasses.replace(QUIET, exit_prob=1.0, speed=8.0, length=60)
    left = 0
    for seed in range(6):
        clip = render_sequence(np.random.default_rng(seed), config, [textured(seed)], "camera")
        cover = clip.attributes["cover"]
        np.testing.assert_array_equal(clip.visible, cover >= config.visible_cover)
        assert clip.visible[0] and np.isfinite(clip.boxes).all() and (clip.boxes[:, 2:] > 0).all()
        left += int((~clip.visible).any())
        inside = cover > 0.05
        assert (clip.boxes[inside, :2] >= 0).all()
        assert (clip.boxes[inside, 0] + clip.boxes[inside, 2] <= 160 + 1e-9).all()
    assert left >= 2


def test_region_box_sizes_and_aspects_span_user_boxes() -> None:
    sizes, aspects = [], []
    for seed in range(60):
        scene = plan_region_scene(np.random.default_rng(seed), QUIET, [textured(0)], 2)
        _, box, _ = render_region_frame(scene, 0)
        sizes.append(np.sqrt(box[2] * box[3]))
        aspects.append(box[2] / box[3])
    assert min(sizes) < 20 and max(sizes) > 50
    assert min(aspects) < 0.6 and max(aspects) > 1.6
    assert 0.2 <= min(aspects) and max(aspects) <= 5.0


@pytest.mark.parametrize("family", FAMILIES)
def test_every_family_renders_valid_pairs_and_clips(family: str, val_photos: list[np.ndarray]) -> None:
    config = dataclasses.replace(SceneConfig(), frame_size=(160, 120), length=12)
    clip = render_sequence(np.random.default_rng(3), config, val_photos, family)
    again = render_sequence(np.random.default_rng(3), config, val_photos, family)
    assert all(np.array_equal(a, b) for a, b in zip(clip.frames, again.frames, strict=True))
    assert clip.visible[0] and np.isfinite(clip.boxes).all()
    frames = render_pair(np.random.default_rng(4), config, val_photos, 7, family).frames
    assert len(frames) == 2 and frames[0].shape == (120, 160, 3)
    source = SyntheticPairSource("val", seed=0, config=config, max_gap=5, family=family)
    pair = source.sample(np.random.default_rng(0))
    assert pair.image_z.shape == (120, 160, 3) and pair.box_z[2] > 0


def test_family_is_checked_and_parallax_is_not_a_training_family() -> None:
    assert set(TRAINING_FAMILIES) < set(FAMILIES) and "parallax" not in TRAINING_FAMILIES
    with pytest.raises(SeatError, match="family 'video'"):
        SyntheticPairSource("val", family="video")
    with pytest.raises(SeatError, match="needs at least one photograph"):
        render_sequence(np.random.default_rng(0), QUIET, [], "camera")


def test_writer_names_and_separates_families(tmp_path: Path) -> None:
    config = dataclasses.replace(QUIET, length=3)
    camera = write_sequences(tmp_path, 1, "val", seed=1, config=config, family="camera")
    composite = write_sequences(tmp_path / "c", 1, "val", seed=1, config=config)
    assert camera[0].name == "camera_val_00000" and composite[0].name == "synth_val_00000"
    assert '"family": "camera"' in (tmp_path / camera[0].name / "meta.json").read_text()


@pytest.mark.parametrize("edge", EDGES)
def test_mask_edges(edge: str) -> None:
    """Hard edges are one anti-aliased pixel wide, soft ones wider, ragged ones eat into the outline."""
    rng = np.random.default_rng(5)
    mask = object_mask(rng, 60, 80, "ellipse", edge)
    partial = ((mask > 0.05) & (mask < 0.95)).sum()
    outline = np.zeros((60, 80), np.uint8)
    cv2.ellipse(outline, (40, 30), (40, 30), 0, 0, 360, 1, 1)
    assert mask[30, 40] == pytest.approx(1.0)
    if edge == "hard":
        assert partial < 1.5 * outline.sum()
    elif edge == "soft":
        assert partial > 2 * outline.sum()
    else:
        hard = object_mask(np.random.default_rng(5), 60, 80, "ellipse", "hard")
        eroded = cv2.erode((hard > 0.5).astype(np.uint8), np.ones((3, 3), np.uint8))
        outline_length = int((hard > 0.5).sum() - eroded.sum())
        assert ((mask > 0.5) ^ (hard > 0.5)).sum() > outline_length  # more than a pixel-wide band has changed


def test_jpeg_applies_to_the_whole_composited_frame() -> None:
    config = dataclasses.replace(QUIET, jpeg_prob=1.0, jpeg_quality=(30, 30))
    effects = plan_effects(np.random.default_rng(0), config, 2)
    frame = textured(3, 120, 160)
    _, encoded = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 30])
    np.testing.assert_array_equal(apply_effects(frame, effects, 0), cv2.imdecode(encoded, cv2.IMREAD_COLOR))
    with pytest.raises(SeatError, match="jpeg_quality"):
        SceneConfig(jpeg_quality=(0, 50))
    with pytest.raises(SeatError, match="shadow_prob"):
        SceneConfig(shadow_prob=1.5)


def flat_fraction(image: np.ndarray) -> float:
    """Share of pixels of a 256-px thumbnail with a near-zero Laplacian: large for flat-colour drawings."""
    scale = 256 / max(image.shape[:2])
    small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY).astype(np.float32)
    return float((np.abs(cv2.Laplacian(grey, cv2.CV_32F)) < 0.5).mean())


def test_training_photographs_are_installed_photographs_and_not_reserved() -> None:
    """Every Debian photograph is installed (`make photos`), none comes from a reserved source, splits are
    disjoint, and none is a flat-colour drawing (the statistic rejects Debian's flat drawings below; painterly
    drawings were excluded by eye, as the README says)."""
    assert {photo.package for photo in PHOTOS} == set(PHOTO_PACKAGES)
    assert not any(word in photo.path.lower() for photo in PHOTOS for word in RESERVED)
    train, val = ({photo.name for photo in debian_photos(split)} for split in ("train", "val"))
    assert not train & val and len(train) >= 25 and len(val) >= 6
    assert len(image_bank("train")) >= 45
    for photo in PHOTOS:
        image = cv2.imread(photo.path)
        assert image is not None and min(image.shape[:2]) >= 480, photo.path
        assert flat_fraction(image) < 0.35, photo.name
    for drawing in ("/usr/share/backgrounds/Painting-Colors_by__herobrine7gamer.jpg",
                    "/usr/share/backgrounds/mate/abstract/Waves.png"):
        assert flat_fraction(cv2.imread(drawing)) > 0.5


def test_missing_photographs_name_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    missing = photos_module.Photo("x", "mate-backgrounds", "/nonexistent/x.jpg", "GPL-2+", "val")
    monkeypatch.setattr(photos_module, "PHOTOS", (missing,))
    with pytest.raises(SeatError, match="make photos"):
        debian_photos("val")


def test_make_photos_installs_exactly_the_listed_packages() -> None:
    makefile = (Path(__file__).parents[2] / "Makefile").read_text()
    line = next(line for line in makefile.splitlines() if line.startswith("PHOTO_PACKAGES :="))
    assert sorted(line.split(":=")[1].split()) == sorted(PHOTO_PACKAGES)
