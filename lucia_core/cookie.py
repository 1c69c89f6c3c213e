"""Cookies: parsing a ``Cookie`` header and serializing ``Set-Cookie`` values per RFC 6265."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import format_datetime
from typing import Literal, TypedDict
from urllib.parse import quote, unquote

from .masking import mask

SameSite = Literal["lax", "strict", "none"]


class CookieAttributes(TypedDict, total=False):
    """The attributes of a ``Set-Cookie`` header. Absent keys are not written."""

    domain: str
    path: str
    expires: datetime
    max_age: int
    http_only: bool
    secure: bool
    same_site: SameSite


# RFC 6265 section 4.1.1: a cookie name is an RFC 7230 token.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# cookie-octet: printable US-ASCII less DQUOTE, comma, semicolon and backslash. We keep every one of
# them unencoded except "%", which introduces an escape.
_SAFE_OCTETS = "".join(
    chr(c) for c in range(0x21, 0x7F) if chr(c) not in '",;\\%'
)  # fmt: skip
# Characters that must never appear in an attribute value: ";" and controls would end or split the
# header, and anything outside printable US-ASCII is not allowed there (RFC 6265 section 4.1.1);
# frameworks would refuse it or MIME-encode the whole header.
_FORBIDDEN_IN_ATTRIBUTE = re.compile(r"[^\x20-\x3a\x3c-\x7e]")
_SAME_SITE_VALUES = {"lax": "Lax", "strict": "Strict", "none": "None"}


def _check_attribute(name: str, value: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"cookie attribute {name} must be a str")
    if _FORBIDDEN_IN_ATTRIBUTE.search(value):
        raise ValueError(f"cookie attribute {name} must be printable US-ASCII without ';'")
    return value


def serialize_cookie(name: str, value: str, attributes: Mapping[str, object] | None = None) -> str:
    """Return a ``Set-Cookie`` header value for ``name=value`` with ``attributes``.

    The name must be an RFC 7230 token (ValueError otherwise). The value may be any string: every
    character outside RFC 6265's cookie-octet set, and ``%``, is percent-encoded (UTF-8), so no
    value can inject an attribute or a header; :func:`parse_cookie` decodes it back. Unknown
    attribute names raise ValueError.
    """
    if not isinstance(name, str) or not isinstance(value, str):
        raise TypeError("cookie name and value must be str")
    if not _TOKEN.fullmatch(name):
        raise ValueError(f"invalid cookie name: {name!r}")
    parts = [f"{name}={quote(value, safe=_SAFE_OCTETS)}"]
    attrs = dict(attributes or {})
    unknown = set(attrs) - set(CookieAttributes.__annotations__)
    if unknown:
        raise ValueError(f"unknown cookie attributes: {', '.join(sorted(unknown))}")
    if "domain" in attrs:
        parts.append(f"Domain={_check_attribute('domain', attrs['domain'])}")  # type: ignore[arg-type]
    if "path" in attrs:
        parts.append(f"Path={_check_attribute('path', attrs['path'])}")  # type: ignore[arg-type]
    if "expires" in attrs:
        expires = attrs["expires"]
        if not isinstance(expires, datetime) or expires.tzinfo is None:
            raise ValueError("cookie attribute expires must be a timezone-aware datetime")
        parts.append(f"Expires={format_datetime(expires.astimezone(timezone.utc), usegmt=True)}")
    if "max_age" in attrs:
        max_age = attrs["max_age"]
        if not isinstance(max_age, int) or isinstance(max_age, bool):
            raise TypeError("cookie attribute max_age must be an int")
        parts.append(f"Max-Age={max_age}")
    if attrs.get("http_only"):
        parts.append("HttpOnly")
    if attrs.get("secure"):
        parts.append("Secure")
    if "same_site" in attrs:
        same_site = attrs["same_site"]
        if same_site not in _SAME_SITE_VALUES:
            raise ValueError('cookie attribute same_site must be "lax", "strict" or "none"')
        parts.append(f"SameSite={_SAME_SITE_VALUES[same_site]}")
    return "; ".join(parts)


def _pairs(header: str) -> Iterator[tuple[str, str]]:
    for pair in header.split(";"):
        name, sep, value = pair.partition("=")
        name = name.strip(" \t")
        if not sep or not _TOKEN.fullmatch(name):
            continue
        value = value.strip(" \t")
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        yield name, unquote(value, errors="replace") if "%" in value else value


def parse_cookie(header: str) -> dict[str, str]:
    """Parse a ``Cookie`` request header into ``{name: value}``.

    Pairs without ``=`` or with an invalid name are skipped; the first pair of a name wins (the
    browser sends the most specific cookie first); surrounding double quotes are removed and
    percent-escapes decoded. Never raises for malformed input; a non-str header gives ``{}``.
    """
    cookies: dict[str, str] = {}
    if isinstance(header, str):
        for name, value in _pairs(header):
            cookies.setdefault(name, value)
    return cookies


def cookie_values(header: str | None, name: str) -> list[str]:
    """Every value of the cookie ``name`` in a ``Cookie`` header, in the order sent, parsed as
    :func:`parse_cookie` does. Several values mean several cookies of that name (another path, or
    a sibling subdomain's ``Domain`` cookie); a non-str header gives ``[]``."""
    if not isinstance(header, str) or name not in header:
        return []
    return [value for key, value in _pairs(header) if key == name]


@dataclass(frozen=True, repr=False)
class Cookie:
    """A cookie to set on a response: ``name``, ``value`` and ``attributes``. Immutable."""

    name: str
    value: str
    attributes: CookieAttributes = field(default_factory=lambda: CookieAttributes())

    def serialize(self) -> str:
        """The ``Set-Cookie`` header value."""
        return serialize_cookie(self.name, self.value, self.attributes)

    def __repr__(self) -> str:
        # The value is a credential: keep it out of logs and tracebacks.
        return f"Cookie(name={self.name!r}, value={mask(self.value)!r}, attributes={self.attributes!r})"


#: The default name of the session cookie.
DEFAULT_SESSION_COOKIE_NAME = "auth_session"
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def cookie_name_prefix(name: str) -> Literal["__Secure-", "__Host-"] | None:
    """The prefix browsers see in a cookie name (RFC 6265bis section 4.1.3; in any case), or None."""
    if name[:9].lower() == "__secure-":
        return "__Secure-"
    if name[:7].lower() == "__host-":
        return "__Host-"
    return None


def check_cookie_prefix(name: str, attributes: Mapping[str, object]) -> None:
    """Refuse a ``__Host-`` or ``__Secure-`` cookie name whose attributes browsers would reject the
    cookie for (RFC 6265bis section 4.1.3; the prefixes match in any case): both need ``Secure``,
    ``__Host-`` also no ``Domain`` and ``Path=/``. ValueError saying what to do instead."""
    prefix = cookie_name_prefix(name)
    if prefix is None:
        return
    if not attributes.get("secure"):
        raise ValueError(
            f'the session cookie {name!r} needs Secure, which lucia-core sets only with env="PROD" '
            f'(browsers drop a {prefix} cookie without it): use env="PROD" (served over HTTPS), '
            f'or a name without the prefix in development, e.g. name="{prefix}auth_session" if '
            'env == "PROD" else "auth_session"'
        )
    if prefix == "__Host-" and "domain" in attributes:
        raise ValueError(
            f"the session cookie {name!r} must not have a domain (browsers drop a __Host- cookie "
            "with one): remove the domain to keep the cookie on this host, or name it __Secure-... "
            "to share it with subdomains"
        )
    if prefix == "__Host-" and attributes.get("path", "/") != "/":
        raise ValueError(
            f'the session cookie {name!r} must have path "/" (browsers drop a __Host- cookie with '
            "another path): remove the path, or use a name without the __Host- prefix"
        )


@dataclass(frozen=True, slots=True)
class SessionCookieSettings:
    """How the session cookie is written: ``name``, the ``attributes`` of every one (``HttpOnly``,
    ``Secure`` in PROD, ``SameSite``, ``Path``, ``Domain``) and whether it ``expires`` with the
    session (False: a browser-session cookie). Built by the configuration, prefix rules checked."""

    name: str
    attributes: CookieAttributes
    expires: bool = True

    def __post_init__(self) -> None:
        check_cookie_prefix(self.name, self.attributes)

    def cookie(self, session_id: str, expires_at: datetime) -> Cookie:
        """The cookie carrying ``session_id``, expiring at ``expires_at`` unless ``expires`` is off."""
        attributes = CookieAttributes(**self.attributes)
        if self.expires:
            attributes["expires"] = expires_at
        return Cookie(self.name, session_id, attributes)

    def blank(self) -> Cookie:
        """A blank cookie of this name that is already expired: it deletes the browser's cookie."""
        attributes = CookieAttributes(**self.attributes)
        attributes["expires"] = _EPOCH
        attributes["max_age"] = 0
        return Cookie(self.name, "", attributes)
