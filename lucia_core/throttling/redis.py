"""The throttle store shared by many processes: Redis (standalone or cluster), through Lua scripts.

The client is used duck-typed (its ``register_script``, and ``initialize`` when it has one), so
lucia-core imports no driver: pass a ``redis.asyncio.Redis`` or ``redis.asyncio.RedisCluster``.

Layout: ``{prefix}:k:<sha256 of the key>`` is a hash of ``f`` (failures), ``t`` (the end of the
timeout) and ``c`` (the end of a claim); ``{prefix}:d:<device id>`` a hash of ``u`` (the user id)
and ``a`` (attempts left). Keys are hashed so that user names and addresses are not kept in plain
text and any key, however long or odd, makes a short name. The braces are a hash tag: every name
of one store sits in one cluster slot, so a check over several keys is still one atomic script
(login attempts are few; one node handles them all). Times come from the server's ``TIME``, so
processes on machines with skewed clocks still agree. Every key expires once its state no longer
matters: a key's hash ``forget_ms`` after its timeout ends (or when its claim ends, if later), a
device's after its ``ttl_ms``.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from typing import Any, Protocol

from .store import ThrottleStore

# Each script reads the server's clock: TIME is allowed in scripts since Redis 5 (effects are
# replicated, not the script). Numbers go through string.format('%d') because Lua's default
# number formatting switches to exponents past 14 digits.
_NOW = "local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"

# KEYS: the keys' hashes. ARGV[1]: hold_ms. Returns 0 (claimed) or the ms to wait.
_CLAIM = (
    _NOW
    + """
