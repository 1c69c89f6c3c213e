"""The README's code is the code that runs: its blocks equal the files the project executes."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL)


def test_quickstart_in_readme_is_examples_quickstart() -> None:
    assert (ROOT / "examples" / "quickstart.py").read_text() in python_blocks()


RECIPES = {
    "email_verification.py": ["wrong code: AUTH_INVALID_TOKEN", "verified: True"],
    "password_reset.py": ["sessions: [True]", "link used again: AUTH_INVALID_TOKEN"],
}


@pytest.mark.parametrize("recipe", RECIPES)
def test_token_recipes_in_readme_are_the_examples_and_run(recipe: str) -> None:
    path = ROOT / "examples" / recipe
    assert path.read_text() in python_blocks()
    result = subprocess.run([sys.executable, str(path)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    for line in RECIPES[recipe]:
        assert line in result.stdout.splitlines()


def test_quickstart_is_about_twenty_lines() -> None:
    code = [line for line in (ROOT / "examples" / "quickstart.py").read_text().splitlines() if line.strip()]
    assert len(code) <= 30


def test_backends_example_in_readme_is_examples_backends() -> None:
    assert (ROOT / "examples" / "backends.py").read_text() in python_blocks()


def test_conformance_conftest_in_readme_is_the_one_the_project_runs() -> None:
    assert (ROOT / "tests" / "conformance" / "sqlite" / "conftest.py").read_text() in python_blocks()


def test_readme_names_the_two_commands_ci_runs() -> None:
    commands = README[README.index("## The two commands") : README.index("## The demo")]
    assert "./dev demo" in commands
    assert "./dev test" in commands
    assert "./dev quickstart" in README
    assert "./dev test" in (ROOT / ".ci" / "run").read_text()


FRAMEWORK_EXAMPLES = ["fastapi_app", "starlette_app", "aiohttp_app", "django_app", "litestar_app"]


def test_each_framework_example_in_readme_is_the_file_the_tests_run() -> None:
    frameworks = README[README.index("## Frameworks") : README.index("## How it works")]
    blocks = re.findall(r"```python\n(.*?)```", frameworks, flags=re.DOTALL)
    for name in FRAMEWORK_EXAMPLES:
        assert (ROOT / "examples" / f"{name}.py").read_text() in blocks, name
    assert len(blocks) == len(FRAMEWORK_EXAMPLES)


def test_readme_says_how_to_normalize_usernames_and_what_a_csrf_refusal_looks_like() -> None:
    assert 'unicodedata.normalize("NFKC", username).casefold().strip()' in README
    assert "### What a CSRF refusal looks like to a client" in README


def test_login_throttling_in_readme_is_examples_login_throttling() -> None:
    assert (ROOT / "examples" / "login_throttling.py").read_text() in python_blocks()
