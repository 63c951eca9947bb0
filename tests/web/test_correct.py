"""Keeping and correcting a track in a real headless browser (Debian's chromium through Playwright) on the real
seat_lite: Stop keeps the frames tracked so far, a refused upload keeps the finished run, a track can start on any
frame, and a box redrawn on frame k continues from k keeping the frames before it, marked in every export."""

from __future__ import annotations

import csv
import io
import json
import urllib.request

import numpy as np

from seattrack.ops.boxes import iou
from tests.web.helpers import drag_on_canvas, save_screenshot
from tests.web.test_review import DOCS, box_drawn, show


def download(page, link: str) -> str:
    """The text behind a download link of the page."""
    return urllib.request.urlopen(page.eval_on_selector(link, "a => a.href")).read().decode()


def go_to(page, k: int) -> None:
    page.eval_on_selector("#timeline", f"s => {{ s.value = {k}; s.dispatchEvent(new Event('input')); }}")
    show(page, k)


def open_and_draw(page, path, box, frame: int = 0) -> None:
    """Open `path`, go to `frame` and draw `box` on it."""
    page.set_input_files("#file", str(path))
    page.wait_for_function("window.seatApp.state === 'editing' && window.seatApp.shown === 0")
    if frame:
        go_to(page, frame)
    x, y, w, h = box
    drag_on_canvas(page, 320, (x, y), (x + w, y + h))


def test_stop_offers_the_partial_track(paused_page, target_video):
    """Stopped during the server's pause before frame 4: the frames tracked so far are reviewed and downloaded."""
    page, (path, gt) = paused_page, target_video
    open_and_draw(page, path, gt[0])
    page.click("#start")
    page.wait_for_function("window.seatApp.boxes.length >= 3")
    page.click("#stop")
    page.wait_for_function("window.seatApp.state === 'finished'")
    kept = len(page.evaluate("window.seatApp.boxes"))
    assert 3 <= kept < len(gt) and page.is_visible("#results")
    assert f"up to frame {kept - 1} is kept" in page.text_content("#message")
    rows = list(csv.DictReader(io.StringIO(download(page, "#download-csv"))))
    assert [int(r["frame"]) for r in rows] == list(range(kept))
    assert len(download(page, "#download-boxes").splitlines()) == kept
    go_to(page, kept - 1)
    assert box_drawn(page, page.evaluate(f"window.seatApp.boxes[{kept - 1}]")) > 0.8


def test_a_refused_upload_keeps_the_finished_run(page, target_video):
    page_, (path, gt) = page, target_video
    open_and_draw(page_, path, gt[0])
    page_.click("#start")
    page_.wait_for_function("window.seatApp.state === 'finished'", timeout=60_000)
    session = page_.evaluate("window.seatApp.session.id")
    before = download(page_, "#download-csv")
    page_.set_input_files("#file", files=[{"name": "notes.mp4", "mimeType": "video/mp4", "buffer": b"not a video"}])
    page_.wait_for_function("document.querySelector('#message').textContent.includes('notes.mp4: not a video')")
    assert page_.evaluate("window.seatApp.session.id") == session and page_.is_visible("#results")
    assert download(page_, "#download-csv") == before  # the session is still open on the server
    go_to(page_, 30)
    assert box_drawn(page_, page_.evaluate("window.seatApp.boxes[30]")) > 0.8

    page_.set_input_files("#file", str(path))  # an accepted upload ends the old session
    page_.wait_for_function(f"window.seatApp.session.id !== '{session}' && window.seatApp.state === 'editing'")
    page_.wait_for_timeout(300)
    status = urllib.request.Request(page_.url.rstrip("/") + f"/api/sessions/{session}")
    try:
        urllib.request.urlopen(status)
        raise AssertionError("the replaced session is still open")
    except urllib.error.HTTPError as exc:
        assert exc.code == 404


def test_start_frame_and_a_correction_keep_one_track_with_keyframes(page, target_video):
    """Track from frame 5; at frame 25 the box is moved and resized onto the target (as a user corrects drift)
    and tracking continues from there: frames 5-24 keep the first run's boxes, frame 25 has the drawn box, and
    the exports mark frames 5 and 25 as keyframes."""
    path, gt = target_video
    open_and_draw(page, path, gt[5], frame=5)
    assert page.text_content("#start") == "Track from frame 5"
    page.click("#start")
    page.wait_for_function("window.seatApp.state === 'finished'", timeout=60_000)
    first = page.evaluate("window.seatApp.boxes")
    assert first[:5] == [None] * 5 and iou(np.array(first[5:]), gt[5:]).mean() > 0.55

    go_to(page, 25)
    tracked = np.array(first[25])
    shift = gt[25, :2] - tracked[:2]  # move its top-left corner onto the target's
    centre = tracked[:2] + tracked[2:] / 2
    drag_on_canvas(page, 320, centre, centre + shift)  # a drag on a reviewed frame starts a correction there
    moved = page.evaluate("window.seatApp.box")
    corner = (moved["x"] + moved["w"], moved["y"] + moved["h"])
    drag_on_canvas(page, 320, corner, gt[25, :2] + gt[25, 2:])  # and the bottom-right handle onto the target's
    drawn = page.evaluate("window.seatApp.box")
    corrected = np.array([drawn["x"], drawn["y"], drawn["w"], drawn["h"]])
    assert iou(corrected, gt[25]) > 0.85
    assert page.evaluate("window.seatApp.state") == "editing"
    assert page.text_content("#start") == "Track from frame 25"
    page.click("#start")
    page.wait_for_function("window.seatApp.state === 'finished'", timeout=60_000)
    boxes = page.evaluate("window.seatApp.boxes")
    assert boxes[:25] == first[:25] and np.allclose(boxes[25], corrected, atol=0.01)
    assert page.evaluate("window.seatApp.keyframes") == [5, 25]
    assert iou(np.array(boxes[25:]), gt[25:]).mean() > 0.55

    rows = list(csv.DictReader(io.StringIO(download(page, "#download-csv"))))
    assert list(rows[0]) == ["frame", "x", "y", "w", "h", "score", "present", "lost", "keyframe"]
    assert [int(r["frame"]) for r in rows] == list(range(5, 40))
    assert [int(r["frame"]) for r in rows if r["keyframe"] == "1"] == [5, 25]
    assert np.allclose([[float(r[k]) for k in "xywh"] for r in rows], boxes[5:], atol=1e-3)
    document = json.loads(download(page, "#download-json"))
    assert document["keyframes"] == [5, 25] and document["frames"][20]["keyframe"] is True
    mot = np.loadtxt(download(page, "#download-mot").splitlines(), delimiter=",")
    assert mot.shape == (35, 10) and mot[0, 0] == 6 and (mot[:, 1] == 1).all()  # MOT frames count from 1
    assert np.allclose(mot[:, 2:6], boxes[5:], atol=1e-3)
    go_to(page, 25)
    assert "box drawn" in page.text_content("#frame-label")
    save_screenshot(page, DOCS / "web-correction.png")
