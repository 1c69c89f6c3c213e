"""The demo's mail: sent over SMTP, and in development received by an SMTP server of its own.

Settings, from the environment:

- ``LUCIA_DEMO_SMTP_HOST`` / ``LUCIA_DEMO_SMTP_PORT`` (default 587): the SMTP server for real
  use. Without a host, the demo in development (``LUCIA_DEMO_ENV=DEV``) starts its own server
  (aiosmtpd, on 127.0.0.1 at a free port) and lists what it received at ``/dev/mail``; in
  production a host is required.
- ``LUCIA_DEMO_SMTP_USERNAME`` / ``LUCIA_DEMO_SMTP_PASSWORD``: log in to it (after STARTTLS).
- ``LUCIA_DEMO_SMTP_STARTTLS``: ``1`` (the default with a host) or ``0``.
- ``LUCIA_DEMO_MAIL_FROM``: the sender, default ``lucia demo <no-reply@localhost>``.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.smtp import SMTP, Envelope, Session

DEFAULT_SENDER = "lucia demo <no-reply@localhost>"
#: Messages the development mailbox keeps (the oldest are dropped first).
MAILBOX_LIMIT = 200
_SMTP_TIMEOUT = 10.0


@dataclass(frozen=True)
class MailSettings:
    """Where mail goes. ``host`` None means the development mailbox."""

    host: str | None = None
    port: int = 587
    sender: str = DEFAULT_SENDER
    username: str | None = None
    password: str | None = None
    starttls: bool = True

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> MailSettings:
        """The ``LUCIA_DEMO_SMTP_*`` and ``LUCIA_DEMO_MAIL_FROM`` settings; ValueError for a bad port."""
        port_text = environ.get("LUCIA_DEMO_SMTP_PORT") or str(cls.port)
        if not port_text.isdigit() or not 0 < int(port_text) <= 65535:
            raise ValueError(f"LUCIA_DEMO_SMTP_PORT must be a port number, not {port_text!r}")
        return cls(
            host=environ.get("LUCIA_DEMO_SMTP_HOST") or None,
            port=int(port_text),
            sender=environ.get("LUCIA_DEMO_MAIL_FROM") or DEFAULT_SENDER,
            username=environ.get("LUCIA_DEMO_SMTP_USERNAME") or None,
            password=environ.get("LUCIA_DEMO_SMTP_PASSWORD") or None,
            starttls=environ.get("LUCIA_DEMO_SMTP_STARTTLS", "1") != "0",
        )


@dataclass(frozen=True)
class ReceivedMessage:
    """A message the development mailbox received."""

    sender: str
    recipients: tuple[str, ...]
    subject: str
    text: str
    received_at: datetime


class Mailbox:
    """A real SMTP server (aiosmtpd) on loopback that keeps what it receives, for development."""

    def __init__(self, limit: int = MAILBOX_LIMIT) -> None:
        self.messages: deque[ReceivedMessage] = deque(maxlen=limit)
        self._server: asyncio.Server | None = None
        self.port = 0

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Listen on ``host`` (loopback) at ``port`` (0: any free one); returns the port."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: SMTP(self, hostname="localhost"), host, port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def aclose(self) -> None:
        """Stop listening."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """aiosmtpd's hook: a message arrived."""
        content = envelope.original_content or envelope.content or b""
        parsed = message_from_bytes(
            content if isinstance(content, bytes) else content.encode(), policy=policy.default
        )
        body = parsed.get_body(preferencelist=("plain",)) if isinstance(parsed, EmailMessage) else None
        self.messages.appendleft(
            ReceivedMessage(
                sender=str(envelope.mail_from or ""),
                recipients=tuple(envelope.rcpt_tos),
                subject=str(parsed.get("subject", "")),
                text=body.get_content().replace("\r\n", "\n") if body is not None else "",
                received_at=datetime.now(timezone.utc),
            )
        )
        return "250 Message accepted for delivery"


class Mailer:
    """Sends plain-text mail over SMTP (smtplib, in a worker thread: it blocks)."""

    def __init__(self, settings: MailSettings, *, port: int | None = None) -> None:
        self.settings = settings
        # The development mailbox: loopback, no TLS, at the port it listens on.
        self._host = settings.host or "127.0.0.1"
        self._port = settings.port if settings.host else (port or 0)
        self._tls = settings.starttls and settings.host is not None

    @property
    def where(self) -> str:
        """The SMTP server, for the log."""
        return f"{self._host}:{self._port}"

    async def send(self, to: str, subject: str, text: str) -> None:
        """Send one message; SMTP errors propagate (smtplib's exceptions)."""
        message = EmailMessage()
        message["From"] = self.settings.sender
        message["To"] = to
        message["Subject"] = subject
        message.set_content(text)
        await asyncio.to_thread(self._send, message)

    def _send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self._host, self._port, timeout=_SMTP_TIMEOUT) as client:
            if self._tls:
                client.starttls(context=ssl.create_default_context())
            if self.settings.username is not None:
                client.login(self.settings.username, self.settings.password or "")
            client.send_message(message)


class Mail:
    """The demo's mail: a :class:`Mailer` to the configured server, or in development to a
    :class:`Mailbox` of its own, started on first use (or by :meth:`start`)."""

    def __init__(self, settings: MailSettings | None = None, *, env: str = "DEV") -> None:
        self.settings = settings or MailSettings()
        if self.settings.host is None and env != "DEV":
            raise ValueError(
                "set LUCIA_DEMO_SMTP_HOST: in production the demo sends mail to a real SMTP server"
            )
        self.mailbox = Mailbox() if self.settings.host is None else None
        self._mailer: Mailer | None = None if self.mailbox is not None else Mailer(self.settings)
        self._starting = asyncio.Lock()

    async def start(self) -> Mailer:
        """The mailer, after starting the development mailbox if there is one."""
        async with self._starting:
            if self._mailer is None and self.mailbox is not None:
                port = await self.mailbox.start()
                self._mailer = Mailer(self.settings, port=port)
        assert self._mailer is not None
        return self._mailer

    async def send(self, to: str, subject: str, text: str) -> None:
        """Send one plain-text message."""
        await (await self.start()).send(to, subject, text)

    async def aclose(self) -> None:
        """Stop the development mailbox."""
        if self.mailbox is not None:
            await self.mailbox.aclose()
