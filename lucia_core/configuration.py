"""The options of :func:`lucia_core.lucia`, checked once and frozen. Each check's message names the
option and says what it expects."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from .adapter import Adapter, resolve_adapter
from .context import Middleware
from .cookie import DEFAULT_SESSION_COOKIE_NAME, CookieAttributes, SessionCookieSettings
from .database import SessionRow, UserRow
from .frozen import EMPTY
from .options import (
    CsrfProtection,
    Env,
    Experimental,
    LuciaOptions,
    SessionCookieAttributes,
    SessionCookieOptions,
    SessionExpiresIn,
)
from .origin import CsrfOptions
from .session import DEFAULT_ACTIVE_PERIOD, DEFAULT_IDLE_PERIOD


@dataclass(frozen=True, slots=True)
class Configuration:
    """Every option of :func:`lucia_core.lucia` but the adapter, middleware and hasher, checked."""

    env: Env
    csrf: CsrfOptions | None
    active_period: timedelta
    idle_period: timedelta
    session_cookie: SessionCookieSettings
    get_user_attributes: Callable[[UserRow], Mapping[str, Any]]
    get_session_attributes: Callable[[SessionRow], Mapping[str, Any]]
    debug_mode: bool


_OPTION_NAMES = frozenset({"adapter", *LuciaOptions.__annotations__})


def _no_attributes(_row: Mapping[str, Any]) -> Mapping[str, Any]:
    return EMPTY


def check_keys(name: str, value: object, typed: type[Any], expected: str = "a dict") -> None:
    """TypeError unless ``value`` is a mapping; ValueError listing the valid keys (those of the
    TypedDict ``typed``) when it has others."""
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be {expected}, not {type(value).__name__}")
    _check_names(name, value, typed.__annotations__)


def _check_names(
    name: str, value: Mapping[Any, Any], valid: Collection[str], error: type[Exception] = ValueError
) -> None:
    unknown = [str(key) for key in value if key not in valid]
    if unknown:
        listed = ", ".join(sorted(map(repr, unknown)))
        raise error(f"{name}: unknown key(s) {listed}; the valid keys are {', '.join(sorted(valid))}")


def _csrf(option: object) -> CsrfOptions | None:
    if option is True:
        return CsrfOptions()
    if option is False:
        return None
    check_keys("csrf_protection", option, CsrfProtection, 'a bool or a dict such as {"host": "example.com"}')
    assert isinstance(option, Mapping)
    host = option.get("host")
    host_header = option.get("host_header", "Host")
    subs = option.get("allowed_sub_domains", ())
    if host is not None and not isinstance(host, str):
        raise TypeError("csrf_protection host must be a str such as 'example.com' or 'example.com:8443'")
    if not isinstance(host_header, str) or not host_header:
        raise TypeError("csrf_protection host_header must be a header name such as 'X-Forwarded-Host'")
    if subs != "*":
        if isinstance(subs, str) or not all(isinstance(s, str) for s in subs):
            raise TypeError('csrf_protection allowed_sub_domains must be a list of str or "*"')
        subs = tuple(subs)
    return CsrfOptions(host=host, host_header=host_header, allowed_sub_domains=subs)


def _period(value: object, name: str) -> timedelta:
    if not isinstance(value, timedelta):
        raise TypeError(f"session_expires_in {name} must be a datetime.timedelta, not {type(value).__name__}")
    if value <= timedelta(0):
        raise ValueError(f"session_expires_in {name} must be positive")
    return value


def _session_cookie(option: object, env: Env) -> SessionCookieSettings:
    option = {} if option is None else option
    check_keys("session_cookie", option, SessionCookieOptions)
    assert isinstance(option, Mapping)
    name = option.get("name", DEFAULT_SESSION_COOKIE_NAME)
    expires = option.get("expires", True)
    if not isinstance(name, str) or not name:
        raise TypeError("session_cookie name must be a non-empty str")
    if not isinstance(expires, bool):
        raise TypeError("session_cookie expires must be a bool")
    configured = option.get("attributes") or {}
    check_keys("session_cookie attributes", configured, SessionCookieAttributes)
    attributes = CookieAttributes(same_site="lax", path="/")
    attributes.update(configured)  # type: ignore[typeddict-item]
    attributes["http_only"] = True
    attributes["secure"] = env == "PROD"
    settings = SessionCookieSettings(name=name, attributes=attributes, expires=expires)
    settings.blank().serialize()  # an attribute that cannot be written fails here, not per request
    return settings


def _attribute_getter(name: str, func: object) -> Callable[[Any], Mapping[str, Any]]:
    if func is None:
        return _no_attributes
    if not callable(func):
        raise TypeError(f"{name} must be a function taking a row and returning a dict, not {func!r}")
    call = type(func).__call__  # an object's own async __call__ counts too
    if inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(call):
        raise TypeError(
            f"{name} must be a plain (not async) function returning a dict: it runs on every validated "
            "session, from the row already read; to load more, do it where you use the user"
        )
    return func


def check_middleware(middleware: object) -> Middleware | None:
    """The ``middleware`` option (None: the default), or TypeError when it is not callable."""
    if middleware is not None and not callable(middleware):
        raise TypeError(
            f"middleware must be what a lucia_core.middleware factory returns, such as "
            f"lucia_core.middleware.starlette(), not {middleware!r}"
        )
    return middleware


def build_configuration(options: Mapping[str, Any]) -> Configuration:
    """Check the options (a :class:`~lucia_core.options.LuciaOptions`); raise TypeError /
    ValueError naming the option that is wrong and what it expects."""
    _check_names("lucia()", options, _OPTION_NAMES, TypeError)
    env = options.get("env", "DEV")
    if env not in ("DEV", "PROD"):
        raise ValueError(f'env must be "DEV" or "PROD", not {env!r}')
    expires_in = options.get("session_expires_in") or {}
    check_keys("session_expires_in", expires_in, SessionExpiresIn)
    experimental = options.get("experimental") or {}
    check_keys("experimental", experimental, Experimental)
    return Configuration(
        env=env,
        csrf=_csrf(options.get("csrf_protection", True)),
        active_period=_period(expires_in.get("active_period", DEFAULT_ACTIVE_PERIOD), "active_period"),
        idle_period=_period(expires_in.get("idle_period", DEFAULT_IDLE_PERIOD), "idle_period"),
        session_cookie=_session_cookie(options.get("session_cookie"), env),
        get_user_attributes=_attribute_getter("get_user_attributes", options.get("get_user_attributes")),
        get_session_attributes=_attribute_getter(
            "get_session_attributes", options.get("get_session_attributes")
        ),
        debug_mode=bool(experimental.get("debug_mode", False)),
    )


# Every method of the adapter protocols (and the optional one-round-trip readers), awaited by the core.
_ADAPTER_METHODS = (
    "get_user", "set_user", "update_user", "delete_user", "get_key", "get_keys_by_user_id", "set_key",
    "update_key", "delete_key", "delete_keys_by_user_id", "get_session", "get_sessions_by_user_id",
    "set_session", "update_session", "delete_session", "delete_sessions_by_user_id", "get_session_and_user",
    "get_user_and_sessions",
)  # fmt: skip


def check_adapter(adapter: object) -> Adapter:
    """The one :class:`Adapter` for the ``adapter`` option (an adapter, or ``{"user": ...,
    "session": ...}``); TypeError saying what was expected for anything else, including an adapter
    whose methods are not coroutine functions (``async def``): the core awaits every call."""
    if isinstance(adapter, (str, bytes)):  # a database URL: never echoed, it may hold a password
        raise TypeError(
            "adapter must be an adapter object, such as postgres_adapter(pool) from "
            "lucia_adapter_postgres, not a str: lucia-core does not connect to databases itself"
        )
    resolved = resolve_adapter(adapter)  # type: ignore[arg-type]
    plain = [
        name
        for name in _ADAPTER_METHODS
        if (method := getattr(resolved, name, None)) is not None and not inspect.iscoroutinefunction(method)
    ]
    if plain:
        raise TypeError(
            f"adapter {resolved!r}: {', '.join(plain)} must be async methods (async def): lucia-core "
            "awaits every adapter call; wrap a synchronous driver's calls in asyncio.to_thread, or "
            "use one of the lucia_adapter_* packages"
        )
    return resolved
