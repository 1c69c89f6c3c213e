"""Where the tests find each database server.

``backend_url(name)`` (names: postgres, mysql, mongodb, redis, redis-cluster, and two deployments:
pgbouncer, PgBouncer in transaction mode before PostgreSQL; redis-sentinel, a primary, a replica and
three sentinels, named by a ``redis+sentinel://HOST:PORT,.../SERVICE`` URL, see
:func:`sentinel_addresses`) tries, in order:

1. a URL in the environment (``LUCIA_POSTGRES_URL``, ``LUCIA_MYSQL_URL``, ``LUCIA_MONGODB_URL``,
   ``LUCIA_REDIS_URL``, ``LUCIA_REDIS_CLUSTER_URL``, ``LUCIA_PGBOUNCER_URL``,
   ``LUCIA_REDIS_SENTINEL_URL``); nothing else is probed then;
2. a throwaway container through testcontainers when a Docker engine answers a ping, started by
   ``lucia_conformance.servers`` (the helper users get for their own adapters) from the image in
   ``LUCIA_POSTGRES_IMAGE``, ``LUCIA_MYSQL_IMAGE``, ``LUCIA_MONGODB_IMAGE``, ``LUCIA_REDIS_IMAGE``,
   ``LUCIA_REDIS_CLUSTER_IMAGE`` (``scripts/containers.sh env`` names locally built ones), by default
   ``postgres:16``, ``mariadb:11``, ``mongo:7``, ``redis:7`` (the cluster: three nodes in one
   container, each port published on the same number, on 127.0.0.1 only). Not for the two
   deployments (pgbouncer, redis-sentinel), which go on to step 3;
3. servers started from binaries already on the machine by ``scripts/backends.sh start`` in a
   temporary state directory on free loopback ports; only when every binary the script needs is
   present (checked here first), so the script never reaches its install path;
4. otherwise the test is skipped with a message saying how to get one, or fails when
   ``LUCIA_REQUIRE_BACKENDS`` is ``all`` or a comma-separated list naming the backend (``.ci/run``).

The URLs have the form ``scripts/backends.sh env`` prints (user, password and database ``lucia``).
The answer for each backend is cached for the process, so a test session starts at most one server
per backend; what it started is stopped at interpreter exit (atexit), and a small watchdog process
stops the script-started servers and removes their directory should the interpreter die without
running atexit (SIGKILL, SIGTERM). Containers are stopped at exit too; where testcontainers' reaper
(Ryuk) is disabled, as in CI (no image can be pulled), ``scripts/containers.sh stop`` removes what is
left with the engine itself.

``LUCIA_BACKENDS_FROM`` (a comma-separated subset of ``url``, ``docker``, ``binaries``; default
all three) limits the steps: ``nox -s conformance-containers`` sets ``docker``, so that every server
comes from a container or the run fails.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import json
import os
import random
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pytest

from lucia_conformance import servers
from lucia_core.backends import BACKENDS, conformance_runs, url_var

#: Server backend (or deployment) name -> the environment variable holding its URL.
ENV_VARS = {
    run: url_var(run) for run in conformance_runs() if BACKENDS.get(run) is None or BACKENDS[run].server
}

# How scripts/backends.sh starts each kind of server on this machine: a second place a new server
# backend is named (tests/test_backend_list.py fails, naming this file, while one is missing).
#: Backend name -> its name for ``scripts/backends.sh``.
SCRIPT_NAMES = {
    "postgres": "postgres",
    "mysql": "mariadb",
    "mongodb": "ferretdb",
    "redis": "redis",
    "redis-cluster": "redis-cluster",
    "pgbouncer": "pgbouncer",
    "redis-sentinel": "redis-sentinel",
}
#: What ``scripts/backends.sh start NAME`` starts besides NAME (stopped with it).
ALSO_STARTED = {"pgbouncer": ("postgres",)}

HOW_TO_GET_ONE = (
    'start one with `scripts/backends.sh start {script_name}` then `eval "$(scripts/backends.sh env)"`, '
    "or set {var} to a server's URL, or install Docker so testcontainers can start one"
)

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "scripts" / "backends.sh"
BASH = shutil.which("bash") or "/bin/bash"

#: Backend name -> the script's port variable, and the offsets from that port the server listens on.
PORTS: dict[str, tuple[str, tuple[int, ...]]] = {
    "postgres": ("LUCIA_PG_PORT", (0,)),
    "mysql": ("LUCIA_MYSQL_PORT", (0,)),
    "mongodb": ("LUCIA_MONGODB_PORT", (0, 10)),  # + FerretDB's debug listener
    "redis": ("LUCIA_REDIS_PORT", (0,)),
    "redis-cluster": ("LUCIA_REDIS_CLUSTER_PORT", (0, 1, 2, 10000, 10001, 10002)),  # 3 nodes + buses
    "pgbouncer": ("LUCIA_PGBOUNCER_PORT", (0,)),
    "redis-sentinel": ("LUCIA_REDIS_SENTINEL_PORT", (0, 1, 2, 10, 11)),  # 3 sentinels, primary, replica
}
#: The script's default ports: left to the shared servers even while they are down.
DEFAULT_PORTS = frozenset(
    {54329, 33069, 63799, 7001, 7002, 7003, 17001, 17002, 17003, 27019, 27029, 64329}
    | {26379, 26380, 26381, 26389, 26390}
)

#: Seconds for ``scripts/backends.sh start`` / ``stop`` (the script has its own per-server timeout).
SCRIPT_TIMEOUT = 300
#: Seconds for a started container to accept its first query (the image pull is not counted).
CONTAINER_TIMEOUT = 120
#: Seconds between readiness checks of a container.
CONTAINER_POLL = 0.5


@dataclass
class Found:
    """What discovery found for one backend: a URL, or none and why each step gave up."""

    url: str | None
    notes: list[str] = field(default_factory=list)


def sentinel_addresses(url: str) -> tuple[list[tuple[str, int]], str]:
    """The sentinels' ``(host, port)`` and the service name of a ``redis+sentinel://`` URL."""
    match = re.fullmatch(r"redis\+sentinel://([^/]+)/([^/]+)/?", url)
    if match is None:
        raise ValueError(f"not a redis+sentinel://HOST:PORT,.../SERVICE URL: {url!r}")
    addresses = []
    for address in match[1].split(","):
        host, _, port = address.rpartition(":")
        addresses.append((host.strip("[]"), int(port)))
    return addresses, match[2]


