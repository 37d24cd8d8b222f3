#!/usr/bin/env python3
"""Serve the libsegs REST layer with the standard library's wsgiref.

    pip install .                                  # from the repository root
    python examples/python/wsgi_server.py          # http://127.0.0.1:8000
    curl http://127.0.0.1:8000/health

Environment: SEGS_DB_URL (default sqlite:var/python-example.db), SEGS_LISTEN
(default 127.0.0.1:8000), SEGS_ADMIN_EMAIL and SEGS_ADMIN_PASSWORD (create
a verified admin at start when both are set and the email is free).
Verification and reset codes are printed on stderr: a real host hands
them to its mailer in the outbox listener instead.

wsgiref is a reference server, fine for trying things out; in production
mount `segs.rest.wsgi_app(handler)` in any WSGI server (gunicorn, uWSGI...).
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import segs
import segs.rest


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    """One thread per connection: segs releases the GIL while it works."""

    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        # Access log on stdout, one line per request; never bodies or tokens.
        sys.stdout.write(f"{self.address_string()} {format % args}\n")


def mail(msg: segs.OutboxMessage) -> None:
    print(f"[mail] to={msg.to} purpose={msg.purpose} code={msg.code}", file=sys.stderr, flush=True)


def bootstrap_admin(grid: segs.Grid) -> None:
    email, password = os.environ.get("SEGS_ADMIN_EMAIL"), os.environ.get("SEGS_ADMIN_PASSWORD")
    if not (email and password):
        return
    try:
        grid.identity.create_user(segs.Principal.system(), email=email, password=password,
                                  name="Administrator", role="admin", region="default")
        print(f"created admin {email}", file=sys.stderr)
    except segs.Conflict:
        pass  # already there


def stop(signum: int, frame: object) -> None:
    # SIGTERM stops the server like Ctrl-C: the `with` blocks close the
    # socket and then the grid (storage) in order.
    raise KeyboardInterrupt


def main() -> int:
    url = os.environ.get("SEGS_DB_URL", "sqlite:var/python-example.db")
    if url.startswith("sqlite:") and url != "sqlite::memory:":
        Path(url[len("sqlite:"):]).parent.mkdir(parents=True, exist_ok=True)
    host, _, port = os.environ.get("SEGS_LISTEN", "127.0.0.1:8000").rpartition(":")

    with segs.Grid.open(url) as grid:
        grid.outbox.set_listener(mail)
        bootstrap_admin(grid)
        app = segs.rest.wsgi_app(segs.rest.Handler(grid))
        with make_server(host or "127.0.0.1", int(port), app, server_class=ThreadingWSGIServer,
                         handler_class=QuietHandler) as httpd:
            signal.signal(signal.SIGTERM, stop)
            print(f"libsegs {segs.__version__} ({grid.backend_name}) serving on "
                  f"http://{host or '127.0.0.1'}:{httpd.server_port}", flush=True)
            try:
                httpd.serve_forever()
            except KeyboardInterrupt:
                pass
        grid.outbox.set_listener(None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
