"""The README's framework examples run as written: each file under examples/ is started as its
own server process (``python examples/<name>.py``) and used over HTTP on loopback the way a
browser would: sign up, who am I, log in again, a cross-site sign-out refused, sign out."""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import asyncpg
import httpx
import pytest

from .backends import backend_url

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SQLITE_EXAMPLES = ["starlette_app", "aiohttp_app", "django_app", "litestar_app"]
PASSWORD = "correct horse battery staple"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def apply_schema(backend: str, url: str) -> None:
    command = [sys.executable, "-m", "lucia_core", "schema", backend, "--apply", url]
    subprocess.run(command, check=True, capture_output=True, timeout=60)


@asynccontextmanager
async def serving(example: str, env: dict[str, str], cwd: Path) -> AsyncIterator[str]:
    """The example running as a server; yields its origin."""
    port = free_port()
    process = subprocess.Popen(  # noqa: ASYNC220 - a server left running, never waited on here
        [sys.executable, str(EXAMPLES / f"{example}.py")],
        cwd=cwd,
        env={**os.environ, **env, "PORT": str(port)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    origin = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=origin) as client:
            for _ in range(300):
                if process.poll() is not None:
                    output = process.stdout.read().decode() if process.stdout else ""
                    pytest.fail(f"{example} exited with {process.returncode}:\n{output}")
                try:
                    await client.get("/me")
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.05)
        yield origin
    finally:
        process.terminate()
        process.wait(timeout=10)


async def run_the_flow(origin: str) -> None:
    async with httpx.AsyncClient(base_url=origin, headers={"Origin": origin}) as browser:
        signed_up = await browser.post("/signup", json={"username": " Ada ", "password": PASSWORD})
        assert signed_up.status_code == 201, signed_up.text
        assert "auth_session=" in signed_up.headers["set-cookie"]
        user_id = signed_up.json()["user_id"]
        assert (await browser.get("/me")).json() == {"user_id": user_id}

        # The username was normalized: another spelling of it (here fullwidth) is the same key.
        logged_in = await browser.post(
            "/login", json={"username": "\uff21\uff24\uff21", "password": PASSWORD}
        )
        assert logged_in.json() == {"user_id": user_id}
        wrong = await browser.post("/login", json={"username": "ada", "password": "wrong"})
        assert wrong.status_code == 400

        # What a CSRF refusal looks like: a cross-site POST is served as signed out, cookie kept.
        forged = await browser.post("/logout", headers={"Origin": "https://evil.example"})
        assert forged.status_code == 401
        assert "set-cookie" not in forged.headers
        assert (await browser.get("/me")).status_code == 200

        signed_out = await browser.post("/logout")
        assert signed_out.status_code == 204
        assert "Max-Age=0" in signed_out.headers["set-cookie"]
        assert (await browser.get("/me")).status_code == 401


@pytest.mark.parametrize("example", SQLITE_EXAMPLES)
async def test_the_example_runs(example: str, tmp_path: Path) -> None:
    database = tmp_path / "app.db"
    apply_schema("sqlite", f"sqlite:///{database}")
    async with serving(example, {"DATABASE": str(database)}, tmp_path) as origin:
        await run_the_flow(origin)


@contextmanager
def private_schema_url(base: str) -> Iterator[tuple[str, str]]:
    schema = f"lucia_example_{secrets.token_hex(6)}"
    yield schema, f"{base}{'&' if '?' in base else '?'}search_path={schema}"


@pytest.mark.backend("postgres")
async def test_the_fastapi_example_runs_on_postgres(tmp_path: Path) -> None:
    base = backend_url("postgres")
    with private_schema_url(base) as (schema, url):
        connection = await asyncpg.connect(base)
        try:
            await connection.execute(f'CREATE SCHEMA "{schema}"')
            apply_schema("postgres", url)
            async with serving("fastapi_app", {"DATABASE_URL": url}, tmp_path) as origin:
                await run_the_flow(origin)
        finally:
            await connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            await connection.close()


def test_the_fastapi_example_declares_its_security_schemes() -> None:
    sys.path.insert(0, str(EXAMPLES))
    try:
        import fastapi_app  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(EXAMPLES))
    schema = fastapi_app.app.openapi()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["session cookie"] == {
        "type": "apiKey",
        "in": "cookie",
        "name": "auth_session",
        "description": schemes["session cookie"]["description"],
    }
    assert schemes["session token"]["type"] == "http"
    assert schemes["session token"]["scheme"] == "bearer"
    for path in ("/me", "/logout"):
        operation = next(iter(schema["paths"][path].values()))
        assert {"session cookie": []} in operation["security"]
        assert {"session token": []} in operation["security"]
    assert "security" not in schema["paths"]["/signup"]["post"]
