"""The wheel's extras, derived from the one list of backends (``lucia_core/backends.py``).

Each backend's pip extra installs its driver (``Backend.requirement``) and ``all`` installs every
backend plus the extras in ``[tool.hatch.metadata.hooks.custom] all``; the other extras are
``[tool.hatch.metadata.hooks.custom.extras]``. ``lucia_core/backends.py`` is read by path: the
build has nothing of lucia-core installed.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from hatchling.metadata.plugin.interface import MetadataHookInterface


def load_backends(root: Path) -> ModuleType:
    """``lucia_core/backends.py`` under ``root``, imported by path (it needs only the stdlib)."""
    spec = importlib.util.spec_from_file_location("_lucia_backends", root / "lucia_core" / "backends.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def optional_dependencies(
    backends: ModuleType, extras: dict[str, list[str]], also: list[str]
) -> dict[str, list[str]]:
    """One extra per backend, ``extras`` as configured, and ``all``: every backend and ``also``."""
    found = {backend.extra: [backend.requirement] for backend in backends.BACKENDS.values()}
    clash = set(found) & set(extras)
    if clash:
        raise ValueError(f"extras {sorted(clash)} are backends' extras: remove them from pyproject.toml")
    names = ",".join([*found, *also])
    return {**found, **extras, "all": [f"lucia-core[{names}]"]}


class BackendExtras(MetadataHookInterface):
    """Fills ``optional-dependencies`` (declared dynamic in pyproject.toml)."""

    def update(self, metadata: dict[str, Any]) -> None:
        backends = load_backends(Path(self.root))
        metadata["optional-dependencies"] = optional_dependencies(
            backends, dict(self.config.get("extras", {})), list(self.config.get("all", []))
        )