def _required(name: str) -> bool:
    wanted = {item.strip() for item in os.environ.get("LUCIA_REQUIRE_BACKENDS", "").split(",")}
    return "all" in wanted or name in wanted


# --------------------------------------------------------------------------------------------------
# step 2: a container through testcontainers


#: The containers of step 2, per backend (``lucia_conformance.servers``: the same helper users get).
CONTAINERS = servers.CONTAINERS


@functools.cache
def docker_unreachable() -> str | None:
    """Why no Docker engine can be used (None: one answered a ping), asked once per process."""
    try:
        import docker  # type: ignore[import-untyped]
        from testcontainers.core.container import DockerContainer  # noqa: F401
    except ImportError as error:
        return f"testcontainers is not installed ({error})"
    host: str | None = None
    with contextlib.suppress(Exception):  # testcontainers' own lookup: its properties, DOCKER_HOST, context
        from testcontainers.core.docker_client import get_docker_host

        host = get_docker_host()
    try:
        if host:
            client = docker.DockerClient(base_url=host, timeout=3, use_ssh_client=host.startswith("ssh://"))
        else:
            client = docker.from_env(timeout=3)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as error:
        return f"no Docker engine answers ({type(error).__name__}: {str(error)[:200]})"
    return None


def from_docker(name: str, notes: list[str]) -> str | None:
    if name not in CONTAINERS:
        notes.append(f"docker: no container for {name}")
        return None
    reason = docker_unreachable()
    if reason is not None:
        notes.append(f"docker: {reason}")
        return None
    image = servers.image(name)
    try:
        return servers.start_container(name).url  # stopped at exit (atexit)
    except Exception as error:
        notes.append(f"docker: {image} did not start ({type(error).__name__}: {str(error)[:300]})")
        return None


