"""Throwaway database servers for a conformance run: a URL when one is given, else a container.

For each backend (``postgres``, ``mysql``, ``mongodb``, ``redis``, ``redis-cluster``) the server is,
in order: the ``url`` argument; the URL in ``LUCIA_POSTGRES_URL``, ``LUCIA_MYSQL_URL``,
``LUCIA_MONGODB_URL``, ``LUCIA_REDIS_URL`` or ``LUCIA_REDIS_CLUSTER_URL``; else a container that
testcontainers (the ``conformance`` extra) starts from the image in ``LUCIA_POSTGRES_IMAGE``,
``LUCIA_MYSQL_IMAGE``, ``LUCIA_MONGODB_IMAGE``, ``LUCIA_REDIS_IMAGE`` or
``LUCIA_REDIS_CLUSTER_IMAGE``, by default the official ``postgres:16``, ``mariadb:11``,
``mongo:7``, ``redis:7`` (the cluster: three nodes in one ``redis:7`` container). A container is
polled until its server answers, published on 127.0.0.1 only, and removed when the block (or the
pytest session) ends; the URL has user, password and database ``lucia``.

In a custom adapter's ``conftest.py``, import the fixture of the backend::

    from lucia_conformance.servers import postgres_url  # noqa: F401 (a session-scoped fixture)

    @pytest_asyncio.fixture
    async def lucia_adapter(postgres_url: str) -> MyAdapter:
        ...

or, outside pytest, ``with server("postgres") as url: ...``. A Docker engine is found the way
testcontainers finds one (``DOCKER_HOST``, its properties file, the Docker context); its reaper
container (Ryuk) is testcontainers' own business: set ``TESTCONTAINERS_RYUK_DISABLED=true`` where
it cannot be pulled (the containers are removed here all the same).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import random
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from lucia_core.backends import url_var

#: Published ports listen on this address only: nothing but this machine can reach a container.
HOST = "127.0.0.1"
#: Seconds for a started container to answer (an image pull is not counted).
TIMEOUT = 120.0
#: Seconds between readiness checks.
POLL = 0.5
#: Label on every container started here.
LABEL = "lucia-core.conformance"

_MARIADB_ROOT_PASSWORD = "lucia-root"
#: The cluster's three nodes announce 127.0.0.1 and the ports a client on the host reaches them
#: on, so each container port is published on the same number (found free when it starts).
_CLUSTER_SCRIPT = """
set -e
for p in $PORTS; do
  mkdir -p /tmp/redis-$p
  redis-server --port $p --bind 0.0.0.0 --protected-mode no --save '' --appendonly no \
    --dir /tmp/redis-$p --cluster-enabled yes --cluster-config-file nodes.conf \
    --cluster-node-timeout 5000 --cluster-announce-ip 127.0.0.1 --daemonize yes
done
for p in $PORTS; do until redis-cli -p $p ping >/dev/null 2>&1; do sleep 0.1; done; done
redis-cli --cluster create $(for p in $PORTS; do printf '127.0.0.1:%s ' $p; done) \
  --cluster-replicas 0 --cluster-yes >/dev/null
exec sleep infinity
"""


@dataclass(frozen=True)
class ContainerSpec:
    """How to run one backend's server in a container and tell when it is ready."""

    image: str
    port: int
    env: dict[str, str]
    #: Run in the container until it exits 0 with ``expect`` in its output: ready (and set up).
    ready: list[str]
    expect: str
    url: str  # str.format with host and port
    command: list[str] | None = None
    #: Ports published on the same number on the host (a Redis cluster), chosen when it starts.
    same_ports: int = 0
    #: Data directories kept in memory (throwaway data; faster, and FerretDB's SQLite files then
    #: avoid the image's overlay file system).
    tmpfs: tuple[str, ...] = ()


CONTAINERS = {
    "postgres": ContainerSpec(
        "postgres:16",
        5432,
        {"POSTGRES_USER": "lucia", "POSTGRES_PASSWORD": "lucia", "POSTGRES_DB": "lucia"},
        # Over TCP: the official image's first-run server listens on its socket only.
        ["sh", "-c", "PGPASSWORD=lucia psql -h 127.0.0.1 -U lucia -d lucia -Atc 'SELECT 1'"],
        "1",
        "postgresql://lucia:lucia@{host}:{port}/lucia",
    ),
    "mysql": ContainerSpec(
        "mariadb:11",
        3306,
        {
            "MARIADB_ROOT_PASSWORD": _MARIADB_ROOT_PASSWORD,
            "MARIADB_DATABASE": "lucia",
            "MARIADB_USER": "lucia",
            "MARIADB_PASSWORD": "lucia",
        },
        # Over TCP (the first-run server skips networking); tests may create `lucia_<anything>`.
        [
            "mariadb",
            "-h",
            "127.0.0.1",
            "-uroot",
            f"-p{_MARIADB_ROOT_PASSWORD}",
            "-e",
            "GRANT ALL PRIVILEGES ON `lucia\\_%`.* TO 'lucia'@'%'; SELECT 'granted'",
        ],
        "granted",
        "mysql://lucia:lucia@{host}:{port}/lucia",
    ),
    "mongodb": ContainerSpec(
        "mongo:7",
        27017,
        {},
        # mongosh in the official image; lucia-core's FerretDB image answers for itself.
        [
            "sh",
            "-c",
            "if command -v mongosh >/dev/null; then mongosh --quiet --eval 'db.runCommand({ping: 1}).ok';"
            " else lucia-entrypoint ready; fi",
        ],
        "1",
        "mongodb://{host}:{port}/lucia",
        tmpfs=("/data/db", "/var/lib/ferretdb"),  # mongod's, and lucia-core's FerretDB image's
    ),
    "redis": ContainerSpec("redis:7", 6379, {}, ["redis-cli", "ping"], "PONG", "redis://{host}:{port}/0"),
    "redis-cluster": ContainerSpec(
        "redis:7",
        0,
        {},
        ["sh", "-c", 'redis-cli -p "${PORTS%% *}" cluster info'],
        "cluster_state:ok",
        "redis://{host}:{port}",
        command=["sh", "-c", _CLUSTER_SCRIPT],
        same_ports=3,
    ),
}

