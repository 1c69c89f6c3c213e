"""Wrong objects and options fail at construction, with a message that says what to do instead;
and a failing create_user leaves nothing stored."""

from __future__ import annotations

from typing import Any

import aiosqlite
import pytest

from lucia_core import LuciaError, RequestContext, lucia

from .conftest import RecordingAdapter

# ----------------------------------------------------------------- cookie name prefixes


@pytest.mark.parametrize("name", ["__Host-auth_session", "__host-auth_session", "__Secure-auth_session"])
def test_a_prefixed_cookie_name_in_dev_says_what_to_do(adapter: RecordingAdapter, name: str) -> None:
    with pytest.raises(ValueError, match=r'needs Secure.*env="PROD".*name without the prefix'):
        lucia(adapter=adapter, env="DEV", session_cookie={"name": name})


def test_a_host_cookie_with_a_domain_is_refused(adapter: RecordingAdapter) -> None:
    with pytest.raises(ValueError, match=r"must not have a domain.*__Secure-"):
        lucia(
            adapter=adapter,
            env="PROD",
            session_cookie={"name": "__Host-auth_session", "attributes": {"domain": "example.com"}},
        )


def test_a_host_cookie_with_another_path_is_refused(adapter: RecordingAdapter) -> None:
    with pytest.raises(ValueError, match='path "/"'):
        lucia(
            adapter=adapter, env="PROD", session_cookie={"name": "__Host-sid", "attributes": {"path": "/app"}}
        )


def test_prefixed_cookies_that_browsers_accept_are_allowed(adapter: RecordingAdapter) -> None:
    host = lucia(adapter=adapter, env="PROD", session_cookie={"name": "__Host-auth_session"})
    assert host.create_session_cookie(None).serialize().startswith("__Host-auth_session=; Path=/;")
    secure = lucia(
        adapter=adapter,
        env="PROD",
        session_cookie={"name": "__Secure-sid", "attributes": {"domain": "example.com", "path": "/app"}},
    )
    assert "Secure" in secure.create_session_cookie(None).serialize()


# ----------------------------------------------------------------- wrong objects


