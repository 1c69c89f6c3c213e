"""fastapi-users' database strategy as a benchmark peer: reading an access token and its user.

What one validation does is what fastapi-users does for a request authenticated with
``DatabaseStrategy`` (the documented set-up, with the per-request dependencies built by hand):

- a new ``AsyncSession`` from ``async_sessionmaker(engine, expire_on_commit=False)``
  (the documented ``get_async_session`` dependency);
- ``SQLAlchemyUserDatabase`` and ``SQLAlchemyAccessTokenDatabase`` over that session, a ``UserManager``
  (``UUIDIDMixin`` + ``BaseUserManager``) over the user database, a ``DatabaseStrategy`` over the
  access-token database (``get_user_db``, ``get_user_manager``, ``get_access_token_db`` and
  ``get_database_strategy``);
- ``strategy.read_token(token, user_manager)``, then the ``is_active`` check that
  ``current_user(active=True)`` makes.

On the wire that is BEGIN (SQLAlchemy's autobegin), the token SELECT, the user SELECT and ROLLBACK
when the session closes. Settings that are not the libraries' defaults:

- ``pool_size=20`` on the engine (SQLAlchemy's default is 5; ``max_overflow`` stays 10);
- ``lifetime_seconds=86400`` on the strategy (the docs' example uses 3600; one day matches Lucia's
  active period, and either way the token query carries the ``created_at >= max_age`` filter);
- the tables live in a private schema, reached through the connections' ``search_path``
  (asyncpg ``server_settings``), so the models keep the library's unqualified table names
  (``"user"``, ``accesstoken``) and no per-statement schema translation is involved.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field

from fastapi_users import BaseUserManager, UUIDIDMixin
from fastapi_users.authentication.strategy.db import DatabaseStrategy
from fastapi_users.password import PasswordHelper
from fastapi_users_db_sqlalchemy import SQLAlchemyBaseUserTableUUID, SQLAlchemyUserDatabase
from fastapi_users_db_sqlalchemy.access_token import (
    SQLAlchemyAccessTokenDatabase,
    SQLAlchemyBaseAccessTokenTableUUID,
)
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase

POOL_SIZE = 20
TOKEN_LIFETIME_SECONDS = 24 * 60 * 60
# Every user gets the same (real) hash: validation never reads it, and hashing per user is slow.
_PASSWORD = "correct horse battery staple"  # noqa: S105 - benchmark data
_SECRET = "benchmark-only-secret"  # noqa: S105 - reset/verification tokens are never issued here


class Base(DeclarativeBase):
    pass


class User(SQLAlchemyBaseUserTableUUID, Base):
    pass


class AccessToken(SQLAlchemyBaseAccessTokenTableUUID, Base):
    pass


class UserManager(UUIDIDMixin, BaseUserManager[User, uuid.UUID]):
    reset_password_token_secret = _SECRET
    verification_token_secret = _SECRET


def asyncpg_url(pg_url: str) -> str:
    """``postgresql://...`` (or ``postgres://``) as SQLAlchemy's asyncpg URL ``postgresql+asyncpg://...``."""
    url = make_url(pg_url.replace("postgres://", "postgresql://", 1))
    return url.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


@dataclass
class FastapiUsersPeer:
    """Users and access tokens in a private schema, and the validation fastapi-users performs."""

    engine: AsyncEngine
    schema: str
    tokens: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    async def validate(self, token: str) -> bool:
        """True when the token resolves to an active user (``current_user(active=True)``)."""
        async with self._sessions() as session:
            user_manager = UserManager(SQLAlchemyUserDatabase(session, User))
            strategy: DatabaseStrategy[User, uuid.UUID, AccessToken] = DatabaseStrategy(
                SQLAlchemyAccessTokenDatabase(session, AccessToken), lifetime_seconds=TOKEN_LIFETIME_SECONDS
            )
            user = await strategy.read_token(token, user_manager)
            return user is not None and user.is_active

    async def close(self) -> None:
        """Drop the private schema (tables, users, tokens) and close the engine's connections."""
        try:
            async with self.engine.begin() as connection:
                await connection.execute(text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))
        finally:
            await self.engine.dispose()


async def prepare(pg_url: str, n_tokens: int, *, schema: str | None = None) -> FastapiUsersPeer:
    """Create fastapi-users' tables in a new schema and ``n_tokens`` active users, one access token each.

    ``pg_url`` is a ``postgresql://`` URL (as given to asyncpg); ``schema`` defaults to a random
    ``peer_fastapi_users_<hex>`` and must not exist. The users and tokens are inserted through the ORM;
    the tokens are ``secrets.token_urlsafe()`` like the ones ``DatabaseStrategy.write_token`` makes.
    """
    if n_tokens < 1:
        raise ValueError("n_tokens must be at least 1")
    schema = schema or f"peer_fastapi_users_{secrets.token_hex(4)}"
    if not schema.isidentifier() or schema != schema.lower():
        raise ValueError(f"schema must be a lower-case identifier, not {schema!r}")
    engine = create_async_engine(
        asyncpg_url(pg_url),
        pool_size=POOL_SIZE,
        connect_args={"server_settings": {"search_path": schema}},
    )
    peer = FastapiUsersPeer(engine=engine, schema=schema)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
            await connection.run_sync(Base.metadata.create_all)
        hashed = PasswordHelper().hash(_PASSWORD)  # the UserManager's default helper
        users = [
            User(id=uuid.uuid4(), email=f"user{number}@example.com", hashed_password=hashed, is_active=True)
            for number in range(n_tokens)
        ]
        tokens = [AccessToken(token=secrets.token_urlsafe(), user_id=user.id) for user in users]
        async with peer._sessions() as session:
            session.add_all(users)
            await session.flush()  # users first: the tokens reference them
            session.add_all(tokens)
            await session.commit()
        peer.tokens = [token.token for token in tokens]
        async with engine.connect() as connection:
            await connection.execute(text("ANALYZE accesstoken"))
            await connection.execute(text('ANALYZE "user"'))
            await connection.commit()
    except BaseException:
        await peer.close()
        raise
    return peer
