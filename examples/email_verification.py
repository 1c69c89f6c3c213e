import asyncio
from datetime import timedelta
from pathlib import Path

import aiosqlite

from lucia_adapter_sqlite import sqlite_adapter
from lucia_core import LuciaError, lucia

SCHEMA = Path("schemas/sqlite.sql").read_text()  # user_token included
COLUMNS = "ALTER TABLE auth_user ADD COLUMN email TEXT; ALTER TABLE auth_user ADD COLUMN verified INTEGER;"


async def main() -> None:
    db = await aiosqlite.connect(":memory:")
    await db.executescript(SCHEMA + COLUMNS)
    auth = lucia(
        adapter=sqlite_adapter(db), get_user_attributes=lambda row: {"verified": bool(row["verified"])}
    )
    user = await auth.create_user(key=None, attributes={"email": "ada@example.com", "verified": 0})
    # Sign-up mails a code: 8 digits, stored only as a SHA-256, gone after 5 wrong tries.
    code = await auth.create_code(
        user_id=user.user_id, purpose="verify-email", expires_in=timedelta(minutes=15)
    )
    print("mail to ada@example.com: your code is", code)
    try:
        await auth.use_code(user_id=user.user_id, purpose="verify-email", code="not-the-code")
    except LuciaError as error:  # AUTH_INVALID_TOKEN (AUTH_EXPIRED_TOKEN once expired)
        print("wrong code:", error.code)
    token = await auth.use_code(user_id=user.user_id, purpose="verify-email", code=code)  # single use
    await auth.update_user_attributes(token.user_id, {"verified": 1})
    print("verified:", (await auth.get_user(user.user_id)).verified)
    await db.close()


asyncio.run(main())
