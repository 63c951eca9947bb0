"""Write docs/web-app.png: the page mid-tracking the bundled sample clip with the shipped seat_lite, in headless
chromium, as a 256-colour PNG.

Run from the repository root: `python -m tests.web.screenshot`. The run pauses before frame 34 (of 60) while the
shot is taken, so the page shows a run in progress; the frames, boxes, scores and fps on it are the real ones.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from playwright.sync_api import sync_playwright

from seattrack.loading import load_tracker
from tests.web.helpers import CHROMIUM_ARGS, LiveServer, PausingTracker, bundled_clip, drag_on_canvas, save_screenshot

SHOT_AT = 33  # frames tracked when the shot is taken


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="docs/web-app.png")
    args = parser.parse_args()
    tracker = load_tracker("seat_lite")
    clip, gt = bundled_clip()
    server = LiveServer(lambda: PausingTracker(tracker, at_frame=SHOT_AT, pause_s=5.0))
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1040, "height": 640})
            page.goto(server.url)
            page.wait_for_function("window.seatApp.maxUpload > 0")
            page.select_option("#clips", clip.name)
            page.click("#open-clip")
            page.wait_for_function("window.seatApp.state === 'editing'")
            x, y, w, h = gt[0]
            drag_on_canvas(page, 320, (x, y), (x + w, y + h))
            page.click("#start")
            page.wait_for_function(f"window.seatApp.boxes.length >= {SHOT_AT}")
            page.wait_for_timeout(300)  # let the latest frame decode and paint
            save_screenshot(page, Path(args.out))
            browser.close()
    finally:
        server.close()
    print(f"wrote {args.out} ({Path(args.out).stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
