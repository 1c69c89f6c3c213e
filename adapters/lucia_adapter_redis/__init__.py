"""Redis session adapter for lucia-core (redis-py asyncio): ``pip install "lucia-core[redis]"``.

Sessions only: join it with a user adapter::

    from redis.asyncio import Redis
    from lucia_adapter_redis import redis_session_adapter

    client = Redis.from_url("redis://localhost:6379/0")
    auth = lucia(adapter={"user": user_adapter, "session": redis_session_adapter(client)})

The keys are Lucia v2's (``key_layout()``, ``schemas/redis.md``): ``session:{session_id}`` (the
row as JSON) and ``user_sessions:{user_id}`` (a set of session ids), with prefixes renamed by
``prefixes={"session": ..., "user_sessions": ...}``. A ``redis.asyncio.RedisCluster`` works too.
"""

from .adapter import RedisSessionAdapter, redis_session_adapter
from .connection import connect
from .schema import DEFAULT_PREFIXES, key_layout

__all__ = [
    "DEFAULT_PREFIXES",
    "RedisSessionAdapter",
    "connect",
    "key_layout",
    "redis_session_adapter",
]