local hold = tonumber(ARGV[1])
local wait, found = 0, {}
for i, key in ipairs(KEYS) do
  local v = redis.call('HMGET', key, 't', 'c')
  if v[1] then
    local ends = math.max(tonumber(v[1]), tonumber(v[2] or '0'))
    if ends > now then wait = math.max(wait, ends - now) else found[#found + 1] = key end
  end
end
if wait > 0 then return wait end
for i, key in ipairs(found) do
  redis.call('HSET', key, 'c', string.format('%d', now + hold))
  redis.call('PEXPIRE', key, hold, 'GT')
end
return 0
"""
)

# KEYS: the keys' hashes. ARGV: base_ms, max_ms, forget_ms.
_FAIL = (
    _NOW
    + """
local base, cap, forget = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
for i, key in ipairs(KEYS) do
  local failures = redis.call('HINCRBY', key, 'f', 1)
  local delay = cap
  if failures <= 63 then delay = math.min(cap, base * 2 ^ (failures - 1)) end
  redis.call('HSET', key, 't', string.format('%d', now + delay), 'c', '0')
  redis.call('PEXPIRE', key, string.format('%d', delay + forget))
end
return 0
"""
)

# KEYS: the keys' hashes.
_RELEASE = """
for i, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then redis.call('HSET', key, 'c', '0') end
end
return 0
"""

# KEYS: the keys' hashes.
_RESET = "if #KEYS > 0 then redis.call('DEL', unpack(KEYS)) end return 0"

# KEYS[1]: the device. ARGV: user id, attempts, ttl_ms.
_ADD_DEVICE = """
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'u', ARGV[1], 'a', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 0
"""

# KEYS[1]: the device. ARGV[1]: user id. Returns 1 (an attempt was left and is now used) or 0.
_USE_DEVICE = """
local v = redis.call('HMGET', KEYS[1], 'u', 'a')
if not v[1] then return 0 end
if v[1] ~= ARGV[1] or tonumber(v[2]) <= 0 then
  redis.call('DEL', KEYS[1])
  return 0
end
if redis.call('HINCRBY', KEYS[1], 'a', -1) <= 0 then redis.call('DEL', KEYS[1]) end
return 1
"""


class RedisClient(Protocol):
    """What the store needs of a client: redis-py's ``register_script`` (EVALSHA, loading the
    script again when the server does not know it)."""

    def register_script(self, script: str) -> Any: ...


class RedisThrottleStore(ThrottleStore):
    """A :class:`ThrottleStore` in Redis >= 7.0, standalone or cluster, shared by every process
    that uses the same server and prefix. Each method is one script call (one round trip).
    Driver errors propagate as the driver's exceptions: a throttle whose store fails does not let
    attempts through."""

    def __init__(self, client: RedisClient, *, prefix: str = "throttle") -> None:
        if not isinstance(prefix, str) or not prefix:
            raise ValueError("prefix must be a non-empty str")
        if "{" in prefix or "}" in prefix:
            raise ValueError("prefix must not contain braces: the store wraps it in a hash tag")
        if not callable(getattr(client, "register_script", None)):
            raise TypeError(
                "redis_store needs a redis-py asyncio client (redis.asyncio.Redis or RedisCluster)"
            )
        self._client = client
        self._prefix = prefix
        self._tag = "{" + prefix + "}"
        self._claim = client.register_script(_CLAIM)
        self._fail = client.register_script(_FAIL)
        self._release = client.register_script(_RELEASE)
        self._reset = client.register_script(_RESET)
        self._add_device = client.register_script(_ADD_DEVICE)
        self._use_device = client.register_script(_USE_DEVICE)
        # redis-py fails concurrent first commands on a RedisCluster that has not loaded its
        # topology yet: the first call initializes the client, the others wait for it.
        self._ready = not callable(getattr(client, "initialize", None))
        self._initializing: asyncio.Lock | None = None

    def __repr__(self) -> str:
        return f"RedisThrottleStore(prefix={self._prefix!r})"

    def key_name(self, key: str) -> str:
        """The Redis name holding ``key``'s failures, timeout and claim."""
        return f"{self._tag}:k:{hashlib.sha256(key.encode('utf-8', 'surrogatepass')).hexdigest()}"

    def device_name(self, device_id: str) -> str:
        """The Redis name holding a device."""
        return f"{self._tag}:d:{device_id}"

    async def _run(self, script: Any, keys: list[str], args: Sequence[int | str] = ()) -> int:
        if not self._ready:
            if self._initializing is None:
                self._initializing = asyncio.Lock()
            async with self._initializing:
                if not self._ready:
                    await self._client.initialize()  # type: ignore[attr-defined]
                    self._ready = True
        return int(await script(keys=keys, args=list(args)))

    async def claim(self, keys: Sequence[str], hold_ms: int) -> int:
        return await self._run(self._claim, [self.key_name(key) for key in keys], [hold_ms])

    async def fail(self, keys: Sequence[str], base_ms: int, max_ms: int, forget_ms: int) -> None:
        await self._run(self._fail, [self.key_name(key) for key in keys], [base_ms, max_ms, forget_ms])

    async def reset(self, keys: Sequence[str]) -> None:
        await self._run(self._reset, [self.key_name(key) for key in keys])

    async def release(self, keys: Sequence[str]) -> None:
        await self._run(self._release, [self.key_name(key) for key in keys])

    async def add_device(self, device_id: str, user_id: str, attempts: int, ttl_ms: int) -> None:
        await self._run(self._add_device, [self.device_name(device_id)], [user_id, attempts, ttl_ms])

    async def use_device(self, device_id: str, user_id: str) -> bool:
        return await self._run(self._use_device, [self.device_name(device_id)], [user_id]) == 1


def redis_store(client: RedisClient, *, prefix: str = "throttle") -> RedisThrottleStore:
    """A throttle store in Redis through ``client`` (``redis.asyncio.Redis`` or ``RedisCluster``,
    decoding responses or not), its names under ``{prefix}:``. Raises ValueError for an empty
    prefix or one with braces, TypeError for a client without ``register_script``."""
    return RedisThrottleStore(client, prefix=prefix)
