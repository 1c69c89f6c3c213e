"""Litestar on SQLite: the connection opened in the lifespan, the Auth in app.state.

DATABASE=app.db python litestar_app.py  (after: lucia-core schema sqlite --apply sqlite:///app.db)
"""

import os
import unicodedata
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiosqlite
import uvicorn
from litestar import Litestar, Request, Response, get, post

from lucia_adapter_sqlite import sqlite_adapter
from lucia_core import Auth, LuciaError, lucia
from lucia_core.frameworks.asgi import ASGICookies
from lucia_core.middleware import litestar

AnyRequest = Request[Any, Any, Any]


@asynccontextmanager
async def lifespan(app: Litestar) -> AsyncIterator[None]:
    async with aiosqlite.connect(os.environ.get("DATABASE", "app.db")) as connection:
        app.state.auth = lucia(adapter=sqlite_adapter(connection), env="DEV", middleware=litestar())
        yield


def normalize_username(username: str) -> str:
    return unicodedata.normalize("NFKC", username).casefold().strip()


async def start_session(request: AnyRequest, user_id: str, status_code: int) -> Response[Any]:
    auth: Auth = request.app.state.auth
    session = await auth.create_session(user_id=user_id, attributes={})
    auth.handle_request(request).set_session(session)  # queued; ASGICookies sends it
    return Response({"user_id": user_id}, status_code=status_code)


@post("/signup")
async def sign_up(request: AnyRequest, data: dict[str, str]) -> Response[Any]:
    key = {
        "provider_id": "username",
        "provider_user_id": normalize_username(data["username"]),
        "password": data["password"],
    }
    try:
        user = await request.app.state.auth.create_user(key=key, attributes={})
    except LuciaError:
        return Response({"detail": "username taken"}, status_code=400)
    return await start_session(request, user.user_id, 201)


@post("/login")
async def log_in(request: AnyRequest, data: dict[str, str]) -> Response[Any]:
    try:
        key = await request.app.state.auth.use_key(
            "username", normalize_username(data["username"]), data["password"]
        )
    except LuciaError:
        return Response({"detail": "incorrect username or password"}, status_code=400)
    return await start_session(request, key.user_id, 200)


@get("/me")
async def me(request: AnyRequest) -> Response[Any]:
    session = await request.app.state.auth.handle_request(request).validate()
    if session is None:
        return Response({"detail": "Not authenticated"}, status_code=401)
    return Response({"user_id": session.user.user_id})


@post("/logout")
async def log_out(request: AnyRequest) -> Response[Any]:
    auth: Auth = request.app.state.auth
    auth_request = auth.handle_request(request)
    session = await auth_request.validate()  # None for a cross-site POST: CSRF-checked
    if session is None:
        return Response({"detail": "Not authenticated"}, status_code=401)
    await auth.invalidate_session(session.session_id)
    auth_request.set_session(None)
    return Response(None, status_code=204)


app = Litestar([sign_up, log_in, me, log_out], middleware=[ASGICookies], lifespan=[lifespan])

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(os.environ.get("PORT", "8000")))