#: Backend -> the environment variable with its server's URL (``LUCIA_<NAME>_URL``).
URL_VARIABLES = {backend: url_var(backend) for backend in CONTAINERS}
#: Backend -> the environment variable naming the image to start (``LUCIA_<NAME>_IMAGE``).
IMAGE_VARIABLES = {backend: url_var(backend).removesuffix("_URL") + "_IMAGE" for backend in CONTAINERS}


def image(backend: str) -> str:
    """The image for ``backend``: its ``LUCIA_*_IMAGE`` variable, else the official default."""
    default = CONTAINERS[backend].image
    if backend == "redis-cluster":
        default = os.environ.get("LUCIA_REDIS_IMAGE") or default
    return os.environ.get(IMAGE_VARIABLES[backend]) or default


def _free_ports(count: int) -> list[int]:
    """``count`` consecutive free ports on 127.0.0.1, each with its cluster bus port (+10000)."""
    for _ in range(200):
        base = random.randrange(20000, 55000 - count)
        ports = [base + offset for offset in range(count)]
        if all(_can_bind(port) and _can_bind(port + 10000) for port in ports):
            return ports
    raise RuntimeError(f"no {count} free consecutive ports on {HOST}")


def _can_bind(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


@dataclass
class Server:
    """A started container and its server's URL; :meth:`stop` removes it (idempotent)."""

    url: str
    container: Any = None

    def stop(self) -> None:
        container, self.container = self.container, None
        if container is not None:
            with contextlib.suppress(Exception):
                container.stop()


def _published_on_host_only(container: Any) -> None:
    """Raise unless every published port of the container listens on 127.0.0.1 only."""
    wrapped = container.get_wrapped_container()
    wrapped.reload()
    bindings = wrapped.attrs["NetworkSettings"]["Ports"] or {}
    addresses = {binding["HostIp"] for entries in bindings.values() for binding in entries or []}
    if addresses != {HOST}:
        raise RuntimeError(f"published on {sorted(addresses)}, not only on {HOST}")


def start_container(backend: str, *, image_name: str | None = None, timeout: float | None = None) -> Server:
    """Start ``backend``'s server in a container and wait until it answers; its :class:`Server`.

    Raises ImportError without testcontainers, and the Docker engine's or testcontainers' error
    when the container cannot start (then nothing is left running).
    """
    from testcontainers.core.container import DockerContainer

    spec = CONTAINERS[backend]
    container = DockerContainer(image_name or image(backend))
    for key, value in spec.env.items():
        container.with_env(key, value)
    ports = [spec.port]
    if spec.same_ports:
        ports = _free_ports(spec.same_ports)
        container.with_env("PORTS", " ".join(map(str, ports)))
    ports_map: dict[str, Any] = container.ports
    for port in ports:
        ports_map[f"{port}/tcp"] = (HOST, port) if spec.same_ports else (HOST,)
    if spec.command is not None:
        container.with_command(spec.command)
    container.with_kwargs(labels={LABEL: backend})
    if hasattr(container, "with_tmpfs_mount"):  # testcontainers >= 4.10
        for path in spec.tmpfs:
            container.with_tmpfs_mount(path)
    server = Server("", container)
    atexit.register(server.stop)
    try:
        container.start()
        _published_on_host_only(container)
        limit = TIMEOUT if timeout is None else timeout
        deadline = time.monotonic() + limit
        while True:
            code, output = container.exec(spec.ready)
            text = output.decode(errors="replace") if isinstance(output, bytes) else str(output)
            if code == 0 and spec.expect in text:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"not ready after {limit}s: {text.strip()[-300:]}")
            time.sleep(POLL)
        port = ports[0] if spec.same_ports else int(container.get_exposed_port(spec.port))
    except BaseException:
        server.stop()
        raise
    server.url = spec.url.format(host=HOST, port=port)
    return server


@contextlib.contextmanager
def server(backend: str, *, url: str | None = None, image_name: str | None = None) -> Iterator[str]:
    """The URL of a server for ``backend`` for the block: ``url``, the environment's, or a container's."""
    if backend not in CONTAINERS:
        raise ValueError(f"unknown backend {backend!r}: use one of {sorted(CONTAINERS)}")
    given = url or os.environ.get(URL_VARIABLES[backend])
    if given:
        yield given
        return
    started = start_container(backend, image_name=image_name)
    try:
        yield started.url
    finally:
        started.stop()


def _fixture(backend: str) -> Any:
    @pytest.fixture(scope="session")
    def url() -> Iterator[str]:
        with server(backend) as found:
            yield found

    url.__doc__ = f"A {backend} server's URL for the test session ({URL_VARIABLES[backend]}, or a container)."
    return url


postgres_url = _fixture("postgres")
mysql_url = _fixture("mysql")
mongodb_url = _fixture("mongodb")
redis_url = _fixture("redis")
redis_cluster_url = _fixture("redis-cluster")
