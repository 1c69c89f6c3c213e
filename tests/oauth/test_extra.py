"""The ``oauth`` extra: ``lucia_core`` never imports it; without it, importing says what to install."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True)


def test_importing_lucia_core_imports_neither_oauth_nor_its_libraries() -> None:
    result = run(
        """
        import sys, lucia_core, lucia_core.utils, lucia_core.middleware
        loaded = [name for name in ("lucia_core.oauth", "httpx", "joserfc") if name in sys.modules]
        print(loaded)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_importing_lucia_core_oauth_without_the_extra_names_it() -> None:
    for missing in ("httpx", "joserfc"):
        result = run(
            f"""
            import sys
            sys.modules[{missing!r}] = None  # as if it were not installed
            import lucia_core.oauth
            """
        )
        assert result.returncode == 1
        assert "ImportError" in result.stderr
        assert "pip install 'lucia-core[oauth]'" in result.stderr
        assert missing in result.stderr
