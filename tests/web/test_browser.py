"""The page in a real headless browser (Debian's chromium through Playwright) on the real seat_lite: draw, track,
watch, play and download the result."""

from __future__ import annotations

import urllib.request

import numpy as np

from seattrack.ops.boxes import iou
from tests.web.helpers import LiveServer, PausingTracker, bundled_clip, count_frames, drag_on_canvas


def _track_to_the_end(page, timeout_ms: int = 60_000) -> np.ndarray:
    page.click("#start")
    page.wait_for_function("window.seatApp.state === 'finished'", timeout=timeout_ms)
    return np.array(page.evaluate("window.seatApp.boxes"))


def test_draw_track_watch_play_and_download(paused_page, target_video, tmp_path):
    """The paused server holds the run before frame 4 for 1.5 s, so the live view can be checked mid-run."""
    page = paused_page
    path, gt = target_video
    page.set_input_files("#file", str(path))
    page.wait_for_function("window.seatApp.state === 'editing'")
    x, y, w, h = gt[0]
    drag_on_canvas(page, 320, (x + 4, y + 3), (x + w - 8, y + h - 6))  # a rough box ...
    drag_on_canvas(page, 320, (x + 2 + w / 2, y + h / 2), (x - 2 + w / 2, y + h / 2))  # ... moved left 4 px ...
    drag_on_canvas(page, 320, (x + w - 12, y + h - 6), (x + w, y + h))  # ... and its bottom-right handle pulled out
    box = page.evaluate("window.seatApp.box")
    assert iou([box["x"], box["y"], box["w"], box["h"]], gt[0]) > 0.85
    assert page.input_value("#box-w") == str(round(box["w"]))

    page.click("#start")
    page.wait_for_function("window.seatApp.boxes.length >= 3")
    assert page.evaluate("window.seatApp.state") == "tracking"
    assert "frames/s" in page.text_content("#fps") and page.evaluate("document.querySelector('#progress').value") >= 3
    page.wait_for_function("window.seatApp.state === 'finished'", timeout=60_000)

    shown = np.array(page.evaluate("window.seatApp.boxes"))
    assert shown.shape == gt.shape
    overlap = iou(shown, gt)
    # the clip's target grows 1.8x in 40 frames; the shipped size learning rate (0.05, chosen on validation) lags
    # it, so the overlap falls to about 0.5 by the end (mean 0.61); the page must show those boxes, not better ones
    assert overlap.mean() > 0.55 and overlap.min() > 0.45, overlap.round(2)
    assert page.is_visible("#download-video") and "40 frames" in page.text_content("#summary")
    plotted = page.evaluate("""(() => {
        const c = document.querySelector('#plot');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i + 1] > 100 && d[i] < 60 && d[i + 3] > 0) n++;
        return n;
    })()""")
    assert plotted > 50  # the green score line

    # The download is an mp4 whose every frame decodes (FFmpeg, as desktop players do).
    video = tmp_path / "tracked.mp4"
    video.write_bytes(urllib.request.urlopen(page.eval_on_selector("#download-video", "a => a.href")).read())
    assert video.read_bytes()[4:8] == b"ftyp" and count_frames(video) == len(gt)
    text = urllib.request.urlopen(page.eval_on_selector("#download-boxes", "a => a.href")).read().decode()
    assert np.allclose(np.loadtxt(text.splitlines(), delimiter=","), shown, atol=1e-3)


def test_the_bundled_clip_from_the_picker_tracks(page):
    path, gt = bundled_clip()
    assert page.is_visible("#clip-picker") and page.input_value("#clips") == path.name
    page.click("#open-clip")
    page.wait_for_function("window.seatApp.state === 'editing'")
    assert page.evaluate("window.seatApp.session.name") == path.name and "320×240" in page.text_content("#status")
    x, y, w, h = gt[0]
    drag_on_canvas(page, 320, (x, y), (x + w, y + h))
    overlap = iou(_track_to_the_end(page), gt)
    assert overlap.mean() > 0.65 and overlap.min() > 0.35, overlap.round(2)


def test_a_webcam_recording_is_tracked(page):
    """Chromium's fake camera (a moving test pattern) is recorded in the page, uploaded and tracked to the end."""
    assert page.is_visible("#webcam")
    page.click("#webcam")
    page.wait_for_function("document.querySelector('#camera').readyState >= 2")
    page.wait_for_timeout(1200)
    page.click("#webcam")  # stop and use the recording
    page.wait_for_function("window.seatApp.state === 'editing'", timeout=30_000)
    session = page.evaluate("window.seatApp.session")
    assert session["name"] == "webcam.webm" and session["width"] > 0 and page.is_hidden("#camera")
    drag_on_canvas(page, session["width"], (session["width"] * 0.4, session["height"] * 0.4),
                   (session["width"] * 0.6, session["height"] * 0.6))
    boxes = _track_to_the_end(page)
    assert len(boxes) >= 2 and f"{len(boxes)} frames tracked" in page.text_content("#summary")


def test_page_reports_bad_inputs(page, target_video):
    page.set_input_files("#file", files=[{"name": "notes.mp4", "mimeType": "video/mp4", "buffer": b"not a video\n"}])
    page.wait_for_selector("#message:not([hidden])")
    assert "notes.mp4: not a video" in page.text_content("#message")

    jpeg = {"name": "photo.mp4", "mimeType": "video/mp4", "buffer": b"\xff\xd8\xff\xe0" + bytes(2000)}
    page.set_input_files("#file", files=[jpeg])
    page.wait_for_function("document.querySelector('#message').textContent.includes('JPEG still image')")

    page.set_input_files("#file", files=[{"name": "huge.mp4", "mimeType": "video/mp4", "buffer": bytes(1_100_000)}])
    page.wait_for_function("document.querySelector('#message').textContent.includes('upload limit')")

    page.set_input_files("#file", str(target_video[0]))
    page.wait_for_function("window.seatApp.state === 'editing'")
    assert page.is_hidden("#message")
    for field, value in (("#box-x", "500"), ("#box-y", "10"), ("#box-w", "30"), ("#box-h", "30")):
        page.fill(field, value)
        page.dispatch_event(field, "change")
    page.click("#start")
    page.wait_for_selector("#message:not([hidden])")
    assert "outside" in page.text_content("#message")
    assert page.evaluate("window.seatApp.state") == "editing"


def test_page_reports_a_connection_lost_mid_run(browser, seat_lite, target_video):
    live = LiveServer(lambda: PausingTracker(seat_lite, at_frame=3, pause_s=2.0))
    page = browser.new_page()
    try:
        page.goto(live.url)
        page.wait_for_function("window.seatApp.maxUpload > 0")
        page.set_input_files("#file", str(target_video[0]))
        page.wait_for_function("window.seatApp.state === 'editing'")
        x, y, w, h = target_video[1][0]
        drag_on_canvas(page, 320, (x, y), (x + w, y + h))
        page.click("#start")
        page.wait_for_function("window.seatApp.boxes.length >= 2")
    finally:
        live.close()  # the server goes away mid-run
    page.wait_for_function("document.querySelector('#message').textContent.includes('connection to the server')")
    assert page.evaluate("window.seatApp.state") == "finished" and not page.is_disabled("#start")
    page.close()
