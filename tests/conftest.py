"""Fixtures for the core's tests: a real SQLite database per test, through the SQLite adapter."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiosqlite
import pytest

from lucia_adapter_sqlite import sqlite_adapter
from lucia_core import Argon2idHasher, Auth, lucia

SCHEMA = (Path(__file__).parent.parent / "schemas" / "sqlite.sql").read_text()
# The test application's attribute columns: a unique username on users, a country on sessions.
TEST_COLUMNS = """
ALTER TABLE auth_user ADD COLUMN username TEXT;
CREATE UNIQUE INDEX IF NOT EXISTS auth_user_username ON auth_user(username);
ALTER TABLE user_session ADD COLUMN country TEXT;
"""

#: The cheapest Argon2id OWASP allows: keeps the suite quick; the default is tested separately.
FAST_HASHER = Argon2idHasher(time_cost=2, memory_cost=19456, parallelism=1)


class RecordingAdapter:
    """Passes every call to a real adapter and records the method names, in order."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        target = getattr(self.inner, name)
        if not callable(target):
            return target

        async def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            return await target(*args, **kwargs)

        return call


@pytest.fixture
async def connection(tmp_path: Path) -> AsyncIterator[aiosqlite.Connection]:
    conn = await aiosqlite.connect(tmp_path / "auth.db")
    await conn.executescript(SCHEMA + TEST_COLUMNS)
    await conn.commit()
    yield conn
    await conn.close()


@pytest.fixture
def adapter(connection: aiosqlite.Connection) -> RecordingAdapter:
    return RecordingAdapter(sqlite_adapter(connection))


@pytest.fixture
def make_auth(adapter: RecordingAdapter) -> Callable[..., Auth]:
    def make(**options: Any) -> Auth:
        options.setdefault("password_hash", FAST_HASHER)
        options.setdefault("get_user_attributes", lambda row: {"username": row.get("username")})
        options.setdefault("get_session_attributes", lambda row: {"country": row.get("country")})
        options.setdefault("adapter", adapter)
        return lucia(**options)

    return make


@pytest.fixture
def auth(make_auth: Callable[..., Auth]) -> Auth:
    return make_auth()
