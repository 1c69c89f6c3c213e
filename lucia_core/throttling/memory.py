"""The throttle store of one process: dictionaries behind a lock, on the monotonic clock."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from .store import ThrottleStore

# Records are swept when the table has grown this much since the last sweep (and is not tiny), so
# the cost of dropping expired records is spread over the writes that made them.
_SWEEP_GROWTH = 2
_SWEEP_MIN = 1024


def _now_ms() -> int:
    return time.monotonic_ns() // 1_000_000


@dataclass(slots=True)
class _Key:
    failures: int
    timeout_ends: int
    claim_ends: int
    expires: int


@dataclass(slots=True)
class _Device:
    user_id: str
    attempts: int
    expires: int


class MemoryThrottleStore(ThrottleStore):
    """A :class:`ThrottleStore` in this process's memory: state is lost on restart and not
    shared with other processes (use :func:`~lucia_core.throttling.redis_store` for those).

    Each operation holds a lock and never awaits, so it is atomic between tasks of one event loop
    and between threads. Expired records are dropped lazily, as the tables grow.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[str, _Key] = {}
        self._devices: dict[str, _Device] = {}
        self._swept_at = _SWEEP_MIN

    def __repr__(self) -> str:
        return f"MemoryThrottleStore(keys={len(self._keys)}, devices={len(self._devices)})"

    def _live(self, key: str, now: int) -> _Key | None:
        record = self._keys.get(key)
        if record is not None and record.expires <= now:
            del self._keys[key]
            return None
        return record

    def _sweep(self, now: int) -> None:
        size = len(self._keys) + len(self._devices)
        if size < self._swept_at * _SWEEP_GROWTH:
            return
        self._keys = {key: rec for key, rec in self._keys.items() if rec.expires > now}
        self._devices = {key: rec for key, rec in self._devices.items() if rec.expires > now}
        self._swept_at = max(_SWEEP_MIN, len(self._keys) + len(self._devices))

    async def claim(self, keys: Sequence[str], hold_ms: int) -> int:
        with self._lock:
            now = _now_ms()
            records = [record for key in keys if (record := self._live(key, now)) is not None]
            ends = max((max(rec.timeout_ends, rec.claim_ends) for rec in records), default=0)
            if ends > now:
                return ends - now
            for record in records:
                record.claim_ends = now + hold_ms
                record.expires = max(record.expires, record.claim_ends)
            return 0

    async def fail(self, keys: Sequence[str], base_ms: int, max_ms: int, forget_ms: int) -> None:
        with self._lock:
            now = _now_ms()
            for key in keys:
                record = self._live(key, now)
                if record is None:
                    record = self._keys[key] = _Key(0, 0, 0, 0)
                record.failures += 1
                # 2 ** n for a huge n would be a huge int: past 62 doublings every delay is capped.
                delay = max_ms if record.failures > 63 else min(max_ms, base_ms << (record.failures - 1))
                record.timeout_ends = now + delay
                record.claim_ends = 0
                record.expires = record.timeout_ends + forget_ms
            self._sweep(now)

    async def reset(self, keys: Sequence[str]) -> None:
        with self._lock:
            for key in keys:
                self._keys.pop(key, None)

    async def release(self, keys: Sequence[str]) -> None:
        with self._lock:
            now = _now_ms()
            for key in keys:
                record = self._live(key, now)
                if record is not None:
                    record.claim_ends = 0

    async def add_device(self, device_id: str, user_id: str, attempts: int, ttl_ms: int) -> None:
        with self._lock:
            now = _now_ms()
            self._devices[device_id] = _Device(user_id, attempts, now + ttl_ms)
            self._sweep(now)

    async def use_device(self, device_id: str, user_id: str) -> bool:
        with self._lock:
            device = self._devices.get(device_id)
            if device is None:
                return False
            if device.expires <= _now_ms() or device.user_id != user_id or device.attempts <= 0:
                del self._devices[device_id]
                return False
            device.attempts -= 1
            if device.attempts == 0:
                del self._devices[device_id]
            return True


def memory_store() -> MemoryThrottleStore:
    """A throttle store for one process (one or more event loops or threads in it)."""
    return MemoryThrottleStore()
