"""The web app's HTTP API against a live server on the real seat_lite: tracking, bad inputs, concurrency,
disconnects and cleanup."""

from __future__ import annotations

import http.client
import json
import threading
import time

import cv2
import numpy as np
import pytest

from seattrack.cli import main
from seattrack.ops.boxes import iou
from seattrack.web import app as app_module
from seattrack.web.app import shared_tracker_factory
from seattrack.web.sessions import list_clips
from tests.web.helpers import LiveServer, bundled_clip, count_frames, streamed_boxes


def _wait_state(server: LiveServer, session_id: str, states: tuple[str, ...], timeout: float = 15) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = json.loads(server.call("GET", f"/api/sessions/{session_id}")[1])
        if info["state"] in states:
            return info
        time.sleep(0.05)
    raise AssertionError(f"session {session_id} never reached {states}: {info}")


def _session_folders(server: LiveServer) -> list[str]:
    return sorted(p.name for p in server.manager.root.iterdir() if p.is_dir())


def test_upload_track_and_download(server, target_video, tmp_path):
    path, gt = target_video
    status, session = server.upload(path.read_bytes())
    assert status == 201 and (session["width"], session["height"]) == (320, 240) and session["state"] == "ready"
    status, frame0 = server.call("GET", f"/api/sessions/{session['id']}/frames/0.jpg")
    assert status == 200 and frame0[:2] == b"\xff\xd8"
    status, body = server.call("GET", f"/api/sessions/{session['id']}/frames/{len(gt)}.jpg")
    assert status == 404 and f"no frame {len(gt)} (the video has {len(gt)} frames)" in json.loads(body)["detail"]

    assert server.start(session["id"], gt[0])[0] == 202
    final, summary, progress = server.watch(session["id"])
    assert final == "done" and summary["frames"] == len(gt)
    boxes = streamed_boxes(progress)
    overlap = iou(boxes, gt)
    assert len(boxes) == len(gt) and overlap.mean() > 0.65 and overlap.min() > 0.45, overlap.round(2)
    assert all(0 <= s <= 1 for p in progress for s in p["scores"])

    status, video = server.call("GET", f"/api/sessions/{session['id']}/video.mp4")
    assert status == 200 and video[4:8] == b"ftyp"  # an mp4 container, every frame decodable
    (tmp_path / "out.mp4").write_bytes(video)
    assert count_frames(tmp_path / "out.mp4") == len(gt)
    status, text = server.call("GET", f"/api/sessions/{session['id']}/boxes.txt")
    assert status == 200 and np.allclose(np.loadtxt(text.decode().splitlines(), delimiter=","), boxes, atol=1e-3)

    folder = server.manager.root / session["id"]
    assert folder.is_dir()
    assert server.call("DELETE", f"/api/sessions/{session['id']}")[0] == 204
    assert not folder.exists()
    assert server.call("GET", f"/api/sessions/{session['id']}/boxes.txt")[0] == 404


def test_the_bundled_clip_tracks_against_its_ground_truth(server):
    """The shipped model through the whole app on the sample clip the page offers, scored against its labels."""
    path, gt = bundled_clip()
    assert json.loads(server.call("GET", "/api/config")[1])["clips"] == [path.name]
    session = json.loads(server.call("POST", f"/api/sessions/clip/{path.name}")[1])
    assert session["frames"] == len(gt)
    assert server.start(session["id"], gt[0])[0] == 202
    final, summary, progress = server.watch(session["id"])
    overlap = iou(streamed_boxes(progress), gt)
    assert final == "done" and summary["frames"] == len(gt)
    assert overlap.mean() > 0.65 and overlap.min() > 0.35, overlap.round(2)  # measured: 0.77 and 0.51
    server.call("DELETE", f"/api/sessions/{session['id']}")


def test_text_file_renamed_mp4_is_refused(server):
    before = _session_folders(server)
    status, body = server.upload(b"this is not a video\n" * 50, name="notes.mp4")
    assert status == 415 and "notes.mp4" in body["detail"] and "not a video" in body["detail"]
    assert _session_folders(server) == before  # nothing left behind


def _photo(ext: str) -> bytes:
    from skimage import data

    ok, encoded = cv2.imencode(ext, cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR))
    assert ok
    return encoded.tobytes()


