"""CSRF protection: a state-changing request, or a WebSocket handshake, must come from the site's
own origin."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from .context import RequestContext
from .debug import DebugLog
from .errors import LuciaError

#: Methods that must not change state, and so need no origin check.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True, slots=True)
class CsrfOptions:
    """How request origins are checked.

    ``host``: the expected host (``example.com`` or ``example.com:8443``), instead of the request's
    ``Host`` header. ``host_header``: read the host from this header instead (for example
    ``X-Forwarded-Host`` behind a trusted proxy). ``allowed_sub_domains``: subdomain labels of the
    host whose origins are also accepted (``["www", "api"]``), or ``"*"`` for any subdomain.
    """

    host: str | None = None
    host_header: str = "Host"
    allowed_sub_domains: Sequence[str] | Literal["*"] = ()


def _ascii_host(hostname: str) -> str | None:
    """Lowercase ASCII (IDNA) form of a host name, or None when it is not a valid name.

    A Unicode name must come back unchanged (apart from case) from Python's IDNA 2003 codec.
    That codec maps characters that browsers (UTS 46, non-transitional) keep or refuse: it would
    turn ``faß.de`` into ``fass.de``, another domain, and drop zero-width joiners; such names are
    refused rather than taken for a different host.
    """
    try:
        if hostname.isascii():
            ascii_name = hostname
        else:
            ascii_name = hostname.encode("idna").decode("ascii")
            if ascii_name.encode("ascii").decode("idna") != unicodedata.normalize("NFC", hostname).lower():
                return None
    except UnicodeError:
        return None
    ascii_name = ascii_name.lower().rstrip(".")
    if not ascii_name or any(c in ascii_name for c in "@/\\?#%:[] \t\r\n"):
        # A bracketed IPv6 literal is handled by the caller; anything else with these is not a host.
        return None
    return ascii_name


def _split_host(value: str) -> tuple[str, int | None] | None:
    """Parse ``host[:port]`` (or ``[v6]:port``) into a normalized host and port."""
    value = value.strip(" \t")
    if not value or any(ord(c) < 0x21 or ord(c) == 0x7F for c in value):
        return None
    if value.startswith("["):
        end = value.find("]")
        if end == -1:
            return None
        host, rest = value[: end + 1].lower(), value[end + 1 :]
    else:
        host, sep, port_text = value.partition(":")
        if sep and (not port_text or ":" in port_text):
            return None
        rest = sep + port_text
        normalized = _ascii_host(host)
        if normalized is None:
            return None
        host = normalized
    if not rest:
        return host, None
    if not rest.startswith(":") or not rest[1:].isdigit() or not rest[1:].isascii():
        return None
    port = int(rest[1:])
    return (host, port) if 0 < port < 65536 else None


def parse_origin(origin: str) -> tuple[str, str, int] | None:
    """Parse an ``Origin`` header into ``(scheme, host, port)``, or None when it is not an origin.

    Only ``http`` and ``https`` origins of the form ``scheme://host[:port]`` qualify: ``null``,
    user info (``user@host``), paths, queries and fragments are rejected.
    """
    if not isinstance(origin, str) or len(origin) > 2048:
        return None
    origin = origin.strip(" \t")
    # urlsplit silently drops tabs and newlines anywhere in a URL: refuse them (and all controls).
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in origin):
        return None
    try:
        parts = urlsplit(origin)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or parts.path or parts.query or parts.fragment:
        return None
    netloc = parts.netloc
    if not netloc or "@" in netloc:
        return None
    parsed = _split_host(netloc)
    if parsed is None:
        return None
    host, port = parsed
    return scheme, host, port if port is not None else _DEFAULT_PORTS[scheme]


def is_allowed_origin(
    origin: str | None,
    host: str | None,
    allowed_sub_domains: Sequence[str] | Literal["*"] = (),
) -> bool:
    """True when ``origin`` is the site ``host`` itself or one of its allowed subdomains.

    Hosts compare case-insensitively after IDNA encoding. A port in ``host`` must equal the
    origin's port; without one, the origin must use its scheme's default port (80 or 443).
    ``evil.com.example.com`` is a subdomain of ``example.com`` (allowed only with ``"*"`` or an
    explicit ``"evil.com"`` label list entry); ``example.com.evil.com`` never is.
    """
    if origin is None or host is None:
        return False
    parsed_origin = parse_origin(origin)
    expected = _split_host(host)
    if parsed_origin is None or expected is None:
        return False
    scheme, origin_host, origin_port = parsed_origin
    expected_host, expected_port = expected
    if origin_port != (expected_port if expected_port is not None else _DEFAULT_PORTS[scheme]):
        return False
    if origin_host == expected_host:
        return True
    if allowed_sub_domains == "*":
        return origin_host.endswith("." + expected_host) and not expected_host.startswith("[")
    for label in allowed_sub_domains:
        sub = _ascii_host(label)
        if sub is not None and origin_host == f"{sub}.{expected_host}":
            return True
    return False


def check_request_origin(csrf: CsrfOptions | None, request: RequestContext, debug: DebugLog) -> None:
    """Raise LuciaError AUTH_INVALID_REQUEST for a request whose ``Origin`` is not the host's (or
    an allowed subdomain's), unless its method is GET, HEAD, OPTIONS or TRACE and it is not a
    WebSocket handshake (browsers send a cross-site handshake with the victim's cookies, and
    what the socket then carries can change state). No-op when ``csrf`` is None (protection off).

    The host is ``csrf.host`` when configured, else the ``csrf.host_header`` request header,
    else the host of the request's URL.
    """
    method = request.method
    if csrf is None or (not request.websocket and method.isascii() and method.upper() in SAFE_METHODS):
        return
    origin = request.header("origin")
    host = csrf.host if csrf.host is not None else request.header(csrf.host_header)
    if host is None:
        host = request.url_host()
    if not is_allowed_origin(origin, host, csrf.allowed_sub_domains):
        debug("CSRF check failed: origin %r is not host %r", origin, host)
        raise LuciaError("AUTH_INVALID_REQUEST")
