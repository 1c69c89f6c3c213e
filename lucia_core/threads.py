"""Where CPU-heavy work (password hashing) runs: a small thread pool, never the event loop."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

_executor: ThreadPoolExecutor | None = None
_lock = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            # One core is left to the event loop, so that hashing under login load does not starve
            # session validation; hashing releases the GIL, so these threads run in parallel.
            workers = max(1, (os.cpu_count() or 2) - 1)
            _executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lucia-hash")
        return _executor


async def run_blocking(func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run ``func(*args, **kwargs)`` in the hashing thread pool and await its result."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_pool(), lambda: func(*args, **kwargs))
