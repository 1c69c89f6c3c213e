"""CSRF origin checks under hostile input: :func:`is_allowed_origin` and
:meth:`Auth.validate_request_origin` (properties; the examples are in ``tests/test_requests.py``).

The oracle is written independently of ``lucia_core.origin``: a host name is compared the way a
browser compares it, ASCII names lowercased and Unicode names through UTS 46 (non-transitional,
as browsers do it since 2016, via the ``idna`` package). The properties only go one way: whatever
the check accepts must be the host itself (or an allowed subdomain of it) on the expected port; the
check may refuse more than a browser would (an unusual but harmless spelling), never less.
"""

from __future__ import annotations

import contextlib
import string
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import idna
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from lucia_core import Auth, LuciaError, RequestContext, lucia
from lucia_core.origin import is_allowed_origin

from .stores import UnreachableAdapter
from .strategies import ANY_TEXT, CONFUSABLES, PURE, mixed_text

SubDomains = Sequence[str] | Literal["*"]
DEFAULT_PORTS = {"http": 80, "https": 443}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}


def browser_host(host: str) -> str | None:
    """The host name as a browser puts it on the wire, or None when no browser would accept it.

    ASCII names are lowercased; other names go through UTS 46 non-transitional processing (``ß``
    stays ``ß`` and becomes ``xn--zca``, unlike IDNA 2003's ``ss``). A trailing dot names the same
    host. Bracketed IPv6 literals compare as written (lowercased).
    """
    if host.startswith("["):
        return host.lower()
    name = host[:-1] if host.endswith(".") else host
    if not name:
        return None
    if name.isascii():
        return name.lower()
    try:
        return idna.encode(name, uts46=True, transitional=False, std3_rules=False).decode("ascii").lower()
    except (idna.IDNAError, UnicodeError):
        return None


def unicode_form(host: str) -> str:
    """The name as written, with punycode labels decoded: NFC, lowercase, no trailing dot."""
    labels = []
    for label in host.rstrip(".").split("."):
        if label.lower().startswith("xn--"):
            with contextlib.suppress(UnicodeError):
                label = label[4:].encode("ascii").decode("punycode")
        labels.append(label)
    return unicodedata.normalize("NFC", ".".join(labels)).lower()


def same_host(a: str, b: str) -> bool:
    """Both names reach the same host for a browser. When a browser would refuse either name (so
    never sends it in an Origin), they must at least be the same name as written."""
    wire_a, wire_b = browser_host(a), browser_host(b)
    if wire_a is not None and wire_b is not None:
        return wire_a == wire_b
    return unicode_form(a) == unicode_form(b)


@dataclass(frozen=True)
class Origin:
    """An Origin header value and the parts it was built from (the ground truth)."""

    scheme: str
    userinfo: str
    host: str
    port: str
    tail: str

    @property
    def header(self) -> str:
        userinfo = f"{self.userinfo}@" if self.userinfo else ""
        port = f":{self.port}" if self.port else ""
        return f"{self.scheme}://{userinfo}{self.host}{port}{self.tail}"


@dataclass(frozen=True)
class Host:
    """A Host header (or configured host) value and its parts."""

    name: str
    port: str

    @property
    def header(self) -> str:
        return f"{self.name}:{self.port}" if self.port else self.name


def port_matches(origin: Origin, host: Host) -> bool:
    """The origin's port is the host's, or the scheme's default when the host names none."""
    if not origin.port.isascii() or not (origin.port or "0").isdigit():
        return False
    if host.port and not (host.port.isascii() and host.port.isdigit()):
        return False
    origin_port = int(origin.port) if origin.port else DEFAULT_PORTS.get(origin.scheme.lower(), -1)
    expected = int(host.port) if host.port else DEFAULT_PORTS.get(origin.scheme.lower(), -2)
    return origin_port == expected


