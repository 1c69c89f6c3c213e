"""The client's IP address, from what the application trusts: the connection, or X-Forwarded-For
entries written by the application's own reverse proxies.

Anyone can send ``X-Forwarded-For: 1.2.3.4``; a throttle keyed on the header's leftmost entry is
one an attacker resets at will. Each proxy *appends* the address it received the request from, so
behind exactly N proxies you run, only the N rightmost entries were written by them, and the N-th
from the right is the address that connected to your outermost proxy: the client. Nothing left of
it is ever used.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from typing import Any

# Longer than any textual IPv6 address with brackets and a port: not worth parsing.
_MAX_ENTRY = 64


def _is_port(text: str) -> bool:
    return 0 < len(text) <= 5 and text.isascii() and text.isdigit()


def normalize_ip(text: object) -> str | None:
    """``text`` as an IP address in its canonical form, or None if it is not one.

    Accepts ``1.2.3.4``, ``1.2.3.4:port``, IPv6 in any spelling, ``[v6]`` and ``[v6]:port``, with
    surrounding spaces or double quotes. IPv6 comes back compressed and lower case, an
    IPv4-mapped IPv6 address (``::ffff:1.2.3.4``) as the IPv4 address, and without a zone index.
    """
    if not isinstance(text, str) or len(text) > _MAX_ENTRY:
        return None
    text = text.strip().strip('"').strip()
    if text.startswith("["):
        end = text.find("]")
        rest = text[end + 1 :]
        if end < 0 or (rest and not (rest.startswith(":") and _is_port(rest[1:]))):
            return None
        text = text[1:end]
    elif text.count(":") == 1:  # IPv4 with a port; a bare IPv6 address has at least two colons
        text, _, port = text.partition(":")
        if not _is_port(port):
            return None
    text = text.split("%", 1)[0]  # the zone index names an interface of the sender, not an address
    if not text.isascii():
        return None
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(address)


def _trusted(trusted_proxies: object) -> int:
    if not isinstance(trusted_proxies, int) or isinstance(trusted_proxies, bool):
        raise TypeError("trusted_proxies must be an int")
    if trusted_proxies < 0:
        raise ValueError("trusted_proxies must not be negative")
    return trusted_proxies


def forwarded_client_ip(
    peer: str | None, forwarded_for: Iterable[str] = (), *, trusted_proxies: int = 0
) -> str | None:
    """The client's address, given the connection's ``peer`` and the X-Forwarded-For header lines.

    With ``trusted_proxies=0`` (the default) the header is ignored and the result is the peer.
    With N > 0 the lines are joined in order and split at commas; the N-th entry from the right is
    the client when it is a valid address. When there are fewer than N entries, or that entry is
    not an IP address (``unknown``, garbage), the result is the peer: the address of your own
    proxy, never a value the client chose. The result is normalized (:func:`normalize_ip`), and
    None when the peer is needed but is not an IP address (a Unix socket).
    """
    count = _trusted(trusted_proxies)
    if isinstance(forwarded_for, str):
        forwarded_for = (forwarded_for,)
    if count:
        entries = [
            entry.strip()
            for line in forwarded_for
            if isinstance(line, str)
            for entry in line.split(",")
            if entry.strip()
        ]
        if len(entries) >= count and (client := normalize_ip(entries[-count])) is not None:
            return client
    return normalize_ip(peer)


def _header_lines(headers: Any, name: str) -> list[str]:
    """Every line of header ``name`` in a framework's header collection, in order."""
    for method in ("getall", "getlist", "get_all"):
        getter = getattr(headers, method, None)
        if callable(getter):
            try:
                return [str(value) for value in getter(name, [])]
            except (KeyError, TypeError):
                return [str(value) for value in getter(name) or []]
    value = headers.get(name) if isinstance(headers, Mapping) else None
    return [value] if isinstance(value, str) else []


def _from_scope(scope: Mapping[str, Any]) -> tuple[str | None, list[str]]:
    client = scope.get("client")
    peer = client[0] if isinstance(client, (tuple, list)) and client else None
    lines = [
        value.decode("latin-1")
        for name, value in scope.get("headers") or ()
        if isinstance(name, bytes) and isinstance(value, bytes) and name.lower() == b"x-forwarded-for"
    ]
    return peer if isinstance(peer, str) else None, lines


def _peer_and_lines(request: Any) -> tuple[str | None, list[str]]:
    if isinstance(request, Mapping) and "type" in request:  # an ASGI scope
        return _from_scope(request)
    scope = getattr(request, "scope", None)
    if isinstance(scope, Mapping) and "type" in scope:  # Starlette, FastAPI, Litestar
        return _from_scope(scope)
    meta = getattr(request, "META", None)
    if isinstance(meta, Mapping):  # Django (WSGI or ASGI)
        forwarded = meta.get("HTTP_X_FORWARDED_FOR")
        return meta.get("REMOTE_ADDR"), [forwarded] if isinstance(forwarded, str) else []
    remote = getattr(request, "remote", None)
    headers = getattr(request, "headers", None)
    if headers is not None:  # aiohttp
        return remote if isinstance(remote, str) else None, _header_lines(headers, "X-Forwarded-For")
    raise TypeError(
        "client_ip needs an ASGI scope, or a Starlette, FastAPI, Litestar, aiohttp or Django request,"
        f" not {type(request).__name__}; use forwarded_client_ip(peer, lines) for others"
    )


def client_ip(request: Any, *, trusted_proxies: int = 0) -> str | None:
    """The client's IP address for ``request``, normalized, or None when the connection has none.

    ``request`` is an ASGI scope, or a Starlette / FastAPI / Litestar request (its ASGI scope), an
    aiohttp request (``remote``) or a Django request (``META["REMOTE_ADDR"]``). With
    ``trusted_proxies=0`` (the default) the address is the connection's peer and X-Forwarded-For is
    ignored. Set it to the number of reverse proxies you run in front of the application (each
    appending to X-Forwarded-For) to read the client from the header, as
    :func:`forwarded_client_ip` does. A framework's own "client address" setting that trusts the
    header (uvicorn's ``--proxy-headers``, aiohttp's ``forwarded`` helpers) already changed the
    peer: then leave ``trusted_proxies`` at 0.
    """
    count = _trusted(trusted_proxies)
    peer, lines = _peer_and_lines(request)
    return forwarded_client_ip(peer, lines, trusted_proxies=count)


def ip_key(address: str, *, ipv6_prefix: int = 64) -> str:
    """A throttle key for an address: ``ip:203.0.113.9`` for IPv4, the ``/64`` network for IPv6
    (``ip:2001:db8:1:2::/64``), since one IPv6 host usually holds a whole /64 and could otherwise
    try from a new address each time. Raises ValueError if ``address`` is not an IP address."""
    normalized = normalize_ip(address)
    if normalized is None:
        raise ValueError(f"not an IP address: {address!r}")
    if not isinstance(ipv6_prefix, int) or isinstance(ipv6_prefix, bool) or not 0 < ipv6_prefix <= 128:
        raise ValueError("ipv6_prefix must be an int from 1 to 128")
    ip = ipaddress.ip_address(normalized)
    if isinstance(ip, ipaddress.IPv6Address):
        return f"ip:{ipaddress.IPv6Network((ip, ipv6_prefix), strict=False)}"
    return f"ip:{ip}"
