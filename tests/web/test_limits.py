"""Limits that keep one client from holding the server: upload time limits (a stalled or trickling upload is cut
off, its session slot and partial file freed) and the frame-pixel cap (huge frames are kept downscaled while the
boxes stay in the video's own pixels)."""

from __future__ import annotations

import contextlib
import http.client
import json
import select
import socket
import time
from collections.abc import Iterator

import cv2
import numpy as np
import pytest

from seattrack.cli import main
from seattrack.errors import SeatError
from seattrack.ops.boxes import iou
from seattrack.web.app import UploadTimeouts, shared_tracker_factory
from seattrack.web.frames import PREVIEW_SIDE
from tests.web.helpers import LiveServer, count_frames, streamed_boxes


def _open_upload(live: LiveServer, data: bytes, sent: int) -> socket.socket:
    """A raw upload announcing all of `data` (Content-Length) of which only the first `sent` bytes are sent."""
    sock = socket.create_connection(live.address, timeout=10)
    head = (f"POST /api/sessions?name=slow.mp4 HTTP/1.1\r\nHost: {live.address[0]}\r\n"
            f"Content-Type: application/octet-stream\r\nContent-Length: {len(data)}\r\n\r\n")
    sock.sendall(head.encode() + data[:sent])
    return sock


def _answer(sock: socket.socket) -> tuple[int, str]:
    """(status, detail) of the server's answer on a raw connection."""
    response = http.client.HTTPResponse(sock)
    response.begin()
    detail = json.loads(response.read())["detail"]
    sock.close()
    return response.status, detail


def _files(live: LiveServer) -> list[str]:
    """Everything in the server's folder of sessions but its pid marker."""
    return sorted(str(p.relative_to(live.manager.root)) for p in live.manager.root.rglob("*") if p.name != "server.pid")


def _wait_for_partial_upload(live: LiveServer) -> None:
    deadline = time.monotonic() + 10
    while not any(live.manager.root.glob("*/upload")):
        assert time.monotonic() < deadline, "the upload never reached the disk"
        time.sleep(0.02)


@contextlib.contextmanager
def _one_slot_server(seat_lite, idle_s: float, total_s: float) -> Iterator[LiveServer]:
    """A live server with a single session slot and the given upload time limits."""
    live = LiveServer(shared_tracker_factory(seat_lite), max_sessions=1,
                      upload_timeouts=UploadTimeouts(idle_s, total_s))
    try:
        yield live
    finally:
        live.close()


def test_a_stalled_upload_is_cut_off_and_frees_its_slot(seat_lite, target_video):
    data = target_video[0].read_bytes()
    with _one_slot_server(seat_lite, idle_s=2.0, total_s=60.0) as live:
        stalled = _open_upload(live, data, 4096)  # then silence, the connection left open
        _wait_for_partial_upload(live)  # within the 2 s: the upload's file is being written
        status, body = live.upload(data)
        assert status == 503 and "busy" in body["detail"]  # the stalled upload holds the only slot

        status, detail = _answer(stalled)
        assert status == 408 and detail == "slow.mp4: no data received for 2 s; the upload was aborted"
        assert _files(live) == []  # the partial upload and its folder are gone
        assert live.upload(data)[0] == 201  # the slot is free again


def test_a_trickling_upload_is_cut_off_at_the_total_limit(seat_lite, target_video):
    """Bytes arrive well within the idle limit, but the whole upload would take far longer than the total limit."""
    data, sent = target_video[0].read_bytes(), 1024
    with _one_slot_server(seat_lite, idle_s=1.0, total_s=2.0) as live:
        sock = _open_upload(live, data, sent)
        deadline = time.monotonic() + 20  # a safety net only: the server answers after 2 s
        while not select.select([sock], [], [], 0.2)[0]:  # 256 bytes every 0.2 s until the server answers
            assert time.monotonic() < deadline and sent < len(data), "the trickling upload was never cut off"
            sock.sendall(data[sent:sent + 256])
            sent += 256
        status, detail = _answer(sock)
        assert status == 408 and detail == "slow.mp4: the upload took longer than the 2 s limit and was aborted"
        assert _files(live) == []
        assert live.upload(data)[0] == 201


