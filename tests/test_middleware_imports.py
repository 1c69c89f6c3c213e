"""The framework middleware modules: the core imports no framework, and a missing framework gives an
ImportError naming the extra to install."""

from __future__ import annotations

import subprocess
import sys

import pytest

FRAMEWORKS = ["starlette", "fastapi", "aiohttp", "django", "litestar"]


def run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_importing_a_middleware_without_its_framework_names_the_extra(framework: str) -> None:
    result = run(f"import sys; sys.modules[{framework!r}] = None; import lucia_core.frameworks.{framework}")
    assert result.returncode != 0
    assert "ImportError" in result.stderr
    assert f'pip install "lucia-core[{framework}]"' in result.stderr


@pytest.mark.parametrize("framework", ["starlette", "aiohttp", "django", "litestar"])
def test_calling_a_factory_without_its_framework_names_the_extra(framework: str) -> None:
    code = (
        f"import sys; sys.modules[{framework!r}] = None; import lucia_core.middleware as m; m.{framework}()"
    )
    result = run(code)
    assert result.returncode != 0
    assert f'pip install "lucia-core[{framework}]"' in result.stderr


def test_the_core_and_the_asgi_middleware_import_no_framework() -> None:
    code = (
        "import sys, lucia_core, lucia_core.middleware as m; m.asgi(); m.lucia()\n"
        "import lucia_core.frameworks.asgi\n"
        f"print(sorted(name for name in {FRAMEWORKS!r} if name in sys.modules))"
    )
    result = run(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
