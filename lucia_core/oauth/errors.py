"""The errors of the OAuth integration: a provider's endpoint refused, or an id_token failed a check."""

from __future__ import annotations

import httpx


class OAuthRequestError(Exception):
    """A provider's endpoint answered with an error, or could not be reached.

    ``request`` is the ``httpx.Request`` that was sent; ``response`` the ``httpx.Response`` (None
    for a connection error or a timeout). ``str(error)`` starts with ``OAUTH_REQUEST_FAILED`` and
    names the endpoint (without its query, which may hold a token), the status and the provider's
    ``error`` code when it sent one, never a secret.
    """

    def __init__(self, request: httpx.Request, response: httpx.Response | None, detail: str = "") -> None:
        self.request = request
        self.response = response
        self.detail = detail
        endpoint = f"{request.method} {request.url.copy_with(query=None, fragment=None)}"
        if response is None:
            message = f"OAUTH_REQUEST_FAILED: {endpoint}: {detail or 'no answer'}"
        else:
            code = _error_code(response)
            message = f"OAUTH_REQUEST_FAILED: {endpoint} answered {response.status_code}"
            if code:
                message += f" ({code})"
            if detail:
                message += f": {detail}"
        super().__init__(message)

    @property
    def error_code(self) -> str | None:
        """The provider's ``error`` code (RFC 6749 section 5.2), when its answer had one."""
        return None if self.response is None else _error_code(self.response)


def _error_code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except (ValueError, httpx.ResponseNotRead):
        return None
    code = body.get("error") if isinstance(body, dict) else None
    # Printable ASCII only, and short: it ends up in logs.
    if isinstance(code, str) and code.isascii() and code.isprintable():
        return code[:64]
    return None


class IdTokenError(ValueError):
    """An id_token (or another signed JWT) failed a check; the message says which one."""
