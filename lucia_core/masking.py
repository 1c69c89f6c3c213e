"""Credentials kept out of reprs and logs: session ids, cookies, ``Authorization`` headers."""

from __future__ import annotations

#: Request headers whose values are credentials: printed masked, never in full.
CREDENTIAL_HEADERS = frozenset({"cookie", "authorization", "proxy-authorization", "x-api-key"})


def mask(secret: str) -> str:
    """Enough of a credential to tell two apart in a log (its first 4 characters and its length),
    not enough to use it."""
    return f"{secret[:4]}...({len(secret)} chars)" if secret else ""


class RequestHeaders(dict[str, str]):
    """Request headers, ``{lowercase name: value}``, whose repr masks the credential headers.

    A plain dict otherwise (lookups cost the same); printing it, or a :class:`RequestContext`
    holding it, shows ``cookie`` and ``authorization`` only as :func:`mask` does.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        shown = {
            name: mask(value) if name in CREDENTIAL_HEADERS and isinstance(value, str) else value
            for name, value in self.items()
        }
        return f"RequestHeaders({shown!r})"

    __str__ = __repr__


__all__ = ["CREDENTIAL_HEADERS", "RequestHeaders", "mask"]
