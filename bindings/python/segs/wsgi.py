"""A WSGI (PEP 3333) adapter for :class:`segs.rest.Handler`.

``application(handler)`` returns a WSGI callable: it copies the method, path
and query string, the ``HTTP_*``/``CONTENT_*`` headers, the body (at most
the handler's limit plus one byte is read, so an oversized body still gets
its 413) and ``REMOTE_ADDR`` into ``handler.handle`` and sends its answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterable, List, Optional, Tuple

if TYPE_CHECKING:
    from ._segs import Handler

__all__ = ["application"]

StartResponse = Callable[..., Any]

_REASONS = {
    200: "OK", 201: "Created", 202: "Accepted", 204: "No Content",
    301: "Moved Permanently", 302: "Found", 304: "Not Modified",
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
    405: "Method Not Allowed", 409: "Conflict", 413: "Payload Too Large",
    415: "Unsupported Media Type", 422: "Unprocessable Content",
    429: "Too Many Requests", 500: "Internal Server Error",
    501: "Not Implemented", 503: "Service Unavailable",
}

# Hop-by-hop headers belong to the server, not the application (PEP 3333).
_HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
    "te", "trailers", "transfer-encoding", "upgrade",
})


def _headers(environ: dict[str, Any]) -> List[Tuple[str, str]]:
    out: List[Tuple[str, str]] = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:].replace("_", "-").title()
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            if not value:
                continue
            name = key.replace("_", "-").title()
        else:
            continue
        out.append((name, str(value)))
    return out


def _target(environ: dict[str, Any]) -> str:
    # PEP 3333 hands PATH_INFO over as latin-1-decoded bytes; undo that so the
    # handler sees the raw (percent-encoded or UTF-8) path.
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    try:
        path = path.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    query = environ.get("QUERY_STRING", "")
    return (path or "/") + ("?" + query if query else "")


def _body(environ: dict[str, Any], limit: Optional[int]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length <= 0:
        return b""
    if limit is not None:
        length = min(length, limit + 1)
    data: bytes = environ["wsgi.input"].read(length)
    return data


def application(handler: "Handler", *, max_body_bytes: Optional[int] = 10 * 1024 * 1024
                ) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """Returns a WSGI application serving ``handler``.

    ``max_body_bytes`` bounds how much of a request body is read (keep it equal
    to the handler's own limit; None reads whatever CONTENT_LENGTH says).
    """

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        status, headers, body = handler.handle(
            environ.get("REQUEST_METHOD", "GET"),
            _target(environ),
            _headers(environ),
            _body(environ, max_body_bytes),
            environ.get("REMOTE_ADDR") or "",
        )
        reason = _REASONS.get(status, "Unknown")
        out = [(n, v) for n, v in headers if n.lower() not in _HOP_BY_HOP]
        if not any(n.lower() == "content-length" for n, _ in out):
            out.append(("Content-Length", str(len(body))))
        start_response(f"{status} {reason}", out)
        return [body]

    return app
