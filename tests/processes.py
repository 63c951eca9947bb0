"""Kill a command line mid-run, as a crash or a power cut would: the resume tests of training, search and eval."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable


def sigkill_when(cmd: list[str], ready: Callable[[], bool], timeout: float = 120.0) -> None:
    """Start `cmd` and SIGKILL it as soon as `ready()` holds (polled every 5 ms) or `timeout` passes."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + timeout
    while not ready() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.005)
    proc.kill()  # SIGKILL; a no-op when the run already ended (the caller's checks then fail)
    proc.wait()
