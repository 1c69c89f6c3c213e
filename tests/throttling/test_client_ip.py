"""The client's IP address: from the connection, or from X-Forwarded-For only as far as the
configured proxies wrote it; hostile headers never choose the address (Hypothesis properties)."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from django.test import RequestFactory  # type: ignore[import-untyped]
from hypothesis import given
from hypothesis import strategies as st
from litestar import Request as LitestarRequest
from starlette.requests import Request as StarletteRequest

from lucia_core.throttling import client_ip, forwarded_client_ip, ip_key, normalize_ip

CLIENT, PROXY, EDGE = "198.51.100.7", "10.0.0.2", "10.0.0.1"

ipv4 = st.ip_addresses(v=4).map(str)
ipv6 = st.ip_addresses(v=6)
addresses = st.one_of(ipv4, ipv6.map(str))
#: Anything a client can put in a header: text with commas, brackets, colons, quotes, controls.
hostile_text = st.text(
    alphabet=st.sampled_from(list("0123456789abcdefABCDEF:.,[]% \t\"'-_;=fo\u00a0\u0660\uff10")), max_size=60
)
hostile_entries = st.lists(st.one_of(hostile_text, addresses), max_size=8)


def scope(peer: str | None = CLIENT, *forwarded: str) -> dict[str, Any]:
    return {
        "type": "http",
        "method": "POST",
        "path": "/login",
        "query_string": b"",
        "client": (peer, 51234) if peer is not None else None,
        "headers": [(b"x-forwarded-for", line.encode("latin-1")) for line in forwarded],
    }


# normalize_ip


@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        ("203.0.113.9", "203.0.113.9"),
        (" 203.0.113.9 ", "203.0.113.9"),
        ('"203.0.113.9"', "203.0.113.9"),
        ("203.0.113.9:8080", "203.0.113.9"),
        ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
        ("[::ffff:cb00:7109]:80", "203.0.113.9"),
        ("fe80::1%eth0", "fe80::1"),
        ("unknown", None),
        ("_hidden", None),
        ("", None),
        ("203.0.113.9:", None),
        ("203.0.113.9:http", None),
        ("203.0.113.9:\u0661\u0662", None),
        ("[2001:db8::1", None),
        ("[2001:db8::1]x", None),
        ("203.0.113.009", None),
        ("1.2.3.4.5", None),
        ("\uff11.2.3.4", None),
        ("1" * 100, None),
    ],
)
def test_normalize_ip(text: str, normalized: str | None) -> None:
    assert normalize_ip(text) == normalized


@given(address=ipv6)
def test_every_spelling_of_an_ipv6_address_normalizes_to_one_form(address: ipaddress.IPv6Address) -> None:
    expected = str(address.ipv4_mapped) if address.ipv4_mapped else str(address)
    for spelling in (
        str(address),
        address.exploded,
        address.exploded.upper(),
        f"[{address}]",
        f"[{address}]:443",
    ):
        assert normalize_ip(spelling) == expected


@given(text=st.one_of(hostile_text, st.text(max_size=80), st.none(), st.integers()))
def test_normalize_ip_gives_a_canonical_address_or_none(text: object) -> None:
    result = normalize_ip(text)
    if result is not None:
        assert str(ipaddress.ip_address(result)) == result
        assert normalize_ip(result) == result


# forwarded_client_ip: the header only as far as the trusted proxies wrote it


def test_without_trusted_proxies_the_header_is_ignored() -> None:
    assert forwarded_client_ip(CLIENT, ["1.2.3.4"]) == CLIENT
    assert client_ip(scope(CLIENT, "1.2.3.4")) == CLIENT


def test_behind_one_proxy_the_rightmost_entry_is_the_client() -> None:
    assert forwarded_client_ip(PROXY, ["6.6.6.6, " + CLIENT], trusted_proxies=1) == CLIENT


def test_behind_two_proxies_the_second_entry_from_the_right_is_the_client() -> None:
    assert forwarded_client_ip(PROXY, [f"6.6.6.6, {CLIENT}", EDGE], trusted_proxies=2) == CLIENT


@pytest.mark.parametrize(
    "lines",
    [[], [""], [" , "], ["unknown"], ["not an address"], ["6.6.6.6, garbage"], ["[::1"]],
    ids=["absent", "empty", "commas", "unknown", "words", "garbage-last", "bracket"],
)
def test_a_missing_or_malformed_entry_gives_the_peer(lines: list[str]) -> None:
    assert forwarded_client_ip(PROXY, lines, trusted_proxies=1) == PROXY


def test_fewer_entries_than_proxies_gives_the_peer() -> None:
    assert forwarded_client_ip(PROXY, [CLIENT], trusted_proxies=2) == PROXY


def test_a_unix_socket_peer_gives_none() -> None:
    assert forwarded_client_ip("/run/app.sock", ["1.2.3.4"]) is None
    assert forwarded_client_ip(None, []) is None
    assert client_ip(scope(None)) is None


@pytest.mark.parametrize(
    ("count", "error"), [(-1, ValueError), (True, TypeError), ("1", TypeError), (1.0, TypeError)]
)
def test_bad_proxy_counts_are_refused(count: Any, error: type[Exception]) -> None:
    with pytest.raises(error, match="trusted_proxies"):
        forwarded_client_ip(CLIENT, [], trusted_proxies=count)
    with pytest.raises(error, match="trusted_proxies"):
        client_ip(scope(), trusted_proxies=count)


@given(
    attacker=hostile_entries,
    client=addresses,
    proxies=st.lists(ipv4, min_size=1, max_size=3),
    split=st.booleans(),
)
def test_no_header_a_client_sends_chooses_its_address(
    attacker: list[str], client: str, proxies: list[str], split: bool
) -> None:
    """Behind N proxies, each appending the address it received from: whatever the client put in
    the header, the result is its real address (the one the outermost proxy saw)."""
    *inner, peer = proxies  # the last proxy connects to the application
    written = [client, *inner]  # what the N proxies appended, outermost first
    attacker_line = ", ".join(attacker)
    lines = [attacker_line, ", ".join(written)] if split else [", ".join([attacker_line, *written])]
    assert forwarded_client_ip(peer, lines, trusted_proxies=len(proxies)) == normalize_ip(client)


@given(
    peer=st.one_of(addresses, hostile_text, st.none()),
    lines=st.lists(st.one_of(hostile_text, st.text(max_size=40)), max_size=4),
    count=st.integers(min_value=0, max_value=4),
)
def test_the_result_is_the_peer_or_the_entry_the_proxies_wrote(
    peer: str | None, lines: list[str], count: int
) -> None:
    """Never an entry left of the N-th from the right, never an exception, always normalized."""
    entries = [entry.strip() for line in lines for entry in line.split(",") if entry.strip()]
    allowed = {normalize_ip(peer)}
    if count and len(entries) >= count:
        allowed.add(normalize_ip(entries[-count]))
    assert forwarded_client_ip(peer, lines, trusted_proxies=count) in allowed


@given(attacker=hostile_entries, peer=addresses)
def test_without_trusted_proxies_every_header_gives_the_peer(attacker: list[str], peer: str) -> None:
    assert forwarded_client_ip(peer, [", ".join(attacker)]) == normalize_ip(peer)


# client_ip: from each framework's request


def test_client_ip_from_an_asgi_scope() -> None:
    assert client_ip(scope(PROXY, f"6.6.6.6, {CLIENT}"), trusted_proxies=1) == CLIENT
    assert client_ip(scope(PROXY, "6.6.6.6", CLIENT), trusted_proxies=1) == CLIENT


def test_client_ip_from_starlette_and_litestar_requests() -> None:
    requests: list[Any] = [StarletteRequest(scope(PROXY, CLIENT)), LitestarRequest(scope(PROXY, CLIENT))]  # type: ignore[arg-type]
    for request in requests:
        assert client_ip(request) == PROXY
        assert client_ip(request, trusted_proxies=1) == CLIENT


async def test_client_ip_from_an_aiohttp_request() -> None:
    """A real aiohttp server on loopback: the peer is the test client's 127.0.0.1."""

    async def handler(request: web.Request) -> web.Response:
        found = (client_ip(request), client_ip(request, trusted_proxies=1))
        return web.json_response(found)

    app = web.Application()
    app.router.add_post("/login", handler)
    async with TestClient(TestServer(app)) as http:
        response = await http.post("/login", headers={"X-Forwarded-For": f"6.6.6.6, {CLIENT}"})
        assert await response.json() == ["127.0.0.1", CLIENT]


