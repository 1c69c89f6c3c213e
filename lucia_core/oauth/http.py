"""HTTP to providers: one request, its JSON answer, and errors as :class:`OAuthRequestError`.

Every call takes an optional ``httpx.AsyncClient``; without one a client with
:data:`DEFAULT_TIMEOUT` is opened for the call and closed after it. Redirects are never followed
(a token endpoint that redirects is misconfigured, and following would resend credentials).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from .errors import OAuthRequestError

#: Connect within 5 s, and each read, write or pool wait within 10 s.
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
#: Sent as ``User-Agent``; some providers (GitHub, Reddit) refuse requests without one.
USER_AGENT = "lucia-core"


@asynccontextmanager
async def client_for(http_client: httpx.AsyncClient | None) -> AsyncIterator[httpx.AsyncClient]:
    """``http_client`` itself, or a new client with :data:`DEFAULT_TIMEOUT` closed on exit."""
    if http_client is not None:
        yield http_client
        return
    async with httpx.AsyncClient(timeout=DEFAULT_TIMEOUT) as client:
        yield client


@dataclass(frozen=True, repr=False)
class JsonAnswer:
    """A provider's JSON object answer with the request and response it came from. Its repr names
    the endpoint, the status and the answer's members, never their values (a token endpoint's
    answer holds the user's tokens)."""

    body: dict[str, Any]
    request: httpx.Request
    response: httpx.Response

    def __repr__(self) -> str:
        endpoint = self.request.url.copy_with(query=None, fragment=None)
        return (
            f"JsonAnswer({self.request.method} {endpoint}: {self.response.status_code}, "
            f"members={sorted(self.body)!r})"
        )

    def error(self, detail: str) -> OAuthRequestError:
        """An :class:`OAuthRequestError` about this answer."""
        return OAuthRequestError(self.request, self.response, detail)

    def get(self, *path: str) -> Any:
        """The value at ``path`` (keys into nested objects), or None where any step is missing."""
        value: Any = self.body
        for key in path:
            if not isinstance(value, dict):
                return None
            value = value.get(key)
        return value

    def object(self, *path: str) -> dict[str, Any]:
        """The JSON object at ``path``; OAuthRequestError when it is absent or not an object."""
        value = self.get(*path)
        if not isinstance(value, dict):
            raise self.error(f"no object at {'.'.join(path)!r} in the answer")
        return value

    def identifier(self, *path: str) -> str:
        """The non-empty string or integer id at ``path``, as a str; OAuthRequestError otherwise."""
        value = self.get(*path)
        if isinstance(value, bool) or not isinstance(value, (str, int)) or value == "":
            raise self.error(f"no id at {'.'.join(path)!r} in the answer")
        return str(value)


def build_request(
    method: str,
    url: str,
    *,
    access_token: str | None = None,
    form: Mapping[str, str] | None = None,
    params: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> httpx.Request:
    """A request that asks for JSON, with a bearer token or a form body when given."""
    all_headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    if access_token is not None:
        all_headers["Authorization"] = f"Bearer {access_token}"
    all_headers.update(headers or {})
    return httpx.Request(method, url, headers=all_headers, data=dict(form) if form else None, params=params)


async def send_json(request: httpx.Request, http_client: httpx.AsyncClient | None) -> JsonAnswer:
    """Send ``request`` and return its JSON object answer.

    OAuthRequestError for a connection error or timeout (``response`` None), a non-2xx status, or
    an answer that is not a JSON object.
    """
    async with client_for(http_client) as client:
        try:
            response = await client.send(request)
        except httpx.HTTPError as error:
            raise OAuthRequestError(request, None, f"{type(error).__name__}: {error}") from error
    if not response.is_success:
        raise OAuthRequestError(request, response)
    try:
        body = response.json()
    except ValueError:
        raise OAuthRequestError(request, response, "the answer is not JSON") from None
    if not isinstance(body, dict):
        raise OAuthRequestError(request, response, "the answer is not a JSON object")
    return JsonAnswer(body, request, response)
