"""Hostile values, ids and attribute names through every adapter, on real servers.

What each backend must do with hostile input is one of two things: store it and give it back
exactly (type included), or refuse it with an exception and store nothing. It must never store an
altered value, and no value or id may change what a query does: after every hostile write or
lookup the other rows are exactly as they were and the row counts are what the operation implies.

Per backend (see each adapter's docstrings):

- SQL (SQLite, PostgreSQL, MySQL): attribute names that are not plain identifiers are a
  ValueError; values are parameters; dict and list values are refused by the driver.
  PostgreSQL cannot store NUL (asyncpg's CharacterNotInRepertoireError); the others store it.
- MongoDB: a name with a leading ``$``, a ``.``, a NUL, an empty name or ``_id`` is a ValueError;
  ids must be str (anything else could act as a query operator: TypeError); a value holding a
  ``$`` key is stored by MongoDB >= 5 and refused by FerretDB, and FerretDB also refuses names
  with ``"`` or ``\\`` (its own limitation, an OperationFailure): both "verbatim or refused".
- Redis (sessions only): rows are JSON, so every name and JSON value round-trips.
"""

from __future__ import annotations

import itertools
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from lucia_core import Argon2idHasher, Auth, LuciaError, lucia

from .stores import SQL_BACKENDS, Store
from .strategies import STORAGE, mixed_text

FAST_HASHER = Argon2idHasher(time_cost=2, memory_cost=19456, parallelism=1)
DAY_MS = 24 * 60 * 60 * 1000
_unique = itertools.count()

#: Text values aimed at SQL, NoSQL, Redis, Lua, JSON and the encodings between them.
HOSTILE_TEXT = {
    "sql-drop": "'; DROP TABLE auth_user; --",
    "sql-or": "' OR '1'='1",
    "sql-double-quote": '" OR ""="',
    "sql-backslash": "\\'; DROP TABLE user_session; -- \\",
    "sql-comment": "*/ SELECT 1; /*",
    "sql-like": "%_%",
    "sql-placeholders": "$1 ? %s :name",
    "nosql-ne": '{"$ne": null}',
    "nosql-where": "$where: function() { return true }",
    "redis-glob": "*?[a-z]\\*",
    "redis-protocol": "a\r\nFLUSHALL\r\n",
    "lua": "\"]]) redis.call('FLUSHALL') --",
    "json-break-out": '"},"user_id":"admin',
    "quotes": "'\"`\u00b4\u2018\u2019\u201c\u201d",
    "unicode": "\u30e6\u30fc\u30b6\u30fc\U0001f511\u202e\u200d",
    "long-ascii": "x" * 10_000,
    "long-multibyte": "\u00e9\U0001f511" * 5_000,
    "empty": "",
    "padded": "  padded  ",
}
#: Ids aimed at the same (at most 255 characters: the longest id the core looks up).
HOSTILE_IDS = {
    **{label: value for label, value in HOSTILE_TEXT.items() if len(value) <= 255 and value},
    "long": "i" * 255,
    "colon": "session:x:y",
    "percent-encoded": "%27%20OR%201=1",
}
#: Values that are not text: NoSQL operators as objects, and containers.
OBJECT_VALUES = {
    "ne": {"$ne": None},
    "gt": {"$gt": ""},
    "nested-where": {"a": {"$where": "sleep(1000)"}},
    "dotted-key": {"a.b": 1},
    "list": ["$ne", None],
}
#: Attribute names no SQL identifier allows; some are fine as MongoDB fields and all as JSON.
HOSTILE_NAMES = [
    "$where",
    "$ne",
    "a.b",
    "",
    "note; DROP TABLE auth_user; --",
    'note" = 1 --',
    "note`",
    "note'",
    "a b",
    "\u00fc",
    "a\x00b",
]
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def now_ms() -> int:
    return int(time.time() * 1000)


