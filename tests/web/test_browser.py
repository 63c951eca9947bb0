"""The page in a real headless browser (Debian's chromium through Playwright): draw, track, watch, download."""

from __future__ import annotations

import shutil
import urllib.request

import numpy as np
import pytest

from tests.web.helpers import CHROMIUM_ARGS, LiveServer, count_frames, iou


@pytest.fixture(scope="module")
def browser():
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium; .ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server):
    page = browser.new_page(viewport={"width": 1280, "height": 860})
    page.goto(server.url)
    page.wait_for_function("window.seatApp && window.seatApp.maxUpload > 0")
    yield page
    page.close()


def _drag(page, canvas, image_width: int, start, end) -> None:
    """Drag the mouse on the canvas between two points given in image pixels."""
    scale = canvas["width"] / image_width
    page.mouse.move(canvas["x"] + start[0] * scale, canvas["y"] + start[1] * scale)
    page.mouse.down()
    page.mouse.move(canvas["x"] + end[0] * scale, canvas["y"] + end[1] * scale, steps=6)
    page.mouse.up()


def test_draw_track_watch_and_download(page, server, target_video, tmp_path):
    path, gt = target_video
    page.set_input_files("#file", str(path))
    page.wait_for_function("window.seatApp.state === 'editing'")
    canvas = page.locator("#view").bounding_box()
    x, y, w, h = gt[0]
    _drag(page, canvas, 320, (x + 4, y + 3), (x + w - 8, y + h - 6))  # a rough box ...
    _drag(page, canvas, 320, (x + 2 + w / 2, y + h / 2), (x - 2 + w / 2, y + h / 2))  # ... moved left 4 px ...
    _drag(page, canvas, 320, (x + w - 12, y + h - 6), (x + w, y + h))  # ... and its bottom-right handle pulled out
    box = page.evaluate("window.seatApp.box")
    assert iou(np.array([[box["x"], box["y"], box["w"], box["h"]]]), gt[:1])[0] > 0.85
    assert page.input_value("#box-w") == str(round(box["w"]))

    page.click("#start")
    page.wait_for_function("window.seatApp.boxes.length >= 5")
    assert page.evaluate("window.seatApp.state") == "tracking"
    assert "fps" in page.text_content("#fps") and page.evaluate("document.querySelector('#progress').value") >= 5
    page.wait_for_function("window.seatApp.state === 'finished'", timeout=30_000)

    shown = np.array(page.evaluate("window.seatApp.boxes"))
    assert shown.shape == gt.shape
    overlap = iou(shown, gt)
    assert overlap.mean() > 0.8 and overlap.min() > 0.6, overlap.round(2)
    assert page.is_visible("#download-video") and "40 frames" in page.text_content("#summary")
    plotted = page.evaluate("""(() => {
        const c = document.querySelector('#plot');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i + 1] > 100 && d[i] < 60 && d[i + 3] > 0) n++;
        return n;
    })()""")
    assert plotted > 50  # the green score line

    video = tmp_path / "tracked.mp4"
    video.write_bytes(urllib.request.urlopen(page.eval_on_selector("#download-video", "a => a.href")).read())
    assert count_frames(video) == len(gt)
    text = urllib.request.urlopen(page.eval_on_selector("#download-boxes", "a => a.href")).read().decode()
    assert np.allclose(np.loadtxt(text.splitlines(), delimiter=","), shown, atol=1e-3)


def test_page_reports_bad_inputs(page, target_video):
    page.set_input_files("#file", files=[{"name": "notes.mp4", "mimeType": "video/mp4", "buffer": b"not a video\n"}])
    page.wait_for_selector("#message:not([hidden])")
    assert "notes.mp4: not a video" in page.text_content("#message")

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


def test_sample_clip_picker(page, server):
    assert page.is_visible("#clip-picker") and page.input_value("#clips") == "walk.mp4"
    page.click("#open-clip")
    page.wait_for_function("window.seatApp.state === 'editing'")
    assert page.evaluate("window.seatApp.session.name") == "walk.mp4" and "320×240" in page.text_content("#status")


def test_page_reports_a_connection_lost_mid_run(browser, target_video):
    live = LiveServer(delay_s=0.1)
    page = browser.new_page()
    try:
        page.goto(live.url)
        page.wait_for_function("window.seatApp.maxUpload > 0")
        page.set_input_files("#file", str(target_video[0]))
        page.wait_for_function("window.seatApp.state === 'editing'")
        x, y, w, h = target_video[1][0]
        _drag(page, page.locator("#view").bounding_box(), 320, (x, y), (x + w, y + h))
        page.click("#start")
        page.wait_for_function("window.seatApp.boxes.length >= 2")
    finally:
        live.close()  # the server goes away mid-run
    page.wait_for_function("document.querySelector('#message').textContent.includes('connection to the server')")
    assert page.evaluate("window.seatApp.state") == "finished" and not page.is_disabled("#start")
    page.close()
