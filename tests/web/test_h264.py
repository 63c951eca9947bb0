"""The annotated video as H.264 mp4 (imageio-ffmpeg's ffmpeg with libx264): it plays in Chromium, shows box k on
frame k, and how fast it encodes against OpenCV's MPEG-4 Part 2 writer (printed; run with -s)."""

from __future__ import annotations

import time

import cv2
import numpy as np

from seattrack.track.video import VideoSink
from seattrack.web.h264 import H264Sink
from tests.web.helpers import count_frames, track_typed_box, write_target_video
from tests.web.test_review import show

PLAY = """async ([url, box]) => {
    const video = document.createElement('video');
    video.muted = true;
    video.src = url;
    await new Promise((ok, fail) => {
        video.onloadeddata = ok;
        video.onerror = () => fail(new Error('video error ' + (video.error && video.error.code)));
    });
    video.currentTime = 25 / 25 + 0.01;  // frame 25 at 25 frames/s
    await new Promise((ok) => { video.onseeked = ok; });
    const canvas = document.createElement('canvas');
    [canvas.width, canvas.height] = [video.videoWidth, video.videoHeight];
    const g = canvas.getContext('2d');
    g.drawImage(video, 0, 0);
    const [x, y, w] = box.map(Math.round);
    const edge = Array.from(g.getImageData(x + 3, y - 1, w - 6, 3).data);
    await video.play();
    await new Promise((ok) => setTimeout(ok, 300));
    return [video.videoWidth, video.videoHeight, video.duration, video.currentTime > 1.0, edge,
            video.canPlayType('video/mp4; codecs="avc1.64001E"')];
}"""
"""Load the mp4 in a <video> element, seek to frame 25, return its size, duration, whether it then plays, the
pixels along box 25's top edge, and what the browser says about H.264."""


def is_green(rgb: np.ndarray) -> np.ndarray:
    """Pixels of the boxes' green after H.264's 4:2:0 chroma subsampling, which blends the 2-px line's colour with
    the background beside it (red measured from 75 to 145 along one edge): green well above red and blue."""
    r, g, b = (rgb[..., i].astype(int) for i in range(3))
    return (g > 150) & (g - r > 40) & (g - b > 40)


def test_the_annotated_video_plays_in_chromium(page, target_video):
    path, gt = target_video
    track_typed_box(page, path, gt[0])
    show(page, 39)
    box = page.evaluate("window.seatApp.boxes[25]")
    for link in ("#download-video", "#download-plain"):
        url = page.eval_on_selector(link, "a => a.href")
        width, height, duration, plays, edge, can_play = page.evaluate(PLAY, [url, box])
        assert (width, height) == (320, 240) and abs(duration - len(gt) / 25) < 0.05 and plays, link
        rgb = np.asarray(edge).reshape(3, -1, 4)[..., :3]
        green = is_green(rgb).any(axis=0)
        assert green.mean() > 0.8, link  # box 25 on frame 25, in the video's own green
    assert can_play == "probably"


def _encode_fps(writer, path, frames: list[np.ndarray]) -> float:
    began = time.perf_counter()
    with writer(path, 25.0) as sink:
        for frame in frames:
            sink.write(frame)
    return len(frames) / (time.perf_counter() - began)


def test_h264_encoding_speed_against_opencv_mpeg4(tmp_path):
    """Frames already decoded and drawn, so only the writers are timed; both files are checked to decode fully."""
    lines = []
    for size, n in (((320, 240), 300), ((1280, 720), 150)):
        source, _ = write_target_video(tmp_path / f"{size[0]}", n=n, size=size)
        capture = cv2.VideoCapture(str(source))
        frames = [capture.read()[1] for _ in range(n)]
        capture.release()
        speeds = {}
        for name, writer in (("H.264 (libx264 veryfast)", H264Sink), ("MPEG-4 Part 2 (OpenCV)", VideoSink)):
            out = tmp_path / f"{size[0]}-{writer.__name__}.mp4"
            speeds[name] = _encode_fps(writer, out, frames)
            assert count_frames(out) == n, name
            speeds[name] = (speeds[name], out.stat().st_size / 1024)
        lines.append(f"{size[0]}x{size[1]}, {n} frames: " + "; ".join(
            f"{name} {fps:.0f} frames/s, {kb:.0f} KB" for name, (fps, kb) in speeds.items()))
    print("\n" + "\n".join(lines))
