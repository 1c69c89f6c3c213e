"""``Authorization`` header parsing under hostile input: :meth:`Auth.read_bearer_token` (properties;
the examples are in ``tests/test_cookies.py``).

Only ``Bearer <token68>`` (RFC 6750: the scheme in any ASCII case, spaces or tabs around) yields
a token; any other text gives None, and nothing raises.
"""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from lucia_core import Auth

from .strategies import ANY_TEXT, PURE, TOKEN68_CHARS, mixed_text

WHITESPACE = " \t"
#: The longest header the parser reads; longer ones are refused outright.
MAX_HEADER = 4096

token68 = st.builds(
    lambda body, padding: body + "=" * padding,
    st.text(st.sampled_from(sorted(TOKEN68_CHARS)), min_size=1, max_size=64),
    st.integers(0, 2),
)
schemes = st.text(st.sampled_from("bB"), min_size=1, max_size=1).flatmap(
    lambda first: st.tuples(*(st.sampled_from([c.lower(), c.upper()]) for c in "earer")).map(
        lambda rest: first + "".join(rest)
    )
)
spaces = st.text(st.sampled_from(WHITESPACE), max_size=3)


def is_token68(text: str) -> bool:
    """RFC 6750 b64token: token68 characters, then optional ``=`` padding."""
    body = text.rstrip("=")
    return bool(body) and all(c in TOKEN68_CHARS for c in body)


def expected_token(header: str) -> str | None:
    """The oracle: the token of a well-formed bearer header, by hand, without regular expressions."""
    if len(header) > MAX_HEADER:
        return None
    text = header.strip(WHITESPACE)
    scheme, rest = text[:6], text[6:]
    if not (scheme.isascii() and scheme.lower() == "bearer") or not rest or rest[0] not in WHITESPACE:
        return None
    token = rest.lstrip(WHITESPACE)
    return token if is_token68(token) else None


@PURE
@given(header=st.one_of(ANY_TEXT, mixed_text("Bearer bearer\t=+/-._~abc123;,:\"'", max_size=60)))
@example(header="Bearer \u212a")  # KELVIN SIGN: folds to "k" under Unicode case rules
@example(header="Bearer \u017f")  # LONG S: folds to "s"
@example(header="Bearer \u0131")  # DOTLESS I
@example(header="Bearer\u00a0abc")
@example(header="Bearer abc\r\n")
@example(header="Bearer abc\x00")
@example(header="Basic YWxhZGRpbjpvcGVuc2VzYW1l")
@example(header="Bearer abc, Bearer def")
@example(header="Bearer =abc")
@example(header="Bearer a=b")
def test_any_text_yields_a_token_only_when_it_is_bearer_token68(offline_auth: Auth, header: str) -> None:
    """For any text, read_bearer_token returns exactly what the hand-written oracle extracts: a
    token68 after an ASCII-case-insensitive ``Bearer`` and whitespace, or None."""
    assert offline_auth.read_bearer_token(header) == expected_token(header)


@PURE
@given(scheme=schemes, before=spaces, between=spaces.map(lambda s: s or " "), after=spaces, token=token68)
def test_every_well_formed_bearer_header_yields_its_token(
    offline_auth: Auth, scheme: str, before: str, between: str, after: str, token: str
) -> None:
    """The parser is not vacuous: every well-formed header gives back its token exactly."""
    assert offline_auth.read_bearer_token(f"{before}{scheme}{between}{token}{after}") == token


@PURE
@given(value=st.one_of(st.none(), st.integers(), st.binary(), st.lists(st.text(), max_size=2)))
def test_non_text_headers_give_none(offline_auth: Auth, value: object) -> None:
    """A header that is not a str (a framework quirk, a list of values) is no token."""
    assert offline_auth.read_bearer_token(value) is None  # type: ignore[arg-type]


def test_overlong_header_gives_none(offline_auth: Auth) -> None:
    """A header longer than the parser reads is refused, however well formed."""
    token = "a" * (MAX_HEADER - len("Bearer "))
    assert offline_auth.read_bearer_token(f"Bearer {token}") == token
    assert offline_auth.read_bearer_token(f"Bearer {token}a") is None
