"""The test harness's server discovery (``tests/backends.py``): env URL, skip/fail, servers from binaries."""

from __future__ import annotations

import functools
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar
from urllib.parse import urlsplit

import pytest

from lucia_conformance import servers
from tests import backends

NAMES = sorted(backends.ENV_VARS)


@pytest.fixture
def fresh_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty discovery cache for this test only: the session's own cache (and servers) stay as they are."""
    monkeypatch.setattr(backends, "_find", functools.cache(backends.discover))


def _no_server_here(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Steps 2 and 3 find nothing (and say so); returns the names they were asked for."""
    asked: list[str] = []

    def nothing(step: str) -> Any:
        def find(name: str, notes: list[str]) -> None:
            asked.append(name)
            notes.append(f"{step}: nothing here")

        return find

    monkeypatch.setattr(backends, "from_docker", nothing("docker"))
    monkeypatch.setattr(backends, "from_binaries", nothing("binaries"))
    return asked


@pytest.mark.usefixtures("fresh_cache")
@pytest.mark.parametrize("name", NAMES)
def test_a_url_in_the_environment_is_used_and_nothing_else_is_probed(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def probed(*args: object) -> None:
        raise AssertionError("probed although the environment has a URL")

    for attribute in ("docker_unreachable", "from_docker", "from_binaries"):
        monkeypatch.setattr(backends, attribute, probed)
    monkeypatch.setenv(backends.ENV_VARS[name], "scheme://user:pw@db.example:1234/x")
    assert backends.backend_url(name) == "scheme://user:pw@db.example:1234/x"


def test_an_unknown_name_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown backend 'sqlite'"):
        backends.backend_url("sqlite")


@pytest.mark.usefixtures("fresh_cache")
@pytest.mark.parametrize("required", ["all", "mongodb", "redis, mongodb ,mysql"])
def test_a_required_backend_that_cannot_be_found_fails_with_how_to_get_one(
    required: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = _no_server_here(monkeypatch)
    monkeypatch.delenv("LUCIA_MONGODB_URL", raising=False)
    monkeypatch.setenv("LUCIA_REQUIRE_BACKENDS", required)
    for _ in range(2):
        with pytest.raises(pytest.fail.Exception) as failure:
            backends.backend_url("mongodb")
        message = str(failure.value)
        assert message.startswith("LUCIA_REQUIRE_BACKENDS requires mongodb; no mongodb server: ")
        assert "`scripts/backends.sh start ferretdb`" in message
        assert "LUCIA_MONGODB_URL" in message
        assert "docker: nothing here; binaries: nothing here" in message
    assert asked == ["mongodb", "mongodb"]  # one attempt per step, cached for the process


@pytest.mark.usefixtures("fresh_cache")
@pytest.mark.parametrize("required", ["", "postgres", "redis-cluster"])
def test_a_backend_that_cannot_be_found_is_skipped_unless_required(
    required: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_server_here(monkeypatch)
    monkeypatch.delenv("LUCIA_REDIS_URL", raising=False)
    monkeypatch.setenv("LUCIA_REQUIRE_BACKENDS", required)
    with pytest.raises(pytest.skip.Exception, match=r"no redis server: start one with `scripts/backends.sh"):
        backends.backend_url("redis")


def test_an_unreachable_docker_engine_is_noticed_quickly(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("testcontainers")
    from testcontainers.core.docker_client import get_docker_host

    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    if get_docker_host() != "unix:///nonexistent/docker.sock":
        pytest.skip("testcontainers' properties name a Docker host of their own (tc.host)")
    started = time.monotonic()
    reason = backends.docker_unreachable.__wrapped__()
    assert reason is not None
    assert reason.startswith("no Docker engine answers")
    assert time.monotonic() - started < 5


def test_container_urls_have_the_form_the_script_prints() -> None:
    env = {key: value for key, value in os.environ.items() if key not in backends.ENV_VARS.values()}
    for name, spec in backends.CONTAINERS.items():
        env[backends.PORTS[name][0]] = str(40000 + spec.port)
    printed = backends.parse_env(
        subprocess.run(
            [backends.BASH, str(backends.SCRIPT), "env"], env=env, capture_output=True, text=True, check=True
        ).stdout
    )
    for name, spec in backends.CONTAINERS.items():
        assert spec.url.format(host="127.0.0.1", port=40000 + spec.port) == printed[backends.ENV_VARS[name]]


def test_free_ports_avoid_the_default_ones_and_leave_room_for_a_cluster() -> None:
    offsets = backends.PORTS["redis-cluster"][1]
    for _ in range(20):
        base = backends.free_port(offsets)
        ports = {base + offset for offset in offsets}
        assert max(ports) <= 65535
        assert ports.isdisjoint(backends.DEFAULT_PORTS)


class FakeContainer:
    """Stands in for testcontainers' DockerContainer: ready on the 2nd check, published on the
    address :attr:`published_on` (127.0.0.1 unless a test says otherwise)."""

    made: ClassVar[list[FakeContainer]] = []
    published_on: ClassVar[str] = "127.0.0.1"

    def __init__(self, image: str) -> None:
        self.image = image
        self.env: dict[str, str] = {}
        self.ports: dict[str, Any] = {}
        self.command: Any = None
        self.kwargs: dict[str, Any] = {}
        self.tmpfs: list[str] = []
        self.checks = 0
        self.started = self.stopped = False
        FakeContainer.made.append(self)

    def with_env(self, key: str, value: str) -> FakeContainer:
        self.env[key] = value
        return self

    def with_command(self, command: Any) -> FakeContainer:
        self.command = command
        return self

    def with_kwargs(self, **kwargs: Any) -> FakeContainer:
        self.kwargs = kwargs
        return self

    def with_tmpfs_mount(self, path: str) -> FakeContainer:
        self.tmpfs.append(path)
        return self

    def start(self) -> FakeContainer:
        self.started = True
        return self

    def get_wrapped_container(self) -> Any:
        bindings = {port: [{"HostIp": self.published_on, "HostPort": "1"}] for port in self.ports}
        return SimpleNamespace(reload=lambda: None, attrs={"NetworkSettings": {"Ports": bindings}})

    def exec(self, command: list[str]) -> tuple[int, bytes]:
        self.checks += 1
        if self.checks < 2:
            return 1, b"connection refused"
        answers = {"redis:7": b"PONG\n", "mariadb:11": b"granted\ngranted\n"}
        if "cluster info" in " ".join(command):
            return 0, b"cluster_state:ok\n"
        return 0, answers.get(self.image, b"1\n")

    def get_exposed_port(self, port: int) -> int:
        return 32768 + port

    def stop(self) -> None:
        self.stopped = True


@pytest.fixture
def fake_docker(monkeypatch: pytest.MonkeyPatch) -> type[FakeContainer]:
    pytest.importorskip("testcontainers")
    FakeContainer.made = []
    monkeypatch.setattr(FakeContainer, "published_on", "127.0.0.1")
    monkeypatch.setattr("testcontainers.core.container.DockerContainer", FakeContainer)
    monkeypatch.setattr(backends, "docker_unreachable", lambda: None)
    monkeypatch.setattr(servers, "POLL", 0.01)
    for variable in servers.IMAGE_VARIABLES.values():
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.delenv("LUCIA_REDIS_IMAGE", raising=False)
    return FakeContainer


@pytest.mark.parametrize("name", ["postgres", "mysql", "mongodb", "redis"])
def test_a_container_is_started_published_on_loopback_polled_until_ready_and_named_by_url(
    name: str, fake_docker: type[FakeContainer]
) -> None:
    notes: list[str] = []
    url = backends.from_docker(name, notes)
    spec = backends.CONTAINERS[name]
    (container,) = fake_docker.made
    assert url == spec.url.format(host="127.0.0.1", port=32768 + spec.port)
    assert container.image == spec.image
    assert container.ports == {f"{spec.port}/tcp": ("127.0.0.1",)}  # a free port, on loopback only
    assert container.env == spec.env
    assert container.kwargs == {"labels": {servers.LABEL: name}}
    assert container.tmpfs == list(spec.tmpfs)
    assert container.started
    assert container.checks == 2
    assert not container.stopped
    assert notes == []


def test_the_image_comes_from_the_environment(
    fake_docker: type[FakeContainer], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LUCIA_POSTGRES_IMAGE", "lucia-postgres:abc")
    assert backends.from_docker("postgres", []) is not None
    assert fake_docker.made[0].image == "lucia-postgres:abc"


def test_a_cluster_container_publishes_its_nodes_on_the_same_ports(fake_docker: type[FakeContainer]) -> None:
    url = backends.from_docker("redis-cluster", [])
    (container,) = fake_docker.made
    ports = [int(port) for port in container.env["PORTS"].split()]
    assert len(ports) == 3
    assert ports == list(range(ports[0], ports[0] + 3))
    assert container.ports == {f"{port}/tcp": ("127.0.0.1", port) for port in ports}
    assert url == f"redis://127.0.0.1:{ports[0]}"


def test_a_container_published_beyond_loopback_is_stopped_and_noted(
    fake_docker: type[FakeContainer], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fake_docker, "published_on", "0.0.0.0")  # noqa: S104 - the case refused
    notes: list[str] = []
    assert backends.from_docker("redis", notes) is None
    assert fake_docker.made[0].stopped
    assert notes == [
        "docker: redis:7 did not start (RuntimeError: published on ['0.0.0.0'], not only on 127.0.0.1)"
    ]


def test_a_container_that_never_gets_ready_is_stopped_and_noted(
    fake_docker: type[FakeContainer], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(servers, "TIMEOUT", 0.05)
    monkeypatch.setattr(fake_docker, "exec", lambda self, command: (1, b"still starting"))
    notes: list[str] = []
    assert backends.from_docker("postgres", notes) is None
    assert fake_docker.made[0].stopped
    assert notes == [
        "docker: postgres:16 did not start (TimeoutError: not ready after 0.05s: still starting)"
    ]


@pytest.mark.parametrize("name", ["pgbouncer", "redis-sentinel"])
def test_no_container_for_the_deployments(name: str, fake_docker: type[FakeContainer]) -> None:
    notes: list[str] = []
    assert backends.from_docker(name, notes) is None
    assert fake_docker.made == []
    assert notes == [f"docker: no container for {name}"]


@pytest.mark.usefixtures("fresh_cache")
def test_backends_from_limits_the_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    asked = _no_server_here(monkeypatch)
    monkeypatch.setenv("LUCIA_REDIS_URL", "redis://db.example:1/0")
    monkeypatch.setenv("LUCIA_BACKENDS_FROM", "docker")
    monkeypatch.delenv("LUCIA_REQUIRE_BACKENDS", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"docker: nothing here; LUCIA_BACKENDS_FROM=docker"):
        backends.backend_url("redis")  # the URL is not used, and binaries are not tried
    assert asked == ["redis"]
    monkeypatch.setenv("LUCIA_BACKENDS_FROM", "docker,nothing")
    with pytest.raises(ValueError, match=r"unknown steps \['nothing'\]"):
        backends.discover("redis")


def test_sentinel_urls_name_the_sentinels_and_the_service() -> None:
    url = "redis+sentinel://127.0.0.1:26379,127.0.0.1:26380,[::1]:26381/lucia"
    assert backends.sentinel_addresses(url) == (
        [("127.0.0.1", 26379), ("127.0.0.1", 26380), ("::1", 26381)],
        "lucia",
    )
    with pytest.raises(ValueError, match="not a redis"):
        backends.sentinel_addresses("redis://127.0.0.1:6379")


def test_missing_binaries_are_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert "redis-server, redis-cli" in (backends.binaries_missing("redis") or "")
    assert "mariadbd, mariadb-install-db" in (backends.binaries_missing("mysql") or "")
    monkeypatch.setenv("LUCIA_MONGODB_SERVER", "mongod")
    assert "mongod" in (backends.binaries_missing("mongodb") or "")


# --------------------------------------------------------------------------------------------------
# servers from binaries, in a child interpreter (its exit is the end of a test session)

CHILD = """
import asyncio, json, os, signal, sys
sys.path.insert(0, sys.argv[1])
from lucia_conformance import servers
from tests import backends

backends.docker_unreachable = lambda: "disabled by the test"  # even if a Docker engine answers
names, then = sys.argv[2].split(","), sys.argv[3]
report = {}
for name in names:
    url = backends.backend_url(name)
    state = backends.SCRIPT_SERVERS[name].state_dir
    if name == "redis":
        import redis
        client = redis.Redis.from_url(url)
        assert client.ping() is True
        client.close()
        pidfile = state / "redis" / "redis.pid"
    elif name == "postgres":
        import asyncpg

        async def select_one() -> int:
            connection = await asyncpg.connect(url)
            try:
                return await connection.fetchval("SELECT 1")
            finally:
                await connection.close()

        assert asyncio.run(select_one()) == 1
        pidfile = state / "postgres" / "data" / "postmaster.pid"
    pid = int(pidfile.read_text().split()[0])
    report[name] = {"url": url, "state_dir": str(state), "pid": pid}
print(json.dumps(report), flush=True)
if then == "die":
    os.kill(os.getpid(), signal.SIGKILL)  # no atexit: the watchdog has to clean up
"""


def _child_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in backends.ENV_VARS.values()}
    env.pop("LUCIA_REQUIRE_BACKENDS", None)
    env["DOCKER_HOST"] = "unix:///nonexistent/docker.sock"
    return env


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    state = next(line.split()[1] for line in status.splitlines() if line.startswith("State:"))
    return state not in ("Z", "X")  # a zombie has exited, its parent has just not reaped it yet


def _port_open(url: str) -> bool:
    parts = urlsplit(url)
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((parts.hostname or "", parts.port or 0)) == 0


def _gone(report: dict[str, dict[str, Any]]) -> bool:
    return all(
        not _alive(server["pid"]) and not Path(server["state_dir"]).exists() and not _port_open(server["url"])
        for server in report.values()
    )


def _run_child(names: list[str], then: str) -> tuple[dict[str, dict[str, Any]], float]:
    for name in names:
        reason = backends.binaries_missing(name)
        if reason is not None:
            pytest.skip(f"no {name} binaries here: {reason}")
    started = time.monotonic()
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(backends.REPO), ",".join(names), then],
        env=_child_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    elapsed = time.monotonic() - started
    assert child.stdout, child.stderr
    report: dict[str, dict[str, Any]] = json.loads(child.stdout.splitlines()[0])
    if then == "exit":
        assert child.returncode == 0, child.stderr
    else:
        assert child.returncode == -signal.SIGKILL
    return report, elapsed


def test_servers_from_binaries_start_answer_and_are_stopped_at_exit() -> None:
    report, elapsed = _run_child(["redis", "postgres"], "exit")
    assert report["redis"]["url"].startswith("redis://127.0.0.1:")
    assert report["postgres"]["url"].startswith("postgresql://lucia:lucia@127.0.0.1:")
    for server in report.values():  # free ports of their own, not the shared servers' defaults
        assert urlsplit(server["url"]).port not in backends.DEFAULT_PORTS
    assert _gone(report), report  # stopped and removed by the time the interpreter has exited
    print(f"redis + postgres: started, queried, stopped in {elapsed:.1f}s")


def test_the_watchdog_stops_servers_when_the_interpreter_is_killed() -> None:
    report, _ = _run_child(["redis"], "die")
    deadline = time.monotonic() + 20
    while not _gone(report):
        assert time.monotonic() < deadline, f"still there 20s after the test process died: {report}"
        time.sleep(0.1)
