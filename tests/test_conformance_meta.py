"""The conformance suite itself: its sentences match the protocol docstrings, it passes against
the SQLite adapter, and it fails, naming the method and the sentence, against broken adapters."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys
from collections.abc import Iterator
from pathlib import Path
from textwrap import dedent
from types import ModuleType

import pytest

import lucia_conformance
from lucia_conformance.contract import Clause, clause_of
from lucia_core.adapter import SessionAdapter, SessionAndUserReader, UserAdapter, UserAndSessionsReader

pytest_plugins = ["pytester"]

SQLITE_CONFTEST = Path(__file__).parent / "conformance" / "sqlite" / "conftest.py"

# The SQLite example conftest, loaded by path, plus adapters broken (or reduced) on purpose.
CONFTEST = dedent(
    """
    import importlib.util

    import pytest
    import pytest_asyncio

    from lucia_conformance import ConformanceOptions

    _spec = importlib.util.spec_from_file_location("lucia_sqlite_conftest", {path!r})
    _sqlite = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_sqlite)
    store = _sqlite.store
    lucia_database = _sqlite.lucia_database

    VARIANT = {variant!r}
    USER_METHODS = (
        "get_user", "set_user", "update_user", "delete_user", "get_key", "get_keys_by_user_id",
        "set_key", "update_key", "replace_key_password", "delete_key", "delete_keys_by_user_id",
    )
    SESSION_METHODS = (
        "get_session", "get_sessions_by_user_id", "set_session", "update_session",
        "delete_session", "delete_sessions_by_user_id",
    )


    class Broken:
        def __init__(self, adapter, connection):
            self.adapter = adapter
            self.connection = connection

        def __getattr__(self, name):
            return getattr(self.adapter, name)


    class UpdatesEverySession(Broken):
        async def update_session(self, session_id, partial_session):
            async with self.connection.execute("SELECT id FROM user_session") as cursor:
                ids = [row[0] for row in await cursor.fetchall()]
            for any_id in ids:
                await self.adapter.update_session(any_id, partial_session)


    class MissesKeysWithColons(Broken):
        async def get_key(self, key_id):
            return None if ":" in key_id else await self.adapter.get_key(key_id)


    class StoresUserAndKeySeparately(Broken):
        async def set_user(self, user, key):
            await self.adapter.set_user(user, None)
            if key is not None:
                await self.adapter.set_key(key)


    class ReturnsFloatExpirations(Broken):
        async def get_session(self, session_id):
            session = await self.adapter.get_session(session_id)
            if session is not None:
                session["active_expires"] = float(session["active_expires"])
                session["idle_expires"] = float(session["idle_expires"])
            return session


    class ReplacesUnconditionally(Broken):
        async def replace_key_password(self, key_id, expected_hashed_password, hashed_password):
            key = await self.adapter.get_key(key_id)
            if key is None:
                return False
            await self.adapter.update_key(key_id, {{"hashed_password": hashed_password}})
            return True


    class Only:
        def __init__(self, adapter, names):
            for name in names:
                setattr(self, name, getattr(adapter, name))


    @pytest_asyncio.fixture
    async def lucia_adapter(store):
        adapter = store.adapter
        if VARIANT == "sqlite":
            return adapter
        if VARIANT.startswith("session-only"):
            return Only(adapter, SESSION_METHODS)
        if VARIANT.startswith("user-only"):
            return Only(adapter, USER_METHODS)
        return globals()[VARIANT](adapter, store.handle)


    @pytest.fixture
    def lucia_conformance_options():
        named = {{"session-only": {{"session"}}, "user-only": {{"user"}}}}
        halves = named.get(VARIANT, {{"user", "session"}})
        if VARIANT.endswith("-unsaid"):
            halves = {{"user", "session"}}
        return ConformanceOptions(foreign_keys=VARIANT != "user-only", halves=frozenset(halves))
    """
)


# Leaves out the parametrized id tests (about 90 of the suite's tests), to keep these runs short.
LEAN = ("-k", "not unusual and not matches_the_id and not treats_ids")


def run_suite(pytester: pytest.Pytester, variant: str, *args: str) -> pytest.RunResult:
    """Run the suite the documented way, from a folder holding the conftest."""
    pytester.makeconftest(CONFTEST.format(path=str(SQLITE_CONFTEST), variant=variant))
    return pytester.runpytest_inprocess(
        "--pyargs",
        "lucia_conformance",
        "--rootdir=.",
        "-p",
        "no:cacheprovider",
        "-o",
        "asyncio_default_fixture_loop_scope=function",
        "-rs",
        *args,
    )


def outcome_names(result: pytest.RunResult) -> dict[str, set[str]]:
    """Test function names (parameters dropped) by outcome."""
    reprec = result.reprec  # type: ignore[attr-defined]
    passed, skipped, failed = reprec.listoutcomes()
    return {
        outcome: {report.nodeid.split("::")[-1].split("[")[0] for report in reports}
        for outcome, reports in (("passed", passed), ("skipped", skipped), ("failed", failed))
    }


@pytest.fixture
def suite_modules() -> Iterator[list[ModuleType]]:
    """The suite's test modules, imported here and dropped afterwards so that later in-process
    runs import them afresh (through pytest's assertion rewriting)."""
    before = set(sys.modules)
    try:
        yield [
            importlib.import_module(f"lucia_conformance.{info.name}")
            for info in pkgutil.iter_modules(lucia_conformance.__path__)
            if info.name.startswith("test_")
        ]
    finally:
        for name in set(sys.modules) - before:
            del sys.modules[name]


def normalized(text: str) -> str:
    return " ".join(text.replace("``", "").split())


def test_every_suite_test_quotes_a_sentence_that_occurs_in_its_protocol_docstring(
    suite_modules: list[ModuleType],
) -> None:
    tests = [
        (module.__name__, name, function)
        for module in suite_modules
        for name, function in inspect.getmembers(module, inspect.isfunction)
        if name.startswith("test_") and function.__module__ == module.__name__
    ]
    assert len(tests) > 40
    for module_name, name, function in tests:
        clause = clause_of(function)
        assert clause is not None, f"{module_name}.{name} names no contract sentence"
        assert name.startswith(f"test_{clause.method.__name__}_"), f"{name} is not named after its method"
        docstring = normalized(inspect.getdoc(clause.method) or "")
        assert normalized(clause.sentence) in docstring, (
            f"{module_name}.{name} quotes {clause.sentence!r}, which is not in the docstring of "
            f"{clause.method_name}"
        )


def test_every_adapter_method_has_a_test(suite_modules: list[ModuleType]) -> None:
    covered = {
        clause.method_name
        for module in suite_modules
        for _, function in inspect.getmembers(module, inspect.isfunction)
        if (clause := clause_of(function)) is not None
    }
    protocol_methods = {
        f"{protocol.__name__}.{name}"
        for protocol in (UserAdapter, SessionAdapter, SessionAndUserReader, UserAndSessionsReader)
        for name, _ in inspect.getmembers(protocol, inspect.isfunction)
        if not name.startswith("_")
    }
    assert protocol_methods - covered == set()


def test_a_clause_names_the_method_and_quotes_the_sentence() -> None:
    clause = Clause(UserAdapter.get_key, "Return the key row with this id, or None if there is none.")
    assert str(clause) == (
        'UserAdapter.get_key broke: "Return the key row with this id, or None if there is none."'
    )


def test_the_suite_passes_against_the_sqlite_adapter(pytester: pytest.Pytester) -> None:
    result = run_suite(pytester, "sqlite")
    outcomes = result.parseoutcomes()
    assert result.ret == 0, result.stdout.str()
    assert outcomes.get("failed", 0) == outcomes.get("errors", 0) == outcomes.get("skipped", 0) == 0
    assert outcomes["passed"] >= 140


@pytest.mark.parametrize(
    ("variant", "method", "sentence", "failing"),
    [
        (
            "UpdatesEverySession",
            "update_session",
            'SessionAdapter.update_session broke: "Set only the named columns of the session;'
            ' other sessions are untouched."',
            {
                "test_update_session_sets_only_the_named_columns_of_the_session",
                "test_update_session_renews_64_bit_expirations_and_leaves_attributes_alone",
                "test_update_session_for_a_missing_session_is_a_no_op",
            },
        ),
        (
            "MissesKeysWithColons",
            "get_key",
            'UserAdapter.get_key broke: "Return the key row with this id, or None if there is none."',
            {
                "test_get_key_returns_the_key_row_with_this_id",
                "test_get_key_finds_unusual_ids",
                "test_get_key_matches_the_id_exactly",
            },
        ),
        (
            "StoresUserAndKeySeparately",
            "set_user",
            'UserAdapter.set_user broke: "If the key id already exists this raises'
            ' LuciaError("AUTH_DUPLICATE_KEY_ID") and no user is left behind."',
            {
                "test_set_user_with_an_existing_key_id_raises_duplicate_key_id_and_leaves_no_user",
                "test_set_user_called_concurrently_with_one_key_id_leaves_exactly_one_user",
            },
        ),
        (
            "ReplacesUnconditionally",
            "replace_key_password",
            "UserAdapter.replace_key_password broke: \"Set the key's hashed_password only if it still"
            " equals expected_hashed_password, atomically; return True when replaced, False when the"
            ' key is missing or its hash changed."',
            {
                "test_replace_key_password_returns_false_and_keeps_a_hash_that_changed",
                "test_replace_key_password_compares_and_sets_a_missing_hash_too",
                "test_replace_key_password_called_concurrently_with_one_expected_hash_replaces_it_once",
            },
        ),
        (
            "ReturnsFloatExpirations",
            "get_session",
            'SessionAdapter.get_session broke: "active_expires and idle_expires come back as int'
            ' milliseconds, exactly as stored (64-bit)."',
            {
                "test_get_session_returns_64_bit_expirations_exactly",
                "test_get_session_and_user_rows_are_the_same_as_get_session_and_get_user",
            },
        ),
    ],
)
def test_the_suite_fails_a_broken_adapter_naming_the_method_and_the_sentence(
    pytester: pytest.Pytester, variant: str, method: str, sentence: str, failing: set[str]
) -> None:
    # The tests of the broken method run, and a few others that must still pass.
    result = run_suite(pytester, variant, "-k", f"{method} or returns_none")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([f"E   *ContractBroken: {sentence}", "E   *assert *"])
    outcomes = outcome_names(result)
    assert outcomes["failed"] == failing
    assert "test_get_user_returns_none_if_there_is_none" in outcomes["passed"]


def test_a_session_only_adapter_runs_the_session_half_and_deselects_the_user_half(
    pytester: pytest.Pytester,
) -> None:
    result = run_suite(pytester, "session-only", *LEAN)
    assert result.ret == 0, result.stdout.str()
    outcomes = outcome_names(result)
    assert outcomes["passed"]
    assert all("session" in name for name in outcomes["passed"])
    assert not any(
        name.startswith(("test_get_user", "test_set_key")) for names in outcomes.values() for name in names
    )
    assert "test_get_session_and_user_returns_the_session_row_and_its_user_row" not in outcomes["skipped"]
    # Only the foreign-key checks skip (the adapter cannot tell): no skip per user test.
    assert len(outcomes["skipped"]) <= 2, outcomes["skipped"]
    result.stdout.fnmatch_lines(["*deselected*"])
    result.stdout.no_fnmatch_line("*user half skipped*")


def test_a_session_only_adapter_whose_options_do_not_say_so_skips_the_user_half(
    pytester: pytest.Pytester,
) -> None:
    result = run_suite(pytester, "session-only-unsaid", *LEAN)
    assert result.ret == 0, result.stdout.str()
    outcomes = outcome_names(result)
    assert "test_get_user_returns_none_if_there_is_none" in outcomes["skipped"]
    result.stdout.fnmatch_lines(["*user half skipped: the adapter under test has no get_user*"])


def test_the_suite_run_prints_no_pytest_asyncio_warning(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST.format(path=str(SQLITE_CONFTEST), variant="sqlite"))
    # As a user runs it: no -o for the loop scope, no configuration file.
    result = pytester.runpytest_subprocess(
        "--pyargs", "lucia_conformance", "--rootdir=.", "-p", "no:cacheprovider", "-k", "get_key_returns"
    )
    assert result.ret == 0, result.stdout.str()
    output = result.stdout.str() + result.stderr.str()
    assert "PytestDeprecationWarning" not in output
    assert "is unset" not in output
    assert "warnings summary" not in output


def test_a_user_only_adapter_runs_the_user_half_and_deselects_the_session_half(
    pytester: pytest.Pytester,
) -> None:
    result = run_suite(pytester, "user-only", *LEAN)
    assert result.ret == 0, result.stdout.str()
    outcomes = outcome_names(result)
    assert outcomes["passed"]
    assert not any("session" in name for names in outcomes.values() for name in names)
    # ConformanceOptions(foreign_keys=False) skips the missing-user check.
    assert outcomes["skipped"] == {"test_set_key_for_a_missing_user_raises_invalid_user_id"}
    result.stdout.fnmatch_lines(["*foreign_keys is False*"])
    result.stdout.fnmatch_lines(["*deselected*"])


def test_without_fixtures_the_suite_says_how_to_provide_them(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_inprocess(
        *("--pyargs", "lucia_conformance", "--rootdir=.", "-p", "no:cacheprovider"),
        *("-o", "asyncio_default_fixture_loop_scope=function", "-k", "get_key"),
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*define the 'lucia_adapter' fixture in a conftest.py*"])


def test_the_plugin_leaves_unrelated_runs_alone(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_unrelated():\n    assert True\n")
    result = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", "-o", "asyncio_default_fixture_loop_scope=function"
    )
    result.assert_outcomes(passed=1)
