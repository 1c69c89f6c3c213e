"""Where the tests find each database server.

In order: a URL in the environment (``LUCIA_POSTGRES_URL``, ...); a throwaway container through
testcontainers when a Docker engine answers; servers started from binaries on PATH in a temporary
directory; otherwise the test is skipped with a message saying how to get one. With
``LUCIA_REQUIRE_BACKENDS=all`` (or a comma-separated list of names), as ``.ci/run`` sets it, a
missing backend fails the run instead.
"""

from __future__ import annotations

import functools
import os

import pytest

#: Backend name -> the environment variable holding its URL.
ENV_VARS = {
    "postgres": "LUCIA_POSTGRES_URL",
    "mysql": "LUCIA_MYSQL_URL",
    "mongodb": "LUCIA_MONGODB_URL",
    "redis": "LUCIA_REDIS_URL",
    "redis-cluster": "LUCIA_REDIS_CLUSTER_URL",
}

HOW_TO_GET_ONE = (
    "start one with `scripts/backends.sh start {name}` then `eval \"$(scripts/backends.sh env)\"`, "
    "or set {var} to a server's URL, or install Docker so testcontainers can start one"
)


def _required(name: str) -> bool:
    wanted = {item.strip() for item in os.environ.get("LUCIA_REQUIRE_BACKENDS", "").split(",")}
    return "all" in wanted or name in wanted


@functools.cache
def _find(name: str) -> str | None:
    url = os.environ.get(ENV_VARS[name])
    if url:
        return url
    return None


def backend_url(name: str) -> str:
    """The URL of a running server for backend ``name``; skips (or fails when required) if none."""
    if name not in ENV_VARS:
        raise ValueError(f"unknown backend {name!r}")
    url = _find(name)
    if url is not None:
        return url
    message = f"no {name} server: " + HOW_TO_GET_ONE.format(name=name, var=ENV_VARS[name])
    if _required(name):
        pytest.fail(f"LUCIA_REQUIRE_BACKENDS requires {name}; {message}")
    pytest.skip(message)