def new_id(prefix: str = "") -> str:
    return f"{prefix}{next(_unique)}-{secrets.token_hex(4)}"


def session_row(session_id: str, user_id: str, **attributes: Any) -> dict[str, Any]:
    now = now_ms()
    row = {
        "id": session_id,
        "user_id": user_id,
        "active_expires": now + DAY_MS,
        "idle_expires": now + 2 * DAY_MS,
    }
    return row | attributes


def refused_name(store: Store, name: str) -> bool:
    """Whether the adapter documents a ValueError for attribute ``name``."""
    if store.name in SQL_BACKENDS:
        return not _IDENTIFIER.fullmatch(name)
    if store.name == "mongodb":
        return not name or name.startswith("$") or "." in name or "\x00" in name or name == "_id"
    return False


async def outcome(action: Callable[[], Awaitable[Any]]) -> tuple[Any, BaseException | None]:
    """Run ``action``: its result and None, or None and the exception it raised."""
    try:
        return await action(), None
    except Exception as error:  # the tests decide which errors are acceptable
        return None, error


async def snapshot(store: Store, users: list[str], sessions: list[str]) -> list[Any]:
    """Everything the adapter returns about the given users and sessions (for before/after)."""
    adapter = store.adapter
    state: list[Any] = []
    for session_id in sessions:
        state.append(await adapter.get_session(session_id))
    for user_id in users:
        state.append(sorted(map(repr, await adapter.get_sessions_by_user_id(user_id))))
        if store.has_users:
            state.append(await adapter.get_user(user_id))
            state.append(sorted(map(repr, await adapter.get_keys_by_user_id(user_id))))
    return state


async def seed(store: Store) -> tuple[list[str], list[str]]:
    """Two users, each with a key and two sessions (sessions only on Redis)."""
    users, sessions = [new_id("seed-user-"), new_id("seed-user-")], []
    for user_id in users:
        if store.has_users:
            key = {"id": f"username:{user_id}", "user_id": user_id, "hashed_password": "hash"}
            await store.adapter.set_user({"id": user_id, "username": user_id, "note": "seed"}, key)
        for _ in range(2):
            session_id = new_id("seed-session-")
            await store.adapter.set_session(session_row(session_id, user_id, note="seed"))
            sessions.append(session_id)
    return users, sessions


async def store_value(store: Store, column: str, value: Any) -> tuple[Any, BaseException | None]:
    """Write ``{column: value}`` into a new user (or a new session on Redis), then into a second
    row by update; return what reading the second back gives (or the first error)."""
    user_id = new_id("u-")
    if store.has_users:
        _, error = await outcome(lambda: store.adapter.set_user({"id": user_id, column: value}, None))
        if error is not None:
            return None, error
        created = await store.adapter.get_user(user_id)
        assert created is not None
        assert created[column] == value
        assert type(created[column]) is type(value)
        other = new_id("u-")
        await store.adapter.set_user({"id": other}, None)
        _, error = await outcome(lambda: store.adapter.update_user(other, {column: value}))
        row = await store.adapter.get_user(other)
        return (row[column] if row and error is None else None), error
    session_id = new_id("s-")
    row = session_row(session_id, user_id, **{column: value})
    _, error = await outcome(lambda: store.adapter.set_session(row))
    if error is not None:
        return None, error
    created = await store.adapter.get_session(session_id)
    assert created is not None
    assert created[column] == value
    other = new_id("s-")
    await store.adapter.set_session(session_row(other, user_id))
    _, error = await outcome(lambda: store.adapter.update_session(other, {column: value}))
    updated = await store.adapter.get_session(other)
    return (updated[column] if updated and error is None else None), error


# ------------------------------------------------------------------------------------------ values


