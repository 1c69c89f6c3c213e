"""The PostgreSQL adapter behind PgBouncer's transaction pooling: a pool that keeps asyncpg's
statement cache on is refused with a clear error before its first statement, every time, and the
check does not misfire on a direct connection."""

from __future__ import annotations

import asyncio
import secrets

import asyncpg
import pytest

from lucia_adapter_postgres import create_schema, postgres_adapter
from lucia_conformance import ThrowawayStore
from lucia_core import lucia
from tests.backends import backend_url

pytestmark = pytest.mark.backend("pgbouncer")


async def test_a_pool_with_the_statement_cache_on_is_refused_with_what_to_set(
    postgres_url: str, store: ThrowawayStore
) -> None:
    tables = store.tables
    async with asyncpg.create_pool(postgres_url, min_size=1, max_size=4) as pool:
        auth = lucia(adapter=postgres_adapter(pool, tables=tables))
        for _ in range(2):  # refused again, not only once
            with pytest.raises(ValueError, match=r"statement_cache_size=0") as refused:
                await auth.validate_session("a" * 40)
            assert "PgBouncer" in str(refused.value)
        # Concurrent first calls are all refused the same way (none slips past the check).
        results = await asyncio.gather(
            *(auth.create_user(key=None, attributes={"username": f"u{n}"}) for n in range(8)),
            return_exceptions=True,
        )
        assert all(isinstance(result, ValueError) for result in results), results
    async with asyncpg.create_pool(postgres_url, statement_cache_size=0) as pool:
        names = [f"u{n}" for n in range(8)]
        stored = await pool.fetchval(f"SELECT count(*) FROM {tables['user']} WHERE username = ANY($1)", names)
        assert stored == 0  # nothing was written


@pytest.mark.backend("postgres")
async def test_a_direct_pool_keeps_its_statement_cache() -> None:
    schema = f"lucia_test_{secrets.token_hex(6)}"
    names = {"user": f"{schema}.auth_user", "key": f"{schema}.user_key", "session": f"{schema}.user_session"}
    async with asyncpg.create_pool(backend_url("postgres"), min_size=1, max_size=2) as pool:
        await pool.execute(f'CREATE SCHEMA "{schema}"')
        try:
            await create_schema(pool, tables=names)
            adapter = postgres_adapter(pool, tables=names)
            assert await adapter.get_user("nobody") is None
            assert await adapter.get_session_and_user("nothing") == (None, None)
        finally:
            await pool.execute(f'DROP SCHEMA "{schema}" CASCADE')


async def test_with_the_cache_off_concurrent_calls_get_their_own_answers(
    postgres_url: str, store: ThrowawayStore
) -> None:
    tables = store.tables
    async with asyncpg.create_pool(postgres_url, min_size=4, max_size=4, statement_cache_size=0) as pool:
        auth = lucia(adapter=postgres_adapter(pool, tables=tables))
        users = await asyncio.gather(
            *(
                auth.create_user(key=None, attributes={"username": f"c{n}"}, user_id=f"c{n}")
                for n in range(20)
            )
        )
        sessions = await asyncio.gather(
            *(auth.create_session(user_id=user.user_id, attributes={}) for user in users)
        )
        for _ in range(5):
            found = await asyncio.gather(*(auth.validate_session(s.session_id) for s in sessions))
            assert [s.user.user_id for s in found] == [u.user_id for u in users]
