"""Development only: the page listing the mail the demo's own SMTP server received.

It exists only while the demo runs in development without an SMTP server configured
(``LUCIA_DEMO_ENV=DEV`` and no ``LUCIA_DEMO_SMTP_HOST``); in production it is never routed.
"""

# No "from __future__ import annotations": FastAPI reads the endpoints' annotations at runtime.

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from lucia_core import Session

from .site import Site


def routes(site: Site) -> APIRouter:
    """``/dev/mail``: every message received, newest first."""
    router = APIRouter()
    CurrentSession = Annotated[Session | None, Depends(site.current_session)]
    mailbox = site.mail.mailbox
    if mailbox is None or site.env != "DEV":
        return router

    @router.get("/dev/mail")
    async def received_mail(request: Request, current: CurrentSession) -> Response:
        await site.mail.start()  # so that the page names the server even before the first mail
        return site.render(
            request, "dev_mail.html", current, messages=list(mailbox.messages), port=mailbox.port
        )

    return router
