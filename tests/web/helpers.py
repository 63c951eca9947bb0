"""Shared by the web tests and the screenshot script: a live server in a thread, test videos, an HTTP client.

Every server tracks with the real shipped seat_lite; `PausingTracker` only adds a pause, for the tests that must
catch a run mid-way.
"""

from __future__ import annotations

import io
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import cv2
import numpy as np
import uvicorn

from seattrack.demo import demo_sequence
from seattrack.track.tracker import SeatTracker, TrackResult
from seattrack.web.app import create_app
from seattrack.web.sessions import TrackerFactory, clips_folder
from tests.conftest import render_target_sequence

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]


class PausingTracker(SeatTracker):
    """The real tracker (sharing `tracker`'s network) with one pause before frame `at_frame`; boxes are unchanged.

    Why a stand-in at all: seat_lite tracks a test clip in well under a second, too fast for a test to be sure of
    seeing a run in progress (two runs at once, a stop, a viewer leaving, the server going away, a screenshot).
    """

    def __init__(self, tracker: SeatTracker, at_frame: int, pause_s: float):
        super().__init__(tracker.backend, tracker.hypers, tracker.presence)
        self.at_frame, self.pause_s, self.frame = at_frame, pause_s, 0

    def update(self, image) -> TrackResult:
        self.frame += 1
        if self.frame == self.at_frame:
            time.sleep(self.pause_s)
        return super().update(image)


class LiveServer:
    """The web app on a free local port, served by uvicorn in a background thread."""

    def __init__(self, tracker_factory: TrackerFactory, **limits):
        self.app = create_app(tracker_factory, **limits)
        self.manager = self.app.state.manager
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        config = uvicorn.Config(self.app, log_level="warning", timeout_graceful_shutdown=1)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.url.removeprefix("http://").split(":")
        return host, int(port)

    # ------------------------------------------------------------------------------------------ HTTP client
    def call(self, method: str, path: str, body: bytes | None = None, content_type: str | None = None,
             timeout: float = 30) -> tuple[int, bytes]:
        """(status, body) of one request; error statuses are returned, not raised."""
        request = urllib.request.Request(self.url + path, data=body, method=method)
        if content_type:
            request.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def upload(self, data: bytes, name: str = "clip.mp4") -> tuple[int, dict]:
        status, body = self.call("POST", f"/api/sessions?name={name}", data, "application/octet-stream")
        return status, json.loads(body)

    def start(self, session_id: str, box) -> tuple[int, dict]:
        payload = json.dumps({"box": [float(v) for v in box]}).encode()
        status, body = self.call("POST", f"/api/sessions/{session_id}/track", payload, "application/json")
        return status, json.loads(body)

    def watch(self, session_id: str, timeout: float = 60) -> tuple[str, dict, list[dict]]:
        """Read the run's event stream to its end: (final event, its payload, the progress payloads)."""
        progress = []
        with urllib.request.urlopen(f"{self.url}/api/sessions/{session_id}/events", timeout=timeout) as stream:
            event = None
            for raw in stream:
                line = raw.decode().rstrip("\n")
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: "):
                    payload = json.loads(line[6:])
                    if event != "progress":
                        return event, payload, progress
                    progress.append(payload)
        raise AssertionError("the event stream ended without a final event")

    def open_viewer(self, session_id: str) -> socket.socket:
        """A raw event-stream connection that has received a progress event; closing it is a viewer leaving."""
        sock = socket.create_connection(self.address, timeout=10)
        sock.sendall(f"GET /api/sessions/{session_id}/events HTTP/1.1\r\nHost: {self.address[0]}\r\n\r\n".encode())
        received = b""
        while b"event: progress" not in received:
            received += sock.recv(65536)
        return sock


def open_page(browser, live: LiveServer, viewport=(1280, 860)):
    """A new page (Playwright) on `live`'s app, once its configuration has loaded."""
    page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
    page.goto(live.url)
    page.wait_for_function("window.seatApp && window.seatApp.maxUpload > 0")
    return page


def save_screenshot(page, path: Path) -> None:
    """The page as a 256-colour PNG (small enough for the repository), written atomically."""
    from PIL import Image

    from seattrack.fileio import atomic_path

    shot = Image.open(io.BytesIO(page.screenshot()))
    with atomic_path(path) as tmp:
        shot.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(tmp, format="PNG", optimize=True)


def drag_on_canvas(page, image_width: int, start, end) -> None:
    """Drag the mouse on the page's canvas (a Playwright page) between two points given in image pixels."""
    canvas = page.locator("#view").bounding_box()
    scale = canvas["width"] / image_width
    page.mouse.move(canvas["x"] + start[0] * scale, canvas["y"] + start[1] * scale)
    page.mouse.down()
    page.mouse.move(canvas["x"] + end[0] * scale, canvas["y"] + end[1] * scale, steps=6)
    page.mouse.up()


def streamed_boxes(progress: list[dict]) -> np.ndarray:
    """All boxes of a run's progress events, in frame order."""
    return np.concatenate([p["boxes"] for p in progress if p["boxes"]])


def bundled_clip() -> tuple[Path, np.ndarray]:
    """The sample clip the app offers (`demo.mp4`: the demo sequence's frames as a video) and its ground truth."""
    return clips_folder() / "demo.mp4", demo_sequence().boxes


def write_target_video(folder: Path, n: int = 40, size=(320, 240), flip: bool = False) -> tuple[Path, np.ndarray]:
    """An mp4 (OpenCV, mp4v) of the magenta-framed target moving over a real photo, and its true boxes."""
    frames, boxes = render_target_sequence(folder / "frames", n=n, size=size)
    path = folder / "target.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 25, size)
    for frame_path in frames:
        frame = cv2.imread(str(frame_path))
        writer.write(frame[:, ::-1] if flip else frame)
    writer.release()
    if flip:
        boxes = boxes.copy()
        boxes[:, 0] = size[0] - boxes[:, 0] - boxes[:, 2]
    return path, boxes


def count_frames(path: Path) -> int:
    """Frames that OpenCV actually decodes from a video file."""
    capture = cv2.VideoCapture(str(path))
    n = 0
    while capture.read()[0]:
        n += 1
    capture.release()
    return n


def track_typed_box(page, video: Path, box) -> None:
    """Open `video` in the page, type `box` into the numeric fields, press Enter and wait for the run to finish."""
    page.set_input_files("#file", str(video))
    page.wait_for_function("window.seatApp.state === 'editing' && window.seatApp.shown === 0")
    for field, value in zip(("#box-x", "#box-y", "#box-w", "#box-h"), box, strict=True):
        page.fill(field, str(int(value)))
    page.keyboard.press("Enter")  # in a field: the typed box, then track
    page.wait_for_function("window.seatApp.state === 'finished'", timeout=60_000)