@pytest.mark.parametrize("label", HOSTILE_TEXT)
async def test_hostile_text_values_are_stored_verbatim(store: Store, label: str) -> None:
    """SQL, NoSQL, Redis and JSON payloads, quotes, Unicode and 10,000-character strings in an
    attribute come back exactly, on users and sessions, by insert and by update; the seeded rows
    are untouched."""
    value = HOSTILE_TEXT[label]
    users, sessions = await seed(store)
    before, counts = await snapshot(store, users, sessions), await store.counts()
    stored, error = await store_value(store, "note", value)
    assert error is None, repr(error)
    assert stored == value
    if store.has_users:
        session_id = new_id("s-")
        await store.adapter.set_session(session_row(session_id, users[0], note=value))
        session, user = await store.adapter.get_session_and_user(session_id)
        assert (session["note"], user["id"]) == (value, users[0])
        await store.adapter.update_session(session_id, {"note": value[::-1]})
        assert (await store.adapter.get_session(session_id))["note"] == value[::-1]
        await store.adapter.delete_session(session_id)
    assert await snapshot(store, users, sessions) == before
    grown = await store.counts()
    expected = {"user": 2, "key": 0, "session": 0} if store.has_users else {"session": 2, "user_sessions": 1}
    expected.update({table: 0 for table in ("token",) if table in counts})  # no tokens were stored
    assert {table: grown[table] - counts[table] for table in counts} == expected


@pytest.mark.parametrize("label", OBJECT_VALUES)
async def test_operator_objects_as_values_are_data_or_refused(store: Store, label: str) -> None:
    """``{"$ne": None}`` and friends as attribute values: stored and returned as the same object
    where the backend stores documents (Redis JSON; MongoDB where the server allows ``$`` keys),
    refused by the SQL drivers (never turned into a string); a refusal stores nothing."""
    value = OBJECT_VALUES[label]
    users, sessions = await seed(store)
    before, counts = await snapshot(store, users, sessions), await store.counts()
    stored, error = await store_value(store, "note", value)
    if store.name in SQL_BACKENDS:
        assert error is not None, f"{store.name} stored {value!r} as {stored!r}"
    elif store.name == "redis":
        assert error is None, repr(error)
    if error is None:
        assert stored == value
    else:
        assert not isinstance(error, AssertionError), error
        assert await store.counts() == counts
    assert await snapshot(store, users, sessions) == before


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=repr)
async def test_hostile_attribute_names_are_refused_or_round_trip_as_documented(
    store: Store, name: str
) -> None:
    """SQL adapters refuse any name that is not a plain identifier with ValueError, MongoDB the
    names it cannot store (``$``-prefixed, dotted, empty, NUL); Redis stores every name. A
    refusal stores nothing; an accepted name comes back with its value."""
    users, sessions = await seed(store)
    before, counts = await snapshot(store, users, sessions), await store.counts()
    stored, error = await store_value(store, name, "value")
    if refused_name(store, name):
        assert isinstance(error, ValueError), repr(error)
        assert "name" in str(error)
        assert await store.counts() == counts
    elif store.name == "redis":
        assert error is None, repr(error)
        assert stored == "value"
    elif error is None:  # MongoDB: a name it can hold
        assert stored == "value"
    else:  # FerretDB refuses some names MongoDB takes: refused, and nothing stored
        assert not isinstance(error, (AssertionError, ValueError)), error
        assert await store.counts() == counts
    assert await snapshot(store, users, sessions) == before


# ------------------------------------------------------------------------------------------ ids


