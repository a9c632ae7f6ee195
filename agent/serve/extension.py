"""The seam through which a service mounts on `looptune serve`: its routes, its models, what it can do.

The fine-tuning service (training.service) is one: the CLI composes it with
the server, so this layer never imports training. Its routes sit behind the
same API key (agent.serve.guard); the models it names (a finished job's
adapter) are listed by `/v1/models` and hot-loaded by the chat route the
first time a request names them. It knows nothing of what the service does.
"""

from __future__ import annotations

from typing import Any, Protocol

from starlette.routing import BaseRoute

from agent.errors import LooptuneError


class NotServable(LooptuneError):
    """A model the service knows but this server cannot serve (trained on another base); one line saying why."""


class Extension(Protocol):
    def routes(self) -> list[BaseRoute]:
        """Routes mounted beside the OpenAI ones (guarded by the same key)."""
        ...

    def capabilities(self) -> dict[str, Any]:
        """Keys merged into `GET /v1/capabilities`."""
        ...

    def cards(self, base_id: str) -> list[dict[str, Any]]:
        """`/v1/models` entries for the models it made (`base_id`: the id this server gives its base)."""
        ...

    def find(self, model_id: str) -> str | None:
        """The adapter folder behind `model_id`, None if it is not one of its models; NotServable if unusable here."""
        ...

    def forget(self, model_id: str) -> bool:
        """Delete one of its models (True), or say it is not one of them (False)."""
        ...

    def close(self) -> None:
        """The server is stopping: leave running work resumable."""
        ...
