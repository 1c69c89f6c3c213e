import asyncio

import aiosqlite

from lucia_adapter_sqlite import create_schema, sqlite_adapter
from lucia_core import LuciaError, lucia


async def main() -> None:
    db = await aiosqlite.connect("quickstart.db")
    await create_schema(db)  # Lucia's tables (lucia-core schema sqlite prints them); idempotent
    auth = lucia(adapter=sqlite_adapter(db), env="DEV")
    try:  # sign up: a user and its username key; the password is hashed with Argon2id
        key = {"provider_id": "username", "provider_user_id": "ada", "password": "correct horse"}
        await auth.create_user(key=key, attributes={})
    except LuciaError as error:  # AUTH_DUPLICATE_KEY_ID when run a second time
        print("sign up:", error.code)
    user_key = await auth.use_key("username", "ada", "correct horse")  # log in
    session = await auth.create_session(user_id=user_key.user_id, attributes={})
    print("Set-Cookie:", auth.create_session_cookie(session).serialize())
    cookie = auth.create_session_cookie(session)  # the browser sends it back; validate it:
    request = auth.handle_request({"method": "GET", "headers": {"Cookie": f"{cookie.name}={cookie.value}"}})
    validated = await request.validate()
    print("signed in as", validated.user.user_id if validated else None)
    await auth.invalidate_session(session.session_id)  # sign out, and clear the cookie:
    print("Set-Cookie:", auth.create_session_cookie(None).serialize())
    await db.close()


asyncio.run(main())
