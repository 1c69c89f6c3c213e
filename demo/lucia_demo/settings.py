"""The demo's settings: where its data lives and where it listens, from the environment.

- ``LUCIA_DEMO_DATABASE_URL``: users and keys, and sessions unless ``LUCIA_DEMO_SESSION_URL`` is
  set: ``sqlite:///file.db``, ``postgresql://...``, ``mysql://...``, ``mongodb://host/database``.
  Default ``sqlite:///lucia-demo.sqlite3`` (a file in the current folder).
- ``LUCIA_DEMO_SESSION_URL``: sessions in Redis, ``redis://host:6379/0`` or
  ``redis-cluster://host:7000``. Default: none (sessions in the database).
- ``LUCIA_DEMO_HOST``: the address to listen on. Default ``127.0.0.1``.
- ``LUCIA_DEMO_PORT``: the port, 0 for any free one. Default ``8000``.
- ``LUCIA_DEMO_ENV``: ``DEV``, or ``PROD`` for ``Secure`` cookies (serve over HTTPS). Default ``DEV``.
- ``LUCIA_DEMO_PUBLIC_URL``: the site's address as its users reach it (``https://example.com``),
  for the links in mail; required in production. Default in development: the request's own URL.
- Mail: ``LUCIA_DEMO_SMTP_HOST``, ``LUCIA_DEMO_SMTP_PORT``, ``LUCIA_DEMO_MAIL_FROM`` and more (see
  :mod:`lucia_demo.mail`); without a host, development mail goes to the demo's own SMTP server.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from lucia_core import Env

from .mail import MailSettings
from .storage import DEFAULT_DATABASE_URL


@dataclass(frozen=True)
class Settings:
    """Where the demo keeps its data and where it listens."""

    database_url: str = DEFAULT_DATABASE_URL
    session_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    env: Env = "DEV"
    public_url: str | None = None
    mail: MailSettings = field(default_factory=MailSettings)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from the ``LUCIA_DEMO_*`` variables (``os.environ`` by default).

        Raises ValueError for a port that is not a number from 0 to 65535, or an env that is not
        DEV or PROD.
        """
        environ = os.environ if environ is None else environ
        port_text = environ.get("LUCIA_DEMO_PORT") or str(cls.port)
        if not port_text.isdigit() or int(port_text) > 65535:
            raise ValueError(f"LUCIA_DEMO_PORT must be a port number, not {port_text!r}")
        return cls(
            database_url=environ.get("LUCIA_DEMO_DATABASE_URL") or DEFAULT_DATABASE_URL,
            session_url=environ.get("LUCIA_DEMO_SESSION_URL") or None,
            host=environ.get("LUCIA_DEMO_HOST") or cls.host,
            port=int(port_text),
            env=_env(environ.get("LUCIA_DEMO_ENV") or cls.env),
            public_url=environ.get("LUCIA_DEMO_PUBLIC_URL") or None,
            mail=MailSettings.from_environment(environ),
        )


def _env(value: str) -> Env:
    if value == "DEV":
        return "DEV"
    if value == "PROD":
        return "PROD"
    raise ValueError(f'LUCIA_DEMO_ENV must be "DEV" or "PROD", not {value!r}')