# --------------------------------------------------------------------------------------------------
# step 3: scripts/backends.sh on binaries already installed


def _postgres_bin() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin with a server: where the script looks (only there)."""

    def version(path: Path) -> tuple[int, ...]:
        return tuple(int(part) for part in re.findall(r"\d+", path.parent.name))

    for directory in sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=version, reverse=True):
        if all(os.access(directory / tool, os.X_OK) for tool in ("initdb", "pg_ctl", "postgres")):
            return directory
    return None


def _ferretdb_version() -> str | None:
    match = re.search(r"^FERRETDB_VERSION=(\S+)", SCRIPT.read_text(), re.MULTILINE)
    return match[1] if match else None


def _ferretdb_binary(version: str) -> str | None:
    """A FerretDB ``version`` binary where the script looks: Go's bin dir, then PATH."""
    candidates = []
    go = shutil.which("go") or "/usr/local/go/bin/go"  # the script adds /usr/local/go/bin to PATH
    if os.access(go, os.X_OK):
        with contextlib.suppress(OSError, subprocess.SubprocessError, ValueError):
            gobin, gopath = subprocess.run(
                [go, "env", "GOBIN", "GOPATH"], capture_output=True, text=True, timeout=30, check=True
            ).stdout.splitlines()[:2]
            candidates.append(str(Path(gobin or gopath.split(":")[0] + "/bin") / "ferretdb"))
    candidates.append(shutil.which("ferretdb") or "")
    for candidate in filter(None, candidates):
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run([candidate, "--version"], capture_output=True, text=True, timeout=30).stdout
            if f"version: {version}" in out.splitlines():
                return candidate
    return None


def binaries_missing(name: str) -> str | None:
    """Why ``scripts/backends.sh start`` would have to install something for ``name`` (None: it need not).

    Mirrors the script's own checks (``ensure_packages``, ``fd_find_bin``), which install what is missing.
    """
    tools = ["bash", "flock", "setsid", "timeout"]
    if name in ("postgres", "pgbouncer"):
        tools.append("psql")
        if name == "pgbouncer":
            tools.append("pgbouncer")
        if os.geteuid() == 0:
            tools.append("runuser")  # postgres refuses root: the script runs it as user `postgres`
        bin_dir = _postgres_bin()
        if bin_dir is None:
            return "no PostgreSQL server under /usr/lib/postgresql/*/bin (initdb, pg_ctl, postgres)"
        missing = [tool for tool in ("psql", "pg_isready") if not os.access(bin_dir / tool, os.X_OK)]
        if missing:
            return f"{', '.join(missing)} missing from {bin_dir}"
    elif name == "mysql":
        tools += ["mariadbd", "mariadb-install-db", "mariadb", "mariadb-admin"]
    elif name in ("redis", "redis-cluster"):
        tools += ["redis-server", "redis-cli"]
    elif name == "redis-sentinel":
        tools += ["redis-server", "redis-cli", "redis-sentinel"]
    elif name == "mongodb":
        server = os.environ.get("LUCIA_MONGODB_SERVER", "auto")
        if server == "mongod" or (server == "auto" and shutil.which("mongod")):
            tools.append("mongod")
        elif server in ("auto", "ferretdb"):
            version = _ferretdb_version()
            if version is None or _ferretdb_binary(version) is None:
                return f"neither mongod nor FerretDB {version} found (the script would build FerretDB)"
        else:
            return f"LUCIA_MONGODB_SERVER={server!r} is not auto, ferretdb or mongod"
    missing = [tool for tool in tools if shutil.which(tool) is None]
    return f"not on PATH: {', '.join(missing)}" if missing else None


