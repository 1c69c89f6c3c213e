"""The web application: sign up, log in, the profile with its sessions, password change, sign out.

Every page is rendered on the server from ``templates/``; every action is an HTML form POST.
Lucia does the work through ``lucia_core.middleware``: :class:`ASGICookies` puts the session
cookie on whatever response an endpoint returns, and the FastAPI dependencies give each endpoint
the request's session (validated once per request, renewed when idle, cleared when invalid).

Every POST first passes Lucia's CSRF check (``Auth.validate_request_origin``: the ``Origin``
header must be this site's); a form posted from another site is refused with 403 and changes
nothing. Without that page, Lucia would still ignore the session cookie of such a request.
"""

# No "from __future__ import annotations": FastAPI reads the endpoints' annotations at runtime,
# and they name dependencies local to create_app().

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Form, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from lucia_core import AuthRequest, Env, LuciaError, PasswordHasher, Session
from lucia_core.frameworks.asgi import ASGICookies
from lucia_core.frameworks.fastapi import (
    auth_request_dependency,
    session_dependency,
)
from lucia_core.frameworks.starlette import get_auth_request
from lucia_core.throttling import Throttle

from . import development, oauth, password_reset, verification
from .authentication import USERNAME_PROVIDER, create_auth
from .forms import (
    could_be_credentials,
    email_problem,
    new_password_errors,
    normalize_username,
    password_problem,
    username_problem,
)
from .mail import Mail
from .presentation import backend_kind, describe_user_agent, format_datetime, from_unix_ms, relative_time
from .sign_in_limits import SignInLimits, default_throttle
from .site import Site
from .storage import Storage

HERE = Path(__file__).parent

#: The one answer to a failed login, whether the username exists or not.
INCORRECT_CREDENTIALS = "Incorrect username or password"
USERNAME_TAKEN = "That username is taken. Choose another one."

#: Messages shown after a redirect, chosen by the ``notice`` query parameter (never echoed as is).
NOTICES: Mapping[str, str] = {
    "welcome": "Welcome! Your account is ready and you are signed in.",
    "signed-in": "You are signed in.",
    "signed-out": "You are signed out.",
    "sign-in-required": "Log in to continue.",
    "password-changed": "Password changed. Every other session was signed out.",
    "others-signed-out": "Every other session was signed out.",
    "email-verified": "Your email address is verified.",
    "verification-sent": "A new code and link are on their way to your address.",
    "reset-sent": "If that account exists, a link to set a new password is on its way to its email address.",
    "password-reset": "Password set. Every other session was signed out, and this browser is signed in.",
}

# Headers on every response: no framing, forms only to this site, no referrer to other sites.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

_USER_AGENT_LIMIT = 255


class CrossSiteRequest(Exception):
    """A POST whose ``Origin`` is not this site: refused with 403."""


class SignInRequired(Exception):
    """A page or action that needs a session, asked for without one: redirected to the login page."""


def now_ms() -> int:
    """The current time in unix milliseconds."""
    return int(time.time() * 1000)


