"""The options of :func:`lucia_core.lucia`, checked once and frozen."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from .cookie import CookieAttributes
from .database import SessionRow, UserRow
from .origin import CsrfOptions
from .session import DEFAULT_ACTIVE_PERIOD, DEFAULT_IDLE_PERIOD

Env = Literal["DEV", "PROD"]

#: The default name of the session cookie.
DEFAULT_SESSION_COOKIE_NAME = "auth_session"

_COOKIE_ATTRIBUTE_KEYS = {"same_site", "path", "domain"}


@dataclass(frozen=True, slots=True)
class SessionCookieOptions:
    """``name``; ``attributes`` (``same_site``, ``path``, ``domain``) added to every session cookie;
    ``expires``: when False the cookie carries no expiry (a browser-session cookie)."""

    name: str = DEFAULT_SESSION_COOKIE_NAME
    attributes: CookieAttributes | None = None
    expires: bool = True


@dataclass(frozen=True, slots=True)
class Configuration:
    """Every option of :func:`lucia_core.lucia`, after checking."""

    env: Env
    csrf: CsrfOptions | None
    active_period: timedelta
    idle_period: timedelta
    session_cookie: SessionCookieOptions
    get_user_attributes: Callable[[UserRow], Mapping[str, Any]]
    get_session_attributes: Callable[[SessionRow], Mapping[str, Any]]
    debug_mode: bool


def _no_attributes(_row: Mapping[str, Any]) -> Mapping[str, Any]:
    return {}


def _check_keys(name: str, value: Mapping[str, Any], allowed: set[str]) -> None:
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a dict")
    unknown = set(value) - allowed
    if unknown:
        raise ValueError(f"{name}: unknown keys {', '.join(sorted(map(str, unknown)))}")


def _csrf(option: bool | Mapping[str, Any]) -> CsrfOptions | None:
    if option is True:
        return CsrfOptions()
    if option is False:
        return None
    _check_keys("csrf_protection", option, {"host", "host_header", "allowed_sub_domains"})
    host = option.get("host")
    host_header = option.get("host_header", "Host")
    subs = option.get("allowed_sub_domains", ())
    if host is not None and not isinstance(host, str):
        raise TypeError("csrf_protection host must be a str")
    if not isinstance(host_header, str) or not host_header:
        raise TypeError("csrf_protection host_header must be a header name")
    if subs != "*":
        if isinstance(subs, str) or not all(isinstance(s, str) for s in subs):
            raise TypeError('csrf_protection allowed_sub_domains must be a list of str or "*"')
        subs = tuple(subs)
    return CsrfOptions(host=host, host_header=host_header, allowed_sub_domains=subs)


def _period(value: Any, name: str) -> timedelta:
    if not isinstance(value, timedelta):
        raise TypeError(f"session_expires_in {name} must be a datetime.timedelta")
    if value <= timedelta(0):
        raise ValueError(f"session_expires_in {name} must be positive")
    return value


def _session_cookie(option: Mapping[str, Any] | None) -> SessionCookieOptions:
    if option is None:
        return SessionCookieOptions()
    _check_keys("session_cookie", option, {"name", "attributes", "expires"})
    name = option.get("name", DEFAULT_SESSION_COOKIE_NAME)
    attributes = option.get("attributes")
    expires = option.get("expires", True)
    if not isinstance(name, str) or not name:
        raise TypeError("session_cookie name must be a non-empty str")
    if attributes is not None:
        _check_keys("session_cookie attributes", attributes, _COOKIE_ATTRIBUTE_KEYS)
        attributes = CookieAttributes(**attributes)  # type: ignore[typeddict-item]
    if not isinstance(expires, bool):
        raise TypeError("session_cookie expires must be a bool")
    return SessionCookieOptions(name=name, attributes=attributes, expires=expires)


def build_configuration(
    *,
    env: str,
    csrf_protection: bool | Mapping[str, Any],
    session_expires_in: Mapping[str, timedelta] | None,
    session_cookie: Mapping[str, Any] | None,
    get_user_attributes: Callable[[UserRow], Mapping[str, Any]] | None,
    get_session_attributes: Callable[[SessionRow], Mapping[str, Any]] | None,
    experimental: Mapping[str, Any] | None,
) -> Configuration:
    """Check every option; raise TypeError / ValueError naming the option that is wrong."""
    if env not in ("DEV", "PROD"):
        raise ValueError('env must be "DEV" or "PROD"')
    expires_in = session_expires_in or {}
    _check_keys("session_expires_in", expires_in, {"active_period", "idle_period"})
    experimental = experimental or {}
    _check_keys("experimental", experimental, {"debug_mode"})
    for name, func in (
        ("get_user_attributes", get_user_attributes),
        ("get_session_attributes", get_session_attributes),
    ):
        if func is not None and not callable(func):
            raise TypeError(f"{name} must be callable")
    return Configuration(
        env=env,  # type: ignore[arg-type]
        csrf=_csrf(csrf_protection),
        active_period=_period(expires_in.get("active_period", DEFAULT_ACTIVE_PERIOD), "active_period"),
        idle_period=_period(expires_in.get("idle_period", DEFAULT_IDLE_PERIOD), "idle_period"),
        session_cookie=_session_cookie(session_cookie),
        get_user_attributes=get_user_attributes or _no_attributes,
        get_session_attributes=get_session_attributes or _no_attributes,
        debug_mode=bool(experimental.get("debug_mode", False)),
    )
