"""A session's track in the formats people load elsewhere, and the annotated video rendered from it.

A track is one box per frame from frame 0 (None before the first box drawn), a score per box, and its keyframes:
the frames whose box the user drew (the first box, and every correction). A run of several targets is one track per
target, target 1 first: the writers take the list. Frames are numbered from 0, as on the page's timeline, except in
MOT-challenge lines, whose format numbers them (and the target ids) from 1.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ..track.video import TARGET_COLORS, FrameSource, draw_result
from .h264 import H264Sink

KEYFRAME_COLOR = (0, 165, 255)  # BGR orange: a box the user drew, in the annotated video
TRACKED_COLOR = (0, 255, 0)


@dataclass(frozen=True)
class Track:
    """Boxes (x, y, w, h, video pixels; None where no box exists yet), scores, presence (the calibrated probability
    that the target is in the box; None without a calibration, and on keyframes) and lost flags per frame, and
    the keyframes."""

    boxes: Sequence[Sequence[float] | None]
    scores: Sequence[float | None]
    keyframes: Sequence[int]
    presence: Sequence[float | None]
    lost: Sequence[bool]

    def rows(self) -> list[tuple[int, Sequence[float], float, float | None, bool, bool]]:
        """(frame, box, score, presence, lost, is keyframe) of every frame that has a box."""
        keys = set(self.keyframes)
        columns = zip(self.boxes, self.scores, self.presence, self.lost, strict=True)
        return [(k, box, float(score), present, lost, k in keys)
                for k, (box, score, present, lost) in enumerate(columns) if box is not None]


def _num(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".")


def target_rows(tracks: Sequence[Track]) -> list[tuple[int, int, Sequence[float], float, float | None, bool, bool]]:
    """(target from 1, frame, box, score, presence, lost, is keyframe) of every target's boxes, frame by frame."""
    rows = [(target, *row) for target, track in enumerate(tracks, 1) for row in track.rows()]
    return sorted(rows, key=lambda row: (row[1], row[0]))


def to_csv(tracks: Sequence[Track]) -> str:
    """`frame,x,y,w,h,score,present,lost,keyframe` with a header: present is the calibrated presence (empty without
    a calibration and on keyframes), lost 1 where it flags the target lost, keyframe 1 on a box the user drew.
    Several targets add a last column, `target` (from 1); one target keeps the columns above."""
    several = len(tracks) > 1
    lines = ["frame,x,y,w,h,score,present,lost,keyframe" + (",target" if several else "")]
    lines += [",".join([str(k), *map(_num, box), _num(score), "" if present is None else _num(present), str(int(lost)),
                        str(int(key)), *([str(target)] if several else [])])
              for target, k, box, score, present, lost, key in target_rows(tracks)]
    return "\n".join(lines) + "\n"


def to_json(tracks: Sequence[Track], name: str, width: int, height: int, fps: float) -> str:
    """The whole track as one JSON document: video, targets, keyframes, and a record per frame and target that has a
    box (`target` from 1)."""
    frames = [{"frame": k, "target": target, "box": [round(v, 4) for v in box], "score": round(score, 6),
               "present": None if present is None else round(present, 6), "lost": lost, "keyframe": key}
              for target, k, box, score, present, lost, key in target_rows(tracks)]
    document = {"video": name, "width": width, "height": height, "fps": fps, "box_format": "x,y,w,h pixels",
                "targets": len(tracks), "keyframes": list(tracks[0].keyframes), "frames": frames}
    return json.dumps(document, indent=1) + "\n"


def to_mot(tracks: Sequence[Track]) -> str:
    """MOT-challenge lines `frame,id,x,y,w,h,conf,-1,-1,-1`: frames from 1, target ids from 1, conf the score.
    The format has no field for keyframes; the CSV and JSON exports mark them."""
    return "".join(f"{k + 1},{target},{','.join(map(_num, box))},{_num(score)},-1,-1,-1\n"
                   for target, k, box, score, *_ in target_rows(tracks))


def to_box_file(track: Track) -> str:
    """`x,y,w,h` per frame from frame 0 to the last tracked one, as `seattrack track --txt` writes; `nan,nan,nan,nan`
    on a frame before the first box."""
    lines = [",".join(f"{v:.4f}" for v in (box if box is not None else [math.nan] * 4)) for box in track.boxes]
    return "\n".join(lines) + ("\n" if lines else "")


def render_video(source: Path, out: Path, tracks: Sequence[Track], fps: float, text: bool = True,
                 writer: type = H264Sink) -> None:
    """The video's frames up to the last tracked one with each frame's boxes (target 1's in orange on keyframes,
    else green; the others in `draw_result`'s next colours), written atomically to `out` as H.264 mp4 (`writer`: the
    writer class; the benchmark passes OpenCV's VideoSink). `text` burns in the scores; without it only the boxes
    are drawn (for footage to reuse)."""
    keys = set(tracks[0].keyframes)
    video = FrameSource(str(source))
    try:
        with writer(out, fps) as sink:
            last = None
            for index, frame in zip(range(len(tracks[0].boxes)), video, strict=False):
                last = frame if frame is not None else last
                if tracks[0].boxes[index] is None:
                    sink.write(last)
                    continue
                boxes = np.asarray([t.boxes[index] for t in tracks])
                color = KEYFRAME_COLOR if index in keys else TRACKED_COLOR
                sink.write(draw_result(last, boxes, [t.scores[index] for t in tracks], None, color) if text else
                           _draw_boxes(last, boxes, color))
    finally:
        if video.capture is not None:
            video.capture.release()


def _draw_boxes(frame: np.ndarray, boxes: np.ndarray, color: tuple[int, int, int]) -> np.ndarray:
    """A copy of `frame` with the boxes only (the same line width and colours as `draw_result`, `color` first)."""
    out = frame.copy()
    colors = (color, *[c for c in TARGET_COLORS if c != color])
    for k, box in enumerate(boxes):
        x, y, w, h = (int(round(v)) for v in box)
        cv2.rectangle(out, (x, y), (x + w, y + h), colors[k % len(colors)], max(1, round(min(out.shape[:2]) / 240)))
    return out
