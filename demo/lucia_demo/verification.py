"""Email verification: a code to type in, or a link to click, mailed at sign-up and on request.

The code (8 digits, 30 minutes) is checked with ``Auth.use_code``: single use, compared in
constant time, gone after 5 wrong tries, and throttled per user across processes when the site
has a throttle. The link carries a token of its own purpose; using either ends the other.
"""

# No "from __future__ import annotations": FastAPI reads the endpoints' annotations at runtime.

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from lucia_core import LuciaError, Session

from .site import Site

CODE_PURPOSE = "email-verification"
LINK_PURPOSE = "email-verification-link"
EXPIRES_IN = timedelta(minutes=30)

WRONG_CODE = "That code is not right, or it has expired. Check the mail, or send a new code."
BROKEN_LINK = "This verification link is not valid any more. Sign in and send a new one."


async def send_verification(site: Site, request: Request, user_id: str, email: str) -> None:
    """Mail the user a new code and a new link (replacing any earlier ones)."""
    code = await site.auth.create_code(user_id=user_id, purpose=CODE_PURPOSE, expires_in=EXPIRES_IN)
    token = await site.auth.create_token(user_id=user_id, purpose=LINK_PURPOSE, expires_in=EXPIRES_IN)
    link = site.link(request, "/verify-email/link", token=token)
    await site.mail.send(
        email,
        "Verify your email address",
        f"Your verification code is {code}\n\nOr open this link: {link}\n\n"
        "Both work once, for 30 minutes. If you did not sign up, ignore this mail.\n",
    )


async def mark_verified(site: Site, user_id: str) -> None:
    """The address is confirmed: record it, and end the other way of confirming it."""
    await site.auth.update_user_attributes(user_id, {"email_verified": 1})
    await site.auth.invalidate_user_tokens(user_id, CODE_PURPOSE)
    await site.auth.invalidate_user_tokens(user_id, LINK_PURPOSE)


def routes(site: Site) -> APIRouter:
    """The verification pages: ``/verify-email`` (the code), ``/verify-email/link`` (the link)."""
    router = APIRouter()
    SignedIn = Annotated[Session, Depends(site.signed_in)]
    CurrentSession = Annotated[Session | None, Depends(site.current_session)]
    checked = [Depends(site.same_origin)]

    @router.get("/verify-email")
    async def verify_page(request: Request, session: SignedIn) -> Response:
        if session.user.email_verified:
            return site.redirect("/profile")
        return site.render(request, "verify_email.html", session, error=None)

    @router.post("/verify-email", dependencies=checked)
    async def verify_code(request: Request, session: SignedIn, code: Annotated[str, Form()] = "") -> Response:
        user_id, limits = session.user.user_id, site.limits
        limited = await limits.check_code(user_id) if limits else None
        if limited is not None:
            return site.render(request, "verify_email.html", session, status_code=429, error=limited)
        try:
            await site.auth.use_code(user_id=user_id, purpose=CODE_PURPOSE, code=code.strip())
        except LuciaError as error:
            if error.code not in ("AUTH_INVALID_TOKEN", "AUTH_EXPIRED_TOKEN"):
                raise
            if limits:
                await limits.code_result(user_id, right=False)
            return site.render(request, "verify_email.html", session, status_code=400, error=WRONG_CODE)
        if limits:
            await limits.code_result(user_id, right=True)
        await mark_verified(site, user_id)
        return site.redirect("/profile?notice=email-verified")

    @router.post("/verify-email/resend", dependencies=checked)
    async def resend(request: Request, session: SignedIn) -> Response:
        if not session.user.email_verified and session.user.email:
            await send_verification(site, request, session.user.user_id, session.user.email)
        return site.redirect("/verify-email?notice=verification-sent")

    @router.get("/verify-email/link")
    async def link_page(request: Request, current: CurrentSession, token: str = "") -> Response:
        # Opening the link changes nothing (mail scanners open links too): the button does.
        return site.render(request, "verify_link.html", current, token=token, error=None)

    @router.post("/verify-email/link", dependencies=checked)
    async def verify_link(
        request: Request, current: CurrentSession, token: Annotated[str, Form()] = ""
    ) -> Response:
        try:
            used = await site.auth.use_token(token, purpose=LINK_PURPOSE)
        except LuciaError as error:
            if error.code not in ("AUTH_INVALID_TOKEN", "AUTH_EXPIRED_TOKEN"):
                raise
            return site.render(
                request, "verify_link.html", current, status_code=400, token="", error=BROKEN_LINK
            )
        await mark_verified(site, used.user_id)
        signed_in_here = current is not None and current.user.user_id == used.user_id
        return site.redirect(
            "/profile?notice=email-verified" if signed_in_here else "/login?notice=email-verified"
        )

    return router
