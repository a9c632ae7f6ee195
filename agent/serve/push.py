"""Hot-load a trained adapter into a running vLLM or `looptune serve` through `/v1/load_lora_adapter`.

The server reads the adapter from the path it is given, so the path sent is
absolute and must be visible to the server's machine. It knows nothing of
training.
"""

from __future__ import annotations

import os
from pathlib import Path

import httpx

from agent.errors import LooptuneError

TIMEOUT_S = 120.0


class PushError(LooptuneError, RuntimeError):
    """The server did not take the adapter; the message says what it answered."""


def check_reachable(base_url: str, api_key: str | None = None) -> None:
    """Fail before a long training run if the server to push to does not answer `GET /models`."""
    url = base_url.rstrip("/") + "/models"
    try:
        response = httpx.get(url, headers=_auth(api_key), timeout=10.0)
    except httpx.HTTPError as exc:
        raise PushError(f"{url}: {exc}") from exc
    if response.status_code != 200:
        raise PushError(f"{url} answered {response.status_code}: {response.text.strip()[:300]}")


def push_adapter(base_url: str, name: str, path: Path, api_key: str | None = None) -> str:
    """POST the adapter to `base_url`/load_lora_adapter; returns the server's answer."""
    headers = _auth(api_key)
    url = base_url.rstrip("/") + "/load_lora_adapter"
    body = {"lora_name": name, "lora_path": str(path.resolve())}
    try:
        response = httpx.post(url, json=body, headers=headers, timeout=TIMEOUT_S)
    except httpx.HTTPError as exc:
        raise PushError(f"{url}: {exc}") from exc
    if response.status_code != 200:
        raise PushError(f"{url} answered {response.status_code}: {response.text.strip()[:300]}")
    return response.text.strip()


def _auth(api_key: str | None) -> dict[str, str]:
    key = api_key or os.environ.get("OPENAI_API_KEY")
    return {"Authorization": f"Bearer {key}"} if key else {}
