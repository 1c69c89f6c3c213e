"""Database servers of a test's own, to stop and start at will.

``scripts/backends.sh`` starts each in a temporary state directory (``LUCIA_BACKENDS_DIR``) on free
loopback ports, from binaries already installed (as ``tests.backends`` does when no server is
configured), so the shared servers on the default ports are never touched. ``stop`` and
``start`` run the script's own commands on that directory (data is kept, except Redis's, which
has no persistence); ``close`` stops the server for good and removes the directory. A watchdog
process (``tests.backends.ScriptServer``) does that too should the test process die.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.backends import (
    BASH,
    ENV_VARS,
    PORTS,
    SCRIPT,
    SCRIPT_NAMES,
    SCRIPT_TIMEOUT,
    ScriptServer,
    binaries_missing,
    choose_ports,
    parse_env,
)


def _required(name: str) -> bool:
    wanted = {item.strip() for item in os.environ.get("LUCIA_REQUIRE_BACKENDS", "").split(",")}
    return "all" in wanted or name in wanted


class PrivateServer:
    """One server (backend name as in ``tests.backends``: postgres, mysql, mongodb, redis)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.script_name = SCRIPT_NAMES[name]
        state_dir = Path(tempfile.mkdtemp(prefix=f"lucia-faults-{self.script_name}-"))
        state_dir.chmod(0o711)  # as root the script runs postgres as user `postgres`: it must get through
        managed = {*ENV_VARS.values(), *(variable for variable, _ in PORTS.values())}
        env = {key: value for key, value in os.environ.items() if key not in managed}
        env.update(LUCIA_BACKENDS_DIR=str(state_dir), LUCIA_BACKENDS_NO_INSTALL="1")
        self._server = ScriptServer(name, state_dir, env)
        self.url = ""

    @property
    def state_dir(self) -> Path:
        """The script's state directory for this server."""
        return self._server.state_dir

    @property
    def env(self) -> dict[str, str]:
        """The script's environment for this server (state directory, port)."""
        return self._server.env

    def _script(self, command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [BASH, str(SCRIPT), command, self.script_name],
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=SCRIPT_TIMEOUT,
            check=False,
        )

    def _run(self, command: str) -> None:
        result = self._script(command)
        if result.returncode != 0:
            tail = " | ".join(result.stderr.strip().splitlines()[-5:])
            raise RuntimeError(f"`scripts/backends.sh {command} {self.script_name}` failed: {tail}")

    def open(self) -> str:
        """Start the server the first time (retrying on ports taken meanwhile); its URL."""
        for attempt in range(3):
            choose_ports(self.name, self.env)
            self._server.watch()
            result = self._script("start")
            if result.returncode == 0:
                break
            self._script("stop")
            if "in use" not in result.stderr or attempt == 2:
                tail = " | ".join(result.stderr.strip().splitlines()[-5:])
                raise RuntimeError(f"`scripts/backends.sh start {self.script_name}` failed: {tail}")
        env = subprocess.run(
            [BASH, str(SCRIPT), "env"], env=self.env, capture_output=True, text=True, timeout=60, check=True
        )
        self.url = parse_env(env.stdout)[ENV_VARS[self.name]]
        return self.url

    def stop(self) -> None:
        """Stop the server (the script waits until its process is gone)."""
        self._run("stop")

    def start(self) -> None:
        """Start it again on the same port and data (the script waits until it answers)."""
        self._run("start")

    def close(self) -> None:
        """Stop it for good and remove its state directory."""
        self._server.stop()


def private_server(name: str) -> PrivateServer:
    """A started :class:`PrivateServer`; skips (fails under LUCIA_REQUIRE_BACKENDS) without binaries."""
    reason = binaries_missing(name)
    if reason is not None:
        message = (
            f"no {name} binaries for a private server: {reason} (`scripts/backends.sh start` installs them)"
        )
        if _required(name):
            pytest.fail(f"LUCIA_REQUIRE_BACKENDS requires {name}; {message}")
        pytest.skip(message)
    server = PrivateServer(name)
    try:
        server.open()
    except BaseException:
        server.close()
        raise
    return server
