"""The REST layer of libsegs, for any Python HTTP stack.

:class:`Handler` maps one request to ``(status, headers, body)``;
:func:`wsgi_app` wraps a handler as a WSGI application::

    import segs, segs.rest
    from wsgiref.simple_server import make_server

    grid = segs.Grid.open("sqlite:var/grid.db")
    api = segs.rest.Handler(grid, cors_origins=["https://app.example.org"])
    make_server("127.0.0.1", 8000, segs.rest.wsgi_app(api)).serve_forever()
"""

from __future__ import annotations

from ._segs import Handler
from .wsgi import application as wsgi_app

__all__ = ["Handler", "wsgi_app"]
