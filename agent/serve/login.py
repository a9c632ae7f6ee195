"""The browser's way in: a login page that trades the API key for an HttpOnly cookie, and a logout.

A browser cannot add an Authorization header to a page load, so the key a
person types is kept as the `looptune_key` cookie: HttpOnly (page scripts
cannot read it), SameSite=Strict (another site's form cannot post with it).
A request the key check refuses and that a browser made (it accepts HTML)
gets this page with its 401, so every guarded page leads here. It knows
nothing of the pages behind the key.
"""

from __future__ import annotations

import html
import secrets
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

COOKIE = "looptune_key"
LOGIN, LOGOUT = "/login", "/logout"
MAX_FORM = 16 * 1024  # a key and a path

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>looptune: sign in</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font:15px system-ui,sans-serif;max-width:26rem;margin:12vh auto;padding:0 1rem;color:#222}}
input{{font:inherit;padding:.4rem;width:100%;box-sizing:border-box;margin:.3rem 0 .8rem}}
button{{font:inherit;padding:.4rem 1rem}}.error{{color:#b00020}}</style></head>
<body><h1>looptune</h1><p>This server needs its API key.</p>{error}
<form method="post" action="/login"><label for="key">API key</label>
<input id="key" name="key" type="password" autocomplete="current-password" autofocus required>
<input type="hidden" name="next" value="{next}"><button type="submit">Sign in</button></form></body></html>"""


def wants_html(request: Request) -> bool:
    """A browser's page load (not an API client, whose Accept is JSON or */*)."""
    return request.method == "GET" and "text/html" in request.headers.get("accept", "")


def login_page(next_path: str = "/", error: str | None = None, status: int = 401) -> HTMLResponse:
    shown = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
    return HTMLResponse(PAGE.format(error=shown, next=html.escape(safe_next(next_path))), status_code=status)


async def sign_in(request: Request, key: str | None) -> Response:
    """GET: the form. POST: the right key sets the cookie and goes on to `next`; a wrong one is the form again."""
    if request.method != "POST":
        return login_page(request.query_params.get("next", "/"), status=200)
    if int(request.headers.get("content-length") or 0) > MAX_FORM:
        return login_page(error="that form is too large", status=413)
    form = await request.form()
    given, next_path = str(form.get("key", "")), safe_next(str(form.get("next", "/")))
    if key is not None and not secrets.compare_digest(given.encode(), key.encode()):
        return login_page(next_path, error="That is not this server's API key.")
    response = RedirectResponse(next_path, status_code=303)
    if key is not None:
        secure = request.url.scheme == "https"
        response.set_cookie(COOKIE, key, httponly=True, samesite="strict", secure=secure, path="/")
    return response


def sign_out() -> Response:
    response = RedirectResponse(LOGIN, status_code=303)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return response


def safe_next(path: str) -> str:
    """Only a path on this server: `next` must not send a signed-in browser to another site."""
    parts = urlsplit(path)
    if parts.scheme or parts.netloc or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path