def _can_bind(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port(offsets: tuple[int, ...] = (0,)) -> int:
    """A port P such that P + each offset is free on 127.0.0.1 (and none is a default port)."""
    for _ in range(500):
        base = random.randrange(20000, 55000)
        ports = [base + offset for offset in offsets]
        if DEFAULT_PORTS.isdisjoint(ports) and all(_can_bind(port) for port in ports):
            return base
    raise RuntimeError(f"no free ports on 127.0.0.1 for offsets {offsets}")


def choose_ports(name: str, env: dict[str, str]) -> None:
    """Free ports in ``env`` for the script's servers of ``name`` (and what it starts with it)."""
    for server in (name, *ALSO_STARTED.get(name, ())):
        variable, offsets = PORTS[server]
        env[variable] = str(free_port(offsets))


def _run_script(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [BASH, str(SCRIPT), *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=SCRIPT_TIMEOUT,
        check=False,
    )


def parse_env(text: str) -> dict[str, str]:
    """The variables of ``scripts/backends.sh env``'s ``export NAME=VALUE`` lines (VALUE is %q-quoted)."""
    found = {}
    for line in text.splitlines():
        match = re.fullmatch(r"export ([A-Za-z_][A-Za-z0-9_]*)=(.*)", line.strip())
        if match:
            words = shlex.split(match[2])
            found[match[1]] = words[0] if words else ""
    return found


def stop_script_server(name: str, state_dir: str, env: dict[str, str]) -> None:
    """``scripts/backends.sh stop`` a server started in ``state_dir``, then remove that directory."""
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        _run_script(["stop", SCRIPT_NAMES[name], *ALSO_STARTED.get(name, ())], env)
    state = Path(state_dir)
    if state.is_dir():
        for entry in state.iterdir():  # postgres' data may live elsewhere, linked from the state dir
            if entry.is_symlink() and entry.resolve().is_dir():
                shutil.rmtree(entry.resolve(), ignore_errors=True)
    shutil.rmtree(state, ignore_errors=True)


# The watchdog reads the server's details (one JSON line per change) until "done" or end of input;
# end of input without "done" means this interpreter died without cleaning up: it stops the server.
_WATCHDOG = """
import json, sys
details = None
for line in sys.stdin:
    if line.strip() == "done":
        sys.exit(0)
    details = json.loads(line)
if details is not None:
    sys.path.insert(0, details["repo"])
    from tests.backends import stop_script_server
    stop_script_server(details["name"], details["state_dir"], details["env"])
"""


@dataclass
class ScriptServer:
    """A server ``scripts/backends.sh`` started in a temporary state directory of its own."""

    name: str
    state_dir: Path
    env: dict[str, str]
    watchdog: subprocess.Popen[bytes] | None = None
    stopped: bool = False

    def _tell_watchdog(self, message: str) -> None:
        stdin: IO[bytes] | None = self.watchdog.stdin if self.watchdog else None
        if stdin is not None:
            with contextlib.suppress(OSError, ValueError):
                stdin.write(message.encode() + b"\n")
                stdin.flush()

    def watch(self) -> None:
        """Start the watchdog, or send it the current details (ports change between attempts)."""
        if self.watchdog is None:
            self.watchdog = subprocess.Popen(
                [sys.executable, "-c", _WATCHDOG],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # a Ctrl-C or a signal to the test's process group spares it
            )
        details = {"repo": str(REPO), "name": self.name, "state_dir": str(self.state_dir), "env": self.env}
        self._tell_watchdog(json.dumps(details))

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        stop_script_server(self.name, str(self.state_dir), self.env)
        if self.watchdog is not None:
            self._tell_watchdog("done")
            with contextlib.suppress(Exception):
                if self.watchdog.stdin is not None:
                    self.watchdog.stdin.close()
                self.watchdog.wait(timeout=10)


#: The servers this process started from binaries, by backend name (stopped at exit).
SCRIPT_SERVERS: dict[str, ScriptServer] = {}


def from_binaries(name: str, notes: list[str]) -> str | None:
    reason = binaries_missing(name)
    if reason is not None:
        notes.append(f"binaries: {reason}")
        return None
    script_name = SCRIPT_NAMES[name]
    state_dir = Path(tempfile.mkdtemp(prefix=f"lucia-{script_name}-"))
    state_dir.chmod(0o711)  # as root the script runs postgres as user `postgres`: it must get through
    managed = {*ENV_VARS.values(), *(var for var, _ in PORTS.values())}
    env = {key: value for key, value in os.environ.items() if key not in managed}
    # The script does not read LUCIA_BACKENDS_NO_INSTALL yet; binaries_missing() keeps it off its
    # install path meanwhile.
    env.update(LUCIA_BACKENDS_DIR=str(state_dir), LUCIA_BACKENDS_NO_INSTALL="1")
    server = ScriptServer(name, state_dir, env)
    atexit.register(server.stop)
    try:
        for attempt in range(3):
            choose_ports(name, env)
            server.watch()
            result = _run_script(["start", script_name], env)
            if result.returncode == 0:
                break
            # what did start (e.g. 2 of 3 cluster nodes)
            _run_script(["stop", script_name, *ALSO_STARTED.get(name, ())], env)
            if "in use" not in result.stderr or attempt == 2:  # retry only a port taken meanwhile
                tail = " | ".join(result.stderr.strip().splitlines()[-3:])
                notes.append(f"binaries: `scripts/backends.sh start {script_name}` failed: {tail}")
                server.stop()
                return None
        url = parse_env(_run_script(["env"], env).stdout).get(ENV_VARS[name])
    except subprocess.TimeoutExpired:
        notes.append(f"binaries: `scripts/backends.sh start {script_name}` took over {SCRIPT_TIMEOUT}s")
        server.stop()
        return None
    except BaseException:
        server.stop()
        raise
    if not url:
        notes.append("binaries: `scripts/backends.sh env` printed no URL")
        server.stop()
        return None
    SCRIPT_SERVERS[name] = server
    return url


# --------------------------------------------------------------------------------------------------


STEPS = ("url", "docker", "binaries")


def _steps() -> set[str]:
    """The steps ``LUCIA_BACKENDS_FROM`` allows (all when unset)."""
    wanted = {item.strip() for item in os.environ.get("LUCIA_BACKENDS_FROM", "").split(",") if item.strip()}
    unknown = wanted - set(STEPS)
    if unknown:
        raise ValueError(f"LUCIA_BACKENDS_FROM: unknown steps {sorted(unknown)} (use {', '.join(STEPS)})")
    return wanted or set(STEPS)


def discover(name: str) -> Found:
    """Steps 1-3 (those ``LUCIA_BACKENDS_FROM`` allows), uncached."""
    steps = _steps()
    url = os.environ.get(ENV_VARS[name]) if "url" in steps else None
    if url:
        return Found(url)
    notes: list[str] = []
    if "docker" in steps:
        url = from_docker(name, notes)
    if url is None and "binaries" in steps:
        url = from_binaries(name, notes)
    if steps != set(STEPS):
        notes.append(f"LUCIA_BACKENDS_FROM={os.environ['LUCIA_BACKENDS_FROM']}")
    return Found(url, notes)


@functools.cache
def _find(name: str) -> Found:
    return discover(name)


_lock = threading.Lock()


def backend_url(name: str) -> str:
    """The URL of a running server for backend ``name``; skips (or fails when required) if none."""
    if name not in ENV_VARS:
        raise ValueError(f"unknown backend {name!r}")
    with _lock:
        found = _find(name)
    if found.url is not None:
        return found.url
    message = f"no {name} server: " + HOW_TO_GET_ONE.format(
        script_name=SCRIPT_NAMES[name], var=ENV_VARS[name]
    )
    if found.notes:
        message += " (tried " + "; ".join(found.notes) + ")"
    if _required(name):
        pytest.fail(f"LUCIA_REQUIRE_BACKENDS requires {name}; {message}")
    pytest.skip(message)
