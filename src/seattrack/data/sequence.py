"""The `Sequence` contract: every dataset source yields these and everything downstream reads only these.

Frames are file paths (datasets on disk, read when asked for) or BGR uint8 arrays (clips rendered in memory); one
type serves both so readers, the synthetic renderer and calibration hand the same thing downstream. Boxes are
(N, 4) float64 `x, y, w, h` in 0-based pixels (top-left corner, continuous coordinates: pixel j spans [j, j+1)).
Rows for frames without a usable box are NaN and `visible` is False there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import SeatError
from ..ops.frames import read_frame


@dataclass
class Sequence:
    """One annotated video: frames (paths or arrays), boxes, visibility and optional per-frame attributes."""

    name: str
    frames: list[str] | list[np.ndarray]
    boxes: np.ndarray
    visible: np.ndarray | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    dataset: str = ""

    def __post_init__(self) -> None:
        self.frames = [f if isinstance(f, np.ndarray) else str(f) for f in self.frames]
        self.boxes = np.asarray(self.boxes, dtype=np.float64).reshape(-1, 4)
        if len(self.boxes) != len(self.frames):
            raise SeatError(
                f"sequence {self.name}: {len(self.frames)} frames but {len(self.boxes)} boxes"
            )
        if self.visible is None:
            self.visible = valid_boxes(self.boxes)
        self.visible = np.asarray(self.visible, dtype=bool).reshape(-1)
        if len(self.visible) != len(self.frames):
            raise SeatError(f"sequence {self.name}: {len(self.frames)} frames but {len(self.visible)} visibility flags")

    def __len__(self) -> int:
        return len(self.frames)

    def frame(self, index: int) -> np.ndarray:
        """Frame `index` as BGR uint8: read from its file, or the in-memory array itself (not a copy)."""
        frame = self.frames[index]
        return frame if isinstance(frame, np.ndarray) else read_frame(frame)

    def subsequence(self, start: int, stop: int, name: str | None = None) -> Sequence:
        """Frames [start, stop) as a new Sequence (per-frame attribute arrays are sliced too)."""
        attrs = {
            k: (v[start:stop] if isinstance(v, np.ndarray) and len(v) == len(self) else v)
            for k, v in self.attributes.items()
        }
        return Sequence(name or self.name, self.frames[start:stop], self.boxes[start:stop],
                        self.visible[start:stop], attrs, self.dataset)


def valid_boxes(boxes: np.ndarray) -> np.ndarray:
    """True where a box is finite with positive width and height."""
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    return np.isfinite(boxes).all(1) & (boxes[:, 2] > 0) & (boxes[:, 3] > 0)


def read_box_file(path: str | Path, where: str | None = None) -> np.ndarray:
    """Read a box file: one box per line, separated by commas, tabs or spaces; 'nan'/'NaN' allowed.

    Rows with 8 values (VOT polygons) are returned as-is; callers convert them. A file that is not UTF-8 text (an
    image or other binary file under a box file's name) is a one-line SeatError naming it.
    """
    path = Path(path)
    if not path.is_file():
        raise SeatError(f"annotation file not found: {path}")
    try:
        content = path.read_text(encoding="utf-8-sig")  # -sig: a byte-order mark (Windows editors) is dropped
    except UnicodeDecodeError as exc:  # an image or other binary file under a box file's name
        raise SeatError(f"{where or path}: not a text box file (byte {exc.start} is not UTF-8 text)") from None
    rows = []
    for number, line in enumerate(content.splitlines(), 1):
        text = line.strip().replace(",", " ").replace("\t", " ").replace(";", " ")
        if not text:
            continue
        try:
            rows.append([float(v) for v in text.split()])
        except ValueError:
            raise SeatError(f"{where or path}: line {number} is not numeric: {line.strip()[:60]!r}") from None
    if not rows:
        return np.zeros((0, 4))
    widths = {len(r) for r in rows}
    if len(widths) != 1 or widths.pop() not in (4, 8):
        raise SeatError(f"{where or path}: expected 4 (x,y,w,h) or 8 (polygon) values per line")
    return np.asarray(rows, dtype=np.float64)


def write_box_file(path: str | Path, boxes: np.ndarray, delimiter: str = ",") -> None:
    """Write boxes one per line (`x,y,w,h`, 4 decimals) atomically."""
    from ..fileio import write_text_atomic

    lines = [delimiter.join(f"{v:.4f}" for v in row) for row in np.asarray(boxes, dtype=np.float64)]
    write_text_atomic(path, "\n".join(lines) + ("\n" if lines else ""))
