"""Keyboard-only use, the first screen's guide and favicon, and a phone-sized screen, in a real headless browser
(Debian's chromium through Playwright) on the real seat_lite."""

from __future__ import annotations

import csv
import io

import numpy as np

from tests.web.helpers import track_typed_box
from tests.web.test_review import box_drawn, show


def tab_to(page, element_id: str, presses: int = 40) -> None:
    """Press Tab until `element_id` has the focus, as a keyboard user moves through the page."""
    for _ in range(presses):
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached #{element_id}")


def test_keyboard_only_from_upload_to_download(paused_page, target_video, tmp_path):
    """The box typed into its fields and nudged with the arrows, Enter tracks, Esc stops during the server's pause
    before frame 4, ←/→ review, and Enter on a focused link downloads the partial track's CSV."""
    page, (path, gt) = paused_page, target_video
    page.set_input_files("#file", str(path))  # the file dialog itself is the system's
    page.wait_for_function("window.seatApp.state === 'editing' && window.seatApp.shown === 0")
    tab_to(page, "box-x")
    x, y, w, h = (int(v) for v in gt[0])
    for value in (x - 1, y - 10, w, h):  # one pixel left and ten up, fixed by nudging below
        page.keyboard.type(str(value))
        page.keyboard.press("Tab")
    assert not page.is_disabled("#start")  # the box is taken from the fields as the focus leaves them
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Shift+ArrowDown")
    assert page.evaluate("window.seatApp.box") == {"x": x, "y": y, "w": w, "h": h}
    assert page.evaluate("window.seatApp.frame") == 0  # the arrows moved the box, not the timeline

    page.keyboard.press("Enter")
    page.wait_for_function("window.seatApp.state === 'tracking' && window.seatApp.boxes.length >= 3")
    page.keyboard.press("Escape")
    page.wait_for_function("window.seatApp.state === 'finished'")
    kept = len(page.evaluate("window.seatApp.boxes"))
    assert 3 <= kept < len(gt)
    page.keyboard.press("ArrowLeft")  # the view was on the newest frame
    show(page, kept - 2)
    assert box_drawn(page, page.evaluate(f"window.seatApp.boxes[{kept - 2}]")) > 0.8

    tab_to(page, "download-csv")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    saved = tmp_path / "track.csv"
    download.value.save_as(saved)
    rows = list(csv.DictReader(io.StringIO(saved.read_text())))
    assert len(rows) == kept and [float(rows[0][k]) for k in "xywh"] == [x, y, w, h]


def test_escape_clears_the_box_then_returns_to_the_review(page, target_video):
    path, gt = target_video
    track_typed_box(page, path, gt[0])
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("Shift+ArrowLeft")  # from the last frame, which the view followed
    show(page, 29)
    box = page.evaluate("window.seatApp.boxes[29]")
    page.fill("#box-x", str(int(box[0]) + 5))  # a correction started from the fields
    page.dispatch_event("#box-x", "change")
    assert page.evaluate("window.seatApp.state") == "editing"
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("Escape")  # clears the box being drawn
    assert page.evaluate("window.seatApp.box") is None and page.evaluate("window.seatApp.state") == "editing"
    page.keyboard.press("Escape")  # and gives up the correction: the track is as it was
    assert page.evaluate("window.seatApp.state") == "finished"
    assert np.allclose(page.evaluate("window.seatApp.boxes[29]"), box) and page.evaluate("window.seatApp.frame") == 29


def test_guide_favicon_and_a_phone_sized_screen(browser, server, target_video):
    """No request of the page fails (the favicon included); on a 390x844 touch screen nothing is wider than the
    screen and the box's handles are sized for a finger."""
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    failed = []
    page.on("response", lambda response: failed.append(response.url) if response.status >= 400 else None)
    try:
        page.goto(server.url)
        page.wait_for_function("window.seatApp && window.seatApp.maxUpload > 0")
        assert page.text_content("#guide").startswith("Open a video → drag a box around the target → Track")
        icon = page.eval_on_selector("link[rel=icon]", "l => l.href")
        assert page.request.get(icon).status == 200 and page.request.get(icon).body().startswith(b"<svg")
        page.set_input_files("#file", str(target_video[0]))
        page.wait_for_function("window.seatApp.state === 'editing' && window.seatApp.shown === 0")
        assert not failed, failed
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        rights = page.evaluate("[...document.querySelectorAll('.panel, #controls, #viewer, #timeline-row')]"
                               ".map((e) => e.getBoundingClientRect().right)")
        assert max(rights) <= 390, rights
        assert page.evaluate("window.seatApp.handlePx") >= 12
    finally:
        page.close()
