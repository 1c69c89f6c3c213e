"""id_tokens: decoding (Lucia v2's, unverified) and verification against the issuer's JWK set.

Signatures are checked by joserfc; this module only chooses the key (by ``kid``), refuses
algorithms that do not belong in an id_token (``none``; HMAC, whose key would be the client
secret, known to more parties than the issuer) and compares the claims.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import time
from collections.abc import Collection, Mapping
from typing import Any

import httpx
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from .errors import IdTokenError, OAuthRequestError
from .http import build_request, send_json
from .locks import LoopLocks

DEFAULT_ALGORITHMS = ("RS256", "ES256", "PS256", "EdDSA")
#: Asymmetric JWS algorithms that may be named in ``algorithms``.
ALLOWED_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"}
)
#: How long a fetched JWK set is used before it is fetched again (an unknown kid refetches at once).
JWKS_MAX_AGE = 3600.0


def _b64url_json(segment: str) -> Any:
    padded = segment + "=" * (-len(segment) % 4)
    try:
        return json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError):
        raise ValueError("malformed id_token: a segment is not base64url-encoded JSON") from None


def decode_id_token(id_token: str) -> dict[str, Any]:
    """The claims of ``id_token`` WITHOUT verifying anything (Lucia v2's ``decodeIdToken``).

    Use :func:`verify_id_token` to trust them. ValueError when the token is not three dot-separated
    parts whose second is base64url-encoded JSON object.
    """
    if not isinstance(id_token, str):
        raise TypeError("the id_token must be a str")
    parts = id_token.split(".")
    if len(parts) != 3:
        raise ValueError("malformed id_token: expected three dot-separated parts")
    claims = _b64url_json(parts[1])
    if not isinstance(claims, dict):
        raise ValueError("malformed id_token: the payload is not a JSON object")
    return claims


class JwksCache:
    """JWK sets by URL, fetched on first use, kept :data:`JWKS_MAX_AGE` seconds, and fetched again
    at once (once per verification) when a token names a ``kid`` the cached set lacks."""

    def __init__(self, max_age: float = JWKS_MAX_AGE) -> None:
        self.max_age = max_age
        self._sets: dict[str, tuple[float, KeySet]] = {}
        self._locks = LoopLocks()

    async def get(
        self, jwks_uri: str, http_client: httpx.AsyncClient | None, *, refresh: bool = False
    ) -> KeySet:
        """The key set at ``jwks_uri``; ``refresh`` fetches it even when cached."""
        cached = self._sets.get(jwks_uri)
        if cached is not None and not refresh and self._fresh(cached):
            return cached[1]
        async with self._locks.get(jwks_uri):
            current = self._sets.get(jwks_uri)
            if current is not None and self._fresh(current) and (current is not cached or not refresh):
                return current[1]  # fresh, or fetched by another task while this one waited
            key_set = await _fetch_key_set(jwks_uri, http_client)
            self._sets[jwks_uri] = (time.monotonic(), key_set)
            return key_set

    def _fresh(self, entry: tuple[float, KeySet]) -> bool:
        return time.monotonic() - entry[0] < self.max_age

    def clear(self) -> None:
        """Forget every cached set."""
        self._sets.clear()


async def _fetch_key_set(jwks_uri: str, http_client: httpx.AsyncClient | None) -> KeySet:
    answer = await send_json(build_request("GET", jwks_uri), http_client)
    keys = answer.body.get("keys")
    if not isinstance(keys, list):
        raise answer.error("the JWK set has no 'keys' list")
    # Keys for signatures only: skip encryption keys and symmetric ones, and any joserfc cannot read.
    usable = [
        key
        for key in keys
        if isinstance(key, dict) and key.get("use", "sig") == "sig" and key.get("kty") in ("RSA", "EC", "OKP")
    ]
    try:
        key_set: KeySet = KeySet.import_key_set({"keys": usable})
    except (JoseError, ValueError, TypeError) as error:
        raise OAuthRequestError(answer.request, answer.response, f"unreadable JWK set: {error}") from error
    return key_set


#: The cache :func:`verify_id_token` uses unless given another.
default_jwks_cache = JwksCache()


def check_algorithms(algorithms: Collection[str]) -> tuple[str, ...]:
    """``algorithms`` as a tuple; ValueError when it is empty or names ``none``, HMAC or an unknown one."""
    if isinstance(algorithms, str):
        raise TypeError("algorithms must be a collection of str, not a str")
    chosen = tuple(algorithms)
    refused = [name for name in chosen if name not in ALLOWED_ALGORITHMS]
    if not chosen or refused:
        raise ValueError(
            "algorithms must name asymmetric JWS algorithms only (none and HMAC are refused): "
            f"{refused or chosen}"
        )
    return chosen


def _pick_key(key_set: KeySet, kid: str | None, alg: str) -> Any:
    if kid is not None:
        return key_set.get_by_kid(kid)
    kty = {"R": "RSA", "P": "RSA", "E": "EC"}.get(alg[0], "OKP")
    candidates = [key for key in key_set.keys if key.key_type == kty]
    if len(candidates) != 1:
        raise KeyError("no kid in the token and no single key of its type")
    return candidates[0]


async def verify_signed_jwt(
    token: str,
    *,
    jwks_uri: str,
    algorithms: Collection[str] = DEFAULT_ALGORITHMS,
    http_client: httpx.AsyncClient | None = None,
    jwks_cache: JwksCache | None = None,
) -> dict[str, Any]:
    """The claims of the JWS ``token`` once its signature checks out against the set at
    ``jwks_uri``; no claim is checked. IdTokenError for any failure of the token."""
    allowed = check_algorithms(algorithms)
    cache = jwks_cache or default_jwks_cache
    if not isinstance(token, str) or token.count(".") != 2:
        raise IdTokenError("malformed token: expected three dot-separated parts")
    try:
        header = _b64url_json(token.split(".")[0])
    except ValueError as error:
        raise IdTokenError(str(error)) from None
    alg = header.get("alg") if isinstance(header, dict) else None
    if not isinstance(alg, str) or alg not in allowed:
        raise IdTokenError(f"signature: algorithm {alg!r} is not allowed (allowed: {', '.join(allowed)})")
    kid = header.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise IdTokenError("signature: the kid is not a str")
    key_set = await cache.get(jwks_uri, http_client)
    try:
        key = _pick_key(key_set, kid, alg)
    except (KeyError, ValueError, JoseError):
        # An unknown kid: the issuer may have rotated its keys since the set was fetched.
        key_set = await cache.get(jwks_uri, http_client, refresh=True)
        try:
            key = _pick_key(key_set, kid, alg)
        except (KeyError, ValueError, JoseError):
            raise IdTokenError(f"signature: no key {kid!r} in the issuer's JWK set") from None
    try:
        verified = jws.deserialize_compact(token, key, algorithms=[alg])
    except (JoseError, ValueError, TypeError) as error:
        raise IdTokenError(f"signature: invalid ({type(error).__name__})") from None
    try:
        claims = json.loads(verified.payload)
    except ValueError:
        raise IdTokenError("malformed token: the payload is not JSON") from None
    if not isinstance(claims, dict):
        raise IdTokenError("malformed token: the payload is not a JSON object")
    return claims


def _number(claims: Mapping[str, Any], name: str) -> float:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise IdTokenError(f"{name}: missing or not a number")
    return float(value)


def check_claims(
    claims: Mapping[str, Any],
    *,
    issuer: str,
    audience: str,
    nonce: str | None = None,
    leeway: float = 60,
    now: float | None = None,
) -> None:
    """Check ``iss``, ``aud``/``azp``, ``exp``, ``iat`` and ``nonce`` as :func:`verify_id_token` says."""
    if claims.get("iss") != issuer:
        raise IdTokenError(f"iss: expected {issuer!r}, got {claims.get('iss')!r}")
    aud = claims.get("aud")
    audiences = [aud] if isinstance(aud, str) else aud
    if not isinstance(audiences, list) or audience not in audiences:
        raise IdTokenError(f"aud: {audience!r} is not an audience of the token")
    azp = claims.get("azp")
    if azp is not None and azp != audience:
        raise IdTokenError(f"azp: expected {audience!r}, got {azp!r}")
    if azp is None and len(audiences) > 1:
        raise IdTokenError("azp: required when the token has several audiences")
    current = time.time() if now is None else now
    if _number(claims, "exp") <= current - leeway:
        raise IdTokenError("exp: the token has expired")
    if _number(claims, "iat") > current + leeway:
        raise IdTokenError("iat: the token was issued in the future")
    if nonce is not None:
        sent = claims.get("nonce")
        if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), nonce.encode()):
            raise IdTokenError("nonce: does not match the one sent with the authorization request")


async def verify_id_token(
    id_token: str,
    *,
    issuer: str,
    audience: str,
    jwks_uri: str,
    nonce: str | None = None,
    algorithms: Collection[str] = DEFAULT_ALGORITHMS,
    leeway: float = 60,
    http_client: httpx.AsyncClient | None = None,
    jwks_cache: JwksCache | None = None,
) -> dict[str, Any]:
    """The claims of ``id_token`` once it is verified (OpenID Connect Core section 3.1.3.7).

    The signature is checked against the JWK set at ``jwks_uri`` (fetched, cached, and fetched
    again at once, once, when the token's ``kid`` is unknown), with one of ``algorithms`` only
    (naming ``none`` or an HMAC algorithm there: ValueError). Then ``iss`` must equal ``issuer``;
    ``aud`` must contain ``audience``; ``azp``, when present, must equal it, and must be present
    when there are several audiences; ``exp`` and ``iat`` are required, ``exp`` not past and
    ``iat`` not in the future by more than ``leeway`` seconds; ``nonce``, when given, must match.
    Any failure: :class:`IdTokenError` naming the check. The JWK set cannot be fetched:
    OAuthRequestError.
    """
    claims = await verify_signed_jwt(
        id_token, jwks_uri=jwks_uri, algorithms=algorithms, http_client=http_client, jwks_cache=jwks_cache
    )
    check_claims(claims, issuer=issuer, audience=audience, nonce=nonce, leeway=leeway)
    return claims