@pytest.mark.parametrize("label", HOSTILE_IDS)
async def test_rows_with_hostile_ids_are_stored_found_and_deleted_exactly(store: Store, label: str) -> None:
    """A user, key and session whose ids are hostile strings are stored, read back by exactly that
    id, listed by their user, and deleted without touching any other row."""
    hostile = HOSTILE_IDS[label]
    users, sessions = await seed(store)
    before, counts = await snapshot(store, users, sessions), await store.counts()
    adapter = store.adapter
    if store.has_users:
        key_id = f"u:{hostile}"[:255]
        await adapter.set_user({"id": hostile}, {"id": key_id, "user_id": hostile, "hashed_password": None})
        assert (await adapter.get_user(hostile))["id"] == hostile
        assert await adapter.get_key(key_id) == {"id": key_id, "user_id": hostile, "hashed_password": None}
        assert [key["id"] for key in await adapter.get_keys_by_user_id(hostile)] == [key_id]
    await adapter.set_session(session_row(hostile, hostile if store.has_users else users[0]))
    assert (await adapter.get_session(hostile))["id"] == hostile
    owner = hostile if store.has_users else users[0]
    listed = [row["id"] for row in await adapter.get_sessions_by_user_id(owner)]
    assert listed.count(hostile) == 1
    if store.has_users:
        session, user = await adapter.get_session_and_user(hostile)
        assert (session["id"], user["id"]) == (hostile, hostile)
        await adapter.delete_sessions_by_user_id(hostile)
        await adapter.delete_keys_by_user_id(hostile)
        await adapter.delete_user(hostile)
        assert await adapter.get_user(hostile) is None
    else:
        await adapter.delete_session(hostile)
    assert await adapter.get_session(hostile) is None
    assert await snapshot(store, users, sessions) == before
    assert await store.counts() == counts


@pytest.mark.parametrize("label", HOSTILE_IDS)
async def test_lookups_and_writes_by_hostile_ids_change_nothing(store: Store, label: str) -> None:
    """Every read, update and delete by a hostile id finds nothing and changes nothing: no ``OR
    '1'='1'`` matching every row, no glob, no operator, no second statement."""
    hostile = HOSTILE_IDS[label]
    users, sessions = await seed(store)
    before, counts = await snapshot(store, users, sessions), await store.counts()
    adapter = store.adapter
    assert await adapter.get_session(hostile) is None
    assert await adapter.get_sessions_by_user_id(hostile) == []
    await adapter.update_session(hostile, {"note": "pwned"})
    await adapter.delete_session(hostile)
    await adapter.delete_sessions_by_user_id(hostile)
    if store.has_users:
        assert await adapter.get_user(hostile) is None
        assert await adapter.get_key(hostile) is None
        assert await adapter.get_key(f"u:{hostile}"[:255]) is None
        assert await adapter.get_keys_by_user_id(hostile) == []
        assert await adapter.get_session_and_user(hostile) == (None, None)
        await adapter.update_user(hostile, {"note": "pwned"})
        await adapter.update_key(hostile, {"hashed_password": "pwned"})
        await adapter.delete_key(hostile)
        await adapter.delete_keys_by_user_id(hostile)
        await adapter.delete_user(hostile)
    assert await snapshot(store, users, sessions) == before
    assert await store.counts() == counts


async def test_auth_answers_hostile_ids_with_the_documented_errors(store: Store) -> None:
    """Through Auth (so with the core's checks), on every backend with users: a hostile session id
    is AUTH_INVALID_SESSION_ID, user id AUTH_INVALID_USER_ID, key AUTH_INVALID_KEY_ID; nothing
    changes."""
    if not store.has_users:
        pytest.skip("Redis stores sessions only; its adapter-level tests above cover it")
    auth: Auth = lucia(adapter=store.adapter, password_hash=FAST_HASHER)
    users, sessions = await seed(store)
    before, counts = await snapshot(store, users, sessions), await store.counts()
    for hostile in [*HOSTILE_IDS.values(), "\x00", "a\x00b", "x" * 10_000]:
        for call, code in (
            (auth.validate_session(hostile), "AUTH_INVALID_SESSION_ID"),
            (auth.get_user(hostile), "AUTH_INVALID_USER_ID"),
            (auth.use_key("username", hostile, "password"), "AUTH_INVALID_KEY_ID"),
            (auth.get_key("username", hostile), "AUTH_INVALID_KEY_ID"),
        ):
            with pytest.raises(LuciaError) as info:
                await call
            assert info.value.code == code
        await auth.invalidate_session(hostile)
        await auth.invalidate_all_user_sessions(hostile)
        await auth.delete_key("username", hostile)
        await auth.delete_user(hostile)
    assert await snapshot(store, users, sessions) == before
    assert await store.counts() == counts


