"""The real authorization servers of the OAuth tests, started on free 127.0.0.1 ports.

- :class:`OidcServer`: npm ``oidc-provider`` (panva) under Node, one process per configuration
  (scripts/oauth-servers/oidc_server.mjs), PKCE required, signing keys rotated on demand.
- :class:`KeycloakServer`: Keycloak (Quarkus distribution) in dev mode with the realm of
  scripts/oauth-servers/keycloak-realm.json imported, started once per test session.

Both are installed by ``scripts/oauth-servers.sh install`` (run here when missing). Without Node
or Java the tests are skipped, or fail where they must run (``CI`` or ``LUCIA_REQUIRE_BACKENDS``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
SERVERS = REPO / "scripts" / "oauth-servers"
SCRIPT = REPO / "scripts" / "oauth-servers.sh"
OIDC_START_TIMEOUT = 30.0
KEYCLOAK_START_TIMEOUT = float(os.environ.get("LUCIA_KEYCLOAK_START_TIMEOUT", "240"))
BASH = shutil.which("bash") or "/bin/bash"
_FORM_ACTION = re.compile(r'<form[^>]*action="([^"]+)"')


def unavailable(reason: str) -> NoReturn:
    """Skip, or fail where the servers are required (CI)."""
    if os.environ.get("CI") or os.environ.get("LUCIA_REQUIRE_BACKENDS"):
        pytest.fail(f"{reason} (required here: CI or LUCIA_REQUIRE_BACKENDS is set)", pytrace=False)
    pytest.skip(reason)


def installed(name: str) -> Path:
    """Where ``scripts/oauth-servers.sh`` installed ``name``, installing it first when missing."""
    try:
        subprocess.run([BASH, str(SCRIPT), "install", name], check=True, timeout=900)
        path = subprocess.run(
            [BASH, str(SCRIPT), "path", name], check=True, capture_output=True, text=True
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError) as error:
        unavailable(f"could not install the {name} test server: {error}")
    return Path(path)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class OidcServer:
    """One oidc-provider process. ``clients`` are oidc-provider client metadata."""

    def __init__(self, config: dict[str, Any]) -> None:
        if shutil.which("node") is None:
            unavailable("node is not installed (apt-get install nodejs npm)")
        modules = installed("oidc")
        self._folder = Path(tempfile.mkdtemp(prefix="lucia-oidc-"))
        config_path = self._folder / "config.json"
        config_path.write_text(json.dumps(config))
        self.log_path = self._folder / "server.log"
        with self.log_path.open("w") as log:
            self._process = subprocess.Popen(
                [shutil.which("node") or "node", str(SERVERS / "oidc_server.mjs"), str(config_path)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "NODE_MODULES": str(modules)},
            )
        deadline = time.monotonic() + OIDC_START_TIMEOUT
        while True:
            match = re.search(r"^listening (http://\S+)$", self.log_path.read_text(), re.MULTILINE)
            if match:
                break
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"oidc-provider did not start:\n{self.log_path.read_text()}", pytrace=False)
            time.sleep(0.05)
        self.origin = match.group(1)
        self.issuer = self.origin + str(config.get("issuerPath", ""))

    def rotate_keys(self) -> str:
        """Sign with a new key from now on (the old ones stay published); the new key's kid."""
        return str(httpx.post(f"{self.origin}/__rotate").json()["kid"])

    def stop(self) -> None:
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        shutil.rmtree(self._folder, ignore_errors=True)


async def sign_in(
    authorization_url: str,
    redirect_uri: str,
    *,
    login: str,
    password: str = "any-password",  # noqa: S107 - oidc-provider's login page takes any
) -> dict[str, str]:
    """Go through the server's own login page as a browser would (cookies, forms, redirects) and
    return the query of the redirect to ``redirect_uri`` (``code``, ``state``, ``iss``...).

    Cookies are kept by hand: Keycloak marks them ``Secure`` even over http on loopback, which
    browsers accept there (a secure context) and httpx's cookie jar does not.
    """
    cookies: dict[str, str] = {}

    async def send(method: str, url: str, data: dict[str, str] | None = None) -> httpx.Response:
        headers = {"cookie": "; ".join(f"{name}={value}" for name, value in cookies.items())}
        response = await browser.request(method, url, data=data, headers=headers)
        for header in response.headers.get_list("set-cookie"):
            name, _, value = header.split(";", 1)[0].partition("=")
            cookies[name.strip()] = value.strip()
        return response

    async with httpx.AsyncClient(follow_redirects=False, timeout=30) as browser:
        url = authorization_url
        response = await send("GET", url)
        for _ in range(20):
            if response.is_redirect:
                url = urljoin(url, response.headers["location"])
                if url.startswith(redirect_uri):
                    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}
                response = await send("GET", url)
                continue
            if response.status_code != 200:
                raise AssertionError(
                    f"the login page answered {response.status_code}: {response.text[:2000]}"
                )
            action = _FORM_ACTION.search(response.text)
            if action is None:
                raise AssertionError(f"no form on the login page: {response.text[:500]}")
            fields = _form_fields(response.text)
            fields.update({"login": login, "username": login, "password": password})
            url = urljoin(url, action.group(1).replace("&amp;", "&"))
            response = await send("POST", url, fields)
        raise AssertionError("too many redirects")


