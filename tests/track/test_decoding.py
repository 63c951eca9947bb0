"""The per-frame decoding of spec §8 with known network outputs: cosine window, scale/ratio penalty, size learning
rate. A scripted backend returns fixed maps on a real crop of a real photo, so each rule is checked on its own
(the oracle test in test_tracker.py checks the whole loop on a moving target)."""

from __future__ import annotations

import numpy as np
import pytest

from seattrack.errors import SeatError
from seattrack.models import create_model, list_models
from seattrack.models.seat import MapGeometry
from seattrack.track.hypers import TrackerHypers
from seattrack.track.tracker import SeatTracker, cosine_window
from tests.conftest import skimage_bgr


class ScriptedBackend:
    """Returns the classification map and boxes it is given, on the geometry of a stride-16 backbone."""

    name = "scripted"
    template_size = 127

    def __init__(self, geometry: MapGeometry):
        self.geo = geometry
        self.cls = np.zeros((geometry.size, geometry.size))
        self.ltrb = np.ones((4, geometry.size, geometry.size))

    def geometry(self, search_size: int) -> MapGeometry:
        return self.geo

    def template(self, z_crop: np.ndarray, box_xyxy: np.ndarray):
        return None

    def track(self, x_crop: np.ndarray, state) -> tuple[np.ndarray, np.ndarray]:
        assert x_crop.shape == (255, 255, 3)
        return self.cls, self.ltrb

    def cells(self) -> np.ndarray:
        return self.geo.offset + self.geo.stride * np.arange(self.geo.size)

    def candidate(self, row: int, col: int, score: float, size_in_crop: tuple[float, float]) -> None:
        """A box of `size_in_crop` centred on cell (row, col) with classifier probability `score`."""
        w, h = size_in_crop
        self.cls[row, col] = score
        self.ltrb[:, row, col] = [w / 2, h / 2, w / 2, h / 2]


GEOMETRY = MapGeometry(16, 16, 0.5)  # EfficientNet-Lite0 / LightTrack at 255: cells at 0.5 + 16 i
IMAGE = skimage_bgr("astronaut")  # 512 x 512
BOX = np.array([200.0, 220.0, 40.0, 40.0])  # context side 80: search crop side 160.6 image px for 255 crop px


def tracker(backend: ScriptedBackend, **hypers) -> SeatTracker:
    t = SeatTracker(backend, TrackerHypers(**hypers))
    t.init(IMAGE, BOX)
    return t


def crop_to_image(t: SeatTracker, crop_xy: np.ndarray) -> np.ndarray:
    """Where a crop-pixel position of the next search crop lies in the image (before the update moves it)."""
    scale = 255 / (80.0 * 255 / 127)
    return t.center + (np.asarray(crop_xy) - 127.5) / scale


def target_in_crop() -> tuple[float, float]:
    scale = 255 / (80.0 * 255 / 127)
    return BOX[2] * scale, BOX[3] * scale


@pytest.mark.parametrize("name", list_models())
def test_the_window_peaks_at_the_crop_centre_for_every_named_model(name):
    net = create_model(name, pretrained_backbone=False)
    geo = net.geometry(255)
    cells, window = SeatTracker(net)._grid(255)  # the window the tracker itself uses
    np.testing.assert_allclose(cells, geo.offset + geo.stride * np.arange(geo.size))
    nearest = int(np.argmin(np.abs(cells - 127.5)))
    assert np.unravel_index(np.argmax(window), window.shape) == (nearest, nearest)
    # equal distance from the centre, equal weight: the window is a function of distance, not of cell index
    profile = window[nearest]
    d = cells - 127.5
    for i in range(len(cells)):
        mirror = np.flatnonzero(np.isclose(d, -d[i]))
        if mirror.size:
            assert np.isclose(profile[i], profile[mirror[0]])


def test_a_centred_grid_gets_siamfc_hanning_window():
    cells = 43.5 + 8 * np.arange(22)  # AlexNet at 255: symmetric about 127.5
    np.testing.assert_allclose(cosine_window(cells, 127.5, 8), np.outer(np.hanning(24)[1:-1], np.hanning(24)[1:-1]))


