"""An H.264 mp4 writer that browsers play: raw frames piped to the ffmpeg build of the PyPI package imageio-ffmpeg.

OpenCV's wheels write MPEG-4 Part 2 into mp4, which Chromium and Firefox refuse (`canPlayType` answers ""); their
FFmpeg has H.264 decoders but no encoder. imageio-ffmpeg ships a static ffmpeg with libx264, so the page's
annotated video plays in the browser and in every desktop player. The file appears only once ffmpeg has finished
without error (a temporary file beside it, renamed into place).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

from ..errors import SeatError
from ..track.video import replace_when_decodable, temp_beside

PRESET = "veryfast"  # libx264's speed/size trade-off: 'veryfast' encodes several times faster than 'medium'
CRF = 23  # libx264's default quality


def ffmpeg_exe() -> str:
    """The ffmpeg executable bundled with imageio-ffmpeg."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


class H264Sink:
    """Write BGR frames of one size to `path` as H.264 (yuv420p, faststart) in mp4, atomically."""

    def __init__(self, path: str | Path, fps: float):
        self.path = Path(path)
        self.fps = fps
        self.process: subprocess.Popen | None = None
        self.size: tuple[int, int] | None = None
        self.frames = 0
        self._tmp = temp_beside(self.path, ".mp4")

    def _start(self, width: int, height: int) -> None:
        """Start ffmpeg reading raw frames of this size from its stdin; odd sides are padded by a pixel (4:2:0)."""
        self.size = (width, height)
        command = [ffmpeg_exe(), "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "bgr24",
                   "-s", f"{width}x{height}", "-r", f"{self.fps:.6g}", "-i", "-",
                   "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-c:v", "libx264", "-preset", PRESET, "-crf", str(CRF),
                   "-pix_fmt", "yuv420p", "-movflags", "+faststart", "-f", "mp4", str(self._tmp)]
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=subprocess.PIPE)

    def write(self, frame: np.ndarray) -> None:
        if self.process is None:
            self._start(frame.shape[1], frame.shape[0])
        if (frame.shape[1], frame.shape[0]) != self.size:
            raise SeatError(f"output video {self.path}: frame {frame.shape[1]}x{frame.shape[0]} differs from the "
                            f"first frame's {self.size[0]}x{self.size[1]}")
        try:
            self.process.stdin.write(np.ascontiguousarray(frame, dtype=np.uint8).tobytes())
            self.frames += 1
        except BrokenPipeError:
            raise SeatError(f"output video {self.path}: ffmpeg stopped: {self._finish()}") from None

    def _finish(self) -> str:
        """Close ffmpeg's input, wait for it, and return its error output ('' when it succeeded)."""
        if self.process.stdin and not self.process.stdin.closed:
            try:
                self.process.stdin.close()
            except BrokenPipeError:
                pass
        error = self.process.stderr.read().decode(errors="replace").strip()
        return error if self.process.wait() != 0 else ""

    def close(self) -> None:
        """Finish the file and move it into place once it decodes with every frame; an ffmpeg failure is one line
        naming the file."""
        if self.process is None:
            self.abort()
            raise SeatError(f"output video {self.path}: no frames to write")
        error = self._finish()
        if error or self.process.returncode != 0:
            self.abort()
            raise SeatError(f"output video {self.path}: ffmpeg failed: {error.splitlines()[-1] if error else '?'}")
        replace_when_decodable(self._tmp, self.path, self.frames)

    def abort(self) -> None:
        """Stop ffmpeg and delete the temporary file; `path` is left as it was."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> H264Sink:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.abort() if exc_type else self.close()
