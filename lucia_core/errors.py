"""The one exception type of lucia-core, with a code the caller can act on."""

from __future__ import annotations

from typing import Literal, get_args

ErrorCode = Literal[
    "AUTH_INVALID_SESSION_ID",
    "AUTH_INVALID_PASSWORD",
    "AUTH_DUPLICATE_KEY_ID",
    "AUTH_INVALID_KEY_ID",
    "AUTH_INVALID_USER_ID",
    "AUTH_INVALID_REQUEST",
    "AUTH_NOT_AUTHENTICATED",
    "REQUEST_UNAUTHORIZED",
    "UNKNOWN_ERROR",
    "AUTH_OUTDATED_PASSWORD",
    "AUTH_INVALID_TOKEN",
    "AUTH_EXPIRED_TOKEN",
    "AUTH_TOO_MANY_ATTEMPTS",
]

ERROR_CODES: frozenset[str] = frozenset(get_args(ErrorCode))


class LuciaError(Exception):
    """An authentication failure the caller can act on.

    ``code`` is one of :data:`ErrorCode`; ``detail`` is an optional human-readable note that never
    contains secrets (passwords, session ids) or database driver messages. ``str(err)`` starts with
    the code, so ``str(err) == "AUTH_INVALID_KEY_ID"`` works as in Lucia v2's ``err.message``.
    """

    code: ErrorCode
    detail: str

    def __init__(self, code: ErrorCode, detail: str = "") -> None:
        if code not in ERROR_CODES:
            raise ValueError(f"unknown LuciaError code: {code!r}")
        self.code = code
        self.detail = detail
        super().__init__(f"{code}: {detail}" if detail else code)

    def __reduce__(self) -> tuple[type[LuciaError], tuple[str, str]]:
        return (type(self), (self.code, self.detail))