def may_be_allowed(origin: Origin, host: Host, sub_domains: SubDomains) -> bool:
    """What the oracle permits: an http(s) origin without user info or path, on the host's port,
    whose host is the site's host or, as configured, one of its subdomains."""
    if origin.scheme.lower() not in DEFAULT_PORTS or origin.userinfo or origin.tail.strip("?#"):
        return False
    if not port_matches(origin, host):
        return False
    if same_host(origin.host, host.name):
        return True
    if sub_domains == "*":
        if host.name.startswith("["):
            return False
        wire_origin, wire_host = browser_host(origin.host), browser_host(host.name)
        if wire_origin is not None and wire_host is not None:
            return wire_origin.endswith("." + wire_host)
        return unicode_form(origin.host).endswith("." + unicode_form(host.name))
    return any(same_host(origin.host, f"{label}.{host.name}") for label in sub_domains)


# ---------------------------------------------------------------------------------------- strategies

LABEL_CHARACTERS = string.ascii_letters + string.digits + "-"
labels = st.one_of(
    st.sampled_from(["example", "evil", "com", "api", "www", "xn--bcher-kva", "fass", "faß", "bücher"]),
    mixed_text(LABEL_CHARACTERS, max_size=8).filter(bool),
)
host_names = st.one_of(
    st.lists(labels, min_size=1, max_size=3).map(".".join),
    st.sampled_from(["[::1]", "[0:0:0:0:0:0:0:1]", "[::ffff:127.0.0.1]", "127.0.0.1", "localhost"]),
)
ports = st.one_of(
    st.just(""),
    st.sampled_from(["80", "443", "8443", "0443", "0", "65536", "+443", "\u0664\u0664\u0663", " 443"]),
    st.integers(1, 65535).map(str),
)


@st.composite
def host_and_origin(draw: st.DrawFn) -> tuple[Host, Origin]:
    """A host, and an origin that is either unrelated or a (possibly hostile) variation of it."""
    host = Host(draw(host_names), draw(st.one_of(st.just(""), ports)))
    mutation = draw(
        st.sampled_from(
            ["same", "upper", "trailing-dot", "prefix", "suffix", "confusable", "unrelated", "punycode"]
        )
    )
    name = host.name
    if mutation == "upper":
        name = name.upper()
    elif mutation == "trailing-dot":
        name += "."
    elif mutation == "prefix":
        name = f"{draw(labels)}.{name}"
    elif mutation == "suffix":
        name = f"{name}.{draw(labels)}"
    elif mutation == "confusable" and name:
        index = draw(st.integers(0, len(name) - 1))
        name = name[:index] + draw(st.sampled_from(CONFUSABLES)) + name[index + 1 :]
    elif mutation == "unrelated":
        name = draw(host_names)
    elif mutation == "punycode":
        with contextlib.suppress(UnicodeError):
            name = name.encode("idna").decode("ascii")
    origin = Origin(
        scheme=draw(st.sampled_from(["https", "http", "HTTPS", "ftp", "javascript", "ws"])),
        userinfo=draw(st.sampled_from(["", "", "", "user", host.name, f"{host.name}:443"])),
        host=name,
        port=draw(st.one_of(st.just(host.port), ports)),
        tail=draw(st.sampled_from(["", "", "", "/", "/path", "?", "#", "?#", "#x", "?q", "/.", "\\"])),
    )
    return host, origin


sub_domain_options = st.one_of(
    st.just(()),
    st.just("*"),
    st.lists(st.one_of(labels, st.sampled_from(["evil.com", "", "*", "a:1", "ß", "www"])), max_size=3),
)


def refusal(auth: Auth, context: RequestContext) -> str | None:
    """The LuciaError code validate_request_origin raises for ``context``, or None if it passes."""
    try:
        auth.validate_request_origin(context)
    except LuciaError as error:
        return error.code
    return None


# ---------------------------------------------------------------------------------------- properties


