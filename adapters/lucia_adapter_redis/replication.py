"""Writes acknowledged by replicas: Redis's ``WAIT numreplicas timeout`` after each write.

Redis replicates asynchronously: a write the primary acknowledged can be lost when the primary
dies before a replica has it and Sentinel promotes that replica. :func:`replicated_session_adapter`
gives the session adapter whose every write is sent as ``MULTI ... EXEC`` (or the one script
call) followed by ``WAIT replicas timeout`` on the same connection, in the same round trip, and
raises :class:`ReplicationTimeoutError` when fewer replicas had it in time: the caller then knows
the write is on the primary only. A session created, renewed or deleted without that error is on
that many replicas, so a failover to one of them keeps it (deletions included: a signed-out
session does not come back). The price is the replicas' round trip on every write, and writes
fail while fewer replicas than asked are up; reads are unchanged. One primary only (standalone
or Sentinel-managed), not a cluster.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.commands.core import AsyncScript
from redis.exceptions import RedisError

from .adapter import AnyPipeline, RedisSessionAdapter


class ReplicationTimeoutError(RedisError):
    """Fewer replicas than asked acknowledged a write within the timeout (it is on the primary)."""


class _WaitingScript:
    """The adapter's registered script, run with WAIT after it in one round trip."""

    def __init__(self, adapter: ReplicatedSessionAdapter, script: AsyncScript) -> None:
        self._adapter = adapter
        self._script = script

    async def __call__(self, keys: list[str], args: list[str]) -> Any:
        pipe = self._adapter._client.pipeline(transaction=False)
        await self._script(keys=keys, args=args, client=pipe)  # type: ignore[arg-type] # EVALSHA, loaded first
        pipe.execute_command("WAIT", self._adapter.replicas, self._adapter.timeout_ms)
        reply, acknowledged = await pipe.execute()
        self._adapter._check(int(acknowledged))
        return reply


class ReplicatedSessionAdapter(RedisSessionAdapter):
    """:class:`~lucia_adapter_redis.RedisSessionAdapter` whose writes wait for ``replicas``
    replicas, at most ``timeout`` seconds each (see the module's docstring)."""

    def __init__(
        self, client: Redis, *, replicas: int, timeout: float, prefixes: Mapping[str, str] | None = None
    ) -> None:
        if not isinstance(client, Redis):
            raise TypeError(
                "replicated_session_adapter() needs a redis.asyncio.Redis client of one primary"
                f" (standalone or Sentinel-managed), not a {type(client).__qualname__}"
            )
        if isinstance(replicas, bool) or not isinstance(replicas, int) or replicas < 1:
            raise ValueError(f"replicas must be a positive int, not {replicas!r}")
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
            raise ValueError(f"timeout must be a positive number of seconds, not {timeout!r}")
        super().__init__(client, prefixes=prefixes)
        self.replicas = replicas
        # WAIT's 0 means "forever": a timeout is always at least 1 ms.
        self.timeout_ms = max(1, math.ceil(timeout * 1000))
        self._merge = _WaitingScript(self, self._merge)  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{super().__repr__()[:-1]}, replicas={self.replicas}, timeout_ms={self.timeout_ms})"

    def _check(self, acknowledged: int) -> None:
        if acknowledged < self.replicas:
            raise ReplicationTimeoutError(
                f"WAIT: {acknowledged} of {self.replicas} replicas acknowledged the write within"
                f" {self.timeout_ms} ms; it is on the primary only and may be lost in a failover"
            )

    def _pipeline(self) -> AnyPipeline:
        return self._client.pipeline(transaction=False)  # _execute adds MULTI/EXEC, then WAIT

    async def _execute(self, pipe: AnyPipeline) -> list[Any]:
        """The queued commands as MULTI/EXEC, then WAIT, in one round trip; EXEC's replies."""
        assert isinstance(pipe, Pipeline)
        pipe.command_stack.insert(0, (("MULTI",), {}))
        pipe.execute_command("EXEC")
        pipe.execute_command("WAIT", self.replicas, self.timeout_ms)
        replies = await pipe.execute()
        executed, acknowledged = replies[-2], replies[-1]
        for reply in executed:
            if isinstance(reply, Exception):
                raise reply
        self._check(int(acknowledged))
        return list(executed)


def replicated_session_adapter(
    client: Redis, *, replicas: int = 1, timeout: float = 1.0, prefixes: Mapping[str, str] | None = None
) -> ReplicatedSessionAdapter:
    """A session adapter (as :func:`~lucia_adapter_redis.redis_session_adapter`, same keys) whose
    writes wait until ``replicas`` replicas have them, at most ``timeout`` seconds, else raise
    :class:`ReplicationTimeoutError`. ``client`` is a ``redis.asyncio.Redis`` of one primary, e.g.
    ``redis.asyncio.sentinel.Sentinel(...).master_for(service)``. ValueError for a replica count
    below 1 or a timeout that is not a positive number; TypeError for a cluster client."""
    return ReplicatedSessionAdapter(client, replicas=replicas, timeout=timeout, prefixes=prefixes)
