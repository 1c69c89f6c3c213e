"""Serving the demo with uvicorn: open the storage, build the app, listen, close on exit."""

from __future__ import annotations

import socket
from collections.abc import Callable

import uvicorn

from .app import create_app
from .mail import Mail
from .settings import Settings
from .storage import open_storage

OnReady = Callable[[str, str], None]


def announce(url: str, storage: str) -> None:
    """What ``python -m lucia_demo`` prints once it listens."""
    print(f"lucia demo running at {url}  (data: {storage}; Ctrl+C to stop)", flush=True)


class _Server(uvicorn.Server):
    """A uvicorn server that reports its URL, with the port actually bound, once it listens."""

    def __init__(self, config: uvicorn.Config, on_listening: Callable[[str], None]) -> None:
        super().__init__(config)
        self._on_listening = on_listening

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            host, port = self.servers[0].sockets[0].getsockname()[:2]
            self._on_listening(f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}")


async def serve(settings: Settings, *, on_ready: OnReady = announce) -> None:
    """Run the demo until interrupted (Ctrl+C, SIGTERM).

    The schema is created before the server listens; ``on_ready(url, storage_description)`` is
    called once it does, with the actual port when ``settings.port`` is 0.
    """
    if settings.env != "DEV" and settings.public_url is None:
        raise ValueError("set LUCIA_DEMO_PUBLIC_URL: links in mail need the site's public URL")
    mail = Mail(settings.mail, env=settings.env)
    storage = await open_storage(settings.database_url, settings.session_url)
    try:
        mailer = await mail.start()
        where = "the development SMTP server (read it at /dev/mail)" if mail.mailbox else "SMTP"
        print(f"lucia demo: mail goes to {where} at {mailer.where}", flush=True)
        app = create_app(storage, env=settings.env, mail=mail, public_url=settings.public_url)
        config = uvicorn.Config(app, host=settings.host, port=settings.port, lifespan="off", log_level="info")
        await _Server(config, lambda url: on_ready(url, storage.description)).serve()
    finally:
        await mail.aclose()
        await storage.aclose()
