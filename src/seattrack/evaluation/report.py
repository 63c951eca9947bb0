"""Compare trackers on one dataset: a Markdown table, CSV files, curve plots (PNG) and a per-attribute breakdown.

The result folders' layout decides the protocol (`protocols.for_files`): OPE folders get AUC / precision /
normalised precision under a metric preset, GOT-10k folders get AO / SR (the GOT-10k toolkit's pooled numbers), VOT
baseline folders get EAO / accuracy / robustness for a VOT edition. FPS comes from the time files. Attributes are
sequence-level tags (`attributes["tags"]`, e.g. OTB's ["IV", "OCC"], or a True flag) or per-frame bool arrays (a
sequence has the attribute when any of its frames does).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from ..data.sequence import Sequence
from ..errors import SeatError
from ..fileio import write_bytes_atomic, write_text_atomic
from .longterm import LONGTERM_COLUMNS, load_confidences, longterm_row
from .manifest import check_for_report
from .protocols import Curve, for_files
from .results import detect_layout


def attribute_flags(sequence: Sequence) -> set[str]:
    """The attributes a sequence has: its `tags`, its True flags and the per-frame bool arrays true somewhere."""
    flags = {str(tag) for tag in sequence.attributes.get("tags", ())}
    for key, value in sequence.attributes.items():
        if isinstance(value, (bool, np.bool_)) and value:
            flags.add(key)
        elif (isinstance(value, np.ndarray) and value.dtype == bool and value.shape == (len(sequence),)
              and value.any()):
            flags.add(key)
    return flags


def _cell(column: str, value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if value is None or math.isnan(value):
        return "-"
    return f"{value:.1f}" if column in ("FPS", "Lost") else f"{value:.3f}"


def _grid(columns: list[str], rows: list[dict[str, Any]]) -> list[list[str]]:
    return [[_cell(c, row.get(c)) for c in columns] for row in rows]


@dataclass
class Report:
    """A comparison of trackers on one dataset, with the files `make_report` wrote."""

    kind: str
    convention: str
    columns: list[str]
    rows: list[dict[str, Any]]
    attributes: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)

    def _tables(self) -> list[tuple[str, list[str], list[dict[str, Any]]]]:
        tables = [("", ["Tracker"] + self.columns, self.rows)]
        if self.attributes:
            tables.append(("Per attribute", ["Attribute", "Sequences", "Tracker"] + self.columns, self.attributes))
        return tables

    def to_markdown(self) -> str:
        out = [f"# Evaluation report ({self.kind})", "", f"Numbers: {self.convention}.", ""]
        for title, columns, rows in self._tables():
            if title:
                out += [f"## {title}", ""]
            out.append("| " + " | ".join(columns) + " |")
            out.append("|" + "|".join("---" for _ in columns) + "|")
            out += ["| " + " | ".join(cells) + " |" for cells in _grid(columns, rows)]
            out.append("")
        return "\n".join(out)

    def to_text(self) -> str:
        out = [f"Evaluation report ({self.kind}); {self.convention}"]
        for title, columns, rows in self._tables():
            grid = [columns] + _grid(columns, rows)
            widths = [max(len(r[i]) for r in grid) for i in range(len(columns))]
            out += [""] + ([title] if title else [])
            for cells in grid:
                padded = [cells[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
                out.append("  ".join(padded).rstrip())
        return "\n".join(out) + "\n"

    def to_csv(self, attributes: bool = False) -> str:
        """The tracker table (or, with `attributes`, the per-attribute table) as CSV with full precision."""
        columns = (["Attribute", "Sequences", "Tracker"] if attributes else ["Tracker"]) + self.columns
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.attributes if attributes else self.rows)
        return buffer.getvalue()


def _plot(path: Path, labels: tuple[str, str, str], series: dict[str, Curve]) -> None:
    title, xlabel, ylabel = labels
    figure = Figure(figsize=(6, 4.5))
    axes = figure.add_subplot()
    for name, (x, y, score) in sorted(series.items(), key=lambda item: -np.nan_to_num(item[1][2], nan=-1.0)):
        axes.plot(x, y, label=f"{name} [{score:.3f}]")
    axes.set(title=title, xlabel=xlabel, ylabel=ylabel, ylim=(0, 1))
    axes.grid(True)
    axes.legend(loc="best", fontsize=8)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=120, bbox_inches="tight")
    write_bytes_atomic(path, buffer.getvalue())


def make_report(result_dirs: dict[str, Path], sequences: Iterable[Sequence], preset: str,
                out_dir: str | Path, longterm: bool = False) -> Report:
    """Evaluate every tracker's result folder on `sequences` and write report.md, report.csv, attributes.csv (when
    sequences carry attributes) and the curve plots into `out_dir`.

    `preset`: an OPE metric preset (`presets.PRESETS`) for OPE folders, or a VOT edition (`vot2016`..`vot2019`) for
    VOT baseline folders; GOT-10k folders are always scored as the GOT-10k toolkit does.

    `longterm` adds the VOT long-term columns (`longterm.py`: Pr, Re and F-score at the best confidence threshold)
    for OPE folders that hold a `<seq>_confidence.value` per sequence (blank for folders without them).
    """
    sequences = list(sequences)
    if not result_dirs:
        raise SeatError("no result folders to report on")
    if not sequences:
        raise SeatError("no sequences to report on")
    names = [s.name for s in sequences]
    layouts = {tracker: detect_layout(path, names) for tracker, path in result_dirs.items()}
    if len(set(layouts.values())) > 1:
        named = {tracker: files.name for tracker, files in layouts.items()}
        raise SeatError(f"result folders use different layouts ({named}); report one protocol at a time")
    files = next(iter(layouts.values()))
    protocol = for_files(files, preset)
    if longterm and not protocol.writes_confidences:
        raise SeatError(f"--longterm needs OPE result folders (one box file per sequence), not {files.name}")
    scoring = protocol.scoring(sequences)
    by_attribute: dict[str, list[Sequence]] = {}
    for seq in sequences:
        for flag in attribute_flags(seq):
            by_attribute.setdefault(flag, []).append(seq)

    for path in result_dirs.values():
        check_for_report(path, sequences)
    rows, attribute_rows, curves = [], [], {}
    for tracker, path in result_dirs.items():
        results = files.load(path, sequences)
        times = files.load_times(path, sequences)
        confidences = load_confidences(path, sequences) if longterm else None
        row, curves[tracker] = scoring.evaluate(results, times, sequences)
        if longterm:
            row.update(longterm_row(results, confidences, sequences))
        rows.append({"Tracker": tracker, **row})
        for flag in sorted(by_attribute):
            subset = by_attribute[flag]
            attribute_rows.append({"Attribute": flag, "Sequences": len(subset), "Tracker": tracker,
                                   **scoring.evaluate(results, times, subset)[0],
                                   **(longterm_row(results, confidences, subset) if longterm else {})})

    columns = scoring.columns + list(LONGTERM_COLUMNS) if longterm else scoring.columns
    convention = scoring.convention + ("; LT: VOT long-term Pr / Re / F-score (vot-toolkit 0.9)" if longterm else "")
    report = Report(files.name, convention, columns, rows, attribute_rows)
    out_dir = Path(out_dir)
    report.files["markdown"] = out_dir / "report.md"
    write_text_atomic(report.files["markdown"], report.to_markdown())
    report.files["csv"] = out_dir / "report.csv"
    write_text_atomic(report.files["csv"], report.to_csv())
    if attribute_rows:
        report.files["attributes_csv"] = out_dir / "attributes.csv"
        write_text_atomic(report.files["attributes_csv"], report.to_csv(attributes=True))
    for plot, labels in scoring.plots.items():
        report.files[plot] = out_dir / f"{plot}.png"
        _plot(report.files[plot], labels, {tracker: c[plot] for tracker, c in curves.items()})
    return report
