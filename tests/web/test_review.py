"""The review timeline in a real headless browser (Debian's chromium through Playwright) on the real seat_lite:
frame k from the server with box k drawn over it, during and after a run; keys, slider and play; how fast it
scrubs."""

from __future__ import annotations

import random
import time
from pathlib import Path

import numpy as np

from seattrack.ops.boxes import iou
from seattrack.web.app import shared_tracker_factory
from tests.web.helpers import LiveServer, drag_on_canvas, open_page, save_screenshot, write_target_video

DOCS = Path(__file__).resolve().parents[2] / "docs"


def canvas_rgb(page, box) -> np.ndarray:
    """The view's pixels (RGB) inside `box` (x, y, w, h in image pixels, clipped to the canvas)."""
    x, y, w, h = (int(round(v)) for v in box)
    data = page.evaluate("""([x, y, w, h]) => {
        const c = document.querySelector('#view');
        x = Math.max(0, x); y = Math.max(0, y);
        w = Math.max(1, Math.min(w, c.width - x)); h = Math.max(1, Math.min(h, c.height - y));
        return [w, h, Array.from(c.getContext('2d').getImageData(x, y, w, h).data)];
    }""", [x, y, w, h])
    return np.asarray(data[2], dtype=np.uint8).reshape(data[1], data[0], 4)[..., :3].astype(int)


def magenta_pixels(page, box, margin: int = 3) -> int:
    """Pixels of the target's magenta frame in `box` grown by `margin`: where the frame shown has its target."""
    x, y, w, h = box
    rgb = canvas_rgb(page, (x - margin, y - margin, w + 2 * margin, h + 2 * margin))
    return int(((rgb[..., 0] > 150) & (rgb[..., 2] > 150) & (rgb[..., 1] < 100)).sum())


def box_drawn(page, box) -> float:
    """Fraction of the top edge of `box` painted in the page's tracked-box green."""
    x, y, w, _ = box
    rgb = canvas_rgb(page, (x + 2, y - 1, w - 4, 3))
    green = (rgb[..., 1] > 180) & (rgb[..., 0] < 150) & (rgb[..., 2] < 200)
    return float(green.any(axis=0).mean())


def show(page, k: int) -> None:
    """Wait until the view has drawn frame `k`."""
    page.wait_for_function(f"window.seatApp.shown === {k}", timeout=10_000)


def assert_frame_with_its_box(page, k: int, gt: np.ndarray, boxes: np.ndarray) -> None:
    """The view shows frame k (its target where the ground truth puts it, not where another frame has it) with the
    track's box k drawn on it, and the label names frame k and its score."""
    centres = gt[:, :2] + gt[:, 2:] / 2
    far = int(np.argmax(np.linalg.norm(centres - centres[k], axis=1)))  # the frame whose target is farthest away
    here, there = magenta_pixels(page, gt[k]), magenta_pixels(page, gt[far])
    assert here > 60 and here > 4 * there, (k, here, there)
    assert box_drawn(page, boxes[k]) > 0.8, (k, canvas_rgb(page, (boxes[k][0] + 2, boxes[k][1] - 1, 8, 3)).tolist())
    assert page.text_content("#frame-label").startswith(f"frame {k} /")


def test_review_timeline_during_and_after_a_run(paused_page, target_video):
    """The paused server holds the run before frame 4: the user steps back to frame 2 while it runs and sees box 2
    on frame 2; after the run, ←/→, the slider and Space show box k on frame k for every frame visited."""
    page, (path, gt) = paused_page, target_video
    page.set_input_files("#file", str(path))
    page.wait_for_function("window.seatApp.state === 'editing' && window.seatApp.shown === 0")
    x, y, w, h = gt[0]
    drag_on_canvas(page, 320, (x, y), (x + w, y + h))
    page.click("#start")
    page.wait_for_function("window.seatApp.boxes.length >= 4")
    assert page.evaluate("window.seatApp.state") == "tracking"
    page.keyboard.press("ArrowLeft")
    show(page, 2)
    assert page.evaluate("window.seatApp.state") == "tracking"  # reviewed while the run goes on
    assert_frame_with_its_box(page, 2, gt, np.array(page.evaluate("window.seatApp.boxes.slice(0, 3)")))

    page.wait_for_function("window.seatApp.state === 'finished'", timeout=60_000)
    assert page.evaluate("window.seatApp.frame") == 2  # the view stayed where the user went
    boxes = np.array(page.evaluate("window.seatApp.boxes"))
    assert boxes.shape == gt.shape and iou(boxes, gt).min() > 0.45
    for key, k in (("ArrowRight", 3), ("ArrowRight", 4), ("Shift+ArrowRight", 14), ("ArrowLeft", 13)):
        page.keyboard.press(key)
        show(page, k)
        assert_frame_with_its_box(page, k, gt, boxes)
    for k in (39, 7, 30):
        page.eval_on_selector("#timeline", f"s => {{ s.value = {k}; s.dispatchEvent(new Event('input')); }}")
        show(page, k)
        assert_frame_with_its_box(page, k, gt, boxes)
    drawn = page.evaluate("window.seatApp.drawn")
    page.keyboard.press("Space")  # play from frame 30 to the end
    page.wait_for_function("window.seatApp.shown === 39 && document.querySelector('#play').textContent === 'Play'")
    assert page.evaluate("window.seatApp.drawn") - drawn == 9  # every frame on the way drawn
    assert_frame_with_its_box(page, 39, gt, boxes)
    page.eval_on_selector("#timeline", "s => { s.value = 20; s.dispatchEvent(new Event('input')); }")
    show(page, 20)
    assert "score 0." in page.text_content("#frame-label")
    save_screenshot(page, DOCS / "web-review.png")


