"""Uploading in a real headless browser (Debian's chromium through Playwright): the percentage while the file is
sent, the sources disabled meanwhile, and a video dropped on the page uploaded instead of opened by the browser."""

from __future__ import annotations

import base64

DROP = """async ([b64, name, target]) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const data = new DataTransfer();
    data.items.add(new File([bytes], name, { type: 'video/mp4' }));
    const over = new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true });
    document.querySelector(target).dispatchEvent(over);
    const drop = new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true });
    document.querySelector(target).dispatchEvent(drop);
    return [over.defaultPrevented, drop.defaultPrevented];
}"""
"""Drag a file over an element and drop it there, as a user's drag from the file manager does; returns whether
the page took over both events (otherwise the browser opens the file in place of the app)."""


def test_upload_shows_its_percentage_with_the_sources_disabled(page, target_video):
    page.set_input_files("#file", str(target_video[0]))
    page.wait_for_function("window.seatApp.state === 'editing'")
    log = page.evaluate("window.seatApp.uploadLog")
    assert log and log[-1]["percent"] == 100 and all(entry["disabled"] for entry in log)
    assert [e["percent"] for e in log] == sorted(e["percent"] for e in log)
    assert not page.is_disabled("#file") and not page.is_disabled("#open-clip") and page.is_hidden("#upload-progress")


def test_a_dropped_video_is_uploaded_not_opened(page, target_video):
    url = page.url
    data = base64.b64encode(target_video[0].read_bytes()).decode()
    assert page.evaluate(DROP, [data, "dropped.mp4", "header"]) == [True, True]
    page.wait_for_function("window.seatApp.state === 'editing' && window.seatApp.shown === 0")
    assert page.url == url and page.evaluate("window.seatApp.session.name") == "dropped.mp4"
    assert page.evaluate(DROP, [base64.b64encode(b"not a video").decode(), "notes.mp4", "#view"]) == [True, True]
    page.wait_for_function("document.querySelector('#message').textContent.includes('notes.mp4: not a video')")
    assert page.evaluate("window.seatApp.session.name") == "dropped.mp4"  # the refused drop kept the open video
