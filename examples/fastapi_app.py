"""FastAPI on PostgreSQL: the pool made in the lifespan, dependencies that find the Auth there.

DATABASE_URL=postgresql://... python fastapi_app.py  (after: lucia-core schema postgres --apply URL)
"""

import os
import unicodedata
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

import asyncpg
import uvicorn
from fastapi import Depends, FastAPI, HTTPException
from pydantic import BaseModel

from lucia_adapter_postgres import postgres_adapter
from lucia_core import Auth, AuthRequest, Env, LuciaError, Session, lucia
from lucia_core.frameworks.asgi import ASGICookies
from lucia_core.frameworks.fastapi import auth_request_dependency, find_auth, require_session
from lucia_core.middleware import starlette


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Auth]]:
    async with asyncpg.create_pool(os.environ["DATABASE_URL"]) as pool:
        env: Env = "PROD" if os.environ.get("HTTPS") else "DEV"  # PROD: Secure cookies (HTTPS)
        yield {"auth": lucia(adapter=postgres_adapter(pool), env=env, middleware=starlette())}


app = FastAPI(lifespan=lifespan)
app.add_middleware(ASGICookies)  # carries the session cookie to whatever response is sent
LuciaAuth = Annotated[Auth, Depends(find_auth)]  # the Auth the lifespan made
Authentication = Annotated[AuthRequest, Depends(auth_request_dependency())]
SignedIn = Annotated[Session, Depends(require_session())]  # the session, or 401


class Credentials(BaseModel):
    username: str
    password: str


def normalize_username(username: str) -> str:
    """One key per name however it is typed: compatibility forms (NFKC), any case, no edge spaces."""
    return unicodedata.normalize("NFKC", username).casefold().strip()


async def start_session(auth: Auth, auth_request: AuthRequest, user_id: str) -> dict[str, str]:
    session = await auth.create_session(user_id=user_id, attributes={})
    auth_request.set_session(session)  # the Set-Cookie goes on this response
    return {"user_id": user_id}


@app.post("/signup", status_code=201)
async def sign_up(body: Credentials, auth: LuciaAuth, auth_request: Authentication) -> dict[str, str]:
    key = {
        "provider_id": "username",
        "provider_user_id": normalize_username(body.username),
        "password": body.password,
    }
    try:
        user = await auth.create_user(key=key, attributes={})
    except LuciaError as error:  # AUTH_DUPLICATE_KEY_ID: the name is taken
        raise HTTPException(400, "username taken") from error
    return await start_session(auth, auth_request, user.user_id)


@app.post("/login")
async def log_in(body: Credentials, auth: LuciaAuth, auth_request: Authentication) -> dict[str, str]:
    try:
        key = await auth.use_key("username", normalize_username(body.username), body.password)
    except LuciaError as error:  # unknown name or wrong password: one answer for both
        raise HTTPException(400, "incorrect username or password") from error
    return await start_session(auth, auth_request, key.user_id)


@app.get("/me")
async def me(session: SignedIn) -> dict[str, str]:
    return {"user_id": session.user.user_id}


@app.post("/logout", status_code=204)
async def log_out(session: SignedIn, auth: LuciaAuth, auth_request: Authentication) -> None:
    await auth.invalidate_session(session.session_id)
    auth_request.set_session(None)  # clears the cookie


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(os.environ.get("PORT", "8000")))
