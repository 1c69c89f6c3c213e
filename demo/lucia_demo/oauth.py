"""Sign in with an OpenID Provider in the demo, and linking it to an account on the profile page.

Configured by ``--oidc-issuer URL --oidc-client-id ID [--oidc-client-secret S] [--oidc-name NAME]``
(or the variables ``LUCIA_DEMO_OIDC_ISSUER``, ``_CLIENT_ID``, ``_CLIENT_SECRET``, ``_NAME``), or
by ``--local-oidc``, which starts the project's local OpenID Provider (npm ``oidc-provider``,
installed by ``scripts/oauth-servers.sh``; a checkout of the repository is needed) on a free
port of 127.0.0.1 with a client for this demo. Without them the demo has no OAuth at all.

Routes: ``GET /login/oidc`` (redirect to the provider with state, PKCE and nonce in short-lived
cookies), ``GET /login/oidc/callback`` (the state checked in constant time, the code exchanged,
the id_token verified; signs in, signs up, or links), ``GET /account/oidc/link`` and
``POST /account/oidc/unlink`` (from the profile page; the unlink same-origin only).
"""

# No "from __future__ import annotations": FastAPI reads the endpoints' annotations at runtime.

import argparse
import atexit
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from lucia_core import Auth, AuthRequest, LuciaError, Session
from lucia_core.frameworks.starlette import get_auth_request
from lucia_core.oauth import (
    IdTokenError,
    LinkingError,
    OAuthRequestError,
    OAuthStateError,
    link_provider,
    oauth_state_cookies,
    unlink_provider,
)
from lucia_core.oauth.providers import oidc
from lucia_core.oauth.providers.oidc import OidcAuth, OidcUserAuth

from .forms import USERNAME_MAX, USERNAME_MIN
from .storage import Storage

HERE = Path(__file__).parent
REPO = HERE.parents[1]
PROVIDER_ID = "oidc"
#: What the callback is for: "link" (from the profile page) or a sign-in. Lives with the state.
INTENT_COOKIE = "oidc_oauth_intent"
LOCAL_CLIENT_ID = "lucia-demo"
_NOT_USERNAME = re.compile(r"[^a-z0-9_-]+")


@dataclass(frozen=True)
class OidcSettings:
    """The OpenID Provider the demo offers ("Sign in with ``name``")."""

    issuer: str
    client_id: str
    client_secret: str | None = None
    name: str = "OpenID"

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> "OidcSettings | None":
        """From ``LUCIA_DEMO_OIDC_*``; None when no issuer is configured."""
        environ = os.environ if environ is None else environ
        issuer = environ.get("LUCIA_DEMO_OIDC_ISSUER")
        if not issuer:
            return None
        client_id = environ.get("LUCIA_DEMO_OIDC_CLIENT_ID")
        if not client_id:
            raise ValueError("LUCIA_DEMO_OIDC_CLIENT_ID is required with LUCIA_DEMO_OIDC_ISSUER")
        return cls(
            issuer=issuer,
            client_id=client_id,
            client_secret=environ.get("LUCIA_DEMO_OIDC_CLIENT_SECRET") or None,
            name=environ.get("LUCIA_DEMO_OIDC_NAME") or cls.name,
        )


