"""The explorer's server: Solara's own, answering only pages it served itself.

Listening on 127.0.0.1 keeps other machines out, not other web pages: any page open in the
user's browser (an advert, a link followed) can send requests and open WebSockets to
``http://127.0.0.1:PORT``, and through the page's WebSocket it could move levers and save
scenario files. :class:`LoopbackOnly` refuses, with status 403, every HTTP request and
WebSocket whose ``Host`` is not this server's loopback address (a DNS name rebound to
127.0.0.1 arrives with its own name) or whose ``Origin`` is another site. Browsers send an
Origin with every WebSocket, so one without is refused too; plain HTTP navigation has none,
and needs none.

``python -m model.app.server PORT`` (what ``python run.py app`` runs) adds the check to
Solara's application and starts ``solara run`` on 127.0.0.1.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

HOST = "127.0.0.1"
PAGE = "model.app.page:Page"
#: Names this machine's browser may use for the server (with its port).
LOOPBACK_NAMES = (HOST, "localhost")

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class LoopbackOnly:
    """ASGI middleware: pass on requests from this server's own pages, refuse the rest.

    Args:
        app: the application behind it (Solara's).
        port: the port the server listens on.
    """

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], port: int):
        self.app = app
        self.hosts = frozenset(f"{name}:{port}" for name in LOOPBACK_NAMES)
        self.origins = frozenset(f"http://{host}" for host in self.hosts)

    def refusal(self, scope: Scope) -> str | None:
        """Return why a request is refused, or None to let it through."""
        headers: dict[str, str] = {}
        for name, value in scope.get("headers", ()):
            headers.setdefault(name.decode("latin-1").lower(), value.decode("latin-1"))
        host = headers.get("host")
        if host not in self.hosts:
            return f"Host {host!r} is not this server's ({', '.join(sorted(self.hosts))})"
        origin = headers.get("origin")
        if origin is None and scope["type"] == "websocket":
            return "a WebSocket without an Origin"
        if origin is not None and origin not in self.origins:
            return f"Origin {origin!r} is not this server's pages"
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer a refused request with 403; hand any other to the application."""
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)  # lifespan
            return
        reason = self.refusal(scope)
        if reason is None:
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})  # before accept: HTTP 403
        else:
            body = f"Forbidden: {reason}.\n".encode()
            await send({"type": "http.response.start", "status": 403,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                    (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})


def main(argv: list[str] | None = None) -> None:
    """Serve the page on 127.0.0.1:PORT behind :class:`LoopbackOnly` (``argv``: [PORT])."""
    port = int((sys.argv[1:] if argv is None else argv)[0])
    # Solara registers its default app when solara.server.app is first imported.
    os.environ["SOLARA_APP"] = PAGE
    from solara.__main__ import cli
    from solara.server.starlette import app

    app.add_middleware(LoopbackOnly, port=port)  # outermost: before any of Solara's own
    cli(["run", PAGE, "--host", HOST, "--port", str(port), "--production", "--no-open"])


if __name__ == "__main__":
    main()
