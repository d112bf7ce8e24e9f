"""Sandbox credentials, token issuing and the per-call authentication check."""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
import string
import threading
import time
from dataclasses import dataclass, field

_ALNUM = string.ascii_letters + string.digits


def _random(n: int, alphabet: str = _ALNUM) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(n))


@dataclass(frozen=True)
class SandboxCredentials:
    """Throwaway credentials of one sandbox instance (both PatSnap schemes).

    The secret and the API key are left out of the repr.

    Examples
    --------
    >>> creds = SandboxCredentials.create(client_id="my-test-client")
    >>> creds
    SandboxCredentials(client_id='my-test-client')
    >>> creds.api_key.startswith("sk-"), len(creds.client_secret)
    (True, 32)
    """

    client_id: str
    client_secret: str = field(repr=False)
    api_key: str = field(repr=False)

    @classmethod
    def create(cls, client_id=None, client_secret=None, api_key=None) -> SandboxCredentials:
        api_key = api_key or "sk-" + secrets.token_hex(24)
        if not api_key.startswith("sk-"):
            raise ValueError(f"api_key must start with 'sk-', got a value starting {api_key[:3]!r}")
        return cls(client_id or _random(32), client_secret or _random(32), api_key)


class AuthError(Exception):
    """Authentication failed with a PatSnap platform code (67200003/8/9)."""

    def __init__(self, code: int, detail: str) -> None:
        self.code = code
        super().__init__(detail)


def _eq(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def basic_auth(header: str | None) -> tuple[str, str] | None:
    """(user, password) from an ``Authorization: Basic ...`` header, else None."""
    if not header or not header[:6].lower() == "basic ":
        return None
    try:
        user, sep, password = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (user, password) if sep else None


def bearer(header: str | None) -> str | None:
    if not header or not header[:7].lower() == "bearer ":
        return None
    return header[7:].strip() or None


class Authenticator:
    """Issues tokens and checks business calls, for both schemes."""

    def __init__(self, credentials: SandboxCredentials) -> None:
        self.credentials = credentials
        self._tokens: dict[str, tuple[str, float]] = {}  # token -> (client_id, expires_at)
        self._lock = threading.Lock()

    def issue_token(self, authorization: str | None, lifetime: float) -> dict:
        """The ``/oauth/token`` body for valid Basic credentials; AuthError(67200003) otherwise."""
        pair = basic_auth(authorization)
        creds = self.credentials
        if pair is None:
            raise AuthError(67200003, "HTTP Basic client credentials are required")
        if not (_eq(pair[0], creds.client_id) and _eq(pair[1], creds.client_secret)):
            raise AuthError(67200003, "client id or client secret is wrong")
        now = time.time()
        token = _random(28)
        with self._lock:
            self._tokens = {t: v for t, v in self._tokens.items() if v[1] > now}
            self._tokens[token] = (creds.client_id, now + lifetime)
        return {
            "token": token,
            "token_type": "BearerToken",
            "expires_in": max(1, round(lifetime) - 1),
            "status": "approved",
            "issued_at": str(int(now * 1000)),
        }

    def check(self, authorization: str | None, apikey: str | None) -> str:
        """Authenticate one business call; returns the scheme ("token" or "api_key").

        Raises
        ------
        AuthError
            67200003 bad key / unknown or expired token, 67200008 ``apikey`` missing in
            token mode, 67200009 ``apikey`` does not belong to the token.
        """
        creds = self.credentials
        token = bearer(authorization)
        if token is not None and token.startswith("sk-"):
            if not _eq(token, creds.api_key):
                raise AuthError(67200003, "the API key is not valid")
            if apikey and not _eq(apikey, token):
                raise AuthError(67200009, "the apikey parameter does not match the bearer API key")
            return "api_key"
        if token is None and apikey and apikey.startswith("sk-"):
            if not _eq(apikey, creds.api_key):
                raise AuthError(67200003, "the API key is not valid")
            return "api_key"
        if not apikey:
            raise AuthError(67200008, "the apikey query parameter is missing")
        if token is None:
            raise AuthError(67200003, "no access token: send Authorization: Bearer <token>")
        with self._lock:
            entry = self._tokens.get(token)
        if entry is None or entry[1] <= time.time():
            raise AuthError(67200003, "the access token is unknown or has expired")
        if not _eq(apikey, entry[0]):
            raise AuthError(67200009, "the apikey parameter does not match the access token")
        return "token"