class SyncAdapter:
    """An adapter written with plain methods: the core would fail on first use."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return lambda *args: None


def test_an_adapter_with_plain_methods_is_refused(adapter: RecordingAdapter) -> None:
    with pytest.raises(TypeError, match=r"get_user, .* must be async methods \(async def\)"):
        lucia(adapter=SyncAdapter(adapter))
    with pytest.raises(TypeError, match="must be async"):
        lucia(adapter={"user": adapter, "session": SyncAdapter(adapter)})


def test_a_url_instead_of_an_adapter_is_refused_without_echoing_it(adapter: RecordingAdapter) -> None:
    url = "postgresql://lucia:s3cret-password@db/lucia"
    with pytest.raises(TypeError, match="adapter must be an adapter object") as info:
        lucia(adapter=url)  # type: ignore[arg-type]
    assert "s3cret" not in str(info.value)


def test_an_object_that_is_no_adapter_is_refused(adapter: RecordingAdapter) -> None:
    with pytest.raises(TypeError, match="lacks the methods"):
        lucia(adapter=aiosqlite)  # type: ignore[arg-type]


async def _async_attributes(row: dict[str, Any]) -> dict[str, Any]:
    return {}


class AsyncCallable:
    async def __call__(self, row: dict[str, Any]) -> dict[str, Any]:
        return {}


@pytest.mark.parametrize("option", ["get_user_attributes", "get_session_attributes"])
@pytest.mark.parametrize("getter", [_async_attributes, AsyncCallable()])
def test_async_attribute_getters_are_refused(adapter: RecordingAdapter, option: str, getter: Any) -> None:
    with pytest.raises(TypeError, match=f"{option} must be a plain \\(not async\\) function"):
        lucia(adapter=adapter, **{option: getter})


# ----------------------------------------------------------------- errors that name the fix


def test_unknown_option_keys_list_the_valid_ones(adapter: RecordingAdapter) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"session_cookie": {"nmae": "sid"}}, "'nmae'; the valid keys are attributes, expires, name"),
        (
            {"session_cookie": {"attributes": {"httpOnly": False}}},
            "the valid keys are domain, path, same_site",
        ),
        ({"session_expires_in": {"activePeriod": 1}}, "the valid keys are active_period, idle_period"),
        ({"csrf_protection": {"hosts": "x"}}, "the valid keys are allowed_sub_domains, host, host_header"),
        ({"experimental": {"debugMode": True}}, "the valid keys are debug_mode"),
    ]
    for options, message in cases:
        with pytest.raises(ValueError, match=message):
            lucia(adapter=adapter, **options)


def test_an_unknown_option_lists_the_options(adapter: RecordingAdapter) -> None:
    with pytest.raises(TypeError, match="'sesion_cookie'; the valid keys are adapter, csrf_protection, env"):
        lucia(adapter=adapter, sesion_cookie={})  # type: ignore[call-arg]


@pytest.mark.parametrize("value", ["yes", 1, None, ["example.com"]])
def test_csrf_protection_of_another_type_says_bool_or_dict(adapter: RecordingAdapter, value: Any) -> None:
    with pytest.raises(TypeError, match="csrf_protection must be a bool or a dict"):
        lucia(adapter=adapter, csrf_protection=value)


def test_a_framework_request_with_the_default_middleware_names_the_middleware(
    adapter: RecordingAdapter,
) -> None:
    from starlette.requests import Request

    auth = lucia(adapter=adapter)
    request = Request({"type": "http", "method": "GET", "path": "/", "headers": []})
    with pytest.raises(TypeError, match=r"middleware=lucia_core\.middleware\.starlette\(\)"):
        auth.handle_request(request)
    with pytest.raises(TypeError, match=r"middleware=lucia_core\.middleware\.asgi\(\)"):
        auth.handle_request({"type": "http", "method": "GET", "headers": []})
    with pytest.raises(ValueError, match="the keys are headers, method"):
        auth.handle_request({"method": "GET", "header": {}})
    assert auth.handle_request({"method": "GET"}).context == RequestContext(method="GET")


def test_an_aiohttp_request_names_its_middleware(adapter: RecordingAdapter) -> None:
    from aiohttp.test_utils import make_mocked_request

    auth = lucia(adapter=adapter)
    with pytest.raises(TypeError, match=r"lucia_core\.middleware\.aiohttp\(\)"):
        auth.handle_request(make_mocked_request("GET", "/"))


# ----------------------------------------------------------------- create_user leaves nothing behind


def _failing_attributes(row: dict[str, Any]) -> dict[str, Any]:
    raise RuntimeError("get_user_attributes failed")


async def stored(connection: aiosqlite.Connection, table: str) -> int:
    async with connection.execute(f"SELECT COUNT(*) FROM {table}") as cursor:
        (count,) = await cursor.fetchone()  # type: ignore[misc]
    return int(count)


async def test_create_user_stores_nothing_when_building_the_user_fails(
    make_auth: Any, connection: aiosqlite.Connection
) -> None:
    auth = make_auth(get_user_attributes=_failing_attributes)
    key = {"provider_id": "username", "provider_user_id": "ada", "password": "correct horse battery"}
    with pytest.raises(RuntimeError, match="get_user_attributes failed"):
        await auth.create_user(key=key, attributes={"username": "ada"})
    assert (await stored(connection, "auth_user"), await stored(connection, "user_key")) == (0, 0)


async def test_create_session_stores_nothing_when_building_the_session_fails(
    make_auth: Any, connection: aiosqlite.Connection
) -> None:
    good = make_auth()
    user = await good.create_user(key=None, attributes={"username": "ada"})
    for options in (
        {"get_session_attributes": _failing_attributes},
        {"get_user_attributes": _failing_attributes},
    ):
        with pytest.raises(RuntimeError):
            await make_auth(**options).create_session(user_id=user.user_id, attributes={})
        assert await stored(connection, "user_session") == 0
    with pytest.raises(LuciaError):
        await good.create_session(user_id="missing-user", attributes={})
    assert await stored(connection, "user_session") == 0


def test_mistakes_in_options_are_type_errors_too(adapter: RecordingAdapter) -> None:
    # The options are TypedDicts and Literals: mypy --strict (warn_unused_ignores) fails the
    # `types` session if one of these ignores stops being needed, i.e. if mypy misses the mistake.
    with pytest.raises(ValueError, match="nmae"):
        lucia(adapter=adapter, session_cookie={"nmae": "sid"})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="env"):
        lucia(adapter=adapter, env="prod")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="hosts"):
        lucia(adapter=adapter, csrf_protection={"hosts": "example.com"})  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        lucia(adapter=adapter, session_expires_in={"active_period": 60})  # type: ignore[arg-type]
