"""Result-file layouts, read and written (atomically): one `ResultFiles` object per layout.

- `OPE_FILES` (OTB-style / pysot): `<dir>/<seq>.txt` (x,y,w,h per line, comma separated) and `<dir>/<seq>_time.txt`
  (seconds per frame).
- `GOT10K_FILES`: `<dir>/<seq>/<seq>_001.txt` (runs _001, _002, _003) and `<dir>/<seq>/<seq>_time.txt` (one row per
  frame, one comma-separated column per run), as the GOT-10k toolkit writes them.
- `VOT_FILES` (baseline): `<dir>/baseline/<seq>/<seq>_001.txt` with a line `1` at each (re)initialisation, `2` at a
  failure, `0` for skipped frames and the box otherwise; times as for GOT-10k.

Boxes are checked when written: NaN, infinite or negative-size boxes are refused (pytracking's rule), because
the toolkits disagree on how to score them. Each write is atomic and a run's box file is written after its times,
so an interrupted run never leaves a result that looks finished without its times.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from ..data.sequence import Sequence, read_box_file
from ..errors import SeatError
from ..fileio import write_text_atomic
from .vot import VOTOutput, is_marker


def format_boxes(boxes: Any, where: str) -> str:
    """`x,y,w,h` lines (4 decimals); refuses NaN, infinite or negative-size boxes, naming `where` and the frame."""
    boxes = np.asarray(boxes, dtype=np.float64)
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise SeatError(f"{where}: expected (N, 4) x,y,w,h boxes, got shape {boxes.shape}")
    bad = ~np.isfinite(boxes).all(1) | (boxes[:, 2] < 0) | (boxes[:, 3] < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise SeatError(f"{where}: frame {i} box {boxes[i].tolist()} is not finite or has a negative size")
    return "".join(f"{x:.4f},{y:.4f},{w:.4f},{h:.4f}\n" for x, y, w, h in boxes)


def _write_times(path: Path, times: Any, run: int, frames: int) -> None:
    """Write run `run`'s times as column `run` of the time file (earlier runs' columns are kept)."""
    times = np.asarray(times, dtype=np.float64).reshape(-1)
    if len(times) != frames:
        raise SeatError(f"{path}: {len(times)} times for {frames} frames")
    columns = []
    if run > 1 and path.is_file():
        existing = np.loadtxt(path, delimiter=",", ndmin=2)
        columns = [existing[:, k] for k in range(min(existing.shape[1], run - 1))]
    if len(columns) != run - 1 or any(len(c) != frames for c in columns):
        raise SeatError(f"{path}: times of runs 1..{run - 1} are missing or of another length; write runs in order")
    table = np.column_stack(columns + [times])
    write_text_atomic(path, "".join(",".join(f"{t:.8f}" for t in row) + "\n" for row in table))




class ResultFiles(ABC):
    """Where one layout keeps a sequence's runs and times, and how it reads a run file back."""

    name: ClassVar[str]  # recorded in a result folder's manifest and shown as a report's kind

    @abstractmethod
    def path(self, result_dir: str | Path, name: str, run: int = 1) -> Path:
        """Where run `run` of sequence `name` lives."""

    @abstractmethod
    def read_run(self, path: Path) -> Any:
        """One run file's contents."""

    def time_path(self, result_dir: str | Path, name: str) -> Path:
        """The per-frame time file of sequence `name`."""
        return self.path(result_dir, name).with_name(f"{name}_time.txt")

    def run_paths(self, result_dir: str | Path, name: str) -> list[Path]:
        """The existing run files of a sequence, in run order (_001, _002, ...)."""
        return sorted(self.path(result_dir, name).parent.glob(f"{name}_[0-9][0-9][0-9].txt"))

    def is_complete(self, result_dir: str | Path, name: str, length: int, runs: int = 1) -> bool:
        """True when runs 1..`runs` of sequence `name` exist with one line per frame (what a resumed run may skip).

        The writers put a run's times first and its box file last, so a complete box file means its times are
        written.
        """
        paths = [self.path(result_dir, name, run) for run in range(1, runs + 1)]
        return all(p.is_file() and _line_count(p) == length for p in paths)

    def load(self, result_dir: str | Path, sequences: Iterable[Sequence]) -> dict[str, Any]:
        """A tracker's results for a dataset: name -> its runs, each as `read_run` gives it. A missing sequence is an
        error naming it."""
        results: dict[str, Any] = {}
        for seq in sequences:
            paths = self.run_paths(result_dir, seq.name)
            if not paths:
                raise SeatError(f"{result_dir}: no results for sequence {seq.name} "
                                f"(expected {self.path(result_dir, seq.name)})")
            results[seq.name] = [self.read_run(p) for p in paths]
        return results

    def load_times(self, result_dir: str | Path, sequences: Iterable[Sequence]) -> dict[str, np.ndarray]:
        """Per-frame seconds of every sequence that has a time file (all runs, flattened)."""
        times = {}
        for seq in sequences:
            values = read_times(self.time_path(result_dir, seq.name))
            if values is not None:
                times[seq.name] = values
        return times

    def _write(self, result_dir: str | Path, name: str, text: str, frames: int, times: Any, run: int) -> Path:
        path = self.path(result_dir, name, run)
        if times is not None:
            _write_times(self.time_path(result_dir, name), times, run, frames)
        write_text_atomic(path, text)  # last: the run file marks the run complete (`is_complete`)
        return path