def create_app(
    storage: Storage,
    *,
    env: Env = "DEV",
    password_hash: PasswordHasher | None = None,
    mail: Mail | None = None,
    public_url: str | None = None,
    throttle: Throttle | None = None,
) -> FastAPI:
    """The demo application over an open :class:`Storage` (the caller closes it).

    ``env`` and ``password_hash`` are passed to Lucia (see :func:`create_auth`). The ``Auth`` is
    ``app.state.auth``; ``app.state.mail`` is ``mail`` (default: a development mailbox, which
    the caller closes with ``await app.state.mail.aclose()``). Links in mail point to
    ``public_url``; ``throttle`` limits sign-in and code attempts (default: one in memory).
    """
    auth = create_auth(storage.adapter, env=env, password_hash=password_hash)
    mail = mail or Mail(env=env)
    limits = SignInLimits(auth, throttle or default_throttle(env))
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.filters["datetime"] = format_datetime
    templates.env.filters["relative"] = relative_time

    app = FastAPI(title="lucia-core demo", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.auth = auth
    app.state.mail = mail
    app.add_middleware(ASGICookies)
    app.add_middleware(BaseHTTPMiddleware, dispatch=_add_security_headers)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    oauth.install(app, auth, storage)  # "Sign in with ..." when an OpenID Provider is configured

    CurrentSession = Annotated[Session | None, Depends(session_dependency(auth, bearer=False))]
    Authentication = Annotated[AuthRequest, Depends(auth_request_dependency(auth))]

    async def same_origin(request: Request) -> None:
        """Lucia's CSRF check on the request's own context, answered with a 403 page."""
        try:
            auth.validate_request_origin(get_auth_request(auth, request).context)
        except LuciaError as error:
            raise CrossSiteRequest from error

    async def signed_in(session: CurrentSession) -> Session:
        if session is None:
            raise SignInRequired
        return session

    SignedIn = Annotated[Session, Depends(signed_in)]
    checked = [Depends(same_origin)]

    def render(
        request: Request,
        template: str,
        current: Session | None,
        status_code: int = 200,
        **context: Any,
    ) -> Response:
        notice = NOTICES.get(request.query_params.get("notice", ""))
        return templates.TemplateResponse(
            request,
            template,
            {
                "user": current.user if current else None,
                "notice": notice,
                "storage": backend_kind(storage.adapter),
            }
            | context,
            status_code=status_code,
        )

    def redirect(path: str) -> Response:
        return RedirectResponse(path, status_code=303)

    async def end_previous_session(auth_request: AuthRequest) -> None:
        """Signing in again from a signed-in browser: its old session is ended, not left behind."""
        previous = await auth_request.validate()
        if previous is not None:
            await auth.invalidate_session(previous.session_id)

    async def start_session(request: Request, auth_request: AuthRequest, user_id: str) -> None:
        """A new session for this browser, its cookie set on the response."""
        session = await auth.create_session(
            user_id=user_id,
            attributes={
                "user_agent": request.headers.get("user-agent", "")[:_USER_AGENT_LIMIT] or None,
                "created_at": now_ms(),
            },
        )
        auth_request.set_session(session)

    site = Site(
        auth=auth,
        mail=mail,
        render=render,
        redirect=redirect,
        current_session=session_dependency(auth, bearer=False),
        signed_in=signed_in,
        same_origin=same_origin,
        auth_request=auth_request_dependency(auth),
        start_session=start_session,
        end_previous_session=end_previous_session,
        env=env,
        public_url=public_url,
        limits=limits,
    )
    for module in (verification, password_reset, development):
        app.include_router(module.routes(site))

    @app.exception_handler(CrossSiteRequest)
    async def refuse_cross_site(request: Request, error: CrossSiteRequest) -> Response:
        return render(request, "refused.html", None, status_code=403)

    @app.exception_handler(SignInRequired)
    async def ask_to_sign_in(request: Request, error: SignInRequired) -> Response:
        return redirect("/login?notice=sign-in-required")

    @app.get("/")
    async def home(session: CurrentSession) -> Response:
        return redirect("/profile" if session else "/login")

    @app.get("/signup")
    async def signup_page(request: Request, session: CurrentSession) -> Response:
        if session is not None:
            return redirect("/profile")
        return render(request, "signup.html", None, errors={}, username="", email="")

    @app.post("/signup", dependencies=checked)
    async def signup(
        request: Request,
        auth_request: Authentication,
        username: Annotated[str, Form()] = "",
        email: Annotated[str, Form()] = "",
        password: Annotated[str, Form()] = "",
    ) -> Response:
        username, email = normalize_username(username), email.strip()
        errors = {
            field: problem
            for field, problem in (
                ("username", username_problem(username)),
                ("email", email_problem(email)),
                ("password", password_problem(password)),
            )
            if problem is not None
        }
        if not errors:
            key = {"provider_id": USERNAME_PROVIDER, "provider_user_id": username, "password": password}
            try:
                attributes = {"username": username, "email": email, "email_verified": 0}
                user = await auth.create_user(key=key, attributes=attributes)
            except LuciaError as error:
                if error.code != "AUTH_DUPLICATE_KEY_ID":
                    raise
                errors["username"] = USERNAME_TAKEN
            except Exception as error:
                # The unique username index of the user table can fire before the key's check.
                if not storage.is_unique_violation(error):
                    raise
                errors["username"] = USERNAME_TAKEN
            else:
                await end_previous_session(auth_request)
                await start_session(request, auth_request, user.user_id)
                await verification.send_verification(site, request, user.user_id, email)
                response = redirect("/profile?notice=welcome")
                device = await limits.succeeded(request, username, user.user_id)
                response.headers.append("set-cookie", device.serialize())
                return response
        return render(
            request, "signup.html", None, status_code=400, errors=errors, username=username, email=email
        )

    @app.get("/login")
    async def login_page(request: Request, session: CurrentSession) -> Response:
        if session is not None:
            return redirect("/profile")
        return render(request, "login.html", None, error=None, username="", **oauth.login_context(app))

    @app.post("/login", dependencies=checked)
    async def login(
        request: Request,
        auth_request: Authentication,
        username: Annotated[str, Form()] = "",
        password: Annotated[str, Form()] = "",
    ) -> Response:
        username = normalize_username(username)
        error = INCORRECT_CREDENTIALS
        limited = await limits.check_sign_in(request, username)
        if limited is not None:
            return render(request, "login.html", None, status_code=429, error=limited, username=username)
        if could_be_credentials(username, password):
            try:
                key = await auth.use_key(USERNAME_PROVIDER, username, password)
            except LuciaError as failure:
                if failure.code == "AUTH_OUTDATED_PASSWORD":
                    error = "This account's password was stored in a format no longer accepted: reset it."
                elif failure.code not in ("AUTH_INVALID_KEY_ID", "AUTH_INVALID_PASSWORD"):
                    raise
            else:
                await end_previous_session(auth_request)
                await start_session(request, auth_request, key.user_id)
                response = redirect("/profile?notice=signed-in")
                device = await limits.succeeded(request, username, key.user_id)
                response.headers.append("set-cookie", device.serialize())
                return response
        await limits.failed_sign_in(request, username)
        return render(request, "login.html", None, status_code=400, error=error, username=username)

    @app.post("/logout", dependencies=checked)
    async def logout(session: SignedIn, auth_request: Authentication) -> Response:
        await auth.invalidate_session(session.session_id)
        auth_request.set_session(None)  # the blank, expired cookie
        return redirect("/login?notice=signed-out")

    @app.get("/profile")
    async def profile(request: Request, session: SignedIn) -> Response:
        sessions = await auth.get_all_user_sessions(session.user.user_id)
        rows = sorted(
            (_session_row(item, current=item.session_id == session.session_id) for item in sessions),
            key=lambda row: (not row["current"], -row["created_sort"]),
        )
        oauth_methods = await oauth.profile_context(app, session)
        return render(request, "profile.html", session, session=session, sessions=rows, **oauth_methods)

    @app.post("/sessions/sign-out-others", dependencies=checked)
    async def sign_out_others(session: SignedIn) -> Response:
        for other in await auth.get_all_user_sessions(session.user.user_id):
            if other.session_id != session.session_id:
                await auth.invalidate_session(other.session_id)
        await auth.delete_dead_user_sessions(session.user.user_id)
        return redirect("/profile?notice=others-signed-out")

    @app.get("/password")
    async def password_page(request: Request, session: SignedIn) -> Response:
        return render(request, "password.html", session, errors={})

    @app.post("/password", dependencies=checked)
    async def change_password(
        request: Request,
        session: SignedIn,
        auth_request: Authentication,
        current_password: Annotated[str, Form()] = "",
        new_password: Annotated[str, Form()] = "",
        confirm_password: Annotated[str, Form()] = "",
    ) -> Response:
        errors = new_password_errors(new_password, confirm_password)
        username = session.user.username
        try:
            await auth.use_key(USERNAME_PROVIDER, username, current_password)
        except LuciaError as failure:
            if failure.code not in ("AUTH_INVALID_PASSWORD", "AUTH_OUTDATED_PASSWORD", "AUTH_INVALID_KEY_ID"):
                raise
            errors["current_password"] = "Your current password is incorrect."  # noqa: S105 (a message)
        if errors:
            return render(request, "password.html", session, status_code=400, errors=errors)
        await auth.update_key_password(USERNAME_PROVIDER, username, new_password)
        # Whoever knew the old password may hold a session: end them all, then sign this browser in again.
        await auth.invalidate_all_user_sessions(session.user.user_id)
        await start_session(request, auth_request, session.user.user_id)
        return redirect("/profile?notice=password-changed")

    return app


def _session_row(session: Session, *, current: bool) -> dict[str, Any]:
    """What the sessions table shows of one session."""
    created = from_unix_ms(session.attributes.get("created_at"))
    return {
        "current": current,
        "device": describe_user_agent(session.attributes.get("user_agent")),
        "created": created,
        "created_sort": created.timestamp() if created else 0.0,
        "state": session.state,
        "active_until": session.active_period_expires_at,
        "idle_until": session.idle_period_expires_at,
    }


async def _add_security_headers(request: Request, call_next: RequestResponseEndpoint) -> Response:
    response = await call_next(request)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if not request.url.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


__all__ = ["INCORRECT_CREDENTIALS", "NOTICES", "USERNAME_TAKEN", "create_app", "now_ms"]
