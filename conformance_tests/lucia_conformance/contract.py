"""Tie each conformance test to the adapter-protocol sentence it checks.

A test decorated with ``@contract(SessionAdapter.update_session, "Set only the named ...")``
fails, whatever goes wrong inside it, with a message that starts with the method and the
sentence it broke, followed by the assertion detail::

    SessionAdapter.update_session broke: "Set only the named columns of the session; ..."
    assert {...} == {...}

The sentences are quoted from the docstrings of :mod:`lucia_core.adapter`; the project's own
tests check that every quoted sentence still occurs there.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, ParamSpec

import pytest

P = ParamSpec("P")


@dataclass(frozen=True)
class Clause:
    """One sentence of a protocol method's docstring."""

    method: Callable[..., Any]
    sentence: str

    @property
    def method_name(self) -> str:
        """The method as ``Protocol.method``, e.g. ``UserAdapter.set_key``."""
        return self.method.__qualname__

    def __str__(self) -> str:
        return f'{self.method_name} broke: "{self.sentence}"'


class ContractBroken(AssertionError):
    """An adapter broke a sentence of its protocol; the message names the method and sentence."""

    def __init__(self, clause: Clause, cause: BaseException) -> None:
        if isinstance(cause, (AssertionError, pytest.fail.Exception)):
            detail = str(cause)
        else:
            kind = type(cause)
            detail = f"raised {kind.__module__}.{kind.__qualname__}: {cause}"
        super().__init__(f"{clause}\n{detail}")
        self.clause = clause
        self.cause = cause


def clause_of(test: object) -> Clause | None:
    """The clause a test was decorated with, or None."""
    clause = getattr(test, "lucia_contract", None)
    return clause if isinstance(clause, Clause) else None


def contract(
    method: Callable[..., Any], sentence: str
) -> Callable[[Callable[P, Awaitable[None]]], Callable[P, Coroutine[Any, Any, None]]]:
    """Decorate an async test that checks ``sentence`` of ``method``'s docstring.

    Any exception from the test (a failed assert, or an error the adapter raised) is re-raised
    as :class:`ContractBroken`, keeping the original traceback. Skips pass through.
    """
    clause = Clause(method, sentence)

    def decorate(test: Callable[P, Awaitable[None]]) -> Callable[P, Coroutine[Any, Any, None]]:
        @functools.wraps(test)
        async def run(*args: P.args, **kwargs: P.kwargs) -> None:
            __tracebackhide__ = True
            try:
                await test(*args, **kwargs)
            except (Exception, pytest.fail.Exception) as error:  # a skip passes through
                raise ContractBroken(clause, error).with_traceback(error.__traceback__) from None

        run.lucia_contract = clause  # type: ignore[attr-defined]
        return run

    return decorate
