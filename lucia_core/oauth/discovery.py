"""OpenID Provider discovery (OpenID Connect Discovery 1.0): an issuer's configuration document."""

from __future__ import annotations

from typing import Any

import httpx

from .http import build_request, send_json
from .locks import LoopLocks


class OpenIDConfiguration:
    """The configuration of one issuer, fetched once from ``{issuer}/.well-known/openid-configuration``
    and kept; its ``issuer`` must equal the configured one exactly (Discovery section 4.3)."""

    def __init__(self, issuer: str, http_client: httpx.AsyncClient | None = None) -> None:
        if not isinstance(issuer, str) or not issuer.startswith(("https://", "http://")):
            raise ValueError(f"the issuer must be an http(s) URL, got {issuer!r}")
        self.issuer = issuer
        self.http_client = http_client
        self._document: dict[str, Any] | None = None
        self._locks = LoopLocks()

    @property
    def url(self) -> str:
        """Where the document is."""
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"

    async def document(self) -> dict[str, Any]:
        """The configuration document (fetched on first use)."""
        if self._document is not None:
            return self._document
        async with self._locks.get("document"):
            if self._document is None:
                answer = await send_json(build_request("GET", self.url), self.http_client)
                if answer.body.get("issuer") != self.issuer:
                    raise answer.error(
                        f"the discovery document names another issuer: {answer.body.get('issuer')!r}"
                    )
                for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
                    if not isinstance(answer.body.get(name), str):
                        raise answer.error(f"the discovery document has no {name}")
                self._document = answer.body
        return self._document

    async def endpoint(self, name: str) -> str | None:
        """The URL named ``name`` (``token_endpoint``, ``userinfo_endpoint``...), or None."""
        value = (await self.document()).get(name)
        return value if isinstance(value, str) else None
