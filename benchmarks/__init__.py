"""lucia-core's benchmarks: the hot path against the raw driver, against peers, and as data grows.

Run ``python -m benchmarks --quick`` (every scenario, under two minutes) or ``--full`` (the
committed results in ``docs/benchmarks.md``) against the servers of ``.ci/run``; the URLs come
from the environment (``eval "$(bash scripts/backends.sh env)"``). Every figure is a median over
repeated rounds with its spread, and every comparison is a ratio measured in the same run, with
the two sides' rounds interleaved on the same server.

Modules: :mod:`~benchmarks.settings` (quick and full parameters), :mod:`~benchmarks.measure`
(rounds, interleaving, statistics), :mod:`~benchmarks.data` (generated rows),
:mod:`~benchmarks.backend` (what each backend provides) with one ``backend_<name>`` module per
backend, one ``scenario_<name>`` module per scenario, :mod:`~benchmarks.report` (tables, targets,
JSON), :mod:`~benchmarks.plots`, :mod:`~benchmarks.docs` (``docs/benchmarks.md``, rendered from
the JSON) and :mod:`~benchmarks.machine`. ``benchmarks/peers`` holds the peers (fastapi-users,
Lucia v2 on Node) and ``benchmarks/timing_enumeration.py`` a timing check of its own.
"""
