"""How the demo throttles guessing: sign-in per username, with Lucia's device cookies (so that a
browser that signed in before is not locked out by someone else's failures), and verification
codes per user. One process: a memory store; several would share a ``redis_store``.

The demo does not add the client's address as a key: every browser of its tests comes from
127.0.0.1, and one shared address would lock them all out together. A public site adds
``ip_key(client_ip(request))`` to the sign-in keys (``examples/login_throttling.py``).
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import Request

from lucia_core import Auth, Cookie, LuciaError
from lucia_core.throttling import Throttle, TooManyAttempts, memory_store

from .authentication import USERNAME_PROVIDER


def too_many_attempts(retry_after: float) -> str:
    """The message for a throttled attempt."""
    seconds = max(1, int(-(-retry_after // 1)))
    return f"Too many attempts, try again in {seconds} second{'s' if seconds != 1 else ''}."


def default_throttle(env: str) -> Throttle:
    """Back-off from 1 second, doubling per failure up to 15 minutes; in one process's memory."""
    return Throttle(
        store=memory_store(),
        base_delay=timedelta(seconds=1),
        max_delay=timedelta(minutes=15),
        secure=env == "PROD",
    )


class SignInLimits:
    """The throttle's keys and device cookies for the demo's sign-in and code forms."""

    def __init__(self, auth: Auth, throttle: Throttle) -> None:
        self.auth = auth
        self.throttle = throttle

    @staticmethod
    def _keys(request: Request, username: str) -> tuple[str, ...]:
        return (f"username:{username}",)

    async def check_sign_in(self, request: Request, username: str) -> str | None:
        """None when this sign-in attempt may go ahead, else the message to show."""
        try:
            user_id: str | None = (await self.auth.get_key(USERNAME_PROVIDER, username)).user_id
        except LuciaError:
            user_id = None  # an unknown username is throttled like a known one
        device = self.throttle.read_device_cookie(request.headers.get("cookie"))
        try:
            await self.throttle.check(*self._keys(request, username), device_cookie=device, user_id=user_id)
        except TooManyAttempts as error:
            return too_many_attempts(error.retry_after)
        return None

    async def failed_sign_in(self, request: Request, username: str) -> None:
        """Count a wrong password against the username and the address."""
        await self.throttle.fail(*self._keys(request, username))

    async def succeeded(self, request: Request, username: str, user_id: str) -> Cookie:
        """Clear the username's record and return this browser's new device cookie."""
        await self.throttle.reset(*self._keys(request, username))
        return await self.throttle.device_cookie(user_id)

    async def check_code(self, user_id: str) -> str | None:
        """None when a verification code may be tried for the user now, else the message."""
        try:
            await self.throttle.check(f"verify-code:{user_id}")
        except TooManyAttempts as error:
            return too_many_attempts(error.retry_after)
        return None

    async def code_result(self, user_id: str, *, right: bool) -> None:
        """Record a code attempt's outcome."""
        key = f"verify-code:{user_id}"
        await (self.throttle.reset(key) if right else self.throttle.fail(key))
