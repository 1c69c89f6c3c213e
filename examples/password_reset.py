import asyncio
from datetime import timedelta
from pathlib import Path

import aiosqlite

from lucia_adapter_sqlite import sqlite_adapter
from lucia_core import LuciaError, lucia

SCHEMA = Path("schemas/sqlite.sql").read_text()  # user_token included


async def main() -> None:
    db = await aiosqlite.connect(":memory:")
    await db.executescript(SCHEMA)
    auth = lucia(adapter=sqlite_adapter(db))
    key = {"provider_id": "email", "provider_user_id": "ada@example.com", "password": "forgotten one"}
    user = await auth.create_user(key=key, attributes={})
    await auth.create_session(user_id=user.user_id, attributes={})  # signed in somewhere
    # "Forgot password": mail a link holding a single-use token (only its SHA-256 is stored).
    secret = await auth.create_token(
        user_id=user.user_id, purpose="password-reset", expires_in=timedelta(hours=1)
    )
    print(f"mail to ada@example.com: https://example.com/reset?token={secret}")
    # The link is opened and a new password chosen:
    token = await auth.use_token(secret, purpose="password-reset")  # AUTH_INVALID_TOKEN / AUTH_EXPIRED_TOKEN
    await auth.update_key_password("email", "ada@example.com", "a new long password")
    await auth.invalidate_all_user_sessions(token.user_id)  # whoever knew the old password is out
    await auth.invalidate_user_tokens(token.user_id)  # and every other link or code
    session = await auth.create_session(user_id=token.user_id, attributes={})  # this browser signs in
    print(
        "sessions:",
        [s.session_id == session.session_id for s in await auth.get_all_user_sessions(user.user_id)],
    )
    try:
        await auth.use_token(secret, purpose="password-reset")
    except LuciaError as error:
        print("link used again:", error.code)
    await db.close()


asyncio.run(main())