def _form_fields(html: str) -> dict[str, str]:
    fields = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            fields[name.group(1)] = value.group(1) if value else ""
    return fields


class KeycloakServer:
    """Keycloak in dev mode (in-memory database) on a free port, with the committed test realm
    imported; its process group is stopped at the end."""

    def __init__(self) -> None:
        if shutil.which("java") is None:
            unavailable("java is not installed (apt-get install openjdk-17-jre-headless)")
        home = installed("keycloak")
        # --import-realm reads <home>/data/import (the install is this project's own, gitignored).
        imports = home / "data" / "import"
        imports.mkdir(parents=True, exist_ok=True)
        shutil.copy(SERVERS / "keycloak-realm.json", imports / "lucia-realm.json")
        self._folder = Path(tempfile.mkdtemp(prefix="lucia-keycloak-"))
        self.log_path = self._folder / "keycloak.log"
        started = time.monotonic()
        # Free ports are chosen before Keycloak binds them: another process may take one meanwhile.
        for _attempt in range(3):
            if self._launch(home):
                break
        else:
            pytest.fail("Keycloak found no free port in three attempts", pytrace=False)
        self.start_seconds = time.monotonic() - started

    def _launch(self, home: Path) -> bool:
        """Start Keycloak and wait for the realm; False when a port was taken meanwhile."""
        self.port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        command = [
            str(home / "bin" / "kc.sh"),
            "start-dev",
            "--import-realm",
            "--db=dev-mem",
            f"--http-port={self.port}",
            "--http-host=127.0.0.1",
            f"--http-management-port={free_port()}",
            "--hostname-strict=false",
        ]
        environment = {
            **os.environ,
            "KC_BOOTSTRAP_ADMIN_USERNAME": "admin",
            "KC_BOOTSTRAP_ADMIN_PASSWORD": "admin",
            # Two cores and six test suites: a small heap is plenty for one realm.
            "JAVA_OPTS_KC_HEAP": "-XX:InitialRAMPercentage=1 -XX:MaxRAMPercentage=4",
        }
        launched = time.monotonic()
        with self.log_path.open("w") as log:
            self._process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env=environment, start_new_session=True
            )
        realm = f"{self.origin}/realms/lucia/.well-known/openid-configuration"
        while True:
            try:
                if httpx.get(realm, timeout=2).status_code == 200:
                    return True
            except httpx.HTTPError:
                pass
            if self._process.poll() is not None or time.monotonic() > launched + KEYCLOAK_START_TIMEOUT:
                log_text = self.log_path.read_text()[-5000:]
                self._terminate()
                if "address already in use" in log_text.lower():
                    return False
                self.stop()
                pytest.fail(
                    f"Keycloak did not start in {KEYCLOAK_START_TIMEOUT} s:\n{log_text}", pytrace=False
                )
            time.sleep(0.5)

    def memory_mib(self) -> float:
        """The resident memory of Keycloak's JVM (its process group's largest process), in MiB."""
        largest = 0
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
                if os.getpgid(int(status.parent.name)) == self._process.pid and "VmRSS" in fields:
                    largest = max(largest, int(fields["VmRSS"].split()[0]))
            except (OSError, ValueError):
                continue
        return largest / 1024

    def _terminate(self) -> None:
        if self._process.poll() is None:
            os.killpg(self._process.pid, signal.SIGTERM)
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait()

    def stop(self) -> None:
        """Stop Keycloak (its whole process group) and remove its folder."""
        self._terminate()
        shutil.rmtree(self._folder, ignore_errors=True)
