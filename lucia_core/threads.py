"""Worker threads for CPU-heavy work (password hashing), owned by the object that uses them.

A :class:`WorkerThreads` is a small thread pool with a size (how many jobs run at once; the rest
queue) and a niceness for its threads. Each :class:`~lucia_core.Argon2idHasher` owns one; there
is no process-wide pool. Threads start on the first job and stop with :meth:`WorkerThreads.close`
(a later job starts them again), so a hasher can be built at import time and closed at shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


def default_workers() -> int:
    """One thread fewer than the machine has cores (at least one): a core stays for the loop."""
    return max(1, (os.cpu_count() or 2) - 1)


class WorkerThreads:
    """A thread pool of ``workers`` threads at ``niceness`` (Linux), started on first use.

    ``niceness`` is the CPU priority of the threads relative to the event loop's (0: the same;
    19: the lowest). Threads a job starts itself (Argon2id's lanes) inherit it. Where threads cannot
    have a priority of their own, or the process may not lower it, the jobs run at normal priority.
    """

    def __init__(self, *, workers: int | None = None, niceness: int = 0, name: str = "lucia-worker") -> None:
        workers = default_workers() if workers is None else workers
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ValueError(f"the number of threads (max_concurrent) must be an int >= 1, not {workers!r}")
        if isinstance(niceness, bool) or not isinstance(niceness, int) or not 0 <= niceness <= 19:
            raise ValueError(f"niceness must be an int from 0 to 19, not {niceness!r}")
        self.workers = workers
        self.niceness = niceness
        self._name = name
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def _lower_priority(self) -> None:
        # Linux gives each thread its own niceness (setpriority on its thread id).
        if self.niceness and sys.platform.startswith("linux"):
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), self.niceness)

    def _pool(self) -> ThreadPoolExecutor:
        executor = self._executor
        if executor is None:
            with self._lock:  # one pool even when two event loops (threads) start it at once
                executor = self._executor
                if executor is None:
                    executor = self._executor = ThreadPoolExecutor(
                        max_workers=self.workers,
                        thread_name_prefix=self._name,
                        initializer=self._lower_priority,
                    )
        return executor

    async def run(self, func: Callable[..., T], *args: object) -> T:
        """Run ``func(*args)`` on one of the threads and await its result."""
        return await asyncio.get_running_loop().run_in_executor(self._pool(), func, *args)

    def close(self, *, wait: bool = True) -> None:
        """Stop the threads once their current jobs are done (queued jobs still run); with
        ``wait``, return when they have stopped. A later :meth:`run` starts new threads."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=wait)

    def __repr__(self) -> str:
        return f"WorkerThreads(workers={self.workers}, niceness={self.niceness})"
