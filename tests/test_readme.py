"""The README's code is the code that runs: its blocks equal the files the project executes."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL)


def test_quickstart_in_readme_is_examples_quickstart() -> None:
    assert (ROOT / "examples" / "quickstart.py").read_text() in python_blocks()


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