def _one_frame_mp4(tmp_path) -> bytes:
    path = tmp_path / "one.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 25, (320, 240))
    writer.write(cv2.resize(cv2.imdecode(np.frombuffer(_photo(".png"), np.uint8), cv2.IMREAD_COLOR), (320, 240)))
    writer.release()
    return path.read_bytes()


def _wav(tmp_path) -> bytes:
    import wave

    with wave.open(str(tmp_path / "tone.wav"), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes((np.sin(np.arange(8000) / 3) * 9000).astype("<i2").tobytes())
    return (tmp_path / "tone.wav").read_bytes()


@pytest.mark.parametrize("make, expected", [
    (lambda tmp: _photo(".jpg"), "JPEG still image"),
    (lambda tmp: _photo(".png"), "PNG still image"),
    (_one_frame_mp4, "only one frame"),
    (_wav, "unrecognised file type"),
])
def test_still_images_and_non_video_files_are_refused(server, tmp_path, make, expected):
    """OpenCV opens a JPEG renamed .mp4 as a one-frame video: the container's magic bytes and a second decoded
    frame are required."""
    status, body = server.upload(make(tmp_path), name="renamed.mp4")
    assert status == 415 and "renamed.mp4: not a video" in body["detail"] and expected in body["detail"], body


@pytest.mark.parametrize("fourcc, ext", [("mp4v", ".mp4"), ("MJPG", ".avi"), ("VP80", ".webm"), ("VP80", ".mkv")])
def test_video_containers_are_accepted(server, target_video, tmp_path, fourcc, ext):
    path = tmp_path / f"clip{ext}"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), 25, (320, 240))
    capture = cv2.VideoCapture(str(target_video[0]))
    for _ in range(3):
        writer.write(capture.read()[1])
    writer.release()
    status, session = server.upload(path.read_bytes(), name=path.name)
    assert status == 201 and session["width"] == 320, session
    server.call("DELETE", f"/api/sessions/{session['id']}")


def test_empty_upload_is_refused(server):
    status, body = server.upload(b"", name="empty.mp4")
    assert status == 415 and "empty" in body["detail"]


def _announce_length(server, path: str, length: int, content_type: str | None = None) -> tuple[int, str]:
    """Send only the headers of a POST announcing `length` bytes: (status, detail) of the answer."""
    conn = http.client.HTTPConnection(*server.address, timeout=10)
    conn.putrequest("POST", path)
    if content_type:
        conn.putheader("Content-Type", content_type)
    conn.putheader("Content-Length", str(length))
    conn.endheaders()
    response = conn.getresponse()
    detail = json.loads(response.read())["detail"]
    conn.close()
    return response.status, detail


def _post_chunked(server, path: str, chunks, content_type: str | None = None) -> int:
    """POST `chunks` with chunked encoding (no Content-Length): the status."""
    conn = http.client.HTTPConnection(*server.address, timeout=10)
    conn.request("POST", path, body=chunks, headers={"Content-Type": content_type} if content_type else {},
                 encode_chunked=True)
    status = conn.getresponse().status
    conn.close()
    return status


def test_oversize_upload_is_refused(server):
    """Refused from the declared length before any byte is read, and while streaming when no length is given."""
    status, detail = _announce_length(server, "/api/sessions?name=big.mp4", 5 * 1024 * 1024)
    assert status == 413 and "upload limit" in detail
    assert _post_chunked(server, "/api/sessions?name=big.mp4", (bytes(64 * 1024) for _ in range(17))) == 413
    assert server.call("GET", "/api/config")[0] == 200


class _RecordingFile:
    """A file whose writes and close note the thread they ran on."""

    def __init__(self, file, threads: set[int]):
        self.file, self.threads = file, threads

    def write(self, data: bytes) -> int:
        self.threads.add(threading.get_ident())
        return self.file.write(data)

    def close(self) -> None:
        self.threads.add(threading.get_ident())
        self.file.close()


def test_upload_is_written_off_the_event_loop(server, target_video, monkeypatch):
    threads: set[int] = set()
    monkeypatch.setattr(app_module, "open", lambda *args: _RecordingFile(open(*args), threads), raising=False)
    status, session = server.upload(target_video[0].read_bytes())
    assert status == 201
    assert threads and server.thread.ident not in threads  # uvicorn's event loop runs on server.thread
    server.call("DELETE", f"/api/sessions/{session['id']}")


