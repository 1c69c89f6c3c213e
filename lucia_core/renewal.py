"""Renewing idle sessions: concurrent validations of one idle session share a single write."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable

# How many renewals are remembered after they are written.
_REMEMBERED = 1024

Write = Callable[[str, tuple[int, int]], Awaitable[None]]


class Renewals:
    """The renewals of idle sessions, each known by the session id and the expirations it replaces.

    Validations that read the idle row while it is being renewed join that renewal; so do those
    whose read returns after the renewal was written (a read sent before the write can be answered
    after it), which is why the latest renewals are remembered once written. One future per
    renewal, none per validation; a failed renewal is forgotten, so the next validation retries.
    """

    __slots__ = ("_known",)

    def __init__(self) -> None:
        self._known: OrderedDict[tuple[str, int, int], asyncio.Future[tuple[int, int]]] = OrderedDict()

    async def renew(
        self, session_id: str, replaced: tuple[int, int], expirations: tuple[int, int], write: Write
    ) -> tuple[int, int]:
        """The session's new ``(active_expires, idle_expires)``: ``expirations``, stored with
        ``write(session_id, expirations)``, or those of the renewal that already replaced
        ``replaced``."""
        key = (session_id, *replaced)
        known = self._known.get(key)
        if known is not None:
            return await asyncio.shield(known)
        future: asyncio.Future[tuple[int, int]] = asyncio.get_running_loop().create_future()
        self._known[key] = future
        if len(self._known) > _REMEMBERED:
            self._known.popitem(last=False)
        try:
            await write(session_id, expirations)
        except BaseException as error:
            if self._known.get(key) is future:
                del self._known[key]
            future.set_exception(error)
            future.exception()  # retrieved: waiters re-raise it; no "never retrieved" warning
            raise
        future.set_result(expirations)
        return expirations
