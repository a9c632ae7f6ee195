"""The typed settings of one `looptune serve`: which model and adapters, where it listens, who may use it.

The CLI builds them from flags (agent/cli/serve_cmd.py); a script or a job
runner can build them or load them from YAML
(`agent.settings.load_settings(ServerSettings, path)`). `agent.serve.app`'s
`ServeSettings` is the part the running app needs (key, queue, body size,
shortlist); this is the whole command. The API key is never written with
saved settings. This module knows no flags and no argv, and loads no model.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from agent.backends.settings import LocalOptions
from agent.shortlist.select import DEFAULT_K, DEFAULT_METHOD


class ServerSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str = "bundled"  # bundled, a model directory or a .gguf
    # What the base model id serves: bundled = the shipped LoRA, none = the plain model, or an adapter path;
    # unset: the shipped LoRA on the bundled model.
    base_adapter: str | None = None
    adapters: list[tuple[str, str]] = Field(default_factory=list)  # (model id, adapter path), served besides
    served_model_name: str | None = None  # the base model's id (default: `model`)
    host: str = "127.0.0.1"  # any other than a loopback address needs a key, or `insecure`
    port: int = 8000  # 0 picks a free one
    api_key: str | None = Field(default=None, exclude=True)  # a credential: never written with saved settings
    api_key_file: str | None = None  # the key is its first line; $LOOPTUNE_API_KEY when neither is given
    insecure: bool = False  # serve a non-loopback host without a key
    max_waiting: int = Field(default=16, ge=1)  # requests queued before 429
    max_body_mb: float = Field(default=4.0, gt=0)
    shortlist: int = Field(default=DEFAULT_K, ge=0)
    shortlist_method: str = DEFAULT_METHOD
    local: LocalOptions = Field(default_factory=lambda: LocalOptions())  # a lambda: see BackendSettings.local
    # The fine-tuning service (files, jobs, tuned models) keeps its database and files here; default: the
    # `service` folder of looptune's data dir ($LOOPTUNE_DATA_DIR, else XDG). None with fine_tuning off.
    fine_tuning: bool = True
    data_dir: str | None = None
    max_upload_mb: float = Field(default=100.0, gt=0)
    max_jobs: int = Field(default=16, ge=1)  # unfinished fine-tuning jobs at once (queued, running, paused)
