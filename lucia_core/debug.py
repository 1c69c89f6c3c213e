"""Debug mode: each decision logged on the ``lucia`` logger at DEBUG level, credentials masked
(:func:`lucia_core.masking.mask`)."""

from __future__ import annotations

import logging

logger = logging.getLogger("lucia")


class DebugLog:
    """Logs only when debug mode is on. Never pass a password to it."""

    __slots__ = ("enabled",)

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, message: str, *args: object) -> None:
        if self.enabled:
            logger.debug(message, *args)
