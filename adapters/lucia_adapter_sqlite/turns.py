"""Taking turns on one aiosqlite connection: reads share it, a write has it alone.

aiosqlite runs a connection's statements on one thread, but coroutines interleave between them:
a read issued while another coroutine's write transaction is open would see (and a statement of
it would join) rows that write may still roll back. So a write waits until the reads in flight
are done and keeps new ones out until its transaction ends (writers first, so reads cannot starve
them); reads in between run side by side. Nothing rests on the order in which aiosqlite runs its
queued jobs: a read is only sent when no write holds the connection.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiosqlite


class Turns:
    """One connection's turns (shared by every adapter over that connection)."""

    def __init__(self) -> None:
        self._readers = 0
        self._writers = 0  # waiting or writing
        self._writing = False
        self._changed = asyncio.Condition()
        self._read_turn = _ReadTurn(self)

    def reading(self) -> _ReadTurn:
        """A read turn, for ``async with``: it waits while any write holds or waits for the
        connection. (One object per connection, not an async generator per read: reads are the
        hot path.)"""
        return self._read_turn

    async def _enter_read(self) -> None:
        if self._writers:
            async with self._changed:
                await self._changed.wait_for(lambda: not self._writers)
        self._readers += 1

    async def _leave_read(self) -> None:
        self._readers -= 1
        if not self._readers and self._writers:
            async with self._changed:
                self._changed.notify_all()

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[None]:
        """Hold the connection alone: wait for the reads in flight and any earlier write."""
        self._writers += 1
        try:
            async with self._changed:
                await self._changed.wait_for(lambda: not self._writing and not self._readers)
                self._writing = True
            try:
                yield
            finally:
                self._writing = False
        finally:
            self._writers -= 1
            async with self._changed:
                self._changed.notify_all()


class _ReadTurn:
    """``async with turns.reading():`` holds a read turn; the state is the :class:`Turns`'."""

    __slots__ = ("_turns",)

    def __init__(self, turns: Turns) -> None:
        self._turns = turns

    async def __aenter__(self) -> None:
        await self._turns._enter_read()

    async def __aexit__(self, *_exc: object) -> None:
        await self._turns._leave_read()


_TURNS: weakref.WeakKeyDictionary[aiosqlite.Connection, Turns] = weakref.WeakKeyDictionary()


def turns_of(connection: aiosqlite.Connection) -> Turns:
    """The connection's turns, made once per connection."""
    turns = _TURNS.get(connection)
    if turns is None:
        turns = _TURNS[connection] = Turns()
    return turns
