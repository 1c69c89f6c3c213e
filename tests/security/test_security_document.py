"""SECURITY.md cites a test for each claim: every cited test must exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


def test_every_test_security_md_cites_exists() -> None:
    """Each ``tests/<file>.py::<name>`` in SECURITY.md is a test function defined in that file."""
    references = REFERENCE.findall((ROOT / "SECURITY.md").read_text(encoding="utf-8"))
    assert len(references) >= 40
    missing = [
        f"{path}::{name}"
        for path, name in references
        if not (ROOT / path).is_file()
        or not re.search(rf"^(async )?def {name}\(", (ROOT / path).read_text(encoding="utf-8"), re.MULTILINE)
    ]
    assert missing == []
