"""One long-lived thread for all tensor work: loading, adapters, prefill and decode.

Measured here: once a thread has run torch ops, the same ops run ~45% slower
from any other thread (35 vs 52 ms per decode step on 2 cores), so the model
is loaded and every forward pass runs on this one thread, never on the event
loop's thread or a fresh pool thread. Callers on the event loop wait through
anyio's thread pool without ever touching tensors there. It knows nothing of
models.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

import anyio

T = TypeVar("T")
_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_thread_id: int | None = None


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="looptune-torch")
            _executor.submit(_remember_thread).result()
        return _executor


def _remember_thread() -> None:
    global _thread_id
    _thread_id = threading.get_ident()


def on_tensor_thread() -> bool:
    return threading.get_ident() == _thread_id


def submit(fn: Callable[[], Any]) -> Future:
    """Queue `fn` on the tensor thread without waiting for it (after whatever is queued before it)."""
    return _pool().submit(fn)


def run(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call `fn` on the tensor thread and wait for it (directly, if already there)."""
    pool = _pool()
    if threading.get_ident() == _thread_id:
        return fn(*args, **kwargs)
    return pool.submit(fn, *args, **kwargs).result()


async def arun(fn: Callable[..., T], *args: Any) -> T:
    """`run` from async code; a cancelled caller still waits for the call to finish."""
    return await anyio.to_thread.run_sync(run, fn, *args)
