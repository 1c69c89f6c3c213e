"""Login throttling: exponential back-off per key, claimed atomically, with device cookies."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

from ..cookie import Cookie, CookieAttributes, cookie_name_prefix, parse_cookie
from ..errors import LuciaError
from ..ids import generate_random_string
from .store import ThrottleStore

#: Characters in a device cookie: Lucia's id alphabet, 40 of them (about 206 bits).
DEVICE_COOKIE_LENGTH = 40
_DEVICE_COOKIE = re.compile(r"[a-z0-9]{40}")


class TooManyAttempts(LuciaError):
    """``LuciaError("AUTH_TOO_MANY_ATTEMPTS")``: a key is timed out; ``retry_after`` is float
    seconds until the longest of the timeouts (or claims) that refused the attempt ends."""

    retry_after: float

    def __init__(self, retry_after: float) -> None:
        super().__init__("AUTH_TOO_MANY_ATTEMPTS", f"retry after {retry_after:.3f} s")
        self.retry_after = retry_after

    def __reduce__(self) -> tuple[type[TooManyAttempts], tuple[float]]:  # type: ignore[override]
        return (type(self), (self.retry_after,))


def _ms(name: str, value: timedelta) -> int:
    if not isinstance(value, timedelta):
        raise TypeError(f"{name} must be a datetime.timedelta")
    ms = int(value / timedelta(milliseconds=1))
    if ms <= 0:
        raise ValueError(f"{name} must be at least one millisecond")
    return ms


def _keys(keys: tuple[str, ...]) -> list[str]:
    if not keys:
        raise TypeError("name at least one key, e.g. f'username:{username}'")
    for key in keys:
        if not isinstance(key, str):
            raise TypeError(f"throttle keys must be str, not {type(key).__name__}")
        if not key:
            raise ValueError("throttle keys must not be empty")
    return list(dict.fromkeys(keys))


def device_id(cookie_value: str) -> str:
    """The id a device cookie is stored under: the SHA-256 hex of its value, so that whoever reads
    the store cannot make a valid cookie from it."""
    return hashlib.sha256(cookie_value.encode()).hexdigest()


def _device_cookie_name(name: str | None, *, secure: bool) -> str:
    """The device cookie's name, checked now so that a bad one fails at start-up.

    By default ``__Host-device_cookie`` (``device_cookie`` with ``secure=False``): a sibling
    subdomain can set a cookie for the parent domain, for the sign-in page's path so that it is
    sent first, and the user's own device cookie would then be ignored: the lockout it protects
    against is back. Browsers let no other host set a ``__Host-`` cookie.
    """
    if name is None:
        return "__Host-device_cookie" if secure else "device_cookie"
    Cookie(name, "").serialize()
    prefix = cookie_name_prefix(name)
    if prefix is not None and not secure:
        raise ValueError(
            f"device_cookie_name {name!r} needs Secure (browsers drop a {prefix} cookie without "
            "it): use secure=True over HTTPS, or a name without the prefix in development"
        )
    return name


class Throttle:
    """Exponential back-off on failed attempts, per key (a user name, an IP address, ...).

    ``await check(*keys)`` before an attempt (raises :class:`TooManyAttempts`), ``await
    fail(*keys)`` after a failed one, ``await reset(*keys)`` after a success. Each failure times
    the key out for ``base_delay * 2 ** (failures - 1)``, at most ``max_delay``.

    A check that passes claims every key it found with failures on record, atomically in the
    store: until that attempt's ``fail`` or ``reset`` (or ``release``), the key counts as timed out
    for every other check, so concurrent requests cannot each get a guess in once a timeout ends.
    A claim ends by itself after ``claim_timeout``, so an attempt that crashed locks nothing for
    longer. A key's failures are forgotten ``forget_after`` after its timeout ended.

    Device cookies (Lucia's guide): after a successful sign-in, set the cookie of ``await
    device_cookie(user_id)``; a later ``check(..., device_cookie=value, user_id=user_id)`` from
    that browser skips the keys' timeouts for ``device_attempts`` attempts as that user, so an
    attacker failing on purpose cannot lock the user out of a browser that signed in before. The
    cookie is 40 random characters; the store keeps only its SHA-256 with the user id and the
    attempts left (no secret to share between processes, and a leaked store gives no cookies).
    It is named ``__Host-device_cookie`` (``device_cookie`` with ``secure=False``), so that no
    other host can shadow it.
    """

    def __init__(
        self,
        *,
        store: ThrottleStore,
        base_delay: timedelta = timedelta(seconds=1),
        max_delay: timedelta = timedelta(minutes=15),
        claim_timeout: timedelta = timedelta(seconds=10),
        forget_after: timedelta = timedelta(days=1),
        device_attempts: int = 5,
        device_cookie_name: str | None = None,
        device_cookie_max_age: timedelta = timedelta(days=365),
        secure: bool = True,
    ) -> None:
        for name in ("claim", "fail", "reset", "release", "add_device", "use_device"):
            if not callable(getattr(store, name, None)):
                raise TypeError(f"store must be a ThrottleStore (it has no {name}())")
        self._store = store
        self._base_ms = _ms("base_delay", base_delay)
        self._max_ms = _ms("max_delay", max_delay)
        if self._max_ms < self._base_ms:
            raise ValueError("max_delay must not be shorter than base_delay")
        self._hold_ms = _ms("claim_timeout", claim_timeout)
        self._forget_ms = _ms("forget_after", forget_after)
        if not isinstance(device_attempts, int) or isinstance(device_attempts, bool) or device_attempts < 1:
            raise ValueError("device_attempts must be a positive int")
        self._device_attempts = device_attempts
        self._device_ttl_ms = _ms("device_cookie_max_age", device_cookie_max_age)
        self._secure = bool(secure)
        self.device_cookie_name = _device_cookie_name(device_cookie_name, secure=self._secure)

    def __repr__(self) -> str:
        return f"Throttle(store={self._store!r}, base_delay={self._base_ms} ms, max_delay={self._max_ms} ms)"

    @property
    def store(self) -> ThrottleStore:
        """The store this throttle keeps its state in."""
        return self._store

    async def check(self, *keys: str, device_cookie: str | None = None, user_id: str | None = None) -> None:
        """Allow one attempt, or raise :class:`TooManyAttempts` if any key is timed out.

        Raises with ``retry_after``, the seconds until the longest of those timeouts ends.
        Otherwise the keys with failures on record are claimed for this attempt (see the class).
        With the value of a device cookie issued to ``user_id`` that has attempts left, the
        attempt is counted on the cookie and no key's timeout applies; a forged or exhausted
        cookie, one of another user, or ``user_id=None`` gives no bypass (the store deletes a
        cookie of another user and one whose attempts are used up).
        """
        names = _keys(keys)
        if device_cookie is not None and not isinstance(device_cookie, str):
            raise TypeError("device_cookie must be the cookie's value (a str) or None")
        if user_id is not None and not isinstance(user_id, str):
            raise TypeError("user_id must be a str or None")
        if (
            device_cookie is not None
            and user_id is not None
            and _DEVICE_COOKIE.fullmatch(device_cookie)
            and await self._store.use_device(device_id(device_cookie), user_id)
        ):
            return
        wait_ms = await self._store.claim(names, self._hold_ms)
        if wait_ms > 0:
            raise TooManyAttempts(wait_ms / 1000)

    async def fail(self, *keys: str) -> None:
        """Record a failed attempt on each key: its failures grow by one and it is timed out
        from now for ``base_delay * 2 ** (failures - 1)``, at most ``max_delay``."""
        await self._store.fail(_keys(keys), self._base_ms, self._max_ms, self._forget_ms)

    async def reset(self, *keys: str) -> None:
        """Clear the keys' failures and timeouts (after a successful sign-in)."""
        await self._store.reset(_keys(keys))

    async def release(self, *keys: str) -> None:
        """End this attempt's claim on keys you neither fail nor reset (such as the IP address
        after a successful sign-in): their failures and timeouts stay."""
        await self._store.release(_keys(keys))

    def read_device_cookie(self, cookie_header: str | None) -> str | None:
        """The device cookie's value in a request's ``Cookie`` header, or None when it has none."""
        if cookie_header is None:
            return None
        return parse_cookie(cookie_header).get(self.device_cookie_name) or None

    async def device_cookie(self, user_id: str) -> Cookie:
        """A new device cookie for ``user_id``, to set on the response of a successful sign-in.

        ``HttpOnly``, ``SameSite=Strict``, ``Path=/``, ``Secure`` unless the throttle was made
        with ``secure=False``, and kept by the browser (and the store) for
        ``device_cookie_max_age``.
        """
        if not isinstance(user_id, str) or not user_id:
            raise TypeError("user_id must be a non-empty str")
        value = generate_random_string(DEVICE_COOKIE_LENGTH)
        await self._store.add_device(device_id(value), user_id, self._device_attempts, self._device_ttl_ms)
        attributes = CookieAttributes(
            path="/", http_only=True, same_site="strict", max_age=self._device_ttl_ms // 1000
        )
        if self._secure:
            attributes["secure"] = True
        return Cookie(self.device_cookie_name, value, attributes)
