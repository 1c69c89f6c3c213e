"""Races on one-time tokens and codes, on every backend: the same reset link or code used many
times at once, from two application processes (two pools or clients on one database), succeeds
exactly once. The decision rests on the adapter's ``consume_token`` (atomic read-and-delete);
on Redis the tokens are in Redis (``token:{id}`` keys), not in the user database.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta
from typing import Any, cast

import pytest

from lucia_core import Auth, JoinedAdapter, LuciaError, Token, TokenAdapter, join_adapters, lucia
from lucia_core.token import hash_secret
from tests.reliability.conftest import PLAIN_HASHER, SESSION_BACKENDS, CountingAdapter, backend_params
from tests.reliability.deployments import Deployment

#: Uses of one secret per process, two processes; rounds, each with a token of its own.
CALLS_PER_PROCESS = 15
ROUNDS = 4
HOUR = timedelta(hours=1)

pytestmark = pytest.mark.parametrize("deployment", backend_params(SESSION_BACKENDS), indirect=True)


def tokens_where_sessions_are(adapter: Any) -> Any:
    """On a Redis deployment, the tokens in Redis too (a join otherwise puts them with the users)."""
    if isinstance(adapter, JoinedAdapter):
        return join_adapters(adapter.user_adapter, adapter.session_adapter, token=adapter.session_adapter)  # type: ignore[arg-type]
    return adapter


@asynccontextmanager
async def two_processes(deployment: Deployment) -> AsyncIterator[list[tuple[Auth, CountingAdapter]]]:
    """Two Auths, each over an adapter of its own (its own pool or client), counting its calls."""
    async with AsyncExitStack() as stack:
        processes = []
        for _ in range(2):
            adapter = CountingAdapter(
                tokens_where_sessions_are(await stack.enter_async_context(deployment.open_adapter()))
            )
            processes.append((lucia(adapter=adapter, password_hash=PLAIN_HASHER), adapter))
        yield processes


def outcomes(results: list[Any]) -> tuple[list[Token], list[BaseException]]:
    won = [result for result in results if isinstance(result, Token)]
    lost = [result for result in results if not isinstance(result, Token)]
    return won, lost


async def test_a_token_used_many_times_at_once_by_two_processes_works_exactly_once(
    deployment: Deployment,
) -> None:
    async with two_processes(deployment) as processes:
        (first, counted), (second, _) = processes
        user = await first.create_user(key=None, attributes={})
        for _ in range(ROUNDS):
            secret = await first.create_token(user_id=user.user_id, purpose="password-reset", expires_in=HOUR)
            calls = [
                auth.use_token(secret, purpose="password-reset")
                for auth, _ in processes
                for _ in range(CALLS_PER_PROCESS)
            ]
            won, lost = outcomes(await asyncio.gather(*calls, return_exceptions=True))
            assert len(won) == 1, f"{len(won)} of {len(calls)} uses succeeded"
            assert won[0].user_id == user.user_id
            assert all(
                isinstance(error, LuciaError) and error.code == "AUTH_INVALID_TOKEN" for error in lost
            ), lost
            assert await cast(TokenAdapter, second.adapter).get_token(hash_secret(secret)) is None
        assert counted.peak["consume_token"] > 1, "the uses did not overlap"


async def test_a_code_used_many_times_at_once_by_two_processes_works_exactly_once(
    deployment: Deployment,
) -> None:
    async with two_processes(deployment) as processes:
        (first, _), (second, _) = processes
        user = await first.create_user(key=None, attributes={})
        for _ in range(ROUNDS):
            code = await first.create_code(user_id=user.user_id, purpose="verify-email", expires_in=HOUR)
            calls = [
                auth.use_code(user_id=user.user_id, purpose="verify-email", code=code)
                for auth, _ in processes
                for _ in range(CALLS_PER_PROCESS)
            ]
            won, lost = outcomes(await asyncio.gather(*calls, return_exceptions=True))
            assert len(won) == 1, f"{len(won)} of {len(calls)} uses succeeded"
            assert all(
                isinstance(error, LuciaError) and error.code == "AUTH_INVALID_TOKEN" for error in lost
            ), lost
            assert await cast(TokenAdapter, second.adapter).get_tokens_by_user_id(user.user_id) == []
