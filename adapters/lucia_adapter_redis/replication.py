"""Writes acknowledged by replicas: Redis's ``WAIT numreplicas timeout`` after each write.

Redis replicates asynchronously: a write the primary acknowledged can be lost when the primary
dies before a replica has it and Sentinel promotes that replica. With ``wait_for_replicas=N`` the
adapter sends each write as ``MULTI ... EXEC`` (or the one script call) followed by ``WAIT N
timeout`` on the same connection, in the same round trip, and raises
:class:`ReplicationTimeoutError` when fewer than N replicas had it in time: the caller then knows
the write is on the primary only. A session created, renewed or deleted without that error is on
N replicas, so a failover to one of them keeps it (deletions included: a signed-out session does
not come back). The price is the replicas' round trip on every write; reads are unchanged.
"""

from __future__ import annotations

import math
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.commands.core import AsyncScript
from redis.exceptions import RedisError


class ReplicationTimeoutError(RedisError):
    """Fewer replicas than asked acknowledged a write within the timeout (it is on the primary)."""


class ReplicaWait:
    """``WAIT`` after each write: ``replicas`` replicas within ``timeout`` seconds."""

    def __init__(self, replicas: int, timeout: float) -> None:
        if isinstance(replicas, bool) or not isinstance(replicas, int) or replicas < 1:
            raise ValueError(f"wait_for_replicas must be a positive int, not {replicas!r}")
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
            raise ValueError(f"wait_timeout must be a positive number of seconds, not {timeout!r}")
        self.replicas = replicas
        # WAIT's 0 means "forever": a timeout is always at least 1 ms.
        self.timeout_ms = max(1, math.ceil(timeout * 1000))

    def _check(self, acknowledged: int) -> None:
        if acknowledged < self.replicas:
            raise ReplicationTimeoutError(
                f"WAIT: {acknowledged} of {self.replicas} replicas acknowledged the write within"
                f" {self.timeout_ms} ms; it is on the primary only and may be lost in a failover"
            )

    async def execute(self, pipe: Pipeline) -> list[Any]:
        """Run the queued commands as MULTI/EXEC, then WAIT, in one round trip; EXEC's replies."""
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

    async def evaluate(self, client: Redis, script: AsyncScript, keys: list[str], args: list[str]) -> Any:
        """The registered script (EVALSHA, loaded first if the server lacks it), then WAIT, in
        one round trip; the script's reply."""
        pipe = client.pipeline(transaction=False)
        await script(keys=keys, args=args, client=pipe)
        pipe.execute_command("WAIT", self.replicas, self.timeout_ms)
        reply, acknowledged = await pipe.execute()
        self._check(int(acknowledged))
        return reply