@pytest.mark.parametrize("idle, total", [(0, 10), (-1, 10), (20, 10), (5, float("inf")), (float("nan"), 10)])
def test_upload_time_limits_are_range_checked(idle, total):
    with pytest.raises(SeatError, match=r"upload time limits \(--upload-idle-timeout .*\): expected"):
        UploadTimeouts(idle, total)


@pytest.mark.parametrize("argv, expected", [
    (["--upload-idle-timeout", "0"], "argument --upload-idle-timeout: 0: expected a positive number of seconds"),
    (["--upload-timeout", "nan"], "argument --upload-timeout: nan: expected a positive number of seconds"),
    (["--upload-idle-timeout", "60", "--upload-timeout", "30"], "--upload-idle-timeout 60, --upload-timeout 30"),
])
def test_serve_cli_range_checks_the_upload_time_limits(argv, expected, capsys):
    """Checked before the model loads: argparse for each value, then the pair."""
    try:
        code = main(["serve", "--model", "missing.pt", *argv])
    except SystemExit as exc:  # argparse: one line and exit code 2
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2 and expected in err and "missing.pt" not in err


def _large_video(folder, source, size=(4000, 3000), frames: int = 6):
    """The first `frames` frames of `source` upscaled to `size` (mp4v): a small file with huge frames."""
    path = folder / "large.mp4"
    capture = cv2.VideoCapture(str(source))
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 25, size)
    for _ in range(frames):
        writer.write(cv2.resize(capture.read()[1], size, interpolation=cv2.INTER_LINEAR))
    writer.release()
    capture.release()
    return path


def test_huge_frames_are_kept_downscaled_and_boxes_stay_in_original_pixels(seat_lite, target_video, tmp_path):
    """A 4000x3000 video: the timeline's frames are stored downscaled (longest side 1280), while the page is told
    the true frame size, the box is checked against it, and the tracked boxes, box file and annotated video are in
    the video's own 4000x3000 pixels."""
    source, gt = target_video
    frames, scale = 6, 4000 / 320
    path = _large_video(tmp_path, source, frames=frames)
    live = LiveServer(shared_tracker_factory(seat_lite))
    try:
        status, info = live.upload(path.read_bytes(), name="large.mp4")
        assert status == 201 and (info["width"], info["height"]) == (4000, 3000), info
        status, jpeg = live.call("GET", f"/api/sessions/{info['id']}/frames/{frames - 1}.jpg")
        kept = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
        assert status == 200 and kept.shape[1] == PREVIEW_SIDE
        assert abs(kept.shape[1] / kept.shape[0] - 4 / 3) < 0.01  # the aspect ratio is kept

        status, body = live.start(info["id"], [4100, 10, 50, 50])  # checked against the true frame size
        assert status == 400 and "outside the 4000x3000 image" in body["detail"], body
        assert live.start(info["id"], gt[0] * scale)[0] == 202
        final, summary, progress = live.watch(info["id"])
        assert final == "done" and summary["frames"] == frames
        boxes = streamed_boxes(progress)
        overlap = iou(boxes, gt[:frames] * scale)
        assert overlap.min() > 0.5, overlap.round(2)

        status, text = live.call("GET", f"/api/sessions/{info['id']}/boxes.txt")
        assert np.allclose(np.loadtxt(text.decode().splitlines(), delimiter=","), boxes, atol=1e-3)
        status, video = live.call("GET", f"/api/sessions/{info['id']}/video.mp4")
        (tmp_path / "out.mp4").write_bytes(video)
        capture = cv2.VideoCapture(str(tmp_path / "out.mp4"))
        assert (capture.get(cv2.CAP_PROP_FRAME_WIDTH), capture.get(cv2.CAP_PROP_FRAME_HEIGHT)) == (4000, 3000)
        capture.release()
        assert count_frames(tmp_path / "out.mp4") == frames
    finally:
        live.close()
