"""Helpers shared by the dataset readers: natural sort, frame-folder listings, label files, polygon boxes.

Everything here is cheap by design: a frame folder is listed once (one `os.scandir`, no `stat` per frame and
no image decoding), and label files are parsed with plain string splitting.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ...errors import SeatError

IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".bmp"})

_DIGITS = re.compile(r"(\d+)")
_SEPARATORS = re.compile(r"[,;\s]+")


def natural_key(text: str) -> list:
    """Sort key that orders embedded numbers by value: 'img2' < 'img10' (plain sorting puts 10 first)."""
    return [int(part) if part.isdigit() else part.lower() for part in _DIGITS.split(text)]


def natural_sorted(items: Iterable[str]) -> list[str]:
    """`items` sorted with `natural_key`."""
    return sorted(items, key=natural_key)


def list_dir(directory: Path) -> list[os.DirEntry]:
    """The entries of `directory` (one scandir), or [] when it does not exist."""
    try:
        with os.scandir(directory) as entries:
            return list(entries)
    except (FileNotFoundError, NotADirectoryError):
        return []


def list_subdirs(directory: Path) -> list[str]:
    """Names of the visible sub-folders of `directory`, naturally sorted."""
    return natural_sorted(e.name for e in list_dir(directory) if e.is_dir() and not e.name.startswith("."))


def read_lines(path: Path) -> list[str]:
    """Non-empty, stripped lines of a text file (sequence lists such as list.txt)."""
    return [line.strip() for line in path.read_text().splitlines() if line.strip()]


def read_labels(path: Path) -> np.ndarray | None:
    """Integer labels separated by commas or whitespace, or None when the file does not exist.

    Covers GOT-10k `*.label` (one per line), LaSOT `full_occlusion.txt` (one comma-separated line) and VOT
    `*.tag` files (one per line).
    """
    if not path.is_file():
        return None
    tokens = [t for t in _SEPARATORS.split(path.read_text().strip()) if t]
    try:
        return np.array([int(float(t)) for t in tokens], dtype=np.int64)
    except ValueError:
        raise SeatError(f"label file {path}: expected integers separated by commas or whitespace") from None


def polygon_to_box(polygons: np.ndarray) -> np.ndarray:
    """Axis-aligned bounding rectangle (x, y, w, h) of (N, 8) polygons `x1,y1,...,x4,y4`: min/max of the corners.

    This is the VOT toolkit's polygon -> rectangle conversion (the region's bounds); NaN rows stay NaN.
    """
    polygons = np.asarray(polygons, dtype=np.float64).reshape(-1, 8)
    xs, ys = polygons[:, 0::2], polygons[:, 1::2]
    x0, y0 = xs.min(1), ys.min(1)
    return np.stack([x0, y0, xs.max(1) - x0, ys.max(1) - y0], axis=1)


def box_to_polygon(boxes: np.ndarray) -> np.ndarray:
    """(N, 4) x,y,w,h rectangles as (N, 8) polygons (clockwise from the top-left corner)."""
    x, y, w, h = np.asarray(boxes, dtype=np.float64).reshape(-1, 4).T
    return np.stack([x, y, x + w, y, x + w, y + h, x, y + h], axis=1)


def rows_to_boxes(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Box-file rows (N, 4) or (N, 8) -> (boxes (N, 4), polygons (N, 8) or None for rectangle files)."""
    rows = np.asarray(rows, dtype=np.float64)
    if rows.ndim == 2 and rows.shape[1] == 8:
        return polygon_to_box(rows), rows
    return rows.reshape(-1, 4), None


def fit_length(values: np.ndarray, length: int) -> np.ndarray:
    """Truncate or pad `values` along axis 0 to `length` rows; padding is NaN for floats, 0/False otherwise."""
    values = np.asarray(values)
    if len(values) >= length:
        return values[:length]
    fill = np.nan if np.issubdtype(values.dtype, np.floating) else 0
    pad = np.full((length - len(values),) + values.shape[1:], fill, dtype=values.dtype)
    return np.concatenate([values, pad])


@dataclass
class FrameListing:
    """The image files of one frame folder, listed once; frames are looked up by their number."""

    directory: Path
    names: list[str]
    _by_number: dict[int, str] | None = field(default=None, repr=False)

    @classmethod
    def scan(cls, directory: Path, extensions: frozenset[str] = IMAGE_EXTENSIONS) -> FrameListing:
        """List `directory` (missing folder -> empty listing); names are naturally sorted."""
        names = [e.name for e in list_dir(directory) if os.path.splitext(e.name)[1].lower() in extensions]
        return cls(Path(directory), natural_sorted(names))

    @property
    def by_number(self) -> dict[int, str]:
        """Frame number -> file name, for files whose stem is an integer (e.g. 00000001.jpg, 17.jpg)."""
        if self._by_number is None:
            table: dict[int, str] = {}
            for name in self.names:
                stem = os.path.splitext(name)[0]
                if stem.isdigit():
                    table.setdefault(int(stem), name)
            self._by_number = table
        return self._by_number

    def first_number(self, default: int = 1) -> int:
        return min(self.by_number) if self.by_number else default

    def last_number(self, default: int = 0) -> int:
        return max(self.by_number) if self.by_number else default

    def paths(self) -> list[str]:
        """All listed images as full paths, in natural order."""
        return [str(self.directory / name) for name in self.names]

    def numbered(self, numbers: Iterable[int], digits: int = 0, ext: str = ".jpg") -> tuple[list[str], np.ndarray]:
        """Paths of frames `numbers` and a mask of which exist; missing ones get the name `%0<digits>d<ext>`."""
        table = self.by_number
        paths, present = [], []
        for k in numbers:
            name = table.get(k)
            present.append(name is not None)
            paths.append(str(self.directory / (name if name is not None else f"{k:0{digits}d}{ext}")))
        return paths, np.asarray(present, dtype=bool)
