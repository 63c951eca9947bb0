"""Write docs/web-app.png: the page mid-tracking in headless chromium, as a 256-colour PNG.

Run from the repository root: `python -m tests.web.screenshot`.
"""

from __future__ import annotations

import argparse
import io
import shutil
import tempfile
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

from tests.web.helpers import CHROMIUM_ARGS, LiveServer, write_target_video


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="docs/web-app.png")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        video, gt = write_target_video(Path(tmp), n=60, size=(640, 360))
        server = LiveServer(delay_s=0.12)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1200, "height": 620})
                page.goto(server.url)
                page.set_input_files("#file", str(video))
                page.wait_for_function("window.seatApp.state === 'editing'")
                canvas = page.locator("#view").bounding_box()
                scale = canvas["width"] / 640
                x, y, w, h = gt[0]
                page.mouse.move(canvas["x"] + x * scale, canvas["y"] + y * scale)
                page.mouse.down()
                page.mouse.move(canvas["x"] + (x + w) * scale, canvas["y"] + (y + h) * scale, steps=5)
                page.mouse.up()
                page.click("#start")
                page.wait_for_function("window.seatApp.boxes.length >= 33")
                page.wait_for_timeout(150)  # let the latest frame decode and paint
                shot = Image.open(io.BytesIO(page.screenshot()))
                browser.close()
        finally:
            server.close()
    shot.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(args.out, optimize=True)
    print(f"wrote {args.out} ({Path(args.out).stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
