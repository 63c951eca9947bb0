"""The web app's HTTP API against a live server: tracking, bad inputs, concurrency, disconnects and cleanup."""

from __future__ import annotations

import http.client
import json
import socket
import time

import numpy as np
import pytest

from seattrack.cli import main
from seattrack.web.sessions import list_clips
from tests.web.helpers import LiveServer, count_frames, iou


def _wait_state(server: LiveServer, session_id: str, states: tuple[str, ...], timeout: float = 15) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = json.loads(server.call("GET", f"/api/sessions/{session_id}")[1])
        if info["state"] in states:
            return info
        time.sleep(0.05)
    raise AssertionError(f"session {session_id} never reached {states}: {info}")


def _session_folders(server: LiveServer) -> list:
    return sorted(p.name for p in server.manager.root.iterdir())


def test_upload_track_and_download(server, target_video, tmp_path):
    path, gt = target_video
    status, session = server.upload(path.read_bytes())
    assert status == 201 and (session["width"], session["height"]) == (320, 240) and session["state"] == "ready"
    status, frame0 = server.call("GET", f"/api/sessions/{session['id']}/frame0.jpg")
    assert status == 200 and frame0[:2] == b"\xff\xd8"

    assert server.start(session["id"], gt[0])[0] == 202
    final, summary, progress = server.watch(session["id"])
    assert final == "done" and summary["frames"] == len(gt)
    boxes = np.concatenate([p["boxes"] for p in progress if p["boxes"]])
    assert len(boxes) == len(gt) and iou(boxes, gt).min() > 0.6
    assert any("jpeg" in p for p in progress) and all(0 <= s <= 1 for p in progress for s in p["scores"])

    status, video = server.call("GET", f"/api/sessions/{session['id']}/video.mp4")
    assert status == 200
    (tmp_path / "out.mp4").write_bytes(video)
    assert count_frames(tmp_path / "out.mp4") == len(gt)
    status, text = server.call("GET", f"/api/sessions/{session['id']}/boxes.txt")
    assert status == 200 and np.allclose(np.loadtxt(text.decode().splitlines(), delimiter=","), boxes, atol=1e-3)

    folder = server.manager.root / session["id"]
    assert folder.is_dir()
    assert server.call("DELETE", f"/api/sessions/{session['id']}")[0] == 204
    assert not folder.exists()
    assert server.call("GET", f"/api/sessions/{session['id']}/boxes.txt")[0] == 404


def test_text_file_renamed_mp4_is_refused(server):
    before = _session_folders(server)
    status, body = server.upload(b"this is not a video\n" * 50, name="notes.mp4")
    assert status == 415 and "notes.mp4" in body["detail"] and "not a video" in body["detail"]
    assert _session_folders(server) == before  # nothing left behind


def test_empty_upload_is_refused(server):
    status, body = server.upload(b"", name="empty.mp4")
    assert status == 415 and "empty" in body["detail"]


def test_oversize_upload_is_refused(server):
    """Refused from the declared length before any byte is read, and while streaming when no length is given."""
    host, port = server.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.putrequest("POST", "/api/sessions?name=big.mp4")
    conn.putheader("Content-Length", str(5 * 1024 * 1024))
    conn.endheaders()
    response = conn.getresponse()
    assert response.status == 413 and "upload limit" in json.loads(response.read())["detail"]
    conn.close()

    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    chunks = (bytes(64 * 1024) for _ in range(17))  # 1.06 MB, chunked: no Content-Length
    conn.request("POST", "/api/sessions?name=big.mp4", body=chunks, encode_chunked=True)
    response = conn.getresponse()
    assert response.status == 413
    conn.close()
    assert server.call("GET", "/api/config")[0] == 200


def test_box_outside_the_frame_is_refused(server, target_video):
    path, _ = target_video
    session = server.upload(path.read_bytes())[1]
    for box, expected in (([400, 300, 20, 20], "outside"), ([10, 10, 0, 20], "positive"), ([1, 2, 3], "4 numbers")):
        status, body = server.start(session["id"], box)
        assert status == 400 and expected in body["detail"], body
    status, body = server.call("POST", f"/api/sessions/{session['id']}/track", b"{not json", "application/json")
    assert status == 400 and "box" in json.loads(body)["detail"]
    assert server.call("DELETE", f"/api/sessions/{session['id']}")[0] == 204


