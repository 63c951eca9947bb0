"""A logger held at another level for the length of a block: quieting a library's chatter, then restoring it."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator


@contextlib.contextmanager
def logger_level(name: str | None, level: int) -> Iterator[None]:
    """The logger `name` (None: the root logger) at `level` inside the block, at its own level again afterwards."""
    logger = logging.getLogger(name)
    previous = logger.level
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.setLevel(previous)
