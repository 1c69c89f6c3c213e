"""The Redis key layout: the one source of ``schemas/redis.md``. Nothing needs creating up front."""

from __future__ import annotations

from collections.abc import Mapping

from lucia_core.database import resolve_names

#: Lucia v2's default key prefixes; a key is ``f"{prefix}:{id}"``.
DEFAULT_PREFIXES: Mapping[str, str] = {
    "session": "session",
    "user_sessions": "user_sessions",
    "token": "token",
    "user_tokens": "user_tokens",
}

LAYOUT = """\
# Redis key layout (`lucia_adapter_redis`)

<!-- Generated from lucia_adapter_redis/schema.py (lucia-core schema redis). -->

Redis holds sessions, and one-time tokens when it is joined as the token adapter
(`lucia(adapter={{"user": ..., "session": redis, "token": redis}})`); users and keys live in
another database (join the adapters with
`lucia(adapter={{"user": ..., "session": redis_session_adapter(client)}})`). Nothing needs creating
up front. The layout is Lucia v2's (`@lucia-auth/adapter-session-redis` 2.x), so sessions
written by Lucia v2 are read as they are, and Lucia v2 can read ours.

| key | type | holds | expires |
| --- | --- | --- | --- |
| `{session}:{{session_id}}` | string | the session row as JSON | at `idle_expires` (`PXAT`) |
| `{user_sessions}:{{user_id}}` | set | the ids of the user's sessions | with its last session |
| `{token}:{{token_id}}` | string | a token row as JSON (id: SHA-256 of the secret) | at `expires` (`PXAT`) |
| `{user_tokens}:{{user_id}}` | set | the ids of the user's tokens | with its last token |

Prefixes are configurable: `redis_session_adapter(client, prefixes={{"session": "...",
"user_sessions": "...", "token": "...", "user_tokens": "..."}})`; a key is `f"{{prefix}}:{{id}}"`,
the id verbatim (any Unicode, UTF-8).

## The session JSON

One JSON object, compact, as JavaScript's `JSON.stringify` writes it:

```json
{{"id":"k2x...","user_id":"u1","active_expires":1700000000000,"idle_expires":1701209600000,"country":"NL"}}
```

`active_expires` and `idle_expires` are JSON integers, unix epoch milliseconds, read back as
Python `int` exactly (64-bit, beyond 2**53 too); session attributes are further members. Member
order does not matter: Lucia 2.7 wrote the attributes first, this adapter writes them last.

## What the adapter does beyond Lucia v2

Lucia v2 set the session key with `EX floor(idle_expires / 1000)`: an absolute time passed as a
relative TTL, so keys lived for about 54 years; its user sets never expired and kept the ids of
dead sessions; reading a user's sessions cost one `GET` per session. This adapter:

- expires each session key at exactly `idle_expires` (`SET ... PXAT`); a session whose
  `idle_expires` is already past is not stored;
- keeps the user set alive until its last session's `idle_expires` (`PEXPIREAT ... NX` for a
  set without expiry, Lucia v2's included, then `PEXPIREAT ... GT`, which only ever extends it);
- reads a user's sessions in a fixed number of round trips (`SMEMBERS`, one `MGET`; on a
  cluster one batch of `MGET`s per node), and removes from the set the ids whose key is gone;
- updates a session with one Lua script that replaces only the named members of the stored
  JSON text and moves the key's expiry to the new `idle_expires`: atomic, and exact for 64-bit
  integers (the script never decodes values with cjson, which would turn them into doubles).

Requires Redis 7.0 or later (`PEXPIREAT` with `NX`/`GT`). Works on a single node (writes of
both keys in one `MULTI`/`EXEC`) and on Redis Cluster (the two keys of a session hash to
different slots, so writes use non-transactional pipelines; the session key is written before
its id is added to the set, so that a concurrent read never prunes a session being created).

## One-time tokens

A token is stored like a session: `{token}:{{token_id}}` holds the row as JSON and expires at
`expires`, its id in `{user_tokens}:{{user_id}}`. `consume_token` is one `GETDEL` (Redis 6.2+): of
concurrent uses of a token exactly one reads it. An expired token is gone from Redis, so it reads
as unknown (`AUTH_INVALID_TOKEN`) rather than `AUTH_EXPIRED_TOKEN`. Redis cannot tell whether a
user exists: `Auth.create_token` asks the user adapter and removes the token again when the user
is missing.
"""


def key_layout(*, prefixes: Mapping[str, str] | None = None) -> str:
    """The key layout (Markdown) with ``prefixes`` as in ``redis_session_adapter``; with the
    defaults exactly ``schemas/redis.md``."""
    return LAYOUT.format(**resolve_names("prefixes", prefixes, DEFAULT_PREFIXES, kind="prefix"))


#: What ``schemas/redis.md`` holds.
schema_text = key_layout