def test_client_ip_from_a_django_request() -> None:
    from tests import test_middleware_django  # noqa: F401  (configures Django for the test run)

    request = RequestFactory().post("/login", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"6.6.6.6, {CLIENT}")
    assert client_ip(request) == PROXY
    assert client_ip(request, trusted_proxies=1) == CLIENT


def test_client_ip_refuses_what_it_cannot_read() -> None:
    with pytest.raises(TypeError, match="client_ip needs an ASGI scope"):
        client_ip(object())


# ip_key


def test_ip_key_is_the_address_for_ipv4_and_the_64_network_for_ipv6() -> None:
    assert ip_key("203.0.113.9") == "ip:203.0.113.9"
    assert ip_key("2001:db8:1:2:aaaa::1") == ip_key("2001:DB8:1:2:ffff::9") == "ip:2001:db8:1:2::/64"
    assert ip_key("2001:db8:1:3::1") != ip_key("2001:db8:1:2::1")
    assert ip_key("::ffff:203.0.113.9") == "ip:203.0.113.9"
    assert ip_key("2001:db8::1", ipv6_prefix=128) == "ip:2001:db8::1/128"


def test_ip_key_refuses_what_is_not_an_address() -> None:
    with pytest.raises(ValueError, match="not an IP address"):
        ip_key("unknown")
    with pytest.raises(ValueError, match="ipv6_prefix"):
        ip_key("2001:db8::1", ipv6_prefix=0)
