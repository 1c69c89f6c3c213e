"""The README's login-throttling recipe (``examples/login_throttling.py``) runs and does what it
says: the attacker is throttled, a new browser of the user too, the user's own browser is not."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_login_throttling_recipe_runs() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "login_throttling.py")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert result.stdout.splitlines() == [
        "ada: signed in",
        "attacker: wrong username or password",
        "attacker: too many attempts, try again in 1 seconds",
        "attacker: too many attempts, try again in 1 seconds",
        "ada, new browser: too many attempts, try again in 1 seconds",
        "ada, her browser: signed in",
    ]
