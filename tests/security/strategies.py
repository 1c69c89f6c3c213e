"""Hypothesis settings and strategies shared by the security property tests.

Every property sets its own ``max_examples`` from these bases, so a run is bounded and the
counts can be reported (``pytest tests/security --hypothesis-show-statistics``). Deadlines are
far above any normal example's time (microseconds for the pure ones) on purpose: they stop an
example that hangs, and must never fire on a loaded CI machine; they are not timing assertions.
"""

from __future__ import annotations

import string
from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

#: Pure functions (parsing, serializing): many examples, each takes microseconds.
PURE = settings(
    max_examples=1000,
    deadline=timedelta(seconds=20),
    database=None,
    # The only time-based health check: a loaded machine must not fail a correct property.
    suppress_health_check=[HealthCheck.too_slow],
)
#: Properties that hash passwords (Argon2id at OWASP's minimum cost, a few per example).
HASHING = settings(
    max_examples=40,
    deadline=timedelta(seconds=60),
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
#: Properties that talk to a database server: few examples, each a handful of round trips. The
#: store fixture is shared by the examples of one test; each example uses fresh random ids.
STORAGE = settings(
    max_examples=30,
    deadline=timedelta(seconds=60),
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

#: Any code point, lone surrogates included (``st.text()`` leaves them out by default).
ANY_CHARACTER = st.characters(codec=None, exclude_categories=())
#: Text as it may arrive from a client: any code point, surrogates included.
ANY_TEXT = st.text(ANY_CHARACTER)

#: RFC 7230 ``tchar``: the characters of a token (a cookie name, an auth scheme).
TCHARS = frozenset("!#$%&'*+-.^_`|~" + string.digits + string.ascii_letters)
#: RFC 6750 ``b64token`` characters (before the trailing ``=`` padding).
TOKEN68_CHARS = frozenset(string.ascii_letters + string.digits + "-._~+/")

#: Characters that look like ASCII letters or fold to them under Unicode case rules, plus
#: separators and invisible characters: the usual material of parser confusion.
CONFUSABLES = (
    "\u212a",  # KELVIN SIGN: folds to "k"
    "\u017f",  # LATIN SMALL LETTER LONG S: folds to "s"
    "\u0131",  # LATIN SMALL LETTER DOTLESS I
    "\u0130",  # LATIN CAPITAL LETTER I WITH DOT ABOVE
    "\u00df",  # sharp s: IDNA 2003 maps it to "ss", UTS 46 keeps it
    "\u03c2",  # final sigma: IDNA 2003 maps it to sigma, UTS 46 keeps it
    "\u03c3",
    "\u0430",  # Cyrillic a
    "\u03bf",  # Greek omicron
    "\uff45",  # fullwidth e
    "\uff41",  # fullwidth a
    "\u00fc",
    "\u200b",  # zero width space
    "\u200c",  # zero width non-joiner
    "\u200d",  # zero width joiner
    "\u00a0",  # no-break space
    "\u3000",  # ideographic space
    "\u3002",  # ideographic full stop: a label separator for IDNA
    "\uff0e",  # fullwidth full stop
    "\u2028",  # line separator
    "\u0085",  # next line (C1)
    "\ufb01",  # fi ligature
    "\ud800",  # lone surrogates: not valid Unicode text, yet a str can hold them
    "\udfff",
    "\x00",
    "\t",
    "\r",
    "\n",
)


def mixed_text(ascii_alphabet: str, *, max_size: int = 40) -> st.SearchStrategy[str]:
    """Text mostly from ``ascii_alphabet``, salted with :data:`CONFUSABLES` and any code point."""
    alphabet = st.one_of(
        st.sampled_from(ascii_alphabet),
        st.sampled_from(CONFUSABLES),
        ANY_CHARACTER,
    )
    return st.text(alphabet, max_size=max_size)
