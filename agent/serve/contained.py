"""An ASGI wrapper that answers an exception no route handled with a 500 error object, and keeps the connection.

Starlette's own last-resort handler answers 500 and then re-raises, so the
server drops the keep-alive connection and the client's next request on it
fails with a reset. Here the exception is logged (with its traceback) and
the response is finished properly: a 500 JSON error if nothing was sent
yet, else the end of the body already under way. It knows nothing of the
routes or the model.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agent.serve import replies

log = logging.getLogger("looptune.serve")


class Contained:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent: dict[str, Any] = {"started": False, "ended": False}

        async def tracked(message: Message) -> None:
            if message["type"] == "http.response.start":
                sent["started"] = True
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                sent["ended"] = True
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as exc:
            log.exception("%s %s failed", scope.get("method"), scope.get("path"))
            if not sent["started"]:
                body = replies.error(500, f"internal error: {type(exc).__name__}: {exc}")
                await JSONResponse(body, status_code=500)(scope, receive, send)
            elif not sent["ended"]:
                await send({"type": "http.response.body", "body": b"", "more_body": False})