def take_arguments(argv: Sequence[str] | None) -> list[str]:
    """Read the ``--oidc-*`` and ``--local-oidc`` options out of ``argv`` into the environment
    (starting the local provider for ``--local-oidc``); the other arguments, for the demo's parser."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--oidc-issuer")
    parser.add_argument("--oidc-client-id")
    parser.add_argument("--oidc-client-secret")
    parser.add_argument("--oidc-name")
    parser.add_argument("--local-oidc", action="store_true")
    known, rest = parser.parse_known_args(argv)
    values = {
        "LUCIA_DEMO_OIDC_ISSUER": known.oidc_issuer,
        "LUCIA_DEMO_OIDC_CLIENT_ID": known.oidc_client_id,
        "LUCIA_DEMO_OIDC_CLIENT_SECRET": known.oidc_client_secret,
        "LUCIA_DEMO_OIDC_NAME": known.oidc_name,
    }
    os.environ.update({name: value for name, value in values.items() if value})
    if known.local_oidc:
        rest = _start_local_provider(rest)
    return rest


def _option(argv: list[str], name: str, default: str) -> str:
    for index, argument in enumerate(argv):
        if argument == name and index + 1 < len(argv):
            return argv[index + 1]
        if argument.startswith(name + "="):
            return argument.split("=", 1)[1]
    return default


def _start_local_provider(argv: list[str]) -> list[str]:
    """Start the local OpenID Provider for this demo's callback URL (picking the demo's port
    now when it is 0, as the provider must know the exact redirect URI)."""
    script = REPO / "scripts" / "oauth-servers.sh"
    if not script.exists() or shutil.which("node") is None:
        raise SystemExit(
            "lucia demo: --local-oidc needs a checkout of lucia-core and Node.js (apt-get install nodejs npm)"
        )
    host = _option(argv, "--host", os.environ.get("LUCIA_DEMO_HOST") or "127.0.0.1")
    port = int(_option(argv, "--port", os.environ.get("LUCIA_DEMO_PORT") or "8000"))
    if port == 0:
        with socket.socket() as probe:
            probe.bind((host, 0))
            port = probe.getsockname()[1]
        argv = [*argv, "--port", str(port)]
    bash = shutil.which("bash") or "/bin/bash"
    subprocess.run([bash, str(script), "install", "oidc"], check=True)  # noqa: S603
    modules = subprocess.run(  # noqa: S603
        [bash, str(script), "path", "oidc"], check=True, capture_output=True, text=True
    ).stdout.strip()
    secret = secrets.token_urlsafe(24)
    redirect_uri = f"http://{host}:{port}/login/oidc/callback"
    folder = Path(tempfile.mkdtemp(prefix="lucia-demo-oidc-"))
    config = folder / "config.json"
    client = {
        "client_id": LOCAL_CLIENT_ID,
        "client_secret": secret,
        "redirect_uris": [redirect_uri],
        "grant_types": ["authorization_code"],
        "response_types": ["code"],
    }
    config.write_text(json.dumps({"clients": [client]}))
    log = (folder / "server.log").open("w")
    process = subprocess.Popen(  # noqa: S603
        [
            shutil.which("node") or "node",
            str(REPO / "scripts" / "oauth-servers" / "oidc_server.mjs"),
            str(config),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "NODE_MODULES": modules},
    )
    atexit.register(process.terminate)
    deadline = time.monotonic() + 30
    while not (match := re.search(r"^listening (\S+)$", (folder / "server.log").read_text(), re.MULTILINE)):
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(
                f"lucia demo: the local OpenID Provider did not start:\n{(folder / 'server.log').read_text()}"
            )
        time.sleep(0.05)
    print(
        f"lucia demo: local OpenID Provider at {match.group(1)} (any login; log {folder}/server.log)",
        flush=True,
    )
    os.environ.update(
        {
            "LUCIA_DEMO_OIDC_ISSUER": match.group(1),
            "LUCIA_DEMO_OIDC_CLIENT_ID": LOCAL_CLIENT_ID,
            "LUCIA_DEMO_OIDC_CLIENT_SECRET": secret,
            "LUCIA_DEMO_OIDC_NAME": "Local OpenID",
        }
    )
    return argv


def username_for(user_auth: OidcUserAuth) -> str:
    """A username for a new account from the provider's claims (``preferred_username``, the
    email's local part, or ``user``), made of the demo's username characters."""
    claims = user_auth.oidc_user
    email = claims.get("email")
    local_part = email.split("@")[0] if isinstance(email, str) else ""
    for candidate in (claims.get("preferred_username"), local_part, "user"):
        if isinstance(candidate, str):
            name = _NOT_USERNAME.sub("-", candidate.lower()).strip("-")[: USERNAME_MAX - 3]
            if len(name) >= USERNAME_MIN:
                return name
    return "user"


class OidcSignIn:
    """The demo's OpenID sign-in: the provider per callback URL, the state cookies, the routes."""

    def __init__(self, auth: Auth, storage: Storage, settings: OidcSettings) -> None:
        self.auth = auth
        self.storage = storage
        self.settings = settings
        self.state_cookies = oauth_state_cookies(auth, PROVIDER_ID)
        self.templates = Jinja2Templates(directory=HERE / "templates")
        self._providers: dict[str, OidcAuth] = {}

    def provider(self, request: Request) -> OidcAuth:
        """The provider for this site's callback URL (discovery is fetched once per provider)."""
        redirect_uri = str(request.url_for("oidc_callback"))
        if redirect_uri not in self._providers:
            self._providers[redirect_uri] = oidc(
                self.auth,
                issuer=self.settings.issuer,
                client_id=self.settings.client_id,
                client_secret=self.settings.client_secret,
                redirect_uri=redirect_uri,
            )
        return self._providers[redirect_uri]

    def problem(self, request: Request, title: str, message: str, status_code: int = 400) -> Response:
        """A page saying why a sign-in or a link did not happen (never a traceback)."""
        return self.templates.TemplateResponse(
            request,
            "oauth_problem.html",
            {
                "user": None,
                "notice": None,
                "storage": self.storage.description,
                "title": title,
                "message": message,
            },
            status_code=status_code,
        )

    async def start(self, request: Request, intent: str) -> Response:
        """Redirect to the provider, the state and PKCE verifier in cookies."""
        try:
            url, code_verifier, state = await self.provider(request).get_authorization_url()
        except OAuthRequestError:
            return self.problem(
                request, "Sign-in unavailable", f"{self.settings.name} cannot be reached.", 502
            )
        response = RedirectResponse(url, status_code=303)
        self.state_cookies.start(get_auth_request(self.auth, request), state, code_verifier)
        response.set_cookie(INTENT_COOKIE, intent, max_age=600, httponly=True, samesite="lax")
        return response

    async def callback(self, request: Request) -> Response:
        """The provider's redirect back: check, exchange, then sign in, sign up or link."""
        auth_request = get_auth_request(self.auth, request)
        intent = request.cookies.get(INTENT_COOKIE)
        try:
            callback = self.state_cookies.finish(auth_request, request.query_params.get("state"))
        except OAuthStateError:
            return self.problem(
                request, "Sign-in refused", "This sign-in did not start here (its state does not match)."
            )
        code = request.query_params.get("code")
        if not code or callback.code_verifier is None:
            return self.problem(request, "Not signed in", f"{self.settings.name} did not sign you in.")
        try:
            user_auth = await self.provider(request).validate_callback(code, callback.code_verifier)
        except (OAuthRequestError, IdTokenError):
            return self.problem(request, "Not signed in", f"{self.settings.name} refused this sign-in.")
        session = await auth_request.validate()
        if intent == "link":
            response = await self.link(request, session, user_auth)
        else:
            response = await self.sign_in(request, auth_request, session, user_auth)
        response.delete_cookie(INTENT_COOKIE)
        return response

    async def link(self, request: Request, session: Session | None, user_auth: OidcUserAuth) -> Response:
        if session is None:
            return RedirectResponse("/login?notice=sign-in-required", status_code=303)
        try:
            await link_provider(user_auth, session.user.user_id)
        except LinkingError as error:
            message = {
                "ALREADY_LINKED": f"This {self.settings.name} account is linked to your account already.",
                "LINKED_TO_ANOTHER_USER": f"This {self.settings.name} account signs in to another account.",
            }.get(error.code, str(error))
            return self.problem(request, "Not linked", message, 409)
        return RedirectResponse("/profile", status_code=303)

    async def sign_in(
        self, request: Request, auth_request: AuthRequest, previous: Session | None, user_auth: OidcUserAuth
    ) -> Response:
        user = await user_auth.get_existing_user()
        notice = "signed-in"
        if user is None:
            user = await self.sign_up(user_auth)
            notice = "welcome"
        if previous is not None:
            await self.auth.invalidate_session(previous.session_id)
        session = await self.auth.create_session(
            user_id=user.user_id,
            attributes={
                "user_agent": request.headers.get("user-agent", "")[:255] or None,
                "created_at": int(time.time() * 1000),
            },
        )
        auth_request.set_session(session)
        return RedirectResponse(f"/profile?notice={notice}", status_code=303)

    async def sign_up(self, user_auth: OidcUserAuth) -> Any:
        """A new account for this provider account, with a free username derived from its claims."""
        base = username_for(user_auth)
        for attempt in range(1, 50):
            username = base if attempt == 1 else f"{base}-{attempt}"
            try:
                return await user_auth.create_user(attributes={"username": username})
            except LuciaError:
                raise
            except Exception as error:
                if not self.storage.is_unique_violation(error):
                    raise
        raise RuntimeError("no free username")

    async def unlink(self, request: Request, session: Session) -> Response:
        try:
            await unlink_provider(self.auth, session.user.user_id, PROVIDER_ID)
        except LinkingError:
            return self.problem(
                request,
                "Not unlinked",
                f"{self.settings.name} is your only way to sign in: it stays linked.",
                409,
            )
        return RedirectResponse("/profile", status_code=303)

    async def profile(self, session: Session) -> dict[str, Any]:
        """What the profile page shows of the link."""
        keys = await self.auth.get_all_user_keys(session.user.user_id)
        linked = any(key.provider_id == PROVIDER_ID for key in keys)
        return {"name": self.settings.name, "linked": linked, "can_unlink": linked and len(keys) > 1}


