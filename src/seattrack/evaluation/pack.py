"""Server submission archives: GOT-10k test server and TrackingNet evaluation server, in their exact formats.

GOT-10k: a zip whose root holds one folder per sequence with `<seq>_001.txt` (further runs `_002`, `_003` when
present) and `<seq>_time.txt`, comma separated, as the toolkit's `report()` zips its result folder.
TrackingNet: a zip whose root holds `<seq>.txt` per sequence, `x,y,w,h` comma separated, one line per frame.
An archive is refused (SeatError naming the sequence) when a sequence is missing or incomplete; it is written
atomically, so a failed pack never leaves a partial zip.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from pathlib import Path

from ..data.sequence import Sequence
from ..errors import SeatError
from ..fileio import write_bytes_atomic
from .results import GOT10K_FILES, OPE_FILES, format_boxes, read_boxes


def _complete_boxes(path: Path, seq: Sequence, server: str) -> str:
    """The result file re-serialised in the server's format; refuses missing or incomplete results."""
    if not path.is_file():
        raise SeatError(f"cannot pack the {server} submission: sequence {seq.name} has no results ({path})")
    boxes = read_boxes(path)
    if len(boxes) != len(seq):
        raise SeatError(f"cannot pack the {server} submission: sequence {seq.name} is incomplete "
                        f"({len(boxes)} of {len(seq)} frames in {path})")
    return format_boxes(boxes, f"{server} results for {seq.name}")


def _write_zip(out_path: str | Path, entries: dict[str, str]) -> Path:
    if not entries:
        raise SeatError("nothing to pack: no sequences given")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in entries.items():
            archive.writestr(name, text)
    write_bytes_atomic(out_path, buffer.getvalue())
    return Path(out_path)


def pack_got10k(result_dir: str | Path, sequences: Iterable[Sequence], out_path: str | Path) -> Path:
    """Zip GOT-10k-layout results for the test server; every run present and the time file are included."""
    entries = {}
    for seq in sequences:
        first = GOT10K_FILES.path(result_dir, seq.name)
        for path in [first] + [p for p in GOT10K_FILES.run_paths(result_dir, seq.name) if p != first]:
            entries[f"{seq.name}/{path.name}"] = _complete_boxes(path, seq, "GOT-10k")
        times = GOT10K_FILES.time_path(result_dir, seq.name)
        if not times.is_file():
            raise SeatError(f"cannot pack the GOT-10k submission: sequence {seq.name} has no time file ({times})")
        entries[f"{seq.name}/{times.name}"] = times.read_text()
    return _write_zip(out_path, entries)


def pack_trackingnet(result_dir: str | Path, sequences: Iterable[Sequence], out_path: str | Path) -> Path:
    """Zip OPE-layout results as a TrackingNet submission (`<seq>.txt` at the zip root)."""
    entries = {f"{seq.name}.txt": _complete_boxes(OPE_FILES.path(result_dir, seq.name), seq, "TrackingNet")
               for seq in sequences}
    return _write_zip(out_path, entries)
