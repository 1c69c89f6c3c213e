"""Password reset: "forgot password" mails a link; the link's page sets a new password.

The link holds a single-use token (an hour). Asking for it says the same whether the account
exists or not, and the mail is sent in the background so that timing does not tell either.
Opening the link changes nothing; setting the new password uses the token, ends every session
and every other token of the user, confirms the address (the mail reached it) and signs this
browser in with the new password.
"""

# No "from __future__ import annotations": FastAPI reads the endpoints' annotations at runtime.

import asyncio
import logging
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from lucia_core import AuthRequest, LuciaError, Session

from .authentication import USERNAME_PROVIDER
from .forms import new_password_errors, normalize_username, username_problem
from .site import Site

PURPOSE = "password-reset"
EXPIRES_IN = timedelta(hours=1)
BROKEN_LINK = "This reset link is not valid any more: it was used, replaced by a newer one, or expired."

_log = logging.getLogger("lucia_demo")


async def send_reset_link(site: Site, request: Request, username: str) -> None:
    """Mail a reset link to the account's address, if the account exists and has one."""
    try:
        key = await site.auth.get_key(USERNAME_PROVIDER, username)
    except LuciaError:
        return
    user = await site.auth.get_user(key.user_id)
    if not user.email:
        return
    token = await site.auth.create_token(user_id=user.user_id, purpose=PURPOSE, expires_in=EXPIRES_IN)
    link = site.link(request, "/reset-password", token=token)
    await site.mail.send(
        user.email,
        "Reset your password",
        f"Someone (we hope you) asked to reset the password of {username}.\n\n"
        f"Set a new one here: {link}\n\nThe link works once, for an hour. "
        "If you did not ask, ignore this mail: your password stays as it is.\n",
    )


def routes(site: Site) -> APIRouter:
    """``/forgot-password`` (ask for a link) and ``/reset-password`` (use it)."""
    router = APIRouter()
    CurrentSession = Annotated[Session | None, Depends(site.current_session)]
    Authentication = Annotated[AuthRequest, Depends(site.auth_request)]
    checked = [Depends(site.same_origin)]
    sending: set[asyncio.Task[None]] = set()

    async def send_in_background(request: Request, username: str) -> None:
        try:
            await send_reset_link(site, request, username)
        except Exception:  # logged: the person asking is told the same either way
            _log.exception("could not send a password reset mail")

    @router.get("/forgot-password")
    async def forgot_page(request: Request, current: CurrentSession) -> Response:
        return site.render(request, "forgot_password.html", current, username="")

    @router.post("/forgot-password", dependencies=checked)
    async def forgot(request: Request, username: Annotated[str, Form()] = "") -> Response:
        username = normalize_username(username)
        if username_problem(username) is None:
            task = asyncio.create_task(send_in_background(request, username))
            sending.add(task)
            task.add_done_callback(sending.discard)
        return site.redirect("/login?notice=reset-sent")

    @router.get("/reset-password")
    async def reset_page(request: Request, current: CurrentSession, token: str = "") -> Response:
        return site.render(request, "reset_password.html", current, token=token, errors={}, error=None)

    @router.post("/reset-password", dependencies=checked)
    async def reset(
        request: Request,
        current: CurrentSession,
        auth_request: Authentication,
        token: Annotated[str, Form()] = "",
        new_password: Annotated[str, Form()] = "",
        confirm_password: Annotated[str, Form()] = "",
    ) -> Response:
        errors = new_password_errors(new_password, confirm_password)
        if errors:  # the token stays unused: the person can try again
            return site.render(
                request,
                "reset_password.html",
                current,
                status_code=400,
                token=token,
                errors=errors,
                error=None,
            )
        try:
            used = await site.auth.use_token(token, purpose=PURPOSE)
        except LuciaError as error:
            if error.code not in ("AUTH_INVALID_TOKEN", "AUTH_EXPIRED_TOKEN"):
                raise
            return site.render(
                request,
                "reset_password.html",
                current,
                status_code=400,
                token="",
                errors={},
                error=BROKEN_LINK,
            )
        user = await site.auth.get_user(used.user_id)
        await site.auth.update_key_password(USERNAME_PROVIDER, user.username, new_password)
        # Whoever knew the old password, or holds another link or code, is out.
        await site.auth.invalidate_all_user_sessions(user.user_id)
        await site.auth.invalidate_user_tokens(user.user_id)
        await site.auth.update_user_attributes(user.user_id, {"email_verified": 1})
        await site.end_previous_session(auth_request)
        await site.start_session(request, auth_request, user.user_id)
        return site.redirect("/profile?notice=password-reset")

    return router
