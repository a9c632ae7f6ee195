"""An ASGI wrapper that lets a request through only with the API key: every route but `/health`.

The key comes as `Authorization: Bearer KEY` (API clients) or as the
`looptune_key` cookie (a browser cannot add a header to a page load); never
in a URL, where logs and history would keep it.
Unknown routes are guarded too, so a wrong key learns nothing about which
paths exist. `/login` and `/logout` (agent.serve.login) are how a browser
gets and drops the cookie; a refused browser page load gets the login form
with its 401. It knows nothing of the routes behind it.
"""

from __future__ import annotations

import secrets
from http.cookies import CookieError, SimpleCookie

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from agent.serve import replies
from agent.serve.login import COOKIE, LOGIN, LOGOUT, login_page, sign_in, sign_out, wants_html

OPEN_PATHS = frozenset({"/health"})


class Guard:
    def __init__(self, app: ASGIApp, key: str | None) -> None:
        self.app, self.key = app, key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Pages show a sign-out only where there is a key to sign out of: they read this, not the key.
        scope.setdefault("state", {})["keyed"] = self.key is not None
        request = Request(scope, receive)
        if scope["path"] in (LOGIN, LOGOUT):
            reply = await sign_in(request, self.key) if scope["path"] == LOGIN else sign_out()
            await reply(scope, receive, send)
        elif self.key is None or scope["path"] in OPEN_PATHS or self.admits(scope):
            await self.app(scope, receive, send)
        elif wants_html(request):
            query = f"?{request.url.query}" if request.url.query else ""
            await login_page(request.url.path + query)(scope, receive, send)
        else:
            body = replies.error(401, "missing or wrong API key (Authorization: Bearer KEY)", code="invalid_api_key")
            await JSONResponse(body, status_code=401)(scope, receive, send)

    def admits(self, scope: Scope) -> bool:
        assert self.key is not None
        headers = dict(scope.get("headers") or [])
        bearer = headers.get(b"authorization", b"")
        if secrets.compare_digest(bearer, f"Bearer {self.key}".encode()):
            return True
        return matches(self.key, cookie_key(headers.get(b"cookie", b"").decode("latin-1")))


def matches(key: str, given: str | None) -> bool:
    return given is not None and secrets.compare_digest(given.encode(), key.encode())


def cookie_key(header: str) -> str | None:
    """The `looptune_key` cookie's value in a Cookie header, if there is one."""
    cookies: SimpleCookie = SimpleCookie()
    try:
        cookies.load(header)
    except CookieError:
        return None
    morsel = cookies.get(COOKIE)
    return morsel.value if morsel is not None else None
