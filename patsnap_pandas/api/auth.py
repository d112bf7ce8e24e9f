"""Authentication: the client-credentials token (with refresh) and the ``sk-`` API key.

Both providers give, for each business call, the headers and query parameters
to send plus an opaque "credential used" value that :meth:`invalidate` takes, so
that a rejected token is refreshed once even when many threads saw it rejected.
Secrets live in memory only and never appear in a repr.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from .. import codes, config
from ..errors import MissingCredentialsError, ResponseFormatError
from ..redaction import register_secret

__all__ = ["ApiKeyAuth", "TokenAuth", "make_auth", "REFRESH_MARGIN_S", "TOKEN_PATH"]

TOKEN_PATH = "/oauth/token"
#: Refresh this long before expiry (or at half-life when the token lives less than twice this).
REFRESH_MARGIN_S = 60.0
#: An ``issued_at`` further than this from the local clock is ignored (server clock skew).
MAX_CLOCK_SKEW_S = 300.0


class ApiKeyAuth:
    """An ``sk-...`` API key, sent as ``Authorization: Bearer``; nothing to refresh.

    Examples
    --------
    >>> auth = ApiKeyAuth("sk-example-0123")
    >>> headers, params, used = auth.credentials()
    >>> headers, params, auth
    ({'Authorization': 'Bearer sk-example-0123'}, {}, ApiKeyAuth(api_key=***))
    """

    kind = "api_key"
    description = "API key"
    #: What to check when PatSnap refuses it.
    hint = f"Check the API key ({config.env_name('api_key')}) in the PatSnap developer portal."

    def __init__(self, api_key: str) -> None:
        self._api_key = api_key
        register_secret(api_key)

    def credentials(self) -> tuple[dict[str, str], dict[str, str], str]:
        """(headers, query params, credential used) for one call."""
        return {"Authorization": f"Bearer {self._api_key}"}, {}, self._api_key

    def can_refresh(self) -> bool:
        return False

    def invalidate(self, used: str) -> None:  # an API key cannot be renewed
        pass

    def __repr__(self) -> str:
        return "ApiKeyAuth(api_key=***)"


class TokenAuth:
    """Client-credentials token: fetched on first use, refreshed early, thread-safe.

    Parameters
    ----------
    client_id, client_secret : str
        The account's credentials (HTTP Basic on the token endpoint).
    fetch : callable
        ``fetch(client_id, client_secret) -> dict`` posts to ``/oauth/token`` and
        returns the decoded JSON answer (raising :class:`PatsnapError` on failure).
    clock : callable
        ``time.time``; replaceable in tests.

    Examples
    --------
    >>> def fetch(client_id, client_secret):            # stands in for POST /oauth/token
    ...     return {"token": "tok-1", "token_type": "BearerToken", "expires_in": 1799, "status": "approved"}
    >>> auth = TokenAuth("my-client", "my-secret", fetch)
    >>> auth.credentials()[:2]
    ({'Authorization': 'Bearer tok-1'}, {'apikey': 'my-client'})
    >>> auth.refresh_count, auth
    (1, TokenAuth(client_id=***, client_secret=***))
    """

    kind = "token"
    description = "client credentials (token)"
    #: What to check when PatSnap refuses them.
    hint = (f"Check the client id and secret ({config.env_name('client_id')}, {config.env_name('client_secret')}); "
            "an expired client must be renewed in the PatSnap developer portal.")

    def __init__(self, client_id: str, client_secret: str,
                 fetch: Callable[[str, str], Mapping[str, Any]],
                 clock: Callable[[], float] = time.time) -> None:
        self._client_id = client_id
        self._client_secret = client_secret
        self._fetch = fetch
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at = 0.0
        self._refresh_at = 0.0
        self.refresh_count = 0  # tokens fetched so far (for tests and usage)
        register_secret(client_id)
        register_secret(client_secret)
        # The HTTP Basic header of the token request: base64 of "id:secret", as requests builds it.
        pair = f"{client_id}:{client_secret}"
        for encoding in ("latin-1", "utf-8"):  # requests encodes str credentials in latin-1
            try:
                register_secret(base64.b64encode(pair.encode(encoding)).decode("ascii"))
            except UnicodeEncodeError:
                pass

    @property
    def expires_at(self) -> float:
        """Epoch seconds when the current token expires (0 before the first one)."""
        return self._expires_at

    def token(self) -> str:
        """A valid token, fetching a new one when the current is missing or due for refresh."""
        with self._lock:  # one fetch for all threads; the others wait and reuse it
            if self._token is None or self._clock() >= self._refresh_at:
                self._renew()
            assert self._token is not None
            return self._token

    def credentials(self) -> tuple[dict[str, str], dict[str, str], str]:
        """(headers, query params, credential used) for one call."""
        token = self.token()
        return {"Authorization": f"Bearer {token}"}, {"apikey": self._client_id}, token

    def can_refresh(self) -> bool:
        return True

    def invalidate(self, used: str) -> None:
        """Forget ``used`` if it is still the current token (another thread may have renewed it)."""
        with self._lock:
            if self._token == used:
                self._token = None

    def _renew(self) -> None:
        started = self._clock()
        answer = self._fetch(self._client_id, self._client_secret)
        token, lifetime, issued = _parse_token(answer)
        register_secret(token)
        if issued is None or abs(issued - started) > MAX_CLOCK_SKEW_S:
            issued = started
        margin = min(REFRESH_MARGIN_S, lifetime / 2.0)
        self._token = token
        self._expires_at = issued + lifetime
        self._refresh_at = self._expires_at - margin
        self.refresh_count += 1

    def __repr__(self) -> str:
        return "TokenAuth(client_id=***, client_secret=***)"


def make_auth(client_id: str | None, client_secret: str | None, api_key: str | None,
              fetch: Callable[[str, str], Mapping[str, Any]]) -> TokenAuth | ApiKeyAuth:
    """The credentials given, else the environment's: a client-credentials account, or an API key.

    Any credential given as an argument means the environment's are not mixed in. ``fetch`` is
    the token fetch of :class:`TokenAuth`.

    Raises
    ------
    MissingCredentialsError
        None at all, or half an account; naming what to set (or to use the sandbox).

    Examples
    --------
    >>> make_auth(None, None, "sk-example-0123", fetch=print)
    ApiKeyAuth(api_key=***)
    >>> make_auth("my-client", None, None, fetch=print)
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.MissingCredentialsError: The argument client_secret is missing: ...
    """
    given = {"client_id": client_id, "client_secret": client_secret, "api_key": api_key}
    explicit = any(value is not None for value in given.values())
    source = "argument" if explicit else "environment variable"
    values = {name: None if explicit and value is None else config.resolve(name, value)
              for name, value in given.items()}  # resolve() validates (non-empty)
    cid, secret, key = values["client_id"], values["client_secret"], values["api_key"]
    if cid and secret:
        return TokenAuth(cid, secret, fetch)
    if key:
        return ApiKeyAuth(key)
    if cid or secret:
        missing = "client_secret" if cid else "client_id"
        name = missing if source == "argument" else config.env_name(missing)
        raise MissingCredentialsError(
            f"The {source} {name} is missing: a client-credentials account needs both the "
            f"client id and the client secret. {config.credentials_help()}")
    raise MissingCredentialsError(f"No PatSnap credentials found. {config.credentials_help()}")


def _parse_token(answer: Any) -> tuple[str, float, float | None]:
    """(token, lifetime s, issued_at epoch s or None) from the token endpoint's JSON."""
    if not isinstance(answer, Mapping):
        raise ResponseFormatError(f"The token answer is a {type(answer).__name__}, not an object.",
                                  endpoint=TOKEN_PATH)
    # Some deployments wrap it in the usual envelope; accept both.
    if "token" not in answer and "access_token" not in answer and isinstance(answer.get("data"), Mapping):
        answer = answer["data"]
    token = answer.get("token", answer.get("access_token"))
    if not isinstance(token, str) or not token:
        raise ResponseFormatError("The token answer has no 'token' field.", endpoint=TOKEN_PATH)
    try:
        lifetime = float(answer.get("expires_in", codes.TOKEN_LIFETIME_S))
        issued_raw = answer.get("issued_at")
        issued = None if issued_raw in (None, "") else float(issued_raw) / 1000.0
    except (TypeError, ValueError):
        raise ResponseFormatError("The token answer has a non-numeric 'expires_in' or 'issued_at'.",
                                  endpoint=TOKEN_PATH) from None
    if not lifetime > 0:
        raise ResponseFormatError(f"The token answer has expires_in={lifetime}, not > 0.",
                                  endpoint=TOKEN_PATH)
    return token, lifetime, issued
