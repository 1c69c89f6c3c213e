"""Fixtures of the OAuth tests: the local OpenID Provider (oidc-provider) and its clients."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from .servers import KeycloakServer, OidcServer

#: Where the provider sends the browser back; nothing listens there (the tests read the redirect).
REDIRECT_URI = "http://127.0.0.1:9/callback"
OTHER_REDIRECT_URI = "http://127.0.0.1:9/other-callback"
SECRET = "s3cret-of-the-lucia-client"


def client(client_id: str, method: str = "client_secret_basic", **extra: Any) -> dict[str, Any]:
    """oidc-provider client metadata for the code flow."""
    metadata: dict[str, Any] = {
        "client_id": client_id,
        "redirect_uris": [REDIRECT_URI, OTHER_REDIRECT_URI],
        "grant_types": ["authorization_code"],
        "response_types": ["code"],
        "token_endpoint_auth_method": method,
        **extra,
    }
    if method != "none":
        metadata["client_secret"] = SECRET
    return metadata


@pytest.fixture(scope="session")
def oidc_server() -> Iterator[OidcServer]:
    """The local OpenID Provider: PKCE required, clients with HTTP Basic, form and no secret, and
    one whose id_tokens live one second."""
    server = OidcServer(
        {
            "clients": [
                client("lucia"),
                client("lucia-post", "client_secret_post"),
                client("lucia-public", "none"),
                client("short-lived"),
            ],
            "shortLivedClients": ["short-lived"],
        }
    )
    yield server
    server.stop()


@pytest.fixture(scope="session")
def rotating_server() -> Iterator[OidcServer]:
    """A server of its own for the key rotation test (rotating the shared one would race others)."""
    server = OidcServer({"clients": [client("lucia")]})
    yield server
    server.stop()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    """The HTTP client handed to the providers (``http_client=``)."""
    async with httpx.AsyncClient(timeout=10) as http_client:
        yield http_client


#: Keycloak's start time and memory, reported at the end of the run.
KEYCLOAK_NUMBERS: dict[str, float] = {}


@pytest.fixture(scope="session")
def keycloak_server() -> Iterator[KeycloakServer]:
    """Keycloak, started once per test session with the realm of scripts/oauth-servers/keycloak-realm.json."""
    server = KeycloakServer()
    KEYCLOAK_NUMBERS["start_seconds"] = server.start_seconds
    KEYCLOAK_NUMBERS["memory_mib"] = server.memory_mib()
    yield server
    KEYCLOAK_NUMBERS["memory_mib_at_end"] = server.memory_mib()
    server.stop()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how long Keycloak took to start and how much memory it held."""
    if KEYCLOAK_NUMBERS:
        terminalreporter.write_sep("-", "keycloak")
        terminalreporter.write_line(
            f"started in {KEYCLOAK_NUMBERS['start_seconds']:.1f} s; resident memory "
            f"{KEYCLOAK_NUMBERS['memory_mib']:.0f} MiB after start, "
            f"{KEYCLOAK_NUMBERS.get('memory_mib_at_end', 0):.0f} MiB at the end"
        )
