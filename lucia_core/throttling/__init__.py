"""Login throttling: exponential back-off per key, atomic in a shared store, with device cookies.

::

    from lucia_core.throttling import Throttle, client_ip, ip_key, redis_store

    throttle = Throttle(store=redis_store(client), base_delay=timedelta(seconds=1))
    await throttle.check(f"username:{username}", ip_key(client_ip(request)))  # raises TooManyAttempts
    ...  # the attempt; on failure: await throttle.fail(...); on success: await throttle.reset(...)

Stores: :func:`memory_store` (one process), :func:`redis_store` (many processes, standalone Redis
or cluster), or your own :class:`ThrottleStore` (test it with ``lucia_throttle_conformance``).
"""

from .client_ip import client_ip, forwarded_client_ip, ip_key, normalize_ip
from .memory import MemoryThrottleStore, memory_store
from .redis import RedisThrottleStore, redis_store
from .store import ThrottleStore
from .throttle import Throttle, TooManyAttempts

__all__ = [
    "MemoryThrottleStore",
    "RedisThrottleStore",
    "Throttle",
    "ThrottleStore",
    "TooManyAttempts",
    "client_ip",
    "forwarded_client_ip",
    "ip_key",
    "memory_store",
    "normalize_ip",
    "redis_store",
]
