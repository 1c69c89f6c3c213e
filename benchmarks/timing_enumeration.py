"""Does the time of a failed sign-in tell whether the username exists? A benchmark, not a test.

``Auth.use_key`` with an unknown key spends one password validation on a dummy hash
(``PasswordHashing.spend_validation``), the work a wrong password costs for a known key. This
measures both on SQLite with the default Argon2id hasher (m=64 MiB, t=3, p=1), interleaved in a
random order so that drift and load hit both alike, and compares the two distributions: median,
p10, p90, p99 and the two-sample Kolmogorov-Smirnov statistic (computed here, no SciPy), with the
same statistic between the two halves of each sample as a yardstick for the noise of this machine.

::

    python -m benchmarks.timing_enumeration [--quick | --full] [-n PAIRS] [--out DIR] [--seed SEED]
    python benchmarks/timing_enumeration.py --quick

``--quick`` (the default) measures 200 pairs, ``--full`` 1000. Writes
``timing_enumeration.json`` (every sample, in ms, and the statistics) and
``timing_enumeration.png`` (histograms and empirical CDFs) to ``--out`` (default
``build/benchmarks``). ``--without-equalizer`` is the control: the dummy validation switched off,
so an unknown key costs no hashing; its D is what a timing leak looks like. The counting proof of
the mechanism, without timing, is ``tests/security/test_timing_mechanism.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from lucia_adapter_sqlite.testing import throwaway_store
from lucia_core import Argon2idHasher, Auth, LuciaError, lucia

ROOT = Path(__file__).resolve().parent.parent
PAIRS = {"quick": 200, "full": 1000}
WARM_UP = 5
USERNAME = "ada"
PASSWORD = "correct horse battery staple"  # noqa: S105 - the benchmark's own throwaway user
#: The same wrong password for both cases, so that both hash inputs have the same length.
GUESS = "tr0ub4dor&3 guess"


@dataclass(frozen=True)
class Summary:
    """Order statistics of one sample, in milliseconds."""

    n: int
    mean: float
    median: float
    p10: float
    p90: float
    p99: float
    minimum: float
    maximum: float


def summarize(sample: Sequence[float]) -> Summary:
    """Median and percentiles by linear interpolation between closest ranks (inclusive method)."""
    cuts = statistics.quantiles(sample, n=100, method="inclusive")
    return Summary(
        n=len(sample),
        mean=statistics.fmean(sample),
        median=statistics.median(sample),
        p10=cuts[9],
        p90=cuts[89],
        p99=cuts[98],
        minimum=min(sample),
        maximum=max(sample),
    )


def ks_statistic(first: Sequence[float], second: Sequence[float]) -> float:
    """Two-sample Kolmogorov-Smirnov D: the largest gap between the two empirical CDFs."""
    a, b = sorted(first), sorted(second)
    i = j = 0
    gap = 0.0
    while i < len(a) and j < len(b):
        value = min(a[i], b[j])
        while i < len(a) and a[i] == value:
            i += 1
        while j < len(b) and b[j] == value:
            j += 1
        gap = max(gap, abs(i / len(a) - j / len(b)))
    return gap


def ks_p_value(d: float, n1: int, n2: int) -> float:
    """Asymptotic p-value of D for samples of n1 and n2 (Kolmogorov's distribution, with the
    small-sample correction of Stephens: lambda = (sqrt(ne) + 0.12 + 0.11 / sqrt(ne)) * D)."""
    ne = n1 * n2 / (n1 + n2)
    lam = (math.sqrt(ne) + 0.12 + 0.11 / math.sqrt(ne)) * d
    if lam < 1e-3:
        return 1.0
    total = sum((1 if k % 2 else -1) * math.exp(-2 * k * k * lam * lam) for k in range(1, 101))
    return min(1.0, max(0.0, 2 * total))


async def failed_sign_in(auth: Auth, username: str, expected: str) -> float:
    """One use_key call that must fail with ``expected``; its duration in milliseconds."""
    start = time.perf_counter_ns()
    try:
        await auth.use_key("username", username, GUESS)
    except LuciaError as error:
        elapsed = (time.perf_counter_ns() - start) / 1e6
        if error.code != expected:
            raise RuntimeError(f"expected {expected}, got {error.code}") from error
        return elapsed
    raise RuntimeError(f"use_key({username!r}) succeeded with the wrong password")


async def _no_work(password: str) -> None:
    """What an unknown key would cost without the equalizer: nothing."""


async def measure(
    pairs: int, seed: int, *, equalizer: bool = True
) -> tuple[list[float], list[float], dict[str, int]]:
    """``pairs`` of (unknown username, known username + wrong password), each pair in a random
    order; returns both samples (ms) and the hasher's parameters. ``equalizer=False`` removes the
    dummy validation, to show what the benchmark sees when an unknown key is cheaper."""
    order = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="lucia-timing-") as directory:
        hasher = Argon2idHasher()  # the default: what lucia() uses without password_hash
        async with throwaway_store(directory, attributes=()) as store:
            auth = lucia(adapter=store.adapter, password_hash=hasher)
            if not equalizer:
                auth.passwords.spend_validation = _no_work  # type: ignore[method-assign]
            await auth.create_user(
                key={"provider_id": "username", "provider_user_id": USERNAME, "password": PASSWORD},
                attributes={},
            )
            for index in range(WARM_UP):  # the dummy hash, caches, the thread pool
                await failed_sign_in(auth, f"warm-up-{index}", "AUTH_INVALID_KEY_ID")
                await failed_sign_in(auth, USERNAME, "AUTH_INVALID_PASSWORD")
            unknown: list[float] = []
            wrong: list[float] = []
            for index in range(pairs):
                cases = [("unknown", f"nobody-{index}"), ("wrong", USERNAME)]
                order.shuffle(cases)
                for case, username in cases:
                    if case == "unknown":
                        unknown.append(await failed_sign_in(auth, username, "AUTH_INVALID_KEY_ID"))
                    else:
                        wrong.append(await failed_sign_in(auth, username, "AUTH_INVALID_PASSWORD"))
                if (index + 1) % max(1, pairs // 10) == 0:
                    print(f"  {index + 1}/{pairs} pairs", file=sys.stderr, flush=True)
    hasher.close()
    return unknown, wrong, hasher.parameters


def compare(unknown: Sequence[float], wrong: Sequence[float]) -> dict[str, Any]:
    """The statistics of both samples, D between them, and D between the halves of each."""
    d = ks_statistic(unknown, wrong)
    halves = {
        name: ks_statistic(sample[0::2], sample[1::2])
        for name, sample in (("unknown", unknown), ("wrong", wrong))
    }
    return {
        "unknown_username": asdict(summarize(unknown)),
        "wrong_password": asdict(summarize(wrong)),
        "median_difference_ms": statistics.median(unknown) - statistics.median(wrong),
        "ks_statistic": d,
        "ks_p_value": ks_p_value(d, len(unknown), len(wrong)),
        "ks_statistic_between_halves": halves,
    }


def print_table(result: dict[str, Any]) -> None:
    """Both distributions side by side, then the comparison."""
    a, b = result["unknown_username"], result["wrong_password"]
    print(f"\n{'ms':>8} {'unknown username':>18} {'known, wrong pw':>18} {'difference':>12}")
    for field in ("median", "p10", "p90", "p99", "mean", "minimum", "maximum"):
        print(f"{field:>8} {a[field]:>18.2f} {b[field]:>18.2f} {a[field] - b[field]:>+12.2f}")
    print(f"{'n':>8} {a['n']:>18} {b['n']:>18}")
    halves = result["ks_statistic_between_halves"]
    print(
        f"\nKolmogorov-Smirnov D = {result['ks_statistic']:.3f} (p = {result['ks_p_value']:.3f});"
        f" between halves of one sample: unknown {halves['unknown']:.3f}, wrong {halves['wrong']:.3f}"
    )
    print(
        "A D no larger than the halves' (and a large p) means the two cases cannot be told apart"
        " at this sample size; an unknown key skipping the hash would give D near 1."
    )


def plot(unknown: Sequence[float], wrong: Sequence[float], result: dict[str, Any], path: Path) -> None:
    """Overlaid histograms (shared bins, p99.5 cut) and the two empirical CDFs."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    everything = sorted([*unknown, *wrong])
    high = everything[min(len(everything) - 1, int(len(everything) * 0.995))]
    low = everything[0]
    bins = [low + (high - low) * i / 60 for i in range(61)]
    figure, (histogram, cdf) = plt.subplots(1, 2, figsize=(12, 4.5))
    histogram.hist(unknown, bins=bins, alpha=0.55, label="unknown username")
    histogram.hist(wrong, bins=bins, alpha=0.55, label="known username, wrong password")
    histogram.set_xlabel("use_key time (ms)")
    histogram.set_ylabel("calls")
    histogram.legend()
    for sample, label in ((unknown, "unknown username"), (wrong, "known username, wrong password")):
        ordered = sorted(sample)
        cdf.step(ordered, [(i + 1) / len(ordered) for i in range(len(ordered))], where="post", label=label)
    cdf.set_xlim(low, high)
    cdf.set_xlabel("use_key time (ms)")
    cdf.set_ylabel("fraction of calls")
    cdf.set_title(f"KS D = {result['ks_statistic']:.3f}, p = {result['ks_p_value']:.3f}")
    cdf.legend(loc="lower right")
    figure.suptitle("Failed sign-in time: unknown username vs wrong password (SQLite, default Argon2id)")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, measure, print, write the JSON and the PNG."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", dest="mode", action="store_const", const="quick", help="200 pairs")
    mode.add_argument("--full", dest="mode", action="store_const", const="full", help="1000 pairs")
    parser.add_argument("-n", "--pairs", type=int, help="number of pairs (overrides the mode)")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "benchmarks", help="output folder")
    parser.add_argument("--seed", type=int, default=2023, help="seed of the interleaving order")
    parser.add_argument(
        "--without-equalizer",
        action="store_true",
        help="control run: skip the dummy validation for unknown keys (shows what a leak looks like)",
    )
    args = parser.parse_args(argv)
    mode_name = args.mode or "quick"
    pairs = args.pairs or PAIRS[mode_name]
    if pairs < 10:
        parser.error("--pairs must be at least 10")
    print(f"timing_enumeration: {pairs} interleaved pairs of failed use_key calls", file=sys.stderr)
    started = datetime.now(timezone.utc)
    unknown, wrong, parameters = asyncio.run(measure(pairs, args.seed, equalizer=not args.without_equalizer))
    result = compare(unknown, wrong)
    print_table(result)
    args.out.mkdir(parents=True, exist_ok=True)
    document = {
        "meta": {
            "benchmark": "timing_enumeration",
            "mode": mode_name,
            "pairs": pairs,
            "seed": args.seed,
            "started": started.isoformat(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
            "backend": "sqlite (aiosqlite), temporary file",
            "hasher": {"name": "Argon2idHasher (default)", **parameters},
            "equalizer": not args.without_equalizer,
        },
        "results": result,
        "samples_ms": {"unknown_username": unknown, "wrong_password": wrong},
    }
    stem = "timing_enumeration" + ("_without_equalizer" if args.without_equalizer else "")
    json_path = args.out / f"{stem}.json"
    json_path.write_text(json.dumps(document, indent=2) + "\n")
    png_path = args.out / f"{stem}.png"
    plot(unknown, wrong, result, png_path)
    print(f"\nwrote {json_path} and {png_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