# ------------------------------------------------------------------------------ NUL and surrogates


@pytest.mark.parametrize("value", ["\x00", "a\x00b", "'\x00; DROP TABLE auth_user; --"], ids=repr)
async def test_nul_is_stored_verbatim_or_refused_by_postgres(store: Store, value: str) -> None:
    """NUL in a value or an id: stored and returned exactly, except by PostgreSQL, whose text
    type cannot hold it: asyncpg raises CharacterNotInRepertoireError, for writes and lookups
    alike, and nothing is stored or truncated."""
    users, sessions = await seed(store)
    before, counts = await snapshot(store, users, sessions), await store.counts()
    stored, error = await store_value(store, "note", value)
    _, lookup_error = await outcome(lambda: store.adapter.get_session(value))
    if store.name == "postgres":
        assert isinstance(error, asyncpg.CharacterNotInRepertoireError), repr(error)
        assert isinstance(lookup_error, asyncpg.CharacterNotInRepertoireError), repr(lookup_error)
        assert await store.counts() == counts
    else:
        assert (stored, error, lookup_error) == (value, None, None)
        await store.adapter.set_session(session_row(value, users[0]))
        assert (await store.adapter.get_session(value))["id"] == value
        assert (await store.adapter.get_session(value.replace("\x00", ""))) is None
        await store.adapter.delete_session(value)
    assert await snapshot(store, users, sessions) == before


async def test_lone_surrogates_are_refused_and_nothing_is_stored(store: Store) -> None:
    """A str holding a lone surrogate is not text any driver can encode: every backend raises
    (an encoding error, or asyncpg's DataError) and stores nothing. The core never passes such
    an id on (``is_plausible_id``); this is about attribute values."""
    counts = await store.counts()
    _, error = await store_value(store, "note", "ok\ud800")
    assert isinstance(error, (UnicodeError, asyncpg.DataError)), repr(error)
    assert await store.counts() == counts


async def test_mongodb_ids_must_be_strings_so_no_operator_can_match(mongodb_store: Store) -> None:
    """MongoDB only (elsewhere ids are SQL parameters or parts of key names, never queries): an id
    that is a dict (``{"$ne": None}`` would match any document) or any other non-str is a
    TypeError in every method that takes an id; nothing is read or changed."""
    store = mongodb_store
    users, sessions = await seed(store)
    before, counts = await snapshot(store, users, sessions), await store.counts()
    adapter = store.adapter
    for operator in ({"$ne": None}, {"$gt": ""}, {"$regex": ".*"}, ["x"], 1):
        for method, arguments in (
            ("get_user", (operator,)),
            ("get_key", (operator,)),
            ("get_keys_by_user_id", (operator,)),
            ("get_session", (operator,)),
            ("get_sessions_by_user_id", (operator,)),
            ("get_session_and_user", (operator,)),
            ("update_user", (operator, {"note": "pwned"})),
            ("update_key", (operator, {"hashed_password": "pwned"})),
            ("update_session", (operator, {"note": "pwned"})),
            ("delete_user", (operator,)),
            ("delete_key", (operator,)),
            ("delete_keys_by_user_id", (operator,)),
            ("delete_session", (operator,)),
            ("delete_sessions_by_user_id", (operator,)),
            ("set_session", (session_row(operator, users[0]),)),  # type: ignore[arg-type]
            ("set_session", (session_row("s", operator),)),  # type: ignore[arg-type]
        ):
            with pytest.raises(TypeError, match="must be a str"):
                await getattr(adapter, method)(*arguments)
    assert await snapshot(store, users, sessions) == before
    assert await store.counts() == counts


