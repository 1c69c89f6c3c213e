"""Starlette on SQLite: the connection opened in the lifespan, the Auth in app.state.

DATABASE=app.db python starlette_app.py  (after: lucia-core schema sqlite --apply sqlite:///app.db)
"""

import os
import unicodedata
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiosqlite
import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from lucia_adapter_sqlite import sqlite_adapter
from lucia_core import Auth, LuciaError, lucia
from lucia_core.frameworks.asgi import ASGICookies
from lucia_core.middleware import starlette


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    async with aiosqlite.connect(os.environ.get("DATABASE", "app.db")) as connection:
        app.state.auth = lucia(adapter=sqlite_adapter(connection), env="DEV", middleware=starlette())
        yield


def normalize_username(username: str) -> str:
    return unicodedata.normalize("NFKC", username).casefold().strip()


async def sign_in(request: Request) -> Response:
    auth: Auth = request.app.state.auth
    body = await request.json()
    username, password = normalize_username(body["username"]), body["password"]
    try:
        if request.url.path == "/signup":
            key = {"provider_id": "username", "provider_user_id": username, "password": password}
            user_id = (await auth.create_user(key=key, attributes={})).user_id
        else:
            user_id = (await auth.use_key("username", username, password)).user_id
    except LuciaError:
        return JSONResponse({"detail": "incorrect username or password"}, status_code=400)
    session = await auth.create_session(user_id=user_id, attributes={})
    auth.handle_request(request).set_session(session)  # queued; ASGICookies sends it
    return JSONResponse({"user_id": user_id}, status_code=201 if request.url.path == "/signup" else 200)


async def me(request: Request) -> Response:
    session = await request.app.state.auth.handle_request(request).validate()
    if session is None:
        return JSONResponse({"detail": "Not authenticated"}, status_code=401)
    return JSONResponse({"user_id": session.user.user_id})


async def log_out(request: Request) -> Response:
    auth: Auth = request.app.state.auth
    auth_request = auth.handle_request(request)
    session = await auth_request.validate()  # None for a cross-site POST: CSRF-checked
    if session is None:
        return JSONResponse({"detail": "Not authenticated"}, status_code=401)
    await auth.invalidate_session(session.session_id)
    auth_request.set_session(None)
    return Response(status_code=204)


routes = [
    Route("/signup", sign_in, methods=["POST"]),
    Route("/login", sign_in, methods=["POST"]),
    Route("/me", me),
    Route("/logout", log_out, methods=["POST"]),
]
app = Starlette(routes=routes, middleware=[Middleware(ASGICookies)], lifespan=lifespan)

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(os.environ.get("PORT", "8000")))
