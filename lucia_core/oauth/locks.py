"""Locks by name, one set per event loop.

Providers and JWK caches are usually module-level singletons, while an application may run more
than one event loop over its life (tests, ``asyncio.run`` per task, Django's ``async_to_sync``):
an ``asyncio.Lock`` waited on in one loop cannot be used in another, so each loop gets its own.
"""

from __future__ import annotations

import asyncio
import weakref


class LoopLocks:
    """``asyncio.Lock`` objects by name, separate for each running event loop."""

    def __init__(self) -> None:
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Lock]] = (
            weakref.WeakKeyDictionary()
        )

    def get(self, name: str) -> asyncio.Lock:
        """The lock ``name`` of the running loop."""
        locks = self._by_loop.setdefault(asyncio.get_running_loop(), {})
        return locks.setdefault(name, asyncio.Lock())
