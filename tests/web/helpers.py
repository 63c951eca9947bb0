"""Shared by the web tests and the screenshot script: a live server in a thread, test videos, an HTTP client."""

from __future__ import annotations

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

from seattrack.track.backends import TorchBackend
from seattrack.track.tracker import SeatTracker
from seattrack.web.app import create_app
from tests.conftest import render_target_sequence
from tests.track.oracle import MagentaOracle

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]


class PacedOracleTracker(SeatTracker):
    """A SeatTracker on the colour oracle network, slowed down so that runs overlap and can be caught mid-way."""

    def __init__(self, delay_s: float):
        super().__init__(TorchBackend(MagentaOracle()), "default")
        self.delay_s = delay_s

    def update(self, image):
        time.sleep(self.delay_s)
        return super().update(image)


class LiveServer:
    """The web app on a free local port, served by uvicorn in a background thread."""

    def __init__(self, delay_s: float = 0.02, **limits):
        self.app = create_app(lambda: PacedOracleTracker(delay_s), **limits)
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


def iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per-row intersection over union of x,y,w,h boxes."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    lo = np.maximum(a[:, :2], b[:, :2])
    hi = np.minimum(a[:, :2] + a[:, 2:], b[:, :2] + b[:, 2:])
    inter = np.prod(np.clip(hi - lo, 0, None), axis=1)
    return inter / (a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter)


def count_frames(path: Path) -> int:
    """Frames that OpenCV actually decodes from a video file."""
    capture = cv2.VideoCapture(str(path))
    n = 0
    while capture.read()[0]:
        n += 1
    capture.release()
    return n
