"""Where CPU-heavy work (password hashing) runs: a small thread pool, never the event loop."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

_executor: ThreadPoolExecutor | None = None
_lock = threading.Lock()


#: Niceness of the hashing threads (Linux): the event loop's thread comes first.
HASHING_NICENESS = 19


def _lower_priority() -> None:
    """Lower this worker thread's CPU priority, where threads have their own (Linux).

    Argon2id with parallelism p runs p threads of its own per hash, started from this worker, so
    one hash can take every core of a small machine. They inherit this niceness: when the CPU is
    contended, the kernel runs the event loop's thread (and the database) first and hashing gets
    what is left (nice 19 weighs 15 against 1024); when it is not, hashing runs at full speed.
    Under full load logins slow down, rather than every request.
    """
    if sys.platform.startswith("linux"):
        # Not allowed (a sandbox)? Hashing still works, at normal priority.
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASHING_NICENESS)


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            # One core is left to the event loop, so that hashing under login load does not starve
            # session validation; hashing releases the GIL, so these threads run in parallel.
            workers = max(1, (os.cpu_count() or 2) - 1)
            _executor = ThreadPoolExecutor(
                max_workers=workers, thread_name_prefix="lucia-hash", initializer=_lower_priority
            )
        return _executor


async def run_blocking(func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run ``func(*args, **kwargs)`` in the hashing thread pool and await its result."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_pool(), lambda: func(*args, **kwargs))
