"""Configurable hosts: a domain (``example.auth0.com``) or a full origin (``http://127.0.0.1:8080``)."""

from __future__ import annotations

from urllib.parse import urlsplit


def origin_of(domain: str) -> str:
    """``https://{domain}`` for a bare domain; a given ``http(s)://`` origin as it is (no path)."""
    if not isinstance(domain, str) or not domain:
        raise ValueError("the domain must be a non-empty str")
    url = domain if domain.startswith(("https://", "http://")) else f"https://{domain}"
    parts = urlsplit(url)
    if (
        not parts.hostname
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or "@" in parts.netloc
    ):
        raise ValueError(f"expected a domain or an origin (scheme://host[:port]), got {domain!r}")
    return f"{parts.scheme}://{parts.netloc}"
