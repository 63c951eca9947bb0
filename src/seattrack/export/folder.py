"""Write an output folder atomically: build it in a hidden staging folder beside it, then swap it in by rename.

A failure at any point leaves the previous folder untouched and no staging leftovers; an existing folder is
replaced only when it is empty or was written by the same tool (`marker` file present), never a user's folder.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ..errors import SeatError


def check_replaceable(path: Path, marker: str) -> None:
    """An existing `path` must be a folder that is empty or holds `marker` (else we might delete user data)."""
    if not path.exists():
        return
    if not path.is_dir():
        raise SeatError(f"output {path}: exists and is not a folder")
    if any(path.iterdir()) and not (path / marker).is_file():
        raise SeatError(f"output {path}: exists and holds no {marker}; remove it or choose another folder")


@contextlib.contextmanager
def atomic_folder(path: str | os.PathLike, marker: str) -> Iterator[Path]:
    """Yield a staging folder; on success it replaces `path` (rename), on failure it is removed."""
    path = Path(path)
    check_replaceable(path, marker)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.tmp-", dir=path.parent))
    os.chmod(staging, 0o755)  # mkdtemp's 0700 would make the published folder private
    try:
        yield staging
        _swap_in(staging, path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _swap_in(staging: Path, path: Path) -> None:
    if not path.exists():
        os.rename(staging, path)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{path.name}.old-", dir=path.parent))
    retired = old / path.name
    os.rename(path, retired)
    try:
        os.rename(staging, path)
    except OSError:
        os.rename(retired, path)
        raise
    finally:
        shutil.rmtree(old, ignore_errors=True)
