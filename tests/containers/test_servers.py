"""``lucia_conformance.servers`` against a real Docker engine (``nox -s conformance-containers``):
containers published on 127.0.0.1 only, from the configured image, removed when stopped, and a
given URL used without starting anything."""

from __future__ import annotations

import os
from typing import Any

import pytest
import redis

from lucia_conformance import servers
from tests.backends import docker_unreachable


@pytest.fixture(scope="module")
def docker() -> Any:
    """A client of the engine testcontainers uses; fails (required) or skips without one."""
    reason = docker_unreachable()
    if reason is not None:
        if os.environ.get("LUCIA_REQUIRE_BACKENDS"):
            pytest.fail(f"LUCIA_REQUIRE_BACKENDS: no Docker engine for the container tests: {reason}")
        pytest.skip(reason)
    from testcontainers.core.docker_client import DockerClient

    return DockerClient().client


def _labelled(docker: Any) -> list[Any]:
    return list(docker.containers.list(all=True, filters={"label": servers.LABEL}))


def test_a_container_is_published_on_loopback_only_from_the_configured_image_and_removed(docker: Any) -> None:
    before = {container.id for container in _labelled(docker)}
    started = servers.start_container("redis")
    try:
        (container,) = [c for c in _labelled(docker) if c.id not in before]
        bindings = container.attrs["NetworkSettings"]["Ports"]["6379/tcp"]
        assert {binding["HostIp"] for binding in bindings} == {"127.0.0.1"}
        assert container.attrs["Config"]["Image"] == servers.image("redis")
        assert container.labels[servers.LABEL] == "redis"
        assert started.url == f"redis://127.0.0.1:{bindings[0]['HostPort']}/0"
        with redis.Redis.from_url(started.url) as client:
            assert client.ping() is True
    finally:
        started.stop()
    assert {container.id for container in _labelled(docker)} == before
    started.stop()  # idempotent


def test_a_given_url_is_used_and_no_container_is_started(
    docker: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _labelled(docker)
    with servers.server("postgres", url="postgresql://u:p@db.example:5432/x") as url:
        assert url == "postgresql://u:p@db.example:5432/x"
        assert _labelled(docker) == before
    monkeypatch.setenv("LUCIA_MYSQL_URL", "mysql://u:p@db.example/x")
    with servers.server("mysql") as url:
        assert url == "mysql://u:p@db.example/x"
    assert _labelled(docker) == before


def test_a_server_that_never_gets_ready_is_removed(docker: Any) -> None:
    before = {container.id for container in _labelled(docker)}
    with pytest.raises(TimeoutError, match=r"not ready after 0\.01s"):
        servers.start_container("postgres", timeout=0.01)
    assert {container.id for container in _labelled(docker)} == before


def test_the_cluster_nodes_announce_addresses_a_client_on_the_host_reaches(docker: Any) -> None:
    with servers.server("redis-cluster") as url:
        client = redis.cluster.RedisCluster.from_url(url)
        try:
            nodes = client.get_nodes()  # type: ignore[no-untyped-call]
            assert len(nodes) == 3
            assert {node.host for node in nodes} == {"127.0.0.1"}
            for number in range(20):  # keys in many slots, so on every node
                client.set(f"lucia-test:{number}", number)
                assert client.get(f"lucia-test:{number}") == str(number).encode()
        finally:
            client.close()


def test_an_unknown_backend_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown backend 'sqlite'"), servers.server("sqlite"):
        pass
