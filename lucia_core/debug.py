"""Debug mode: each decision logged on the ``lucia`` logger at DEBUG level, secrets redacted."""

from __future__ import annotations

import logging

logger = logging.getLogger("lucia")


def redact(secret: str) -> str:
    """Enough of a session id to tell sessions apart in a log, not enough to use it."""
    return f"{secret[:6]}...({len(secret)} chars)"


class DebugLog:
    """Logs only when debug mode is on. Never pass a password to it."""

    __slots__ = ("enabled",)

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, message: str, *args: object) -> None:
        if self.enabled:
            logger.debug(message, *args)