def install(app: FastAPI, auth: Auth, storage: Storage) -> None:
    """Add the OpenID sign-in to the demo when it is configured (a no-op otherwise)."""
    settings = OidcSettings.from_environment()
    if settings is None:
        return
    sign_in = OidcSignIn(auth, storage, settings)
    app.state.oidc = sign_in

    def same_origin(request: Request) -> bool:
        try:
            auth.validate_request_origin(get_auth_request(auth, request).context)
        except LuciaError:
            return False
        return True

    async def current_session(request: Request) -> Session | None:
        return await get_auth_request(auth, request).validate()

    @app.get("/login/oidc")
    async def oidc_login(request: Request) -> Response:
        return await sign_in.start(request, "sign-in")

    @app.get("/login/oidc/callback", name="oidc_callback")
    async def oidc_callback(request: Request) -> Response:
        return await sign_in.callback(request)

    # A link, not a form: the pages' CSP (form-action 'self') would block a form's redirect to the
    # provider. Starting a link from another site gains nothing: the callback links the account
    # the signed-in user proves at the provider, and only with this browser's state.
    @app.get("/account/oidc/link")
    async def oidc_link(request: Request) -> Response:
        if await current_session(request) is None:
            return RedirectResponse("/login?notice=sign-in-required", status_code=303)
        return await sign_in.start(request, "link")

    @app.post("/account/oidc/unlink")
    async def oidc_unlink(request: Request) -> Response:
        if not same_origin(request):
            return sign_in.problem(request, "Request refused", "This form was sent from another site.", 403)
        session = await current_session(request)
        if session is None:
            return RedirectResponse("/login?notice=sign-in-required", status_code=303)
        return await sign_in.unlink(request, session)


async def profile_context(app: FastAPI, session: Session) -> dict[str, Any]:
    """The template variables of the profile page's "Sign-in methods" card (none without OAuth)."""
    sign_in: OidcSignIn | None = getattr(app.state, "oidc", None)
    return {"oidc": await sign_in.profile(session)} if sign_in else {}


def login_context(app: FastAPI) -> dict[str, Any]:
    """The template variables of the login page's "Sign in with ..." button (none without OAuth)."""
    sign_in: OidcSignIn | None = getattr(app.state, "oidc", None)
    return {"oidc": {"name": sign_in.settings.name}} if sign_in else {}
