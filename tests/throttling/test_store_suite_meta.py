"""The throttle-store suite itself: it quotes every sentence of the ThrottleStore docstrings (and
only those), and it fails a broken store with the method and the sentence it broke."""

from __future__ import annotations

import asyncio
import inspect
import re
from collections.abc import Awaitable, Callable, Sequence

import pytest

import lucia_throttle_conformance.test_throttle_store as suite
from lucia_conformance.contract import ContractBroken, clause_of
from lucia_core.throttling import MemoryThrottleStore, ThrottleStore

pytest_plugins = ["pytester"]


def normalized(text: str) -> str:
    return " ".join(text.replace("``", "").split())


def sentences(method: object) -> set[str]:
    return set(re.split(r"(?<=\.)\s+(?=[A-Z])", normalized(inspect.getdoc(method) or "")))


def suite_tests() -> dict[str, object]:
    return {
        name: function
        for name, function in inspect.getmembers(suite, inspect.isfunction)
        if name.startswith("test_")
    }


def methods() -> dict[str, object]:
    return {
        name: function
        for name, function in inspect.getmembers(ThrottleStore, inspect.isfunction)
        if not name.startswith("_")
    }


def test_every_suite_test_quotes_a_sentence_of_its_method_and_is_named_after_it() -> None:
    assert len(suite_tests()) >= 30
    for name, function in suite_tests().items():
        clause = clause_of(function)
        assert clause is not None, f"{name} names no contract sentence"
        assert name.startswith(f"test_{clause.method.__name__}_"), f"{name} is not named after its method"
        assert normalized(clause.sentence) in sentences(clause.method), (
            f"{name} quotes {clause.sentence!r}, not a sentence of {clause.method_name}"
        )


def test_every_sentence_of_every_method_has_a_test() -> None:
    quoted = {
        (clause.method.__name__, normalized(clause.sentence))
        for function in suite_tests().values()
        if (clause := clause_of(function)) is not None
    }
    wanted = {(name, sentence) for name, method in methods().items() for sentence in sentences(method)}
    assert len(wanted) >= 20
    assert wanted - quoted == set()


class ClaimsWithoutAtomicity(MemoryThrottleStore):
    """Reads, yields to the event loop, then claims: the check-then-act race the contract forbids."""

    async def claim(self, keys: Sequence[str], hold_ms: int) -> int:
        wait = await super().claim(keys, 1)  # decide (claiming for 1 ms only) ...
        await asyncio.sleep(0.002)  # ... let others decide too ...
        if wait:
            return wait
        await super().release(keys)
        return await super().claim(keys, hold_ms) and 0  # ... then claim: every caller got 0


class ForgetsTheUser(MemoryThrottleStore):
    """Lets any user's attempts use a device cookie."""

    async def use_device(self, device_id: str, user_id: str) -> bool:
        device = self._devices.get(device_id)
        return await super().use_device(device_id, device.user_id if device else user_id)


class CountsNoFailures(MemoryThrottleStore):
    """Times keys out for base_ms whatever the failures."""

    async def fail(self, keys: Sequence[str], base_ms: int, max_ms: int, forget_ms: int) -> None:
        await super().reset(keys)
        await super().fail(keys, base_ms, max_ms, forget_ms)


@pytest.mark.parametrize(
    ("store", "test", "method", "sentence"),
    [
        (
            ClaimsWithoutAtomicity(),
            suite.test_claim_called_concurrently_lets_exactly_one_through,
            "claim",
            suite.CLAIM_CONCURRENT,
        ),
        (
            ForgetsTheUser(),
            suite.test_use_device_of_another_user_deletes_it,
            "use_device",
            suite.USE_DEVICE_DELETED,
        ),
        (
            CountsNoFailures(),
            suite.test_fail_doubles_the_timeout_with_each_failure,
            "fail",
            suite.FAIL_BACKOFF,
        ),
    ],
    ids=["non-atomic-claim", "device-of-any-user", "no-back-off"],
)
async def test_the_suite_fails_a_broken_store_naming_the_method_and_the_sentence(
    store: ThrottleStore, test: Callable[[ThrottleStore], Awaitable[None]], method: str, sentence: str
) -> None:
    with pytest.raises(ContractBroken) as broken:
        await test(store)
    assert str(broken.value).startswith(f'ThrottleStore.{method} broke: "{sentence}"')


async def test_the_suite_passes_the_memory_store() -> None:
    """The same functions that fail the broken stores pass a correct one (and run unaided)."""
    await suite.test_claim_called_concurrently_lets_exactly_one_through(MemoryThrottleStore())
    await suite.test_use_device_of_another_user_deletes_it(MemoryThrottleStore())
    await suite.test_fail_doubles_the_timeout_with_each_failure(MemoryThrottleStore())


USER_CONFTEST = """
import pytest

from lucia_core.throttling import memory_store


@pytest.fixture
def lucia_throttle_store():
    return memory_store()
"""


def run_suite(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """Run the suite the documented way, from a folder holding the user's conftest."""
    return pytester.runpytest_inprocess(
        *("--pyargs", "lucia_throttle_conformance", "--rootdir=.", "-p", "no:cacheprovider"),
        *("-o", "asyncio_default_fixture_loop_scope=function", "-o", "asyncio_mode=auto", *args),
    )


def test_a_user_runs_the_suite_on_their_own_store(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(USER_CONFTEST)
    result = run_suite(pytester)
    outcomes = result.parseoutcomes()
    assert result.ret == 0, result.stdout.str()
    assert outcomes.get("skipped", 0) == outcomes.get("failed", 0) == 0
    assert outcomes["passed"] == len(suite_tests()) + len(suite.ODD_KEYS) + len(suite.NEAR_MISSES) - 2


def test_without_the_fixture_the_suite_says_how_to_provide_it(pytester: pytest.Pytester) -> None:
    result = run_suite(pytester, "-k", "use_device_unknown")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*define the 'lucia_throttle_store' fixture in a conftest.py*"])
    result.stdout.fnmatch_lines(["*pytest --pyargs lucia_throttle_conformance --rootdir=.*"])