def _percentiles(ms: list[float]) -> str:
    return f"p50 {np.percentile(ms, 50):.1f} ms, p90 {np.percentile(ms, 90):.1f} ms ({len(ms)} frames)"


SCRUB = """async (frames) => {
    const times = [];
    for (const k of frames) {
        const t0 = performance.now();
        await window.seatApp.showFrame(k);
        times.push(performance.now() - t0);
    }
    return times;
}"""
"""Each frame asked for as the slider does, timed from the request to the frame and its box drawn."""


def test_scrub_latency_and_frame_rates(browser, seat_lite, tmp_path):
    """Figures on a 1280x720, 150-frame video (printed; run with -s): time from choosing the file to its first
    frame drawn, the page's frame rate while tracking, and ms per frame shown when scrubbing: frames never seen
    (random order, every one a request), the same frames again (the page's cache), and stepping through the
    tracked video with boxes drawn."""
    path, gt = write_target_video(tmp_path, n=150, size=(1280, 720))
    live = LiveServer(shared_tracker_factory(seat_lite), max_upload_mb=50)
    page = open_page(browser, live)
    try:
        began = time.perf_counter()
        page.set_input_files("#file", str(path))
        page.wait_for_function("window.seatApp.shown === 0")
        first_frame_s = time.perf_counter() - began
        frames = random.Random(0).sample(range(1, 150), 60)
        cold = page.evaluate(SCRUB, frames)
        warm = page.evaluate(SCRUB, frames)

        page.evaluate("window.seatApp.showFrame(0)")  # back to the first frame: the box is drawn on the frame shown
        x, y, w, h = gt[0]
        drag_on_canvas(page, 1280, (x, y), (x + w, y + h))
        page.click("#start")
        page.wait_for_function("window.seatApp.boxes.length >= 2")
        drawn, tick = page.evaluate("window.seatApp.drawn"), time.perf_counter()
        page.wait_for_function("window.seatApp.state === 'finished'", timeout=120_000)
        live_fps = (page.evaluate("window.seatApp.drawn") - drawn) / (time.perf_counter() - tick)
        run_fps = float(page.text_content("#summary").split("whole run ")[1].split(" ")[0])
        stepping = page.evaluate(SCRUB, list(range(150)))
        assert iou(np.array(page.evaluate("window.seatApp.boxes")), gt).mean() > 0.5
    finally:
        page.close()
        live.close()
    print(f"\n1280x720 mp4, 150 frames: upload to first frame {first_frame_s * 1000:.0f} ms; page frame rate while "
          f"tracking {live_fps:.1f} frames/s (run {run_fps:.1f} frames/s)")
    print(f"scrub, frames never seen (random): {_percentiles(cold)}")
    print(f"scrub, same frames again (cached): {_percentiles(warm)}")
    print(f"step through the tracked video with boxes: {_percentiles(stepping)}")
    assert np.percentile(cold, 90) < 1000 and np.percentile(warm, 90) < 200


PLOT_ROWS = """() => {
    const c = document.querySelector('#plot');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const rows = [];
    for (let i = 0; i < d.length; i += 4) {
        if (d[i + 1] > 100 && d[i] < 60 && d[i + 2] < 110 && d[i + 3] > 0) rows.push(Math.floor(i / 4 / c.width));
    }
    return [c.height / (window.devicePixelRatio || 1), window.devicePixelRatio || 1, rows];
}"""
"""The plot's height in CSS pixels, the pixel ratio, and the canvas row of every pixel of the green score line."""


def test_score_plot_shows_a_failure_and_the_speeds_are_labelled(page, target_video):
    """A box drawn on background that the moving target later covers: a real failure (the tracked patch is hidden),
    whose scores drop, and on the plot's nines scale (0.9, 0.99, 0.999 evenly spaced) the line spans rows that match the
    lowest and highest score. The end screen names each speed figure."""
    path, gt = target_video
    page.set_input_files("#file", str(path))
    page.wait_for_function("window.seatApp.state === 'editing' && window.seatApp.shown === 0")
    x, y, w, h = gt[22]  # background on frame 0, which the target covers as it passes
    drag_on_canvas(page, 320, (x, y), (x + w, y + h))
    page.click("#start")
    page.wait_for_function("window.seatApp.state === 'finished'", timeout=60_000)
    scores = np.array(page.evaluate("window.seatApp.scores"))[1:]
    css_height, ratio, rows = page.evaluate(PLOT_ROWS)

    def row(score: float) -> float:  # the plot's mapping: top pad 16, bottom pad 18 CSS pixels
        nines = min(-np.log10(max(1 - score, 1e-3)), 3) / 3
        return (16 + (css_height - 34) * (1 - nines)) * ratio

    assert abs(min(rows) - row(scores.max())) < 3 * ratio and abs(max(rows) - row(scores.min())) < 3 * ratio
    assert scores.min() < 0.99 and (max(rows) - min(rows)) / ratio > 20  # a drop a linear axis shows as 1-2 px
    presence = np.array(page.evaluate("window.seatApp.presence.slice(1)"), dtype=float)
    print(f"\nbox on background the target covers: presence {presence.min():.2f}-{presence.max():.2f}, "
          f"scores {scores.min():.3f}-{scores.max():.3f}, plotted over "
          f"{(max(rows) - min(rows)) / ratio:.0f} of {css_height - 34:.0f} px (a linear 0-1 axis: "
          f"{(scores.max() - scores.min()) * (css_height - 34):.0f} px)")
    summary = page.text_content("#summary")
    assert "Tracker speed" in summary and "(crop and network, per frame)" in summary
    assert "whole run" in summary and "(video decoding included)" in summary
    assert page.text_content("#fps").startswith("run ")