def test_box_outside_the_frame_is_refused(server, target_video):
    path, _ = target_video
    session = server.upload(path.read_bytes())[1]
    for box, expected in (([400, 300, 20, 20], "outside"), ([10, 10, 0, 20], "positive"), ([1, 2, 3], "4 numbers")):
        status, body = server.start(session["id"], box)
        assert status == 400 and expected in body["detail"], body
    status, body = server.call("POST", f"/api/sessions/{session['id']}/track", b"{not json", "application/json")
    assert status == 400 and "box" in json.loads(body)["detail"]
    assert server.call("DELETE", f"/api/sessions/{session['id']}")[0] == 204


def test_two_sessions_track_independently_at_once(paused_server, target_video, flipped_video):
    """Two users: separate sessions and trackers, both runs in progress at once, each following its own target."""
    clips = [target_video, flipped_video]
    ids = [paused_server.upload(path.read_bytes())[1]["id"] for path, _ in clips]
    for session_id, (_, gt) in zip(ids, clips, strict=True):
        assert paused_server.start(session_id, gt[0])[0] == 202
    deadline = time.monotonic() + 15
    while [paused_server.manager.sessions[i].run.state for i in ids] != ["running", "running"]:
        assert time.monotonic() < deadline, "the two runs never ran at the same time"
        time.sleep(0.01)
    for session_id, (_, gt) in zip(ids, clips, strict=True):
        final, summary, progress = paused_server.watch(session_id)
        overlap = iou(streamed_boxes(progress), gt)
        assert final == "done" and overlap.mean() > 0.55 and overlap.min() > 0.4, overlap.round(2)
        paused_server.call("DELETE", f"/api/sessions/{session_id}")


def test_client_disconnect_mid_run_stops_the_run_and_the_server_keeps_serving(paused_server, target_video):
    path, gt = target_video
    session = paused_server.upload(path.read_bytes())[1]
    assert paused_server.start(session["id"], gt[0])[0] == 202
    paused_server.open_viewer(session["id"]).close()  # the only viewer leaves
    info = _wait_state(paused_server, session["id"], ("cancelled", "done"))
    assert info["state"] == "cancelled" and info["tracked"] < len(gt)
    status, text = paused_server.call("GET", f"/api/sessions/{session['id']}/boxes.txt")  # the partial track is kept
    assert status == 200 and len(text.decode().splitlines()) == info["tracked"]

    assert paused_server.call("GET", "/")[0] == 200
    assert paused_server.start(session["id"], gt[0])[0] == 202  # the same session tracks again
    assert paused_server.watch(session["id"])[0] == "done"
    paused_server.call("DELETE", f"/api/sessions/{session['id']}")


def test_a_run_stops_only_when_its_last_viewer_leaves(paused_server, target_video):
    """Two tabs watch one run: closing one of them mid-run leaves the run going for the other."""
    path, gt = target_video
    session = paused_server.upload(path.read_bytes())[1]
    assert paused_server.start(session["id"], gt[0])[0] == 202
    first, second = (paused_server.open_viewer(session["id"]) for _ in range(2))
    first.close()
    final, summary, _ = paused_server.watch(session["id"])
    assert final == "done" and summary["frames"] == len(gt)
    second.close()
    paused_server.call("DELETE", f"/api/sessions/{session['id']}")


def test_stop_and_second_start_while_running(paused_server, target_video):
    path, gt = target_video
    session = paused_server.upload(path.read_bytes())[1]
    assert paused_server.start(session["id"], gt[0])[0] == 202
    status, body = paused_server.start(session["id"], gt[0])
    assert status == 409 and "in progress" in body["detail"]
    assert paused_server.call("POST", f"/api/sessions/{session['id']}/stop")[0] == 200
    final, payload, _ = paused_server.watch(session["id"])
    assert final == "cancelled" and payload["message"] == "tracking stopped"
    paused_server.call("DELETE", f"/api/sessions/{session['id']}")


