"""Secrets kept out of logs and messages: :func:`register_secret`, :func:`redact` and
:class:`RedactingFilter`, installed on the loggers of urllib3, requests and requests-cache
(which log request URLs, and the ``apikey`` query parameter with them) when the first
client is built, never at import. :data:`SECRET_PARAMETERS` names the request parameters
and headers that carry secrets: never part of a cache key, never stored.
"""

from __future__ import annotations

import base64
import logging
import re
import threading
from urllib.parse import quote, quote_plus

__all__ = ['SECRET_PARAMETERS', 'register_secret', 'redact', 'RedactingFilter', 'install_log_redaction']


#: Request parameters and headers that carry secrets: never part of a cache key, never stored.
SECRET_PARAMETERS: tuple[str, ...] = ("apikey", "Authorization", "authorization", "client_secret",
                                      "client_id", "token", "access_token")


_secrets: set[str] = set()


_forms: set[str] = set()  # every encoding of every secret


#: The secrets, longest first (so a secret containing another is masked whole); rebuilt on
#: registration so that redact(), which runs on every log record, neither sorts nor locks.
_secrets_by_length: tuple[str, ...] = ()


_secrets_lock = threading.Lock()


_MASK = "***"


def _encodings(value: str) -> set[str]:
    """The forms a secret takes on the wire: raw, percent-encoded (quote, quote_plus, any case),
    and inside an HTTP Basic header (base64 of ``value``, of ``value:`` and of ``:value``)."""
    forms = {value, quote(value, safe=""), quote_plus(value, safe=""), quote(value, safe="/"),
             quote(value, safe="/:@")}
    forms |= {form.lower() for form in list(forms) if "%" in form}
    forms |= {re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), form) for form in list(forms)}
    raw = value.encode("utf-8")
    for blob in (raw, raw + b":", b":" + raw):
        forms.add(base64.b64encode(blob).decode("ascii").rstrip("="))
    return {form for form in forms if len(form) >= 4}


def register_secret(value: str | None) -> None:
    """Remember a secret so that :func:`redact` (and the log filter) hides it.

    The client registers its client id and secret, API key and tokens; values shorter
    than 4 characters are ignored. Every encoding the secret can take in a log line
    is masked too: percent-encoded (URLs and forms) and base64 (an HTTP Basic header).

    Examples
    --------
    >>> register_secret("s3cr3t-value")
    >>> redact("POST /oauth/token client_secret=s3cr3t-value")
    'POST /oauth/token client_secret=***'
    >>> register_secret("id+with/special=chars")
    >>> redact("GET /x?client_id=id%2Bwith%2Fspecial%3Dchars")
    'GET /x?client_id=***'
    """
    global _secrets_by_length
    if value and len(value) >= 4:
        with _secrets_lock:
            if value not in _secrets:
                _secrets.add(value)
                _forms.update(_encodings(value))
                _secrets_by_length = tuple(sorted(_forms, key=len, reverse=True))


def redact(text: str) -> str:
    """``text`` with every registered secret replaced by ``***``.

    Examples
    --------
    >>> register_secret("sk-example-0123")
    >>> redact("GET /image-search/results?apikey=sk-example-0123&offset=100")
    'GET /image-search/results?apikey=***&offset=100'
    """
    for secret in _secrets_by_length:
        if secret in text:
            text = text.replace(secret, _MASK)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites a log record whose text contains a registered secret.

    Examples
    --------
    >>> import logging
    >>> register_secret("sk-example-filter-key")
    >>> record = logging.LogRecord("urllib3", logging.DEBUG, __file__, 1, "GET /x?apikey=%s", ("sk-example-filter-key",), None)
    >>> RedactingFilter().filter(record), record.getMessage()
    (True, 'GET /x?apikey=***')
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record is not ours to fix
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            cleaned = redact(text)
            if cleaned != text:
                record.exc_info, record.exc_text = None, cleaned
        return True


_FILTER = RedactingFilter()


_LOGGED_PACKAGES = ("urllib3", "requests", "requests_cache", "patsnap_pandas")


# Loggers known to log URLs; created here so that the filter reaches them even before first use.
_KNOWN_LOGGERS = ("urllib3.connectionpool", "urllib3.util.retry", "urllib3.connection",
                  "urllib3.response", "urllib3.poolmanager", "requests_cache.session",
                  "requests_cache.policy.actions", "requests_cache.policy.expiration",
                  "requests_cache.backends.base", "requests_cache.backends.sqlite",
                  "requests_cache.cache_keys", "requests_cache", "patsnap_pandas.api.client")


_install_lock = threading.Lock()


def install_log_redaction() -> None:
    """Attach :class:`RedactingFilter` to the loggers of the HTTP stack (idempotent).

    A logger's filters apply only to records it creates itself, so the filter goes
    on every logger of those packages, not only on the package roots.

    Examples
    --------
    >>> import logging
    >>> install_log_redaction()
    >>> register_secret("sk-example-4567")
    >>> logger = logging.getLogger("urllib3.connectionpool")
    >>> record = logger.makeRecord(logger.name, logging.DEBUG, "connectionpool.py", 1,
    ...                            "GET /x?apikey=%s", ("sk-example-4567",), None)
    >>> logger.filter(record), record.getMessage()
    (True, 'GET /x?apikey=***')
    """
    with _install_lock:
        names = set(_KNOWN_LOGGERS)
        names.update(name for name in list(logging.root.manager.loggerDict)
                     if name.split(".")[0] in _LOGGED_PACKAGES)
        for name in names:
            logger = logging.getLogger(name)
            if _FILTER not in logger.filters:
                logger.addFilter(_FILTER)
