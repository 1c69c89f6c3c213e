"""The options of :func:`lucia_core.lucia`, typed: an editor and mypy catch a misspelt key or a
wrong value before the configuration check does at run time."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any, Literal, TypedDict

from .context import Middleware
from .database import SessionRow, UserRow
from .password import PasswordHasher

#: ``"DEV"`` or ``"PROD"``; in PROD every session cookie is ``Secure``.
Env = Literal["DEV", "PROD"]


class SessionExpiresIn(TypedDict, total=False):
    """``session_expires_in``: how long a session is active (default 1 day), then idle and
    renewable (default 14 days)."""

    active_period: timedelta
    idle_period: timedelta


class SessionCookieAttributes(TypedDict, total=False):
    """``session_cookie["attributes"]``: what may be configured. ``HttpOnly`` is always set and
    ``Secure`` follows ``env``, so neither can be switched off."""

    same_site: Literal["lax", "strict", "none"]
    path: str
    domain: str


class SessionCookieOptions(TypedDict, total=False):
    """``session_cookie``: the cookie's ``name`` (default ``auth_session``; a ``__Host-`` or
    ``__Secure-`` name needs ``env="PROD"``), its ``attributes``, and ``expires`` (False: a
    browser-session cookie without an expiry)."""

    name: str
    attributes: SessionCookieAttributes
    expires: bool


class CsrfProtection(TypedDict, total=False):
    """``csrf_protection`` as a dict: ``host`` (the expected host, instead of a request header),
    ``host_header`` (the header to read it from, default ``Host``) and ``allowed_sub_domains``
    (labels, or ``"*"`` for any subdomain)."""

    host: str
    host_header: str
    allowed_sub_domains: Sequence[str] | Literal["*"]


class Experimental(TypedDict, total=False):
    """``experimental``: ``debug_mode`` logs each decision on the ``lucia`` logger."""

    debug_mode: bool


class LuciaOptions(TypedDict, total=False):
    """Every keyword of :func:`lucia_core.lucia` but ``adapter``; each is optional."""

    env: Env
    middleware: Middleware | None
    csrf_protection: bool | CsrfProtection
    session_expires_in: SessionExpiresIn | None
    session_cookie: SessionCookieOptions | None
    get_user_attributes: Callable[[UserRow], Mapping[str, Any]] | None
    get_session_attributes: Callable[[SessionRow], Mapping[str, Any]] | None
    password_hash: PasswordHasher | Mapping[str, Any] | None
    experimental: Experimental | None


__all__ = [
    "CsrfProtection",
    "Env",
    "Experimental",
    "LuciaOptions",
    "SessionCookieAttributes",
    "SessionCookieOptions",
    "SessionExpiresIn",
]