def test_unknown_session_clip_and_nothing_to_watch(server, target_video):
    status, body = server.call("GET", "/api/sessions/nope/events")
    assert status == 404 and "unknown" in json.loads(body)["detail"]
    session = server.upload(target_video[0].read_bytes())[1]
    status, body = server.call("GET", f"/api/sessions/{session['id']}/events")
    assert status == 409 and "start tracking first" in json.loads(body)["detail"]
    server.call("DELETE", f"/api/sessions/{session['id']}")
    status, body = server.call("POST", "/api/sessions/clip/..%2F..%2Fetc%2Fpasswd")
    assert status == 404


def _begin_chunked_upload(server: LiveServer, first_chunk: bytes) -> http.client.HTTPConnection:
    """An upload whose headers and first chunk are sent, its body still arriving."""
    conn = http.client.HTTPConnection(*server.address, timeout=10)
    conn.putrequest("POST", "/api/sessions?name=slow.mp4")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    conn.send(b"%x\r\n%s\r\n" % (len(first_chunk), first_chunk))
    return conn


def test_uploads_still_arriving_count_against_the_session_limit(seat_lite, target_video):
    live = LiveServer(shared_tracker_factory(seat_lite), max_sessions=2)
    try:
        data = target_video[0].read_bytes()
        uploads = [_begin_chunked_upload(live, data[:4096]) for _ in range(2)]
        deadline = time.monotonic() + 10
        while len(_session_folders(live)) < 2:  # both uploads have their folder (and slot), no session yet
            assert time.monotonic() < deadline, "the uploads never started"
            time.sleep(0.01)
        assert not live.manager.sessions
        status, body = live.upload(data)
        assert status == 503 and "busy" in body["detail"]
        for conn in uploads:
            rest = data[4096:]
            conn.send(b"%x\r\n%s\r\n0\r\n\r\n" % (len(rest), rest))
            assert conn.getresponse().status == 201
            conn.close()
        assert len(live.manager.sessions) == 2
    finally:
        live.close()


def test_session_limit_idle_expiry_and_shutdown_cleanup(seat_lite, target_video):
    live = LiveServer(shared_tracker_factory(seat_lite), idle_timeout_s=60, max_sessions=2)
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


def test_sample_clips_are_listed_and_opened(paused_server, tmp_path, target_video):
    (tmp_path / "walk.mp4").write_bytes(target_video[0].read_bytes())
    (tmp_path / "readme.txt").write_text("not a clip")
    assert [p.name for p in list_clips(tmp_path)] == ["walk.mp4"]
    assert list_clips(tmp_path / "missing") == []
    assert json.loads(paused_server.call("GET", "/api/config")[1])["clips"] == ["walk.mp4"]
    status, body = paused_server.call("POST", "/api/sessions/clip/walk.mp4")
    session = json.loads(body)
    assert status == 201 and session["width"] == 320
    clip = paused_server.manager.sessions[session["id"]].source
    paused_server.call("DELETE", f"/api/sessions/{session['id']}")
    assert clip.is_file()  # a sample clip is never deleted with its session


@pytest.mark.parametrize("argv, expected", [(["--port", "70000"], "--port"), (["--model", "missing.pt"], "missing.pt")])
def test_serve_cli_reports_bad_arguments(argv, expected, capsys):
    assert main(["serve", *argv]) == 2
    assert expected in capsys.readouterr().err


def test_requests_a_web_page_could_forge_are_refused(server, target_video):
    """Cross-site simple POSTs (text/plain, forms), another Origin, and a foreign Host (DNS rebinding) are refused
    before any work; the page's own requests (same origin, JSON, video bytes) still pass."""
    import urllib.error
    import urllib.request

    def send(method, path, body=None, headers=()):
        request = urllib.request.Request(server.url + path, data=body, method=method, headers=dict(headers))
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    sessions_before = len(server.manager.sessions)
    path, _ = target_video
    data = path.read_bytes()
    assert send("POST", "/api/sessions?name=a.mp4", data, {"Content-Type": "text/plain"})[0] == 415
    assert send("POST", "/api/sessions/clip/demo.mp4", b"a=1",
                {"Content-Type": "application/x-www-form-urlencoded"})[0] == 415
    status, body = send("POST", "/api/sessions?name=a.mp4", data,
                        {"Content-Type": "video/mp4", "Origin": "http://evil.example"})
    assert status == 403 and b"cross-origin" in body
    assert send("GET", "/api/config", headers={"Host": "evil.example"})[0] == 421
    assert len(server.manager.sessions) == sessions_before
    host = server.url.removeprefix("http://")
    status, session = send("POST", "/api/sessions?name=a.mp4", data, {"Content-Type": "video/mp4",
                                                                        "Origin": server.url})
    assert status == 201
    session_id = json.loads(session)["id"]
    payload = json.dumps({"box": [10, 10, 40, 40]}).encode()
    assert send("POST", f"/api/sessions/{session_id}/track", payload, {"Content-Type": "text/plain"})[0] == 415
    assert send("POST", f"/api/sessions/{session_id}/track", payload,
                {"Content-Type": "application/json", "Host": host})[0] == 202