class OPEFiles(ResultFiles):
    """`<dir>/<seq>.txt`: a single run per sequence; `load` gives each sequence's (N, 4) boxes."""

    name = "ope"

    def path(self, result_dir: str | Path, name: str, run: int = 1) -> Path:
        return Path(result_dir) / f"{name}.txt"

    def read_run(self, path: Path) -> np.ndarray:
        return read_boxes(path)

    def run_paths(self, result_dir: str | Path, name: str) -> list[Path]:
        first = self.path(result_dir, name)
        return [first] if first.is_file() else []

    def load(self, result_dir: str | Path, sequences: Iterable[Sequence]) -> dict[str, np.ndarray]:
        return {name: runs[0] for name, runs in super().load(result_dir, sequences).items()}

    def write(self, result_dir: str | Path, name: str, boxes: Any, times: Any = None) -> Path:
        """Write a sequence's boxes (and times); returns the box file's path."""
        text = format_boxes(boxes, f"results for {name}")
        return self._write(result_dir, name, text, text.count("\n"), times, 1)


class GOT10kFiles(ResultFiles):
    """`<dir>/<seq>/<seq>_001.txt`, one file per run; `load` gives each sequence's list of (N, 4) boxes."""

    name = "got10k"

    def path(self, result_dir: str | Path, name: str, run: int = 1) -> Path:
        return Path(result_dir) / name / f"{name}_{run:03d}.txt"

    def read_run(self, path: Path) -> np.ndarray:
        return read_boxes(path)

    def write(self, result_dir: str | Path, name: str, boxes: Any, times: Any = None, run: int = 1) -> Path:
        """Write run `run` of a sequence (and its times, as column `run`); returns the box file's path."""
        text = format_boxes(boxes, f"results for {name}")
        return self._write(result_dir, name, text, text.count("\n"), times, run)


class VOTFiles(ResultFiles):
    """`<dir>/baseline/<seq>/<seq>_001.txt` per run; `load` gives each sequence's list of runs of outputs."""

    name = "vot"

    def path(self, result_dir: str | Path, name: str, run: int = 1) -> Path:
        return Path(result_dir) / "baseline" / name / f"{name}_{run:03d}.txt"

    def read_run(self, path: Path) -> list[VOTOutput]:
        return read_vot(path)

    def write(self, result_dir: str | Path, name: str, outputs: list[VOTOutput], times: Any = None,
              run: int = 1) -> Path:
        """Write one baseline run (markers and boxes) and its times; returns the run file's path."""
        lines = []
        for i, output in enumerate(outputs):
            if is_marker(output):
                if int(output) not in (0, 1, 2):
                    raise SeatError(f"VOT results for {name}: frame {i} marker {output!r}, expected 0, 1 or 2")
                lines.append(f"{int(output)}\n")
            else:
                lines.append(format_boxes(np.reshape(output, (1, 4)), f"VOT results for {name}, frame {i}"))
        return self._write(result_dir, name, "".join(lines), len(outputs), times, run)


OPE_FILES, GOT10K_FILES, VOT_FILES = OPEFiles(), GOT10kFiles(), VOTFiles()
LAYOUTS: dict[str, ResultFiles] = {files.name: files for files in (OPE_FILES, GOT10K_FILES, VOT_FILES)}


def result_files(name: str) -> ResultFiles:
    """The layout a manifest records as `name`."""
    if name not in LAYOUTS:
        raise SeatError(f"unknown result layout {name!r}, expected one of {', '.join(LAYOUTS)}")
    return LAYOUTS[name]


def read_boxes(path: str | Path) -> np.ndarray:
    """An (N, 4) box file (commas, tabs or spaces; 'nan' allowed)."""
    boxes = read_box_file(path)
    if boxes.shape[1] != 4:
        raise SeatError(f"{path}: expected 4 values (x,y,w,h) per line")
    return boxes


def read_vot(path: str | Path) -> list[VOTOutput]:
    """A VOT baseline run file: int markers and (4,) boxes."""
    path = Path(path)
    if not path.is_file():
        raise SeatError(f"VOT result file not found: {path}")
    outputs: list[VOTOutput] = []
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SeatError(f"{path}: not a text VOT result file (byte {exc.start} is not UTF-8 text)") from None
    for number, line in enumerate(text.splitlines(), 1):
        values = line.replace(",", " ").split()
        try:
            numbers = [float(v) for v in values]
        except ValueError:
            raise SeatError(f"{path}: line {number} is not numeric: {line.strip()[:60]!r}") from None
        if len(numbers) == 1 and numbers[0] in (0, 1, 2):
            outputs.append(int(numbers[0]))
        elif len(numbers) == 4:
            outputs.append(np.array(numbers))
        elif numbers:
            raise SeatError(f"{path}: line {number} should be a marker 0/1/2 or x,y,w,h")
    return outputs


def read_times(path: str | Path) -> np.ndarray | None:
    """All values of a time file (every run), flattened; None when the file does not exist."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        return np.loadtxt(path, delimiter=",", ndmin=2).ravel()
    except ValueError:
        raise SeatError(f"{path}: expected numbers (seconds per frame), comma separated per run") from None


def _line_count(path: Path) -> int:
    """Non-blank lines, counted on bytes (a binary file is just incomplete, never a decoding traceback)."""
    return sum(1 for line in path.read_bytes().splitlines() if line.strip())



def detect_layout(result_dir: str | Path, names: Iterable[str]) -> ResultFiles:
    """Which layout a result folder uses, judged from the sequences' files."""
    names = list(names)
    root = Path(result_dir)
    if not root.is_dir():
        raise SeatError(f"result folder not found: {root}")
    for files in reversed(LAYOUTS.values()):  # the deeper layouts first: their files are not <seq>.txt
        if any(files.path(root, n).is_file() for n in names):
            return files
    expected = [str(files.path("", "<seq>")) for files in LAYOUTS.values()]
    raise SeatError(f"{root}: no result file for any of the {len(names)} sequences (expected "
                    f"{', '.join(expected[:-1])} or {expected[-1]})")
