"""The short-lived cookies of one sign-in: the ``state`` (and PKCE code verifier) between the
redirect to the provider and its callback.

In any framework lucia-core's middleware supports: :meth:`OAuthStateCookies.start` sets them
through ``auth.handle_request(...)`` (as ``AuthRequest.set_session`` sets the session cookie),
and :meth:`OAuthStateCookies.finish` checks the callback's ``state`` and clears them. Without a
middleware, :meth:`~OAuthStateCookies.create` gives :class:`lucia_core.Cookie` objects
(``cookie.serialize()`` is a ``Set-Cookie`` value) and :meth:`~OAuthStateCookies.validate`
reads a ``Cookie`` header. The
cookies are ``HttpOnly``, ``SameSite=Lax`` (sent on the provider's top-level redirect back),
``Secure`` when the ``Auth`` runs in PROD, and live 10 minutes; :meth:`~OAuthStateCookies.clear`
gives the cookies that delete them, to set on the callback's response whatever its outcome.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from ..cookie import Cookie, CookieAttributes, parse_cookie
from ..masking import mask

if TYPE_CHECKING:
    from ..auth import Auth
    from ..request import AuthRequest

DEFAULT_MAX_AGE = timedelta(minutes=10)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_NAME = re.compile(r"[A-Za-z0-9_\-]{1,64}")


class OAuthStateError(ValueError):
    """The callback's ``state`` is missing, or differs from the one in its cookie: a forged or
    stale callback. Answer 400 and start over."""


@dataclass(frozen=True, repr=False)
class OAuthCallback:
    """What the cookies held, once the callback's state matched: the PKCE ``code_verifier``
    (None for a provider without PKCE). Its repr masks the verifier."""

    code_verifier: str | None

    def __repr__(self) -> str:
        # With the callback's code, the verifier redeems the user's tokens: keep it out of logs.
        shown = None if self.code_verifier is None else mask(self.code_verifier)
        return f"OAuthCallback(code_verifier={shown!r})"


def _name_prefix(secure: bool, path: str) -> str:
    """``__Host-`` for Secure cookies on ``/``, ``__Secure-`` for Secure cookies elsewhere.

    A sibling subdomain can set a cookie for the parent domain (cookie tossing), for a deeper path
    so that it is sent first: with its own state and a code of the attacker's account, the
    callback would sign the user in as the attacker (login CSRF, the very thing the state is
    for). Browsers let no other host set or shadow a ``__Host-`` cookie, and no insecure origin a
    ``__Secure-`` one.
    """
    if not secure:
        return ""
    return "__Host-" if path == "/" else "__Secure-"


class OAuthStateCookies:
    """The state cookies of one provider, named ``{provider_id}_oauth_state`` and
    ``{provider_id}_oauth_code_verifier``, prefixed with ``__Host-`` when the ``Auth`` runs in
    PROD (``__Secure-`` with a path other than ``/``), so that no other host can set them."""

    def __init__(
        self, auth: Auth, provider_id: str = "oauth", *, max_age: timedelta = DEFAULT_MAX_AGE, path: str = "/"
    ) -> None:
        if not isinstance(provider_id, str) or not _NAME.fullmatch(provider_id):
            raise ValueError("provider_id must be 1-64 characters of [A-Za-z0-9_-]")
        if not isinstance(max_age, timedelta) or max_age <= timedelta(0):
            raise ValueError("max_age must be a positive timedelta")
        if not isinstance(path, str) or not path.startswith("/"):
            raise ValueError('path must be a str starting with "/"')
        self.auth = auth
        prefix = _name_prefix(auth.config.env == "PROD", path)
        self.state_name = f"{prefix}{provider_id}_oauth_state"
        self.code_verifier_name = f"{prefix}{provider_id}_oauth_code_verifier"
        self.max_age = max_age
        self.path = path

    def _attributes(self) -> CookieAttributes:
        return CookieAttributes(
            http_only=True, same_site="lax", secure=self.auth.config.env == "PROD", path=self.path
        )

    def create(self, state: str, code_verifier: str | None = None) -> list[Cookie]:
        """The cookies to set on the response that redirects to the provider."""
        if not isinstance(state, str) or not state:
            raise ValueError("state must be a non-empty str")
        attributes = self._attributes()
        attributes["max_age"] = int(self.max_age.total_seconds())
        cookies = [Cookie(self.state_name, state, attributes)]
        if code_verifier is not None:
            if not isinstance(code_verifier, str) or not code_verifier:
                raise ValueError("code_verifier must be a non-empty str")
            cookies.append(Cookie(self.code_verifier_name, code_verifier, attributes))
        return cookies

    def clear(self) -> list[Cookie]:
        """Blank, already expired cookies that delete both (set them on the callback's response)."""
        attributes = self._attributes()
        attributes["max_age"] = 0
        attributes["expires"] = _EPOCH
        return [Cookie(self.state_name, "", attributes), Cookie(self.code_verifier_name, "", attributes)]

    def validate(self, cookie_header: str | None, state: str | None) -> OAuthCallback:
        """Check the callback's ``state`` (its query parameter) against the state cookie, in
        constant time; the stored code verifier. OAuthStateError when the cookie or the parameter
        is missing or they differ."""
        cookies = parse_cookie(cookie_header) if isinstance(cookie_header, str) else {}
        return self.validate_cookies(cookies, state)

    def validate_cookies(self, cookies: Mapping[str, str], state: str | None) -> OAuthCallback:
        """:meth:`validate` for a framework's already-parsed cookies (``request.cookies``)."""
        stored = cookies.get(self.state_name)
        if not isinstance(state, str) or not state or not isinstance(stored, str) or not stored:
            raise OAuthStateError("OAUTH_INVALID_STATE: the state or its cookie is missing")
        if not hmac.compare_digest(stored.encode(), state.encode()):
            raise OAuthStateError("OAUTH_INVALID_STATE: the state does not match its cookie")
        verifier = cookies.get(self.code_verifier_name)
        return OAuthCallback(code_verifier=verifier or None)

    def start(self, auth_request: AuthRequest, state: str, code_verifier: str | None = None) -> None:
        """Set the cookies of a new sign-in on the response of ``auth_request`` (the redirect)."""
        set_cookie = auth_request.context.set_cookie
        if set_cookie is None:
            raise RuntimeError("this request cannot set cookies: give handle_request the response too")
        for cookie in self.create(state, code_verifier):
            set_cookie(cookie)

    def finish(self, auth_request: AuthRequest, state: str | None) -> OAuthCallback:
        """Check the callback's ``state`` against its cookie and clear both cookies (whatever
        the outcome: a state is used once). OAuthStateError when it does not match."""
        context = auth_request.context
        if context.set_cookie is not None:
            for cookie in self.clear():
                context.set_cookie(cookie)
        return self.validate(context.header("cookie"), state)


def oauth_state_cookies(
    auth: Auth, provider_id: str = "oauth", *, max_age: timedelta = DEFAULT_MAX_AGE, path: str = "/"
) -> OAuthStateCookies:
    """The :class:`OAuthStateCookies` of ``provider_id``."""
    return OAuthStateCookies(auth, provider_id, max_age=max_age, path=path)
