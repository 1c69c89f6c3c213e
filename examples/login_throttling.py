import asyncio
from datetime import timedelta
from pathlib import Path

import aiosqlite

from lucia_adapter_sqlite import sqlite_adapter
from lucia_core import Auth, LuciaError, lucia
from lucia_core.throttling import Throttle, TooManyAttempts, ip_key, memory_store

SCHEMA = Path("schemas/sqlite.sql").read_text()


async def sign_in(
    auth: Auth, throttle: Throttle, username: str, password: str, ip: str, device: str | None
) -> tuple[str, str | None]:
    """One attempt: a message for the page, and the device cookie to set (None if it failed)."""
    keys = (f"username:{username}", ip_key(ip))  # ip: lucia_core.throttling.client_ip(request)
    try:
        user_id: str | None = (await auth.get_key("username", username)).user_id
    except LuciaError:
        user_id = None  # an unknown user is throttled like any other
    try:
        await throttle.check(*keys, device_cookie=device, user_id=user_id)
    except TooManyAttempts as error:
        return f"too many attempts, try again in {error.retry_after:.0f} seconds", None
    try:
        key = await auth.use_key("username", username, password)
    except LuciaError:
        await throttle.fail(*keys)
        return "wrong username or password", None
    await throttle.reset(keys[0])  # the account is in good standing; the address keeps its record
    await throttle.release(keys[1])
    cookie = await throttle.device_cookie(key.user_id)  # set it: this browser gets past lockouts
    return "signed in", cookie.value


async def main() -> None:
    db = await aiosqlite.connect(":memory:")
    await db.executescript(SCHEMA)
    auth = lucia(adapter=sqlite_adapter(db), env="DEV")
    throttle = Throttle(
        store=memory_store(), base_delay=timedelta(seconds=1), max_delay=timedelta(minutes=15)
    )
    await auth.create_user(
        key={"provider_id": "username", "provider_user_id": "ada", "password": "pw"}, attributes={}
    )
    message, device = await sign_in(auth, throttle, "ada", "pw", "192.0.2.1", None)
    print("ada:", message)
    for _ in range(3):  # someone guessing ada's password from elsewhere
        print("attacker:", (await sign_in(auth, throttle, "ada", "guess", "203.0.113.9", None))[0])
    print("ada, new browser:", (await sign_in(auth, throttle, "ada", "pw", "192.0.2.1", None))[0])
    print("ada, her browser:", (await sign_in(auth, throttle, "ada", "pw", "192.0.2.1", device))[0])
    await db.close()


asyncio.run(main())
