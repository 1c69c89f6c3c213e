"""The token half of the conformance suite: every TokenAdapter method is tested, the half is
skipped cleanly for adapters without tokens, and it fails broken token adapters naming the
method and the sentence they broke."""

from __future__ import annotations

import inspect
from pathlib import Path
from textwrap import dedent

import pytest

import lucia_conformance.test_token_adapter as token_half
from lucia_conformance.contract import clause_of
from lucia_core.adapter import TokenAdapter
from tests.test_conformance_meta import outcome_names

pytest_plugins = ["pytester"]

SQLITE_CONFTEST = Path(__file__).parent / "conformance" / "sqlite" / "conftest.py"

CONFTEST = dedent(
    """
    import asyncio
    import importlib.util

    import pytest_asyncio

    _spec = importlib.util.spec_from_file_location("lucia_sqlite_conftest", {path!r})
    _sqlite = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_sqlite)
    store = _sqlite.store
    lucia_database = _sqlite.lucia_database

    VARIANT = {variant!r}
    TOKEN_METHODS = (
        "get_token", "get_tokens_by_user_id", "set_token", "consume_token", "delete_tokens_by_user_id",
    )


    class Broken:
        def __init__(self, adapter):
            self.adapter = adapter

        def __getattr__(self, name):
            return getattr(self.adapter, name)


    class ConsumesInTwoSteps(Broken):
        # Read, then delete: what a find_one_and_delete that is not atomic (FerretDB's) amounts to.
        async def consume_token(self, token_id):
            row = await self.adapter.get_token(token_id)
            await asyncio.sleep(0)
            if row is not None:
                await self.adapter.delete_tokens_by_user_id(row["user_id"], row["purpose"])
            return row


    class IgnoresThePurpose(Broken):
        async def delete_tokens_by_user_id(self, user_id, purpose=None):
            await self.adapter.delete_tokens_by_user_id(user_id)


    class ReturnsFloatExpires(Broken):
        async def get_token(self, token_id):
            row = await self.adapter.get_token(token_id)
            if row is not None:
                row["expires"] = float(row["expires"])
            return row


    class WithoutTokens:
        def __init__(self, adapter):
            for name in dir(adapter):
                if not name.startswith("_") and name not in TOKEN_METHODS:
                    setattr(self, name, getattr(adapter, name))


    @pytest_asyncio.fixture
    async def lucia_adapter(store):
        adapter = store.adapter
        if VARIANT == "sqlite":
            return adapter
        return globals()[VARIANT](adapter)
    """
)


def run_token_half(pytester: pytest.Pytester, variant: str, *args: str) -> pytest.RunResult:
    """Run the suite's token half the documented way, from a folder holding the conftest."""
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
        "-k",
        "token",
        *args,
    )


def test_every_token_adapter_method_has_a_test() -> None:
    covered = {
        clause.method_name
        for _, function in inspect.getmembers(token_half, inspect.isfunction)
        if (clause := clause_of(function)) is not None
    }
    methods = {
        f"TokenAdapter.{name}"
        for name, _ in inspect.getmembers(TokenAdapter, inspect.isfunction)
        if not name.startswith("_")
    }
    assert len(methods) == 5
    assert methods - covered == set()


def test_every_sentence_of_the_token_adapter_docstrings_is_quoted() -> None:
    quoted = {
        " ".join(clause.sentence.split())
        for _, function in inspect.getmembers(token_half, inspect.isfunction)
        if (clause := clause_of(function)) is not None
    }
    unquoted = {
        "Any other database error propagates.",
        "A backend that expires rows by itself (Redis) may drop a token once its expires has passed.",
    }
    for name, method in inspect.getmembers(TokenAdapter, inspect.isfunction):
        if name.startswith("_"):
            continue
        text = " ".join((inspect.getdoc(method) or "").replace("``", "").split())
        for sentence in quoted | unquoted:
            text = text.replace(sentence, "")
        leftover = text.strip(" ;.")
        assert leftover == "", f"TokenAdapter.{name}: no test quotes {leftover!r}"


def test_the_token_half_passes_against_the_sqlite_adapter(pytester: pytest.Pytester) -> None:
    result = run_token_half(pytester, "sqlite")
    outcomes = result.parseoutcomes()
    assert result.ret == 0, result.stdout.str()
    assert outcomes.get("failed", 0) == outcomes.get("skipped", 0) == 0
    assert outcomes["passed"] >= 80


def test_an_adapter_without_tokens_skips_the_token_half_saying_why(pytester: pytest.Pytester) -> None:
    result = run_token_half(pytester, "WithoutTokens", "-k", "not unusual and not exactly and not verbatim")
    assert result.ret == 0, result.stdout.str()
    outcomes = outcome_names(result)
    assert "test_consume_token_returns_the_row_and_deletes_it" in outcomes["skipped"]
    assert not any("token" in name for name in outcomes["passed"] | outcomes["failed"])
    result.stdout.fnmatch_lines(
        ["*token half skipped: the adapter under test does not implement TokenAdapter*"]
    )


@pytest.mark.parametrize(
    ("variant", "sentence", "failing"),
    [
        (
            "ConsumesInTwoSteps",
            'TokenAdapter.consume_token broke: "Of concurrent calls with one id exactly one gets the row;'
            ' the others get None."',
            {"test_consume_token_called_concurrently_gives_the_row_to_exactly_one_caller"},
        ),
        (
            "IgnoresThePurpose",
            'TokenAdapter.delete_tokens_by_user_id broke: "Delete every token of the user, or with a'
            " purpose only the user's tokens of that purpose.\"",
            {
                "test_delete_tokens_by_user_id_with_a_purpose_deletes_only_that_purpose",
                "test_delete_tokens_by_user_id_treats_ids_and_purposes_verbatim",
            },
        ),
        (
            "ReturnsFloatExpires",
            'TokenAdapter.get_token broke: "expires comes back as an int of milliseconds, exactly as'
            ' stored (64-bit)."',
            {"test_get_token_returns_64_bit_expirations_exactly"},
        ),
    ],
)
def test_the_token_half_fails_a_broken_adapter_naming_the_method_and_the_sentence(
    pytester: pytest.Pytester, variant: str, sentence: str, failing: set[str]
) -> None:
    result = run_token_half(pytester, variant)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([f"E   *ContractBroken: {sentence}"])
    outcomes = outcome_names(result)
    assert failing <= outcomes["failed"]
    assert "test_get_token_returns_none_if_there_is_none" in outcomes["passed"]