@PURE
@given(pair=host_and_origin(), sub_domains=sub_domain_options)
@example(pair=(Host("example.com", ""), Origin("https", "", "evil.com.example.com", "", "")), sub_domains=())
@example(pair=(Host("example.com", ""), Origin("https", "", "example.com.evil.com", "", "")), sub_domains="*")
@example(pair=(Host("example.com", ""), Origin("https", "example.com", "evil.com", "", "")), sub_domains=())
@example(pair=(Host("example.com", ""), Origin("https", "", "example.com", "8443", "")), sub_domains=())
@example(pair=(Host("example.com", "8443"), Origin("https", "", "example.com", "", "")), sub_domains=())
@example(pair=(Host("[::1]", "8000"), Origin("http", "", "[::1].evil.com", "8000", "")), sub_domains="*")
@example(pair=(Host("example.com", ""), Origin("https", "", "ex\u0430mple.com", "", "")), sub_domains=())
# IDNA 2003 (Python's "idna" codec) maps these to other names than browsers do.
@example(pair=(Host("fa\u00df.de", ""), Origin("https", "", "fass.de", "", "")), sub_domains=())
@example(pair=(Host("\u03c2.com", ""), Origin("https", "", "xn--4xa.com", "", "")), sub_domains=())
@example(pair=(Host("exa\u200dmple.com", ""), Origin("https", "", "example.com", "", "")), sub_domains=())
@example(
    pair=(Host("example.com", ""), Origin("https", "", "ss.example.com", "", "")), sub_domains=["\u00df"]
)
def test_an_accepted_origin_is_the_host_or_an_allowed_subdomain_on_the_same_port(
    pair: tuple[Host, Origin], sub_domains: SubDomains
) -> None:
    """For any host H and origin O: allowed => O's host is H's host as a browser resolves it (or
    ``<allowed label>.H``, or any subdomain with ``"*"``), on H's port (or the scheme's default)."""
    host, origin = pair
    if is_allowed_origin(origin.header, host.header, sub_domains):
        assert may_be_allowed(origin, host, sub_domains), (origin.header, host.header, sub_domains)


@PURE
@given(
    origin=st.one_of(ANY_TEXT, mixed_text("htps:/example.com@[]:?#%\\ 0123456789", max_size=40)),
    port=st.sampled_from(["", "443", "8080"]),
)
@example(origin="null", port="")
@example(origin="https://example.com\r\n", port="")
@example(origin=" https://example.com\t", port="")
@example(origin="https://example.com%2eevil.com", port="")
@example(origin="https://\uff45xample.com", port="")
@example(origin="https://exa\u200bmple.com", port="")
@example(origin="https://example.com\u3002evil.com", port="")
@example(origin="https://example.com:443@evil.com", port="")
@example(origin="https://example.com\\@evil.com", port="")
def test_any_text_origin_is_accepted_only_when_it_spells_the_host(origin: str, port: str) -> None:
    """For any text, acceptance for host ``example.com[:port]`` means the text is
    ``http(s)://example.com`` (any ASCII case, trailing dots, the expected port, an empty query or
    fragment): never a Unicode look-alike, user info, a path, or whitespace inside."""
    host = f"example.com:{port}" if port else "example.com"
    if not is_allowed_origin(origin, host):
        return
    text = origin.strip(" \t").lower()
    scheme, _, rest = text.partition("://")
    assert scheme in DEFAULT_PORTS, origin
    rest = rest.removesuffix("#").removesuffix("?")
    name, _, origin_port = rest.partition(":")
    assert name.rstrip(".") == "example.com", origin
    expected = int(port) if port else DEFAULT_PORTS[scheme]
    assert origin_port == "" or (origin_port.isascii() and origin_port.isdigit()), origin
    assert (int(origin_port) if origin_port else DEFAULT_PORTS[scheme]) == expected, origin


@PURE
@given(
    pair=host_and_origin(),
    method=st.one_of(
        st.sampled_from(["GET", "get", "POST", "DELETE", "PUT", "PATCH", "OPTIONS", "TRACE", "HEAD"]),
        mixed_text("GETHADOPSTRCIN", max_size=8),
    ),
    header_case=st.sampled_from(["Origin", "origin", "ORIGIN"]),
)
@example(
    pair=(Host("example.com", ""), Origin("https", "", "evil.com", "", "")),
    method="OPTION\u017f",  # LONG S upper-cases to "S": "OPTIONS" only by Unicode case mapping
    header_case="Origin",
)
@example(
    pair=(Host("example.com", ""), Origin("https", "", "evil.com", "", "")),
    method="GET\x00",
    header_case="Origin",
)
def test_validate_request_origin_lets_through_only_safe_methods_or_the_hosts_origin(
    offline_auth: Auth, pair: tuple[Host, Origin], method: str, header_case: str
) -> None:
    """A request passes the CSRF check only when its method is GET, HEAD, OPTIONS or TRACE (ASCII,
    any case) or its Origin header is the Host's own (by the oracle above)."""
    host, origin = pair
    context = RequestContext(method=method, headers={header_case: origin.header, "Host": host.header})
    code = refusal(offline_auth, context)
    safe = method.isascii() and method.upper() in SAFE_METHODS
    if code is None:
        assert safe or may_be_allowed(origin, host, ()), (method, origin.header, host.header)
    else:
        assert code == "AUTH_INVALID_REQUEST"
        assert not safe


