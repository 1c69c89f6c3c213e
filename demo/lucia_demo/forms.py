"""The checks on what people type into the forms, as the username-and-password guide has them.

Each check returns the message to show next to the field, or None when the value is fine.
"""

from __future__ import annotations

import re

USERNAME_MIN, USERNAME_MAX = 4, 31
PASSWORD_MIN, PASSWORD_MAX = 8, 255

_USERNAME_CHARACTERS = re.compile(r"[a-z0-9_-]+")


def normalize_username(username: str) -> str:
    """The username as stored and used as the key's provider user id: lowercased.

    Lowercasing first means ``Ada`` and ``ada`` are one account, whatever the database's collation.
    """
    return username.lower()


def username_problem(username: str) -> str | None:
    """Why a (normalized) username cannot be used for a new account, or None."""
    if not USERNAME_MIN <= len(username) <= USERNAME_MAX:
        return f"Usernames are {USERNAME_MIN} to {USERNAME_MAX} characters long."
    if not _USERNAME_CHARACTERS.fullmatch(username):
        return "Use only letters a-z, digits, hyphens (-) and underscores (_)."
    return None


EMAIL_MAX = 254
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def email_problem(email: str) -> str | None:
    """Why an email address cannot be used, or None (the mailed code proves it works)."""
    if len(email) > EMAIL_MAX or not _EMAIL.fullmatch(email):
        return "Enter an email address such as ada@example.com."
    return None


def password_problem(password: str) -> str | None:
    """Why a new password is not acceptable, or None."""
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        return f"Passwords are {PASSWORD_MIN} to {PASSWORD_MAX} characters long."
    return None


def new_password_errors(new_password: str, confirm_password: str) -> dict[str, str]:
    """The form errors of a new password and its confirmation, by field (empty when fine)."""
    problem = password_problem(new_password)
    if problem is not None:
        return {"new_password": problem}
    if new_password != confirm_password:
        return {"confirm_password": "The two new passwords do not match."}
    return {}


def could_be_credentials(username: str, password: str) -> bool:
    """Whether a login attempt is worth checking against the database at all.

    A username or password that no account can have is answered like a wrong password, without
    a database round trip.
    """
    return username_problem(username) is None and 1 <= len(password) <= PASSWORD_MAX
