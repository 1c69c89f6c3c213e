import asyncio
import os
import secrets

import lucia_adapter_mongodb
import lucia_adapter_mysql
import lucia_adapter_postgres
import lucia_adapter_redis
from lucia_core import Auth, lucia

KEY = {
    "provider_id": "username",
    "provider_user_id": f"ada-{secrets.token_hex(4)}",
    "password": "correct horse",
}


async def sign_up_and_in(auth: Auth) -> None:
    user = await auth.create_user(key=KEY, attributes={})
    session = await auth.create_session(user_id=user.user_id, attributes={})
    print("signed in as", (await auth.validate_session(session.session_id)).user.user_id)
    await auth.delete_user(user.user_id)  # and gone again: sessions, keys, user


async def main() -> None:
    # PostgreSQL: an asyncpg pool (connect(url) makes one; so does asyncpg.create_pool)
    async with lucia_adapter_postgres.connect(os.environ["LUCIA_POSTGRES_URL"]) as pool:
        await lucia_adapter_postgres.create_schema(pool)  # idempotent
        await sign_up_and_in(lucia(adapter=lucia_adapter_postgres.postgres_adapter(pool)))

        # PostgreSQL users with Redis sessions (a RedisCluster works the same way)
        async with lucia_adapter_redis.connect(os.environ["LUCIA_REDIS_URL"]) as client:
            users, sessions = (
                lucia_adapter_postgres.postgres_adapter(pool),
                lucia_adapter_redis.redis_session_adapter(client),
            )
            await sign_up_and_in(lucia(adapter={"user": users, "session": sessions}))

    # MySQL / MariaDB: an aiomysql pool with charset="utf8mb4"
    async with lucia_adapter_mysql.connect(os.environ["LUCIA_MYSQL_URL"]) as pool:
        await lucia_adapter_mysql.create_schema(pool)  # idempotent
        await sign_up_and_in(lucia(adapter=lucia_adapter_mysql.mysql_adapter(pool)))

    # MongoDB: a pymongo AsyncMongoClient database (or Motor's); a replica set gives set_user a
    # transaction, elsewhere a failed key is compensated
    async with lucia_adapter_mongodb.connect(os.environ["LUCIA_MONGODB_URL"]) as database:
        await lucia_adapter_mongodb.create_indexes(database)  # idempotent
        await sign_up_and_in(lucia(adapter=lucia_adapter_mongodb.mongodb_adapter(database)))


asyncio.run(main())
