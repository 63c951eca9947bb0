"""`seattrack serve` as a real process, and the sweep of folders left behind by servers that were killed."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from seattrack.web.sessions import OWNER_FILE, ROOT_PREFIX, SessionManager, sweep_stale_roots


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, process: subprocess.Popen, timeout: float = 120) -> bytes:
    """GET `url` once the server answers; fails at once if the server process has exited."""
    deadline = time.monotonic() + timeout
    while True:
        assert process.poll() is None, f"seattrack serve exited: {process.communicate()[0]}"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read()
        except (urllib.error.URLError, ConnectionError):
            assert time.monotonic() < deadline, "seattrack serve never answered"
            time.sleep(0.25)


def _listening_hosts(port: int) -> set[str]:
    """IPv4 addresses listening on `port`, from /proc/net/tcp (state 0A)."""
    hosts = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, local_port = local.split(":")
        if state == "0A" and int(local_port, 16) == port:
            hosts.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
    return hosts


def _dead_pid() -> int:
    """The pid of a process that has exited."""
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(child.stdout)


def test_seattrack_serve_serves_the_page_and_a_killed_servers_files_are_swept(tmp_path, target_video, monkeypatch):
    port = _free_port()
    env = {**os.environ, "TMPDIR": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen([sys.executable, "-m", "seattrack", "serve", "--port", str(port)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        page = _get(f"http://127.0.0.1:{port}/", process)
        assert b"<title>SEAT tracker</title>" in page and b"/static/app.js" in page
        assert b'"demo.mp4"' in _get(f"http://127.0.0.1:{port}/api/config", process)
        assert _listening_hosts(port) == {"127.0.0.1"}  # this machine only, by default
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/sessions?name=clip.mp4", method="POST",
                                         data=target_video[0].read_bytes(),
                                         headers={"Content-Type": "application/octet-stream"})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 201
        (root,) = tmp_path.glob(ROOT_PREFIX + "*")
        assert (root / OWNER_FILE).read_text() == str(process.pid) and any(p.is_dir() for p in root.iterdir())
    finally:
        process.send_signal(signal.SIGKILL)  # no shutdown code runs: the upload stays on disk
        output = process.communicate(timeout=30)[0]
    assert f"http://127.0.0.1:{port}/" in output
    assert root.is_dir()

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    manager = SessionManager(lambda: None)  # the next server, starting
    try:
        assert not root.exists() and manager.root.parent == tmp_path
    finally:
        manager.close()


def test_only_folders_of_dead_servers_are_swept(tmp_path):
    def folder(name: str, marker: str | None) -> Path:
        path = tmp_path / name
        path.mkdir()
        (path / "upload").write_bytes(b"data")
        if marker is not None:
            (path / OWNER_FILE).write_text(marker)
        return path

    dead = folder(ROOT_PREFIX + "dead", str(_dead_pid()))
    kept = [folder(ROOT_PREFIX + "live", str(os.getpid())), folder(ROOT_PREFIX + "unmarked", None),
            folder(ROOT_PREFIX + "garbled", "not a pid"), folder("someone-else", str(_dead_pid()))]
    (tmp_path / (ROOT_PREFIX + "file")).write_text(str(_dead_pid()))
    assert sweep_stale_roots(tmp_path) == [dead]
    assert not dead.exists() and all(path.is_dir() for path in kept)
