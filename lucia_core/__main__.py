"""``python -m lucia_core``: the ``lucia-core`` command (see :mod:`lucia_core.cli`)."""

from .cli import main

raise SystemExit(main())
