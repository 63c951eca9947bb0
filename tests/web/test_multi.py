"""Several targets in one run (`MultiTracker` behind the web app): the API, the exports, and the page in chromium,
on the real seat_lite."""

from __future__ import annotations

import csv
import io
import json

import cv2
import numpy as np

from seattrack.ops.boxes import iou
from tests.web.helpers import drag_on_canvas
from tests.web.test_correct import download, go_to
from tests.web.test_review import box_drawn, canvas_rgb

BACKGROUND = (20.0, 150.0, 40.0, 40.0)  # a patch of the photo the target never crosses: a second, still target


def start_targets(server, session_id: str, boxes, frame: int = 0) -> tuple[int, dict]:
    """POST a track request of several boxes: (status, reply)."""
    payload = json.dumps({"boxes": [[float(v) for v in b] for b in boxes], "frame": frame}).encode()
    status, body = server.call("POST", f"/api/sessions/{session_id}/track", payload, "application/json")
    return status, json.loads(body)


def test_two_targets_tracked_together_and_exported(server, target_video, tmp_path):
    """Two boxes in one request: target 1 follows the moving target as the single tracker does, target 2 stays on
    the still patch; the CSV, JSON, MOT lines and both box files carry both targets on every frame; the annotated
    video is rendered; a correction of the two-target track is refused with a one-line 409."""
    path, gt = target_video
    session = server.upload(path.read_bytes())[1]["id"]
    status, info = start_targets(server, session, [gt[0], BACKGROUND])
    assert status == 202 and info["targets"] == 2
    event, _, progress = server.watch(session)
    assert event == "done" and sum(len(p["others"][0]["boxes"]) for p in progress) == len(gt)
    get = {name: server.call("GET", f"/api/sessions/{session}/{name}")[1].decode()
           for name in ("track.csv", "track.json", "track.mot.txt", "boxes.txt", "boxes-2.txt")}

    rows = list(csv.DictReader(io.StringIO(get["track.csv"])))
    assert get["track.csv"].startswith("frame,x,y,w,h,score,present,lost,keyframe,target\n")
    assert [(int(r["frame"]), int(r["target"])) for r in rows] == [(k, t) for k in range(len(gt)) for t in (1, 2)]
    first = np.array([[float(r[c]) for c in "xywh"] for r in rows if r["target"] == "1"])
    second = np.array([[float(r[c]) for c in "xywh"] for r in rows if r["target"] == "2"])
    assert np.mean(iou(first, gt)) > 0.6
    assert np.abs(second - np.asarray(BACKGROUND)).max() < 8  # the still patch stays put
    assert np.allclose(np.loadtxt(get["boxes.txt"].splitlines(), delimiter=","), first, atol=1e-3)
    assert np.allclose(np.loadtxt(get["boxes-2.txt"].splitlines(), delimiter=","), second, atol=1e-3)
    mot = np.loadtxt(get["track.mot.txt"].splitlines(), delimiter=",")
    assert mot.shape == (2 * len(gt), 10) and sorted(set(mot[:, 1])) == [1, 2]
    assert np.allclose(mot[mot[:, 1] == 2][:, 2:6], second, atol=1e-3) and mot[0, 0] == 1
    document = json.loads(get["track.json"])
    assert document["targets"] == 2 and [f["target"] for f in document["frames"][:2]] == [1, 2]

    single = server.upload(path.read_bytes())[1]["id"]  # target 1's boxes are the single tracker's
    assert server.start(single, gt[0])[0] == 202 and server.watch(single)[0] == "done"
    alone = np.loadtxt(server.call("GET", f"/api/sessions/{single}/boxes.txt")[1].decode().splitlines(), delimiter=",")
    assert np.abs(alone - first).max() < 0.5

    status, data = server.call("GET", f"/api/sessions/{session}/video.mp4?text=0")
    assert status == 200
    (tmp_path / "v.mp4").write_bytes(data)
    capture = cv2.VideoCapture(str(tmp_path / "v.mp4"))
    ok, frame = [capture.read() for _ in range(6)][-1]
    capture.release()
    x, y, w, _ = (int(round(v)) for v in second[5])
    edge = frame[y - 1:y + 2, x + 2:x + w - 2].astype(int)  # target 2's top edge over the orange suit, drawn in
    bluer = edge[..., 0] - edge[..., 2]  # draw_result's second colour, light blue (1 px, blurred by H.264's chroma)
    assert ok and (bluer.max(axis=0) > 30).mean() > 0.8, bluer.tolist()

    status, body = server.call("GET", f"/api/sessions/{session}/boxes-3.txt")
    assert status == 404 and b"no target 3" in body
    correction = json.dumps({"box": first[10].tolist(), "frame": 10}).encode()
    status, body = server.call("POST", f"/api/sessions/{session}/track", correction, "application/json")
    assert status == 409 and b"corrections are single-target" in body and b"\n" not in body
    assert start_targets(server, session, [gt[0]] * 9)[0] == 400  # at most 8 targets at once


def test_page_draws_two_boxes_tracks_them_and_downloads_both(page, target_video):
    """In chromium: draw a box, Add target, draw a second one (listed with its colour, removable), Track; frame k of
    the review shows target 1's box in green and target 2's in blue where the track has them; the CSV and MOT
    downloads hold both targets on every frame."""
    path, gt = target_video
    page.set_input_files("#file", str(path))
    page.wait_for_function("window.seatApp.state === 'editing' && window.seatApp.shown === 0")
    x, y, w, h = gt[0]
    drag_on_canvas(page, 320, (x, y), (x + w, y + h))
    page.click("#add-target")
    assert page.locator("#targets li").count() == 1 and page.evaluate("window.seatApp.box") is None
    drag_on_canvas(page, 320, (100, 100), (130, 130))  # a box to remove again
    page.click("#add-target")
    page.click("#targets li:nth-child(2) .remove")
    assert page.locator("#targets li").count() == 1
    bx, by, bw, bh = BACKGROUND
    drag_on_canvas(page, 320, (bx, by), (bx + bw, by + bh))
    page.click("#start")
    page.wait_for_function("window.seatApp.state === 'finished'", timeout=60_000)
    assert page.locator("#targets li").count() == 0

    rows = list(csv.DictReader(io.StringIO(download(page, "#download-csv"))))
    first = np.array([[float(r[c]) for c in "xywh"] for r in rows if r["target"] == "1"])
    second = np.array([[float(r[c]) for c in "xywh"] for r in rows if r["target"] == "2"])
    assert len(first) == len(second) == len(gt) and np.mean(iou(first, gt)) > 0.6
    mot = np.loadtxt(download(page, "#download-mot").splitlines(), delimiter=",")
    assert mot.shape == (2 * len(gt), 10) and (np.bincount(mot[:, 1].astype(int)) == [0, len(gt), len(gt)]).all()
    assert download(page, "#target-boxes a").count("\n") == len(gt)

    k = 25
    go_to(page, k)
    assert box_drawn(page, first[k]) > 0.8
    sx, sy, sw, _ = second[k]
    edge = canvas_rgb(page, (sx + 2, sy - 1, sw - 4, 3))
    blue = (edge[..., 0] < 80) & (edge[..., 1] > 120) & (edge[..., 1] < 200) & (edge[..., 2] > 200)  # #00a0ff
    assert blue.any(axis=0).mean() > 0.8, edge[:, :6].tolist()