def test_two_sessions_track_independently_at_once(server, target_video, flipped_video):
    """Two users: separate sessions and trackers, both runs in progress at once, each following its own target."""
    clips = [target_video, flipped_video]
    ids = [server.upload(path.read_bytes())[1]["id"] for path, _ in clips]
    for session_id, (_, gt) in zip(ids, clips, strict=True):
        assert server.start(session_id, gt[0])[0] == 202
    deadline = time.monotonic() + 15
    while [server.manager.sessions[i].run.state for i in ids] != ["running", "running"]:
        assert time.monotonic() < deadline, "the two runs never ran at the same time"
        time.sleep(0.01)
    for session_id, (_, gt) in zip(ids, clips, strict=True):
        final, summary, progress = server.watch(session_id)
        boxes = np.concatenate([p["boxes"] for p in progress if p["boxes"]])
        assert final == "done" and iou(boxes, gt).min() > 0.6
        server.call("DELETE", f"/api/sessions/{session_id}")


def test_client_disconnect_mid_run_stops_the_run_and_the_server_keeps_serving(server, target_video):
    path, gt = target_video
    session = server.upload(path.read_bytes())[1]
    assert server.start(session["id"], gt[0])[0] == 202
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(f"GET /api/sessions/{session['id']}/events HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        received = b""
        while b"event: progress" not in received:
            received += sock.recv(65536)
    info = _wait_state(server, session["id"], ("cancelled", "done"))
    assert info["state"] == "cancelled" and info["tracked"] < len(gt)
    assert server.call("GET", f"/api/sessions/{session['id']}/video.mp4")[0] == 404  # no half-written output
    assert not list((server.manager.root / session["id"]).glob("*.mp4"))

    assert server.call("GET", "/")[0] == 200
    assert server.start(session["id"], gt[0])[0] == 202  # the same session tracks again
    assert server.watch(session["id"])[0] == "done"
    server.call("DELETE", f"/api/sessions/{session['id']}")


def test_stop_and_second_start_while_running(server, target_video):
    path, gt = target_video
    session = server.upload(path.read_bytes())[1]
    assert server.start(session["id"], gt[0])[0] == 202
    status, body = server.start(session["id"], gt[0])
    assert status == 409 and "in progress" in body["detail"]
    assert server.call("POST", f"/api/sessions/{session['id']}/stop")[0] == 200
    final, payload, _ = server.watch(session["id"])
    assert final == "cancelled" and payload["message"] == "tracking stopped"
    server.call("DELETE", f"/api/sessions/{session['id']}")


def test_unknown_session_clip_and_nothing_to_watch(server, target_video):
    status, body = server.call("GET", "/api/sessions/nope/events")
    assert status == 404 and "unknown" in json.loads(body)["detail"]
    session = server.upload(target_video[0].read_bytes())[1]
    status, body = server.call("GET", f"/api/sessions/{session['id']}/events")
    assert status == 409 and "start tracking first" in json.loads(body)["detail"]
    server.call("DELETE", f"/api/sessions/{session['id']}")
    status, body = server.call("POST", "/api/sessions/clip/..%2F..%2Fetc%2Fpasswd")
    assert status == 404


def test_session_limit_idle_expiry_and_shutdown_cleanup(target_video):
    live = LiveServer(idle_timeout_s=60, max_sessions=2)
    try:
        path, _ = target_video
        ids = [live.upload(path.read_bytes())[1]["id"] for _ in range(2)]
        status, body = live.upload(path.read_bytes())
        assert status == 503 and "busy" in body["detail"]
        live.manager.sessions[ids[0]].last_seen -= 120  # idle for two minutes
        assert live.manager.sweep() == [ids[0]]
        assert live.call("GET", f"/api/sessions/{ids[0]}")[0] == 404
        assert _session_folders(live) == [ids[1]]
        root = live.manager.root
    finally:
        live.close()
    assert not root.exists()


def test_sample_clips_are_listed_and_opened(server, tmp_path, target_video):
    (tmp_path / "walk.mp4").write_bytes(target_video[0].read_bytes())
    (tmp_path / "readme.txt").write_text("not a clip")
    assert [p.name for p in list_clips(tmp_path)] == ["walk.mp4"]
    assert list_clips(tmp_path / "missing") == []
    assert json.loads(server.call("GET", "/api/config")[1])["clips"] == ["walk.mp4"]
    status, body = server.call("POST", "/api/sessions/clip/walk.mp4")
    session = json.loads(body)
    assert status == 201 and session["width"] == 320
    clip = server.manager.sessions[session["id"]].source
    server.call("DELETE", f"/api/sessions/{session['id']}")
    assert clip.is_file()  # a bundled clip is never deleted with its session


@pytest.mark.parametrize("argv, expected", [(["--port", "70000"], "--port"), (["--model", "missing.pt"], "missing.pt")])
def test_serve_cli_reports_bad_arguments(argv, expected, capsys):
    assert main(["serve", *argv]) == 2
    assert expected in capsys.readouterr().err
