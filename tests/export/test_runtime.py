"""OnnxRuntimeBackend: the tracker gives the same boxes as with PyTorch, at the default and a switched search size."""

from __future__ import annotations

import numpy as np
import pytest

from seattrack import loading
from seattrack.errors import SeatError
from seattrack.export import onnx as export_module
from seattrack.export.runtime import OnnxRuntimeBackend
from seattrack.ops.frames import read_frame
from seattrack.track.backends import TorchBackend
from seattrack.track.hypers import TrackerHypers
from seattrack.track.tracker import SeatTracker


def _run(tracker: SeatTracker, frames, box) -> np.ndarray:
    tracker.init(read_frame(frames[0]), box)
    return np.array([tracker.update(read_frame(f)).box_xywh for f in frames[1:]])


def test_load_tracker_with_onnxruntime_gives_the_torch_boxes(lite_checkpoint, target_sequence):
    """Every frame within 0.5 px. The model is seat_lite with its ImageNet backbone and a seeded neck/head: its
    score maps vary by ~0.04 across cells, 1e5 times the ~1e-7 numeric difference of the two runtimes, so no
    arg-max near-tie can flip the trajectories (random heads on a random backbone can produce such ties)."""
    frames, gt = target_sequence
    boxes = {b: _run(loading.load_tracker(str(lite_checkpoint), backend=b, threads=1), frames, gt[0])
             for b in ("torch", "onnxruntime")}
    diff = np.abs(boxes["torch"] - boxes["onnxruntime"]).max()
    print(f"max box difference torch vs onnxruntime over {len(frames) - 1} frames: {diff:.2e} px")
    assert diff <= 0.5


def test_the_instance_size_switch_runs_the_dynamic_search_axis(lite_net, lite_export, target_sequence):
    frames, gt = target_sequence
    hypers = TrackerHypers(big_sz=287, small_target_ratio=1.0)  # every target counts as small: search 287
    ort_backend = OnnxRuntimeBackend.from_dir(lite_export, threads=1)
    assert ort_backend.geometry(287) == lite_net.geometry(287) != lite_net.geometry(255)
    trackers = [SeatTracker(TorchBackend(lite_net), hypers), SeatTracker(ort_backend, hypers)]
    boxes = [_run(t, frames[:15], gt[0]) for t in trackers]
    assert trackers[1].search_size == 287
    assert np.abs(boxes[0] - boxes[1]).max() <= 0.5
    with pytest.raises(SeatError, match="at least the template size 127"):
        ort_backend.geometry(100)


def test_the_onnx_backend_exports_once_and_reuses_the_cache(lite_net, monkeypatch, tmp_path):
    first = loading.cached_export(lite_net, cache_dir=tmp_path)

    def no_export(*args, **kwargs):
        raise AssertionError("exported again although the cache holds this model")

    monkeypatch.setattr(export_module, "export_onnx", no_export)
    assert loading.cached_export(lite_net, cache_dir=tmp_path) == first
    backend = loading.cached_onnx_backend(lite_net, threads=1, cache_dir=tmp_path)
    assert backend.name == "onnxruntime" and backend.template_size == 127


@pytest.mark.parametrize("damage", ["truncated graph", "corrupt model.json"])
def test_a_damaged_cache_entry_is_exported_again(lite_net, tmp_path, damage):
    folder = loading.cached_export(lite_net, cache_dir=tmp_path)
    if damage == "truncated graph":
        graph = folder / "track.onnx"
        graph.write_bytes(graph.read_bytes()[:1000])
        with pytest.warns(UserWarning, match="unusable .*exporting it again"):
            backend = loading.cached_onnx_backend(lite_net, threads=1, cache_dir=tmp_path)
    else:
        (folder / "model.json").write_text("{ not json")
        backend = loading.cached_onnx_backend(lite_net, threads=1, cache_dir=tmp_path)
    assert backend.template_size == 127 and (folder / "track.onnx").stat().st_size > 100_000
    state = backend.template(np.zeros((127, 127, 3), np.uint8), np.array([30, 30, 90, 90]))
    assert backend.track(np.zeros((255, 255, 3), np.uint8), state)[0].shape == (16, 16)


def test_bad_crops_and_devices_are_one_line_errors(lite_export):
    backend = OnnxRuntimeBackend.from_dir(lite_export, threads=1)
    with pytest.raises(SeatError, match="template crop size 100: this model expects 127x127"):
        backend.template(np.zeros((100, 100, 3), np.uint8), np.array([10, 10, 50, 50]))
    with pytest.raises(SeatError, match=r"search crop shape \(255, 200, 3\)"):
        backend.track(np.zeros((255, 200, 3), np.uint8), ())
    with pytest.raises(SeatError, match="device 'tpu'"):
        OnnxRuntimeBackend.from_dir(lite_export, device="tpu")


@pytest.mark.parametrize("fusion", ["xcorr", "xattn"])
def test_the_ablation_fusions_export_and_track_like_pytorch(fusion, target_sequence, tmp_path):
    """The ablation fusions run in ONNX Runtime too, with a dynamic batch (the depth-wise correlation once failed to
    export: its grouped convolution's kernel had no known shape; and both template graphs lack the `box` input, since
    they ignore the box, which the runtime used to feed regardless), against PyTorch on real crops: one target and
    two in one call, then 7 frames of tracking."""
    import torch

    from seattrack.export.layout import read_metadata
    from seattrack.export.onnx import export_onnx
    from seattrack.models import create_model

    torch.manual_seed(0)
    net = create_model("seat_lite", fusion=fusion, pretrained_backbone=True).eval()
    meta = read_metadata(export_onnx(net, tmp_path / fusion))
    ort_backend, torch_backend = OnnxRuntimeBackend.from_dir(tmp_path / fusion, threads=1), TorchBackend(net)
    assert ort_backend.batch_dynamic
    assert list(meta["template"]["inputs"]) == ["z"]  # both ignore the box; model.json says what the graph takes
    frames, gt = target_sequence
    image = read_frame(frames[0])
    trackers = [SeatTracker(b, "default") for b in (torch_backend, ort_backend)]
    for tracker in trackers:
        tracker.init(image, gt[0])
    _, windows, crops = trackers[0].search_crop(read_frame(frames[1]))
    other = crops[0][::-1].copy()  # a second, different crop
    want = torch_backend.track_batch([crops[0], other], [trackers[0].state] * 2)
    got = ort_backend.track_batch([crops[0], other], [trackers[1].state] * 2)
    assert got[0][0].shape == want[0][0].shape == (net.geometry(windows[0].out).size,) * 2
    for (gc, gl), (wc, wl) in zip(got, want):
        assert np.abs(gc - wc).max() < 1e-4 and np.abs(gl - wl).max() < 1e-2
    boxes = [_run(t, frames[:8], gt[0]) for t in trackers]
    assert np.abs(boxes[0] - boxes[1]).max() <= 0.5
