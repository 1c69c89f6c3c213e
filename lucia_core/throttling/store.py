"""The storage protocol of login throttling: what a store must do, sentence by sentence.

A store keeps, per key, a count of failures, the end of the key's timeout and the end of a claim
(an attempt under way), and, per device cookie, the user it was issued to and the attempts it has
left. Every duration is int milliseconds on the store's own clock, so that every process sharing
the store shares its clock too. The conformance suite (``lucia_conformance.test_throttle_store``)
tests each sentence of these docstrings; run it on your own store as the README shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable


@runtime_checkable
class ThrottleStore(Protocol):
    """Failures, timeouts, claims and device cookies, shared by every process using the store.

    A key is timed out while its timeout or a claim on it has not ended. Keys are non-empty
    strings of any content (user names, addresses); the :class:`~lucia_core.throttling.Throttle`
    passes each key at most once per call.
    """

    async def claim(self, keys: Sequence[str], hold_ms: int) -> int:
        """Decide and claim in one atomic step.

        If any of the keys is timed out, nothing changes and the result is the milliseconds until
        the last of those timeouts and claims ends. Otherwise each key with failures on record is
        claimed for hold_ms milliseconds and the result is 0. A key without failures on record is
        never claimed. Of concurrent calls for a key whose timeout has ended, exactly one gets 0
        while its claim lasts. A claim that is never ended by fail, reset or release ends by
        itself after hold_ms milliseconds.
        """
        ...

    async def fail(self, keys: Sequence[str], base_ms: int, max_ms: int, forget_ms: int) -> None:
        """Add one failure to each key and time it out from now for base_ms * 2 ** (failures - 1)
        milliseconds, at most max_ms.

        This ends any claim on the key. A key is forgotten, as if reset, forget_ms milliseconds
        after its timeout ends, unless a claim on it lasts longer.
        """
        ...

    async def reset(self, keys: Sequence[str]) -> None:
        """Forget the keys: their failures, timeouts and claims.

        Other keys are untouched. A key not on record is a no-op.
        """
        ...

    async def release(self, keys: Sequence[str]) -> None:
        """End any claim on the keys; their failures and timeouts stay.

        A key not on record is a no-op.
        """
        ...

    async def add_device(self, device_id: str, user_id: str, attempts: int, ttl_ms: int) -> None:
        """Store a device for the user with this many attempts, replacing any device with this id.

        The device is forgotten ttl_ms milliseconds later.
        """
        ...

    async def use_device(self, device_id: str, user_id: str) -> bool:
        """Count one attempt of the device as the user: True if it is stored for this user with
        attempts left.

        A device stored for another user, or without attempts left, is deleted and gives False. An
        unknown device gives False. Of concurrent calls, no more get True than the device had
        attempts left.
        """
        ...
