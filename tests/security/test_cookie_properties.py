"""Cookie parsing and serialization under hostile input (properties; the examples are in
``tests/test_cookies.py``).

A ``Set-Cookie`` value built by :func:`serialize_cookie` must be one header line of printable
US-ASCII whatever the name, value and attributes, so that nothing a client or a configuration
supplies can end the header, start another one or add an attribute; the value must come back
exactly through :func:`parse_cookie`, which must never raise.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from lucia_core import Auth
from lucia_core.utils import parse_cookie, serialize_cookie

from .strategies import ANY_TEXT, PURE, TCHARS, mixed_text

#: RFC 6265 cookie-octet: what a cookie value may hold unquoted.
COOKIE_OCTETS = frozenset(chr(c) for c in range(0x21, 0x7F)) - set('",;\\')
#: Printable US-ASCII: the only characters a Set-Cookie header line may hold (RFC 6265 4.1.1).
PRINTABLE_ASCII = frozenset(chr(c) for c in range(0x20, 0x7F))

names = st.text(st.sampled_from(sorted(TCHARS)), min_size=1, max_size=20)
#: Values: any text a str can hold, biased towards separators, quotes, escapes and controls.
values = st.one_of(ANY_TEXT, mixed_text(' ;,="\\%\r\n\t=%25%3B', max_size=60))
attributes = st.fixed_dictionaries(
    {},
    optional={
        "path": st.just("/"),
        "domain": st.just("example.com"),
        "http_only": st.booleans(),
        "secure": st.booleans(),
        "same_site": st.sampled_from(["lax", "strict", "none"]),
        "max_age": st.integers(-(2**31), 2**31),
    },
)


def is_token(text: str) -> bool:
    """RFC 7230 token: one or more tchar."""
    return bool(text) and all(c in TCHARS for c in text)


def has_surrogate(text: str) -> bool:
    return any(0xD800 <= ord(c) <= 0xDFFF for c in text)


@PURE
@given(name=names, value=values, attrs=attributes)
@example(name="auth_session", value="a; b\r\nSet-Cookie: admin=1", attrs={"path": "/"})
@example(name="n", value='"quoted"', attrs={})
@example(name="n", value="%3B%0D%0A", attrs={})
@example(name="n", value=" padded ", attrs={})
def test_any_value_round_trips_through_serialize_and_parse(
    name: str, value: str, attrs: dict[str, Any]
) -> None:
    """parse(serialize(name, value)) == value for every value that is Unicode text; a value with a
    lone surrogate (not text) is refused with a ValueError, never written half-encoded."""
    if has_surrogate(value):
        with pytest.raises(UnicodeEncodeError):  # a ValueError
            serialize_cookie(name, value, attrs)
        return
    header = serialize_cookie(name, value, attrs)
    assert parse_cookie(header)[name] == value
    # The same pair inside a Cookie request header among others.
    pair = header.split("; ", 1)[0]
    assert parse_cookie(f"{pair}; other=1")[name] == value


@PURE
@given(name=names, value=values, attrs=attributes)
def test_serialized_header_is_one_line_of_printable_ascii_and_the_value_cannot_add_attributes(
    name: str, value: str, attrs: dict[str, Any]
) -> None:
    """No CR, LF or other control; the value part holds only cookie-octets, so a ``;`` (an
    attribute separator), a space, a quote or a comma in the value is always encoded."""
    if has_surrogate(value):
        return  # refused: see the round-trip property
    header = serialize_cookie(name, value, attrs)
    assert set(header) <= PRINTABLE_ASCII
    assert "\r" not in header
    assert "\n" not in header
    assert header.startswith(f"{name}=")
    encoded = header[len(name) + 1 :].split("; ", 1)[0]
    assert set(encoded) <= COOKIE_OCTETS
    # The attributes after the value are exactly the ones asked for: the value added none.
    assert header.count("; ") == len([key for key, on in attrs.items() if on is not False])


@PURE
@given(name=mixed_text("abc=; ,\"()<>@:\\/[]?{}!#$%&'*+-.^_`|~", max_size=12))
@example(name="")
@example(name="auth_session\r\nSet-Cookie: x")
@example(name="a=b")
@example(name="a;b")
@example(name="\u212a")
def test_invalid_cookie_names_are_refused_with_value_error(name: str) -> None:
    """A name is written only when it is an RFC 7230 token; anything else is a ValueError."""
    if is_token(name):
        assert serialize_cookie(name, "v").startswith(f"{name}=v")
    else:
        with pytest.raises(ValueError, match="cookie name"):
            serialize_cookie(name, "v")


@PURE
@given(
    attribute=st.sampled_from(["path", "domain"]),
    value=mixed_text("/abc.-=; \"'", max_size=20),
)
@example(attribute="path", value="/; Domain=evil.com")
@example(attribute="domain", value="example.com\r\nSet-Cookie: x=1")
@example(attribute="path", value="/\x85")
@example(attribute="path", value="/\u2028")
@example(attribute="domain", value="ex\u00e4mple.com")
def test_attribute_values_are_written_verbatim_as_printable_ascii_or_refused(
    attribute: str, value: str
) -> None:
    """Path and Domain: a ``;``, CR, LF or any other character outside printable US-ASCII (RFC
    6265's CHAR minus CTLs) would split or corrupt the header, so it is a ValueError; anything
    else is written exactly as given."""
    acceptable = set(value) <= PRINTABLE_ASCII and ";" not in value
    if acceptable:
        header = serialize_cookie("n", "v", {attribute: value})
        assert header == f"n=v; {attribute.capitalize()}={value}"
    else:
        with pytest.raises(ValueError, match=attribute):
            serialize_cookie("n", "v", {attribute: value})


@PURE
@given(header=st.one_of(ANY_TEXT, mixed_text('auth_session=;, "%\\', max_size=80)))
@example(header="auth_session=%")
@example(header="auth_session=%FF%FE")
@example(header="auth_session=\ud800%41")
@example(header=";;;==;=;")
@example(header='auth_session="')
def test_parse_cookie_never_raises_and_returns_only_token_names(header: str) -> None:
    """Any text gives a dict of str to str whose keys are tokens, with no exception."""
    cookies = parse_cookie(header)
    assert all(is_token(name) and isinstance(value, str) for name, value in cookies.items())


@PURE
@given(header=st.one_of(ANY_TEXT, mixed_text('auth_session=;, "%', max_size=80)))
@example(header="auth_session=")
@example(header='auth_session=""')
def test_read_session_cookie_never_raises_and_never_returns_an_empty_id(
    offline_auth: Auth, header: str
) -> None:
    """The session id from any Cookie header: None or a non-empty str, never an exception."""
    session_id = offline_auth.read_session_cookie(header)
    assert session_id is None or (isinstance(session_id, str) and session_id)
