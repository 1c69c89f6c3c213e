"""lucia_core.utils and the default middleware."""

from __future__ import annotations

from collections import Counter

import pytest

from lucia_core import Auth, Cookie, RequestContext
from lucia_core.expiration import now_ms
from lucia_core.utils import create_key_id, generate_random_string, is_within_expiration


def test_generate_random_string() -> None:
    value = generate_random_string(40)
    assert len(value) == 40
    assert set(value) <= set("abcdefghijklmnopqrstuvwxyz0123456789")
    assert generate_random_string(0) == ""
    assert set(generate_random_string(200, "ab")) == {"a", "b"}
    with pytest.raises(ValueError, match="alphabet"):
        generate_random_string(5, "aa")
    with pytest.raises(ValueError, match="negative"):
        generate_random_string(-1)


def test_generate_random_string_is_unbiased() -> None:
    # 36 symbols do not divide 256: without rejection sampling the first 4 symbols would be drawn
    # 8/7 as often. 360,000 draws put each symbol's expected count at 10,000 (sd ~98).
    counts = Counter(generate_random_string(360_000))
    assert len(counts) == 36
    assert max(counts.values()) - min(counts.values()) < 1_000


def test_is_within_expiration() -> None:
    assert is_within_expiration(now_ms() + 10_000)
    assert not is_within_expiration(now_ms() - 1)


def test_create_key_id() -> None:
    assert create_key_id("username", "ada") == "username:ada"
    assert create_key_id("oidc", "a:b:c") == "oidc:a:b:c"
    with pytest.raises(ValueError, match="':'"):
        create_key_id("a:b", "c")
    with pytest.raises(ValueError, match="empty"):
        create_key_id("", "c")


async def test_default_middleware_takes_a_context_or_a_dict(auth: Auth) -> None:
    cookies: list[Cookie] = []
    from_dict = auth.handle_request(
        {"method": "GET", "url": "/", "headers": {}, "set_cookie": cookies.append}
    )
    assert await from_dict.validate() is None
    context = RequestContext(method="post", headers={"ORIGIN": "https://x"})
    assert auth.handle_request(context).context is context
    assert context.method == "POST"
    assert context.header("origin") == "https://x"
    with pytest.raises(TypeError):
        auth.handle_request()
    with pytest.raises(ValueError, match="unknown"):
        auth.handle_request({"method": "GET", "cookies": {}})
