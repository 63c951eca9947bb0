"""`seattrack serve`: the browser app on a local port (127.0.0.1 unless told otherwise)."""

from __future__ import annotations

import argparse
import math

from ..cli import Handler, command, count
from ..errors import SeatError
from ..track.cli import add_tracker_args


@command("serve", "web app: upload a video, draw the target, watch it track, download the results")
def _serve(p: argparse.ArgumentParser) -> Handler:
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=count(0), default=8000)
    add_tracker_args(p)
    p.add_argument("--max-upload-mb", type=float, default=200.0, help="largest accepted upload (default 200)")
    p.add_argument("--max-sessions", type=count(), default=16, help="open sessions (uploads) at once (default 16)")
    p.add_argument("--max-runs", type=count(), default=2, help="videos tracked at once; others wait (default 2)")
    p.add_argument("--idle-timeout", type=seconds, default=900.0,
                   help="seconds without a request after which a session and its files are deleted (default 900)")
    p.add_argument("--upload-idle-timeout", type=seconds, default=30.0,
                   help="seconds an upload may go without sending a byte before it is aborted (default 30)")
    p.add_argument("--upload-timeout", type=seconds, default=900.0,
                   help="seconds an upload may take in all before it is aborted (default 900)")

    def run(args: argparse.Namespace) -> None:
        import uvicorn

        from ..loading import load_tracker
        from .app import UploadTimeouts, create_app, shared_tracker_factory

        if not 0 < args.port < 65536:
            raise SeatError(f"--port {args.port}: expected 1..65535")
        upload_timeouts = UploadTimeouts(args.upload_idle_timeout, args.upload_timeout)
        tracker = load_tracker(args.model, args.hypers, args.device, args.backend, args.threads)
        app = create_app(shared_tracker_factory(tracker), max_upload_mb=args.max_upload_mb,
                         max_sessions=args.max_sessions, max_runs=args.max_runs, idle_timeout_s=args.idle_timeout,
                         upload_timeouts=upload_timeouts, allowed_hosts=allowed_hosts(args.host))
        print(f"seattrack serve: http://{args.host}:{args.port}/  (Ctrl-C to stop)")
        uvicorn.run(app, host=args.host, port=args.port, log_level="warning", timeout_graceful_shutdown=3)

    return run


def seconds(text: str) -> float:
    """An argparse type for a time limit: a positive, finite number of seconds, refused on one line before any work."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a number of seconds") from None
    if not 0 < value < math.inf:  # NaN fails every comparison
        raise argparse.ArgumentTypeError(f"{text}: expected a positive number of seconds")
    return value


def allowed_hosts(bound: str) -> tuple[str, ...] | None:
    """The Host names the server answers to: this machine's names plus the bound address; any when bound to every
    interface (0.0.0.0 or ::), where the user chose to serve other machines by whatever name they use."""
    from .app import LOCAL_HOSTS

    if bound in ("0.0.0.0", "::", ""):
        return None
    return (*LOCAL_HOSTS, bound.strip("[]").lower())
