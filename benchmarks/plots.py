"""PNG plots of a run's results (matplotlib, no display needed). Error bars span min-max over rounds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.axes import Axes

from .report import active_limit

LIBRARY = "#2f6db5"
FLOOR = "#9aa5b1"
LIMIT = "#c0392b"


def _errors(stats: Sequence[Mapping[str, Any]]) -> list[list[float]]:
    """matplotlib's asymmetric error bars (median-min, max-median) for a list of stats."""
    return [
        [stat["median"] - stat["min"] for stat in stats],
        [stat["max"] - stat["median"] for stat in stats],
    ]


def _pair_bars(
    axes: Axes,
    labels: Sequence[str],
    library: Sequence[Mapping[str, Any]],
    floor: Sequence[Mapping[str, Any]],
) -> None:
    positions = range(len(labels))
    width = 0.38
    axes.bar(
        [p - width / 2 for p in positions],
        [s["median"] for s in library],
        width,
        yerr=_errors(library),
        color=LIBRARY,
        label="lucia-core",
        capsize=3,
    )
    axes.bar(
        [p + width / 2 for p in positions],
        [s["median"] for s in floor],
        width,
        yerr=_errors(floor),
        color=FLOOR,
        label="floor (driver)",
        capsize=3,
    )
    axes.set_xticks(list(positions), labels, rotation=20, ha="right", fontsize=8)


def _save(figure: Any, path: Path) -> Path:
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def plot_validate(records: Sequence[Mapping[str, Any]], folder: Path) -> Path:
    """Throughput, p99 latency and library/floor ratio per backend, one column per concurrency."""
    concurrencies = sorted({record["concurrency"] for record in records})
    figure, grid = plt.subplots(3, len(concurrencies), figsize=(4.2 * len(concurrencies), 10), squeeze=False)
    for column, concurrency in enumerate(concurrencies):
        rows = [record for record in records if record["concurrency"] == concurrency]
        labels = [record["backend"] for record in rows]
        top, middle, bottom = grid[0][column], grid[1][column], grid[2][column]
        _pair_bars(
            top,
            labels,
            [r["library"]["throughput_per_s"] for r in rows],
            [r["floor"]["throughput_per_s"] for r in rows],
        )
        top.set_title(f"concurrency {concurrency}")
        top.set_ylabel("validations/s")
        _pair_bars(
            middle, labels, [r["library"]["p99_ms"] for r in rows], [r["floor"]["p99_ms"] for r in rows]
        )
        middle.set_ylabel("p99 latency (ms)")
        ratios = [r["ratio"] for r in rows]
        bottom.bar(labels, [s["median"] for s in ratios], yerr=_errors(ratios), color=LIBRARY, capsize=3)
        bottom.scatter(
            labels, [active_limit(label) for label in labels], marker="_", s=400, color=LIMIT, label="target"
        )
        bottom.axhline(1.0, color="black", linewidth=0.5)
        bottom.set_ylabel("library / floor (time per call)")
        bottom.tick_params(axis="x", labelrotation=20, labelsize=8)
        if column == 0:
            top.legend(fontsize=8)
            bottom.legend(fontsize=8)
    figure.suptitle("validate_session on an active session")
    return _save(figure, folder / "validate.png")


def plot_login(runs: Sequence[Mapping[str, Any]], folder: Path) -> Path:
    """Per backend: validation p99 with and without concurrent logins, and the 2x limit."""
    figure, axes = plt.subplots(figsize=(7, 4))
    labels = [f"{run['backend']}\n{run['hasher']}" for run in runs]
    positions = range(len(labels))
    width = 0.38
    quiet = [run["quiet"]["p99_ms"] for run in runs]
    busy = [run["during_logins"]["p99_ms"] for run in runs]
    axes.bar(
        [p - width / 2 for p in positions],
        [s["median"] for s in quiet],
        width,
        yerr=_errors(quiet),
        color=FLOOR,
        label="quiet",
        capsize=3,
    )
    axes.bar(
        [p + width / 2 for p in positions],
        [s["median"] for s in busy],
        width,
        yerr=_errors(busy),
        color=LIBRARY,
        label="during logins",
        capsize=3,
    )
    axes.scatter(
        [p - width / 2 for p in positions],
        [2 * s["median"] for s in quiet],
        marker="_",
        s=400,
        color=LIMIT,
        label="2x quiet p99",
    )
    axes.set_xticks(list(positions), labels, fontsize=7)
    axes.set_ylabel("validate_session p99 (ms)")
    axes.legend(fontsize=8)
    axes.set_title(f"{runs[0]['logins']} concurrent use_key (Argon2id) vs none")
    return _save(figure, folder / "login.png")


def plot_peers(peers: Mapping[str, Any], folder: Path) -> Path:
    """Validations/s of lucia-core and its peers on PostgreSQL."""
    figure, axes = plt.subplots(figsize=(6, 4))
    names = list(peers["implementations"])
    stats = [peers["implementations"][name]["throughput_per_s"] for name in names]
    colors = [LIBRARY if name == "lucia-core" else FLOOR for name in names]
    axes.bar(names, [s["median"] for s in stats], yerr=_errors(stats), color=colors, capsize=3)
    axes.set_ylabel("validations/s")
    axes.set_title(f"PostgreSQL, concurrency {peers['concurrency']}")
    return _save(figure, folder / "peers.png")


def plot_all(results: Mapping[str, Any], folder: Path) -> list[Path]:
    """Every plot the results have data for; the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    if results.get("validate"):
        written.append(plot_validate(results["validate"], folder))
    if (results.get("login") or {}).get("runs"):
        written.append(plot_login(results["login"]["runs"], folder))
    if results.get("peers"):
        written.append(plot_peers(results["peers"], folder))
    return written