@PURE
@given(pair=host_and_origin(), sub_domains=sub_domain_options)
def test_configured_host_ignores_the_host_header(pair: tuple[Host, Origin], sub_domains: SubDomains) -> None:
    """With ``csrf_protection={"host": H}`` the request's own Host header (attacker-influenced
    behind some proxies) plays no part: the origin is checked against H only."""
    host, origin = pair
    try:
        auth = lucia(
            adapter=UnreachableAdapter(),
            csrf_protection={"host": host.header, "allowed_sub_domains": sub_domains},
        )
    except (TypeError, ValueError):
        return
    # The Host header claims the origin's own host: it must not matter.
    context = RequestContext(
        method="POST", headers={"Origin": origin.header, "Host": f"{origin.host}:{origin.port}"}
    )
    if refusal(auth, context) is None:
        assert may_be_allowed(origin, host, sub_domains), (origin.header, host.header, sub_domains)


@pytest.mark.parametrize(
    ("origin", "host"),
    [
        ("https://example.com", "example.com"),
        ("https://EXAMPLE.COM", "example.com"),
        ("https://example.com.", "example.com"),
        ("https://example.com:443", "example.com"),
        ("http://example.com:8080", "example.com:8080"),
        ("https://xn--bcher-kva.example", "xn--bcher-kva.example"),
        ("https://xn--bcher-kva.example", "bücher.example"),
        ("https://[::1]:8000", "[::1]:8000"),
    ],
)
def test_the_hosts_own_origin_is_accepted(offline_auth: Auth, origin: str, host: str) -> None:
    """The check is not vacuous: the site's own origin, as browsers send it, passes."""
    assert is_allowed_origin(origin, host)
    offline_auth.validate_request_origin(
        RequestContext(method="POST", headers={"Origin": origin, "Host": host})
    )


@pytest.mark.parametrize(
    ("origin", "host", "sub_domains"),
    [
        ("https://evil.com.example.com", "example.com", ()),
        ("https://example.com.evil.com", "example.com", ()),
        ("https://example.com.evil.com", "example.com", "*"),
        ("https://example.com@evil.com", "example.com", ()),
        ("https://evil.com@example.com", "example.com", ()),
        ("https://example.com:443@evil.com", "example.com", ()),
        ("https://example.com:8443", "example.com", ()),
        ("https://example.com", "example.com:8443", ()),
        ("http://example.com:443", "example.com", ()),
        ("https://ex\u0430mple.com", "example.com", ()),  # Cyrillic a
        ("https://xn--exmple-4nf.com", "example.com", ()),  # the same, as punycode
        ("https://\uff45xample.com", "example.com", ()),  # fullwidth e: no browser sends this
        ("https://exa\u200bmple.com", "example.com", ()),  # zero width space
        ("https://fass.de", "fa\u00df.de", ()),  # IDNA 2003 maps ß to ss; browsers keep it
        ("https://xn--4xa.com", "\u03c2.com", ()),  # IDNA 2003 maps final sigma to sigma
        ("https://example.com", "exa\u200dmple.com", ()),  # IDNA 2003 drops the joiner
        ("https://ss.example.com", "example.com", ["\u00df"]),
        ("null", "example.com", ()),
        ("https://example.com\x00", "example.com", ()),
        ("https://example.com\r\n", "example.com", ()),
        ("https://exam ple.com", "example.com", ()),
        ("https://[::1].example.com", "example.com", "*"),
        ("https://evil.com", "[::1]", "*"),
        ("https://example.com/", "example.com", ()),
        ("file://example.com", "example.com", ()),
    ],
)
def test_known_bypass_attempts_are_refused(origin: str, host: str, sub_domains: SubDomains) -> None:
    """Look-alikes, user info, ports, IDNA mix-ups, control characters: all refused."""
    assert not is_allowed_origin(origin, host, sub_domains)
