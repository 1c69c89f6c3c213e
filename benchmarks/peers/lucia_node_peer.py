"""Lucia v2 on Node.js as a benchmark peer: runs ``lucia_node/bench.mjs`` and returns its result.

The sessions are lucia-core's own: tables made by ``lucia_adapter_postgres.create_schema`` with the
names ``<schema>.auth_user``, ``<schema>.user_key`` and ``<schema>.user_session``. They must be
active (not idle), so that validating them writes nothing; the script fails on any error or renewal.
``npm ci`` runs once, when ``lucia_node/node_modules`` is missing.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

NODE_DIR = Path(__file__).resolve().parent / "lucia_node"


class LuciaNodeError(RuntimeError):
    """npm or the benchmark script failed (including any failed validation)."""


def _executable(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise LuciaNodeError(f"{name} is not on PATH (Node.js 18 or newer is needed)")
    return path


async def _run(*command: str, timeout: float) -> tuple[str, str]:
    process = await asyncio.create_subprocess_exec(
        *command,
        cwd=NODE_DIR,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout)
    except (asyncio.TimeoutError, asyncio.CancelledError):
        process.kill()
        await process.wait()
        raise
    out, err = stdout.decode(), stderr.decode()
    if process.returncode != 0:
        raise LuciaNodeError(f"{' '.join(command[:2])} exited with {process.returncode}:\n{err.strip()}")
    return out, err


async def ensure_node_modules() -> None:
    """Install the pinned packages (``npm ci``, from package-lock.json) unless already installed."""
    if not (NODE_DIR / "node_modules" / "lucia" / "package.json").exists():
        await _run(_executable("npm"), "ci", "--no-audit", "--no-fund", timeout=600)


async def run_lucia_node(
    pg_url: str,
    schema: str,
    session_ids: list[str],
    concurrency: int,
    duration_ms: int,
    *,
    warmup_ms: int = 1000,
    pool_max: int | None = None,
) -> dict[str, Any]:
    """Validate ``session_ids`` with Lucia v2 in ``concurrency`` loops for ``duration_ms`` (after
    ``warmup_ms``) and return the script's JSON: ``validations``, ``seconds``, ``p50_ms`` and
    ``p99_ms`` (numbers), ``node``, ``lucia``, ``adapter`` and ``pg`` (version strings),
    ``concurrency``, ``pool_max`` and ``errors`` (always 0: any failed validation raises
    :class:`LuciaNodeError`). ``pool_max`` (pg.Pool's ``max``) defaults to ``concurrency``.
    """
    if not session_ids:
        raise ValueError("session_ids must not be empty")
    await ensure_node_modules()
    with tempfile.NamedTemporaryFile("w", suffix=".txt", prefix="lucia-sessions-") as ids_file:
        ids_file.write("\n".join(session_ids))
        ids_file.flush()
        command = [
            _executable("node"),
            "bench.mjs",
            "--url",
            pg_url,
            "--schema",
            schema,
            "--sessions",
            ids_file.name,
            "--concurrency",
            str(concurrency),
            "--duration-ms",
            str(duration_ms),
            "--warmup-ms",
            str(warmup_ms),
        ]
        if pool_max is not None:
            command += ["--pool-max", str(pool_max)]
        out, _ = await _run(*command, timeout=(duration_ms + warmup_ms) / 1000 + 120)
    lines = out.strip().splitlines()
    if not lines:
        raise LuciaNodeError("bench.mjs printed nothing")
    result: dict[str, Any] = json.loads(lines[-1])
    if result.get("errors") != 0 or not result.get("validations"):
        raise LuciaNodeError(f"bench.mjs reported a failed run: {result}")
    return result