def test_track_bodies_are_bounded_and_deep_json_is_a_400(server, target_video):
    status, session = server.upload(target_video[0].read_bytes())
    assert status == 201
    path = f"/api/sessions/{session['id']}/track"
    status, detail = _announce_length(server, path, 150 * 1024 * 1024, "application/json")  # refused unread
    assert status == 413 and "over 4096 bytes" in detail
    assert _post_chunked(server, path, (b"[" * 1024 for _ in range(8)), "application/json") == 413  # cut off
    deep = b"[" * 2000 + b"]" * 2000  # within the size limit, deeper than the JSON parser's recursion allows
    status, body = server.call("POST", path, deep, "application/json")
    assert status == 400 and b"expected JSON" in body
    assert server.start(session["id"], target_video[1][0])[0] == 202  # the session still works


def test_exports_and_the_video_without_burned_in_text(server, target_video, tmp_path):
    """CSV, JSON, MOT lines and the box file describe the same track; the annotated video comes with the score
    burned in or, with ?text=0, with the box only (its text corner is the source's pixels)."""
    path, gt = target_video
    session = server.upload(path.read_bytes())[1]["id"]
    assert server.start(session, gt[0])[0] == 202 and server.watch(session)[0] == "done"
    texts = {name: server.call("GET", f"/api/sessions/{session}/{name}")[1].decode()
             for name in ("track.csv", "track.json", "track.mot.txt", "boxes.txt")}
    csv_rows = np.genfromtxt(texts["track.csv"].splitlines()[1:], delimiter=",")
    assert texts["track.csv"].startswith("frame,x,y,w,h,score,present,lost,keyframe\n")
    assert csv_rows.shape == (len(gt), 9) and (csv_rows[:, 0] == np.arange(len(gt))).all()
    assert csv_rows[:, 8].tolist() == [1] + [0] * (len(gt) - 1)
    # the shipped model's presence calibration: none on the keyframe (the drawn box), a probability after it
    assert np.isnan(csv_rows[0, 6]) and ((csv_rows[1:, 6] > 0) & (csv_rows[1:, 6] <= 1)).all()
    frames = json.loads(texts["track.json"])["frames"]
    assert np.allclose([f["box"] for f in frames], csv_rows[:, 1:5], atol=1e-3)
    assert np.allclose([f["present"] for f in frames[1:]], csv_rows[1:, 6], atol=1e-4) and frames[0]["present"] is None
    mot = np.loadtxt(texts["track.mot.txt"].splitlines(), delimiter=",")
    assert (mot[:, 0] == np.arange(1, len(gt) + 1)).all() and np.allclose(mot[:, 6], csv_rows[:, 5], atol=1e-3)
    assert np.allclose(np.loadtxt(texts["boxes.txt"].splitlines(), delimiter=","), csv_rows[:, 1:5], atol=1e-3)

    corners = {}
    for query in ("", "?text=0"):
        status, data = server.call("GET", f"/api/sessions/{session}/video.mp4{query}")
        out = tmp_path / f"video{query[1:]}.mp4"
        out.write_bytes(data)
        assert status == 200 and count_frames(out) == len(gt)
        corners[query] = cv2.VideoCapture(str(out)).read()[1][2:20, 2:100].astype(int)
    source = cv2.VideoCapture(str(path)).read()[1][2:20, 2:100].astype(int)
    assert np.abs(corners["?text=0"] - source).mean() < 6 < np.abs(corners[""] - source).mean()
    status, body = server.call("GET", f"/api/sessions/{session}/nope.txt")
    assert status == 404 and "no such download" in json.loads(body)["detail"]
    server.call("DELETE", f"/api/sessions/{session}")