# ------------------------------------------------------------------------------------------ properties

#: Text biased towards the characters that break quoting in SQL, JSON, Lua and Redis.
hostile_text = mixed_text("'\";\\`%_*?[]{}$.:-/\r\n ", max_size=300)


@STORAGE
@given(first=hostile_text, second=hostile_text)
@example(first='"},"id":"x', second="\\")
@example(first='\\\\"', second='{"a":1}')
async def test_any_text_value_round_trips_on_insert_and_update(store: Store, first: str, second: str) -> None:
    """For random text (NUL included, lone surrogates included): stored by insert then replaced by
    update, it reads back exactly. Refusals are the documented ones only: NUL on PostgreSQL, lone
    surrogates everywhere; a refused insert stores nothing."""

    def refusal(value: str) -> tuple[type[BaseException], ...] | None:
        if any(0xD800 <= ord(c) <= 0xDFFF for c in value):
            return (UnicodeError, asyncpg.DataError)
        if "\x00" in value and store.name == "postgres":
            return (asyncpg.CharacterNotInRepertoireError,)
        return None

    adapter = store.adapter
    counts = await store.counts()
    row_id = new_id("p-")

    def write() -> Awaitable[None]:
        if store.has_users:
            return adapter.set_user({"id": row_id, "note": first}, None)  # type: ignore[no-any-return]
        return adapter.set_session(session_row(row_id, "owner", note=first))  # type: ignore[no-any-return]

    def update() -> Awaitable[None]:
        if store.has_users:
            return adapter.update_user(row_id, {"note": second})  # type: ignore[no-any-return]
        return adapter.update_session(row_id, {"note": second})  # type: ignore[no-any-return]

    async def read() -> Any:
        return await (adapter.get_user(row_id) if store.has_users else adapter.get_session(row_id))

    _, error = await outcome(write)
    expected = refusal(first)
    if expected is not None:
        assert isinstance(error, expected), repr(error)
        assert await store.counts() == counts
        return
    assert error is None, repr(error)
    assert (await read())["note"] == first
    _, error = await outcome(update)
    expected = refusal(second)
    if expected is not None:
        assert isinstance(error, expected), repr(error)
        assert (await read())["note"] == first
    else:
        assert error is None, repr(error)
        assert (await read())["note"] == second


json_safe_text = st.text(st.characters(codec="utf-8"), max_size=20)
json_attributes = st.dictionaries(
    json_safe_text.filter(lambda name: name not in {"id", "user_id", "active_expires", "idle_expires"}),
    st.recursive(
        st.one_of(st.none(), st.booleans(), st.integers(-(2**63), 2**63 - 1), json_safe_text),
        lambda children: st.one_of(
            st.lists(children, max_size=3), st.dictionaries(json_safe_text, children, max_size=3)
        ),
        max_leaves=6,
    ),
    max_size=4,
)


@STORAGE
@given(initial=json_attributes, changes=json_attributes)
@example(initial={'a","b': '"}'}, changes={"\\": {"$ne": None}})
@example(initial={"{": "}", "x": [1, {"y": "]"}]}, changes={"x": '\\"'})
async def test_redis_merges_any_json_attributes_without_touching_the_others(
    redis_store: Store, initial: dict[str, Any], changes: dict[str, Any]
) -> None:
    """Redis only: update_session merges fields into the stored JSON with a Lua scanner; for any
    names and JSON values (quotes, backslashes, braces, ``$`` keys, 64-bit ints), the session
    reads back as exactly the old row updated with the changes."""
    store = redis_store
    session_id = new_id("j-")
    row = session_row(session_id, "owner", **initial)
    await store.adapter.set_session(row)
    assert await store.adapter.get_session(session_id) == row
    await store.adapter.update_session(session_id, changes)
    assert await store.adapter.get_session(session_id) == {**row, **changes}
