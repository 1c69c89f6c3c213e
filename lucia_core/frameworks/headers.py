"""Request headers as :class:`~lucia_core.RequestContext` wants them: one str per lowercase name."""

from __future__ import annotations

from collections.abc import Iterable


def join_headers(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """``{lowercase name: value}`` from ``(name, value)`` pairs, a repeated header's values joined.

    ``Cookie`` values are joined with ``"; "`` (HTTP/2 may split the header, RFC 9113 section
    8.2.3); any other header's with ``", "`` (RFC 9110 section 5.3). A repeated ``Origin``,
    ``Host`` or ``Authorization`` thus becomes a value that is not an origin, a host or a bearer
    token, and is refused rather than read by its first or last copy.
    """
    headers: dict[str, str] = {}
    for name, value in pairs:
        key = name.lower()
        previous = headers.get(key)
        if previous is None:
            headers[key] = value
        else:
            headers[key] = f"{previous}{'; ' if key == 'cookie' else ', '}{value}"
    return headers


__all__ = ["join_headers"]
