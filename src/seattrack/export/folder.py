"""Write an output folder atomically: build it in a hidden staging folder beside it, then swap it in by rename.

A failure at any point leaves the previous folder untouched and no staging leftovers; an existing folder is
replaced only when it is empty or provably a previous output of the same tool (the caller's `is_ours` check: its
marker file parses and it holds nothing else), never a user's folder.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from ..errors import SeatError


def check_replaceable(path: Path, is_ours: Callable[[Path], str | None]) -> None:
    """An existing `path` must be an empty folder or one `is_ours` accepts (it returns None, else why not)."""
    if not path.exists():
        return
    if not path.is_dir():
        raise SeatError(f"output {path}: exists and is not a folder")
    if any(path.iterdir()):
        reason = is_ours(path)
        if reason is not None:
            raise SeatError(f"output {path}: not replaced, {reason}; remove it or choose another folder")


@contextlib.contextmanager
def atomic_folder(path: str | os.PathLike, is_ours: Callable[[Path], str | None]) -> Iterator[Path]:
    """Yield a staging folder; on success it replaces `path` (rename), on failure it is removed."""
    path = Path(path)
    check_replaceable(path, is_ours)
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
