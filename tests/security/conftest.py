"""Fixtures for the security tests: an Auth that must never reach its database (for the header
parsers), a counting password hasher, and one isolated store per backend."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from lucia_core import Argon2idHasher, Auth, lucia

from .stores import BACKENDS, Store, UnreachableAdapter, open_store

#: The cheapest Argon2id OWASP allows; the real default is used by the timing benchmark.
FAST_HASHER = Argon2idHasher(time_cost=2, memory_cost=19456, parallelism=1)


class CountingHasher:
    """A real hasher (Argon2id via :class:`Argon2idHasher`) that counts and records its calls."""

    def __init__(self, inner: Argon2idHasher = FAST_HASHER) -> None:
        self.inner = inner
        self.generated: list[str] = []
        self.validated: list[tuple[str, str]] = []

    async def generate(self, password: str) -> str:
        """Hash with the real hasher; record the password."""
        self.generated.append(password)
        return await self.inner.generate(password)

    async def validate(self, password: str, hash: str) -> bool:
        """Validate with the real hasher; record the password and the hash."""
        self.validated.append((password, hash))
        return await self.inner.validate(password, hash)

    def needs_rehash(self, hash: str) -> bool:
        """As the real hasher answers."""
        return self.inner.needs_rehash(hash)

    def reset(self) -> None:
        """Forget the calls recorded so far."""
        self.generated.clear()
        self.validated.clear()


@pytest.fixture(scope="session")
def offline_auth() -> Auth:
    """An Auth for the pure request helpers (cookies, bearer tokens, origins); CSRF on."""
    return lucia(adapter=UnreachableAdapter())


@pytest.fixture
def counting_hasher() -> CountingHasher:
    """A fresh counting hasher over the fast Argon2id."""
    return CountingHasher()


@pytest.fixture(params=BACKENDS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """The adapter of each backend on tables of its own (skipped when the server is absent)."""
    async with open_store(request.param, tmp_path) as opened:
        yield opened


@pytest.fixture
async def redis_store(tmp_path: Path) -> AsyncIterator[Store]:
    """The Redis session adapter alone, for the tests of its JSON handling."""
    async with open_store("redis", tmp_path) as opened:
        yield opened


@pytest.fixture
async def mongodb_store(tmp_path: Path) -> AsyncIterator[Store]:
    """The MongoDB adapter alone, for the tests of its id handling."""
    async with open_store("mongodb", tmp_path) as opened:
        yield opened
