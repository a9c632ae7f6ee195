"""The `local` backend: transformers (+ PEFT) models decoding in this process.

Importing this package is cheap; torch and transformers load inside `create`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agent.backends import BackendOptions
    from agent.backends.local.backend import LocalBackend


def create(options: BackendOptions) -> LocalBackend:
    """Entry point for `--backend local`: load the model (and adapter) named by the options."""
    try:
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError as exc:
        from agent.backends import BackendError

        raise BackendError(
            f"the local backend needs torch and transformers ({exc.name} is missing): "
            "pip install 'looptune[local]' torch==2.13.0, or use --backend openai --base-url URL"
        ) from exc
    from agent.backends.local import worker
    from agent.backends.local.backend import LocalBackend, LocalSettings
    from agent.models.loader import load_model
    from agent.models.shipped import resolve_adapter
    from agent.models.source import resolve

    extra = options.extra
    source = resolve(options.model)
    device, in_4bit = extra.get("device"), extra.get("load_in_4bit", False)
    loaded = worker.run(load_model, source, device=device, load_in_4bit=in_4bit)
    settings = LocalSettings(
        constrain=extra.get("constrain", True),
        prefix_cache=extra.get("prefix_cache", True),
        draft_len=extra.get("draft_len", LocalSettings.draft_len),
        int8=extra.get("int8", False),
        name_prior=extra.get("name_prior", 0.0),
        name_prior_method=extra.get("name_prior_method", LocalSettings.name_prior_method),
    )
    backend = worker.run(LocalBackend, loaded, settings)
    adapter = options.adapter if options.adapter_resolved else resolve_adapter(options.adapter, options.model)
    if adapter:
        backend.load_adapter(adapter)
    return backend