def test_window_influence_prefers_the_candidate_near_the_previous_position():
    near, far = (8, 8), (2, 13)
    backend = ScriptedBackend(GEOMETRY)
    backend.candidate(*near, 0.80, target_in_crop())
    backend.candidate(*far, 0.85, target_in_crop())
    cells = backend.cells()
    picks = {}
    for wi in (0.0, 0.3):
        t = tracker(backend, window_influence=wi, penalty_k=0.0)
        expected = {key: crop_to_image(t, [cells[c], cells[r]]) for key, (r, c) in (("near", near), ("far", far))}
        centre = t.update(IMAGE).box_xywh[:2] + BOX[2:] / 2
        picks[wi] = min(expected, key=lambda key: np.abs(expected[key] - centre).max())
        np.testing.assert_allclose(centre, expected[picks[wi]], atol=1e-6)
    assert picks == {0.0: "far", 0.3: "near"}


def test_the_penalty_prefers_a_box_that_keeps_the_target_scale_and_ratio():
    w, h = target_in_crop()
    backend = ScriptedBackend(GEOMETRY)
    backend.candidate(8, 7, 0.80, (w, h))
    backend.candidate(8, 9, 0.85, (3 * w, h))  # one side tripled: both scale and aspect change
    cells = backend.cells()
    for penalty_k, column in ((0.0, 9), (0.1, 7)):
        t = tracker(backend, window_influence=0.0, penalty_k=penalty_k)
        expected_x = crop_to_image(t, [cells[column], cells[8]])[0]
        result = t.update(IMAGE)
        assert np.isclose(t.center[0], expected_x), penalty_k
        assert np.isclose(result.score, 0.85 if column == 9 else 0.80)


@pytest.mark.parametrize("lr", [0.0, 0.313, 1.0])
def test_size_follows_the_learning_rate_scaled_by_the_penalised_score(lr):
    w, h = target_in_crop()
    backend = ScriptedBackend(GEOMETRY)
    backend.candidate(8, 8, 0.9, (1.5 * w, 1.5 * h))
    penalty_k = 0.05
    t = tracker(backend, window_influence=0.0, penalty_k=penalty_k, lr=lr)
    t.update(IMAGE)
    pad = lambda a, b: np.sqrt((a + (a + b) / 2) * (b + (a + b) / 2))  # noqa: E731  spec §8 sz(w, h)
    s_c = pad(1.5 * w, 1.5 * h) / pad(w, h)
    step = np.exp(-(s_c - 1) * penalty_k) * 0.9 * lr
    np.testing.assert_allclose(t.size, BOX[2:] * (1 - step) + 1.5 * BOX[2:] * step, rtol=1e-9)


def test_aspect_damping_holds_back_the_aspect_change_and_keeps_the_area():
    w, h = target_in_crop()
    backend = ScriptedBackend(GEOMETRY)
    backend.candidate(8, 8, 1.0, (2 * w, h))  # twice as wide
    for damping in (0.0, 0.5, 1.0):
        t = tracker(backend, window_influence=0.0, penalty_k=0.0, lr=1.0, aspect_damping=damping)
        t.update(IMAGE)
        np.testing.assert_allclose(t.size.prod(), 2 * BOX[2] * BOX[3], rtol=1e-9)  # the found area
        np.testing.assert_allclose(t.size[0] / t.size[1], 2.0 ** (1 - damping), rtol=1e-9)


def test_max_scale_step_caps_the_size_change_per_frame():
    w, h = target_in_crop()
    backend = ScriptedBackend(GEOMETRY)
    backend.candidate(8, 8, 1.0, (3 * w, 3 * h))
    for step, expected in ((0.0, 3.0), (0.1, 1.1)):
        t = tracker(backend, window_influence=0.0, penalty_k=0.0, lr=1.0, max_scale_step=step)
        t.update(IMAGE)
        np.testing.assert_allclose(t.size, BOX[2:] * expected, rtol=1e-9)


def test_a_low_score_widens_the_next_search_and_a_good_one_restores_it():
    w, h = target_in_crop()
    for score, size in ((0.2, 383), (0.9, 255)):
        backend = ScriptedBackend(GEOMETRY)
        backend.candidate(8, 8, score, (w, h))
        t = tracker(backend, recover_score=0.5, recover_sz=383)
        t.update(IMAGE)
        assert t.search_size == size
    backend = ScriptedBackend(GEOMETRY)
    backend.candidate(8, 8, 0.2, (w, h))
    t = tracker(backend)  # recover_score 0: off
    t.update(IMAGE)
    assert t.search_size == 255


@pytest.mark.parametrize("bad", [{"lr": float("nan")}, {"window_influence": 1.5}, {"penalty_k": -1.0},
                                 {"aspect_damping": 2.0}, {"recover_score": -0.1}, {"min_size": 0.0}])
def test_out_of_range_hypers_are_one_line_errors(bad):
    with pytest.raises(SeatError, match=f"tracking hyper-parameter {next(iter(bad))}"):
        TrackerHypers(**bad)
