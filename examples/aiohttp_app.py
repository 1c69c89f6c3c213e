"""aiohttp on SQLite: the connection opened in a cleanup context, the Auth in the application.

DATABASE=app.db python aiohttp_app.py  (after: lucia-core schema sqlite --apply sqlite:///app.db)
"""

import os
import unicodedata
from collections.abc import AsyncIterator

import aiosqlite
from aiohttp import web

from lucia_adapter_sqlite import sqlite_adapter
from lucia_core import Auth, LuciaError, lucia
from lucia_core.frameworks import aiohttp as lucia_aiohttp
from lucia_core.middleware import aiohttp

AUTH = web.AppKey("auth", Auth)


async def database(app: web.Application) -> AsyncIterator[None]:
    async with aiosqlite.connect(os.environ.get("DATABASE", "app.db")) as connection:
        app[AUTH] = lucia(adapter=sqlite_adapter(connection), env="DEV", middleware=aiohttp())
        yield


def normalize_username(username: str) -> str:
    return unicodedata.normalize("NFKC", username).casefold().strip()


async def sign_in(request: web.Request) -> web.Response:
    auth = request.app[AUTH]
    body = await request.json()
    username, password = normalize_username(body["username"]), body["password"]
    try:
        if request.path == "/signup":
            key = {"provider_id": "username", "provider_user_id": username, "password": password}
            user_id = (await auth.create_user(key=key, attributes={})).user_id
        else:
            user_id = (await auth.use_key("username", username, password)).user_id
    except LuciaError:
        return web.json_response({"detail": "incorrect username or password"}, status=400)
    session = await auth.create_session(user_id=user_id, attributes={})
    auth.handle_request(request).set_session(session)  # queued; setup() sends it
    return web.json_response({"user_id": user_id}, status=201 if request.path == "/signup" else 200)


async def me(request: web.Request) -> web.Response:
    session = await request.app[AUTH].handle_request(request).validate()
    if session is None:
        return web.json_response({"detail": "Not authenticated"}, status=401)
    return web.json_response({"user_id": session.user.user_id})


async def log_out(request: web.Request) -> web.Response:
    auth = request.app[AUTH]
    auth_request = auth.handle_request(request)
    session = await auth_request.validate()  # None for a cross-site POST: CSRF-checked
    if session is None:
        return web.json_response({"detail": "Not authenticated"}, status=401)
    await auth.invalidate_session(session.session_id)
    auth_request.set_session(None)
    return web.Response(status=204)


def create_app() -> web.Application:
    app = web.Application()
    lucia_aiohttp.setup(app)  # adds the queued cookies to every response
    app.cleanup_ctx.append(database)
    app.router.add_post("/signup", sign_in)
    app.router.add_post("/login", sign_in)
    app.router.add_get("/me", me)
    app.router.add_post("/logout", log_out)
    return app


if __name__ == "__main__":
    web.run_app(create_app(), host="127.0.0.1", port=int(os.environ.get("PORT", "8000")))
