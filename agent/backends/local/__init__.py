"""The `local` backend: transformers (+ PEFT) models decoding in this process.

Importing this package is cheap; torch and transformers load inside `create`.
Its typed options are `agent.backends.local.options.LocalOptions`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agent.backends.local.options import LocalOptions

if TYPE_CHECKING:
    from agent.backends import BackendOptions
    from agent.backends.local.backend import LocalBackend


def create(options: BackendOptions) -> LocalBackend:
    """Entry point for `--backend local`: load the model (and adapter) named by the options."""
    own = options.options_for(LocalOptions, "local")
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

    source = resolve(options.model)
    loaded = worker.run(load_model, source, device=own.device, load_in_4bit=own.load_in_4bit)
    settings = LocalSettings(
        constrain=own.constrain,
        prefix_cache=own.prefix_cache,
        draft_len=0 if own.plain_decode else LocalSettings.draft_len,
        quant=own.quant,
        max_batch=own.max_batch,
        name_prior=own.name_prior,
        name_prior_method=own.name_prior_method,
    )
    backend = worker.run(LocalBackend, loaded, settings)
    adapter = options.adapter if options.adapter_resolved else resolve_adapter(options.adapter, options.model)
    if adapter:
        backend.load_adapter(adapter)
    return backend
