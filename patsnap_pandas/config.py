"""Settings: explicit arguments win over the environment, which wins over defaults.

Every environment variable the package reads is named in :data:`SETTINGS`, and
nowhere else. Reading a setting does no I/O beyond ``os.environ``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import platformdirs

from ._validate import check_duration, check_int, check_number, check_rate, check_reviewer, invalid, one_of
from .errors import InvalidInputError

DEFAULT_BASE_URL = "https://connect.patsnap.com"
APP_NAME = "patsnap-pandas"


def _seconds(value: Any, name: str) -> float:
    return check_number(value, name, minimum=0, inclusive="neither", what="a number of seconds", text=True)


def _rate(value: Any, name: str) -> float:
    return check_rate(value, name, allow_none=False, text=True)


def _count(value: Any, name: str) -> int:
    if isinstance(value, float) and value.is_integer():  # max_retries=2.0 is 2 retries
        value = int(value)
    return check_int(value, name, 0, text=True)


def _text(value: Any, name: str) -> str:
    text = str(value).strip()
    if not text:
        raise invalid(name, value, "empty", "non-empty text")
    return text


def _base_url(value: Any, name: str) -> str:
    text = _text(value, name).rstrip("/")
    allowed = "an https:// URL (or http:// for a local server) without a user name or password"
    if not text.startswith(("https://", "http://")):
        raise invalid(name, value, "not an http(s) URL", allowed)
    if "@" in urlsplit(text).netloc:
        # user:password@host would end up in reprs, logs and error messages
        raise invalid(name, value, "must not hold a user name or password",
                      allowed + "; pass credentials as client_id/client_secret or api_key")
    return text


#: The windows a budget counts billed calls in: UTC calendar days or months.
BUDGET_WINDOWS = ("day", "month")
#: The window of a budget given as a bare number: PatSnap sells its API quotas per month.
BUDGET_DEFAULT_WINDOW = "month"


#: What a budget may be, in messages.
BUDGET_ALLOWED = ("a whole number of billed calls per UTC day or month: e.g. 500/day or 10000/month; "
                  "a bare number is per month")


def budget_spec(value: Any, name: str = "budget") -> tuple[int, str]:
    """(limit, window) of a budget: ``"500/day"``, ``"10000/month"``, or a bare number (per month).

    Raises InvalidInputError naming ``name`` (the argument or the variable) and the value.

    Examples
    --------
    >>> budget_spec("500/day"), budget_spec(10000), budget_spec(" 20 / Month ")
    ((500, 'day'), (10000, 'month'), (20, 'month'))
    """
    if isinstance(value, bool):
        raise invalid(name, value, "expected a number of calls, not True/False", BUDGET_ALLOWED)
    if isinstance(value, int):
        count, window = value, BUDGET_DEFAULT_WINDOW
    elif isinstance(value, str):
        count_text, _, window = value.strip().partition("/")
        window = window.strip().lower() or BUDGET_DEFAULT_WINDOW
        if not count_text.strip().isdigit():
            raise invalid(name, value, "expected a whole number of billed calls, then /day or /month", BUDGET_ALLOWED)
        count = int(count_text)
    else:
        raise invalid(name, value, f"expected an int or a string, got {type(value).__name__}", BUDGET_ALLOWED)
    if window not in BUDGET_WINDOWS:
        raise invalid(name, value, f"unknown window {window!r}; the windows are 'day' and 'month' (UTC)",
                      BUDGET_ALLOWED)
    if count < 0:
        raise invalid(name, value, "expected a number of calls >= 0", BUDGET_ALLOWED)
    return count, window


@dataclass(frozen=True)
class Setting:
    """One setting: its environment variable, parser, default and meaning."""

    env: str
    parse: Callable[[Any, str], Any]  # (value, the name to show) -> value; InvalidInputError if bad
    default: Any
    help: str


#: How long a search answer is reused. Registers publish new designs weekly (the USPTO
#: every Tuesday, EUIPO and CNIPA weekly too), so a week-old answer misses at most one
#: week of publications; legal status (P041) keeps its own 1-day lifetime.
DEFAULT_RESULT_MAX_AGE_S = 7 * 86400.0


def _cache_url(value: Any, name: str) -> str:
    text = _text(value, name)
    if not text.startswith(("redis://", "rediss://", "unix://")):
        raise invalid(name, value, "not a Redis URL", "redis://host:6379/0, rediss://... (TLS) or unix://...")
    return text


#: What happens when the shared cache cannot be reached at the start.
CACHE_FALLBACKS = ("fail", "local")


def _fallback(value: Any, name: str) -> str:
    text = _text(value, name).lower()
    if text not in CACHE_FALLBACKS:
        raise invalid(name, value, "unknown fallback", one_of(CACHE_FALLBACKS))
    return text


#: The one table of settings and their environment variables.
SETTINGS: dict[str, Setting] = {
    "client_id": Setting("PATSNAP_CLIENT_ID", _text, None,
                         "client id of a client-credentials account"),
    "client_secret": Setting("PATSNAP_CLIENT_SECRET", _text, None,
                             "client secret of a client-credentials account"),
    "api_key": Setting("PATSNAP_API_KEY", _text, None, "API key (sk-...) of an API-key account"),
    "base_url": Setting("PATSNAP_BASE_URL", _base_url, DEFAULT_BASE_URL,
                        "API base URL (China: https://connect.zhihuiya.com)"),
    "cache_dir": Setting("PATSNAP_CACHE_DIR", _text, None,
                         "folder of the HTTP cache and upload memo "
                         "(default: the platform's user cache folder)"),
    "timeout": Setting("PATSNAP_TIMEOUT", _seconds, 30.0, "seconds per HTTP request"),
    "max_retries": Setting("PATSNAP_MAX_RETRIES", _count, 5,
                           "retries of a transient failure"),
    "rate_limit": Setting("PATSNAP_RATE_LIMIT", _rate, None,
                          "at most this many network calls per second (cache hits are free)"),
    "result_max_age": Setting("PATSNAP_RESULT_MAX_AGE", check_duration, DEFAULT_RESULT_MAX_AGE_S,
                              "how long a search answer is reused: seconds or 30m, 12h, 7d (default 7d)"),
    "cache_url": Setting("PATSNAP_CACHE_URL", _cache_url, None,
                         "a Redis server shared by a team (redis://host:6379/0): HTTP cache, upload memo, "
                         "thumbnails, locks, rate limit and usage counters (default: the local cache folder)"),
    "cache_fallback": Setting("PATSNAP_CACHE_FALLBACK", _fallback, "fail",
                              "when the shared cache cannot be reached at the start: 'fail' (default) or "
                              "'local' (use the local cache folder, with a warning)"),
    "budget": Setting("PATSNAP_BUDGET", budget_spec, None,
                      "at most this many billed calls per UTC calendar day or month, counted for everyone "
                      "sharing the cache: e.g. 500/day or 10000/month; a bare number is per month"),
    "reviewer": Setting("PATSNAP_REVIEWER", check_reviewer, None,
                        "who marks hits (df.patsnap.mark, the panel): the name a mark records with its time "
                        "(default: the login name)"),
    "sandbox_corpus": Setting("PATSNAP_SANDBOX_CORPUS", _text, None,
                              "corpus of the offline sandbox: a folder of drawings with a manifest.csv, "
                              "or 'generated' (default: the generated corpus)"),
    "sandbox_cache_dir": Setting("PATSNAP_SANDBOX_CACHE_DIR", _text, None,
                                 "folder where the offline sandbox keeps its generated corpora and image features "
                                 "(default: the sandbox folder of the platform's user cache folder); read by the "
                                 "sandbox itself (patsnap_pandas.sandbox.corpus.sandbox_cache_dir)"),
}


#: Settings whose values are never echoed in an error message.
_SECRET_SETTINGS = frozenset({"client_id", "client_secret", "api_key"})


def env_name(name: str) -> str:
    """The environment variable of setting ``name`` (e.g. ``"api_key"`` -> ``"PATSNAP_API_KEY"``)."""
    return SETTINGS[name].env


def resolve(name: str, explicit: Any = None, environ: Mapping[str, str] | None = None) -> Any:
    """The value of setting ``name``: ``explicit`` if not None, else its environment variable, else the default.

    Raises
    ------
    InvalidInputError
        When the value does not parse; the message names the argument or variable.
    """
    setting = SETTINGS[name]
    environ = os.environ if environ is None else environ
    if explicit is not None:
        source, raw = name, explicit
    else:
        raw = environ.get(setting.env)
        if raw is None or not str(raw).strip():
            return setting.default
        source = setting.env
    try:
        return setting.parse(raw, source)
    except InvalidInputError as exc:
        if name not in _SECRET_SETTINGS and "@" not in str(raw):
            raise
        # the value shown is the first repr(raw) of the message: hide it
        raise type(exc)(str(exc).replace(repr(raw), "<hidden>", 1)) from None


def cache_dir(explicit: str | os.PathLike | None = None) -> Path:
    """Folder of the client's HTTP cache: ``explicit``, else ``$PATSNAP_CACHE_DIR``, else the user cache dir.

    Nothing is created here; the caller creates the folder when it first writes.
    """
    value = resolve("cache_dir", None if explicit is None else os.fspath(explicit))
    if value is None:
        value = platformdirs.user_cache_dir(APP_NAME)
    return Path(value).expanduser()


def sandbox_corpus(explicit: str | os.PathLike | None = None,
                   environ: Mapping[str, str] | None = None) -> Path | None:
    """The corpus folder of the offline sandbox: ``explicit``, else ``$PATSNAP_SANDBOX_CORPUS``; None = generated.

    ``"generated"`` (either way) also means the generated corpus. Nothing is read here:
    the sandbox checks the folder when it starts.

    Examples
    --------
    >>> sandbox_corpus("designs"), sandbox_corpus("generated"), sandbox_corpus(environ={})
    (PosixPath('designs'), None, None)
    >>> sandbox_corpus(environ={"PATSNAP_SANDBOX_CORPUS": "~/drawings"}).name
    'drawings'
    """
    value = resolve("sandbox_corpus", None if explicit is None else os.fspath(explicit), environ)
    if value is None or value == "generated":
        return None
    return Path(value).expanduser()


def reviewer(explicit: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """Who makes a mark: ``explicit``, else ``$PATSNAP_REVIEWER``, else the login name.

    Raises
    ------
    InvalidInputError
        When the name is not allowed (:func:`~patsnap_pandas._validate.check_reviewer`), or none is
        given and the login name cannot be found (the message says to set PATSNAP_REVIEWER).

    Examples
    --------
    >>> reviewer("A. Analyst"), reviewer(environ={"PATSNAP_REVIEWER": "counsel"})
    ('A. Analyst', 'counsel')
    """
    import getpass

    value = check_reviewer(explicit, "by") if explicit is not None else resolve("reviewer", None, environ)
    if value is not None:
        return str(value)
    try:
        return check_reviewer(getpass.getuser(), "the login name")
    except (OSError, KeyError, ImportError, InvalidInputError):
        raise InvalidInputError(f"by=None: no reviewer name: pass by='A. Analyst' or set {env_name('reviewer')} "
                                "(the login name could not be read).") from None


def credentials_help() -> str:
    """What to set to authenticate, naming the exact variables."""
    return (
        f"Set {env_name('client_id')} and {env_name('client_secret')} (client-credentials account) "
        f"or {env_name('api_key')} (an sk-... API key), or pass them to PatsnapClient(...); "
        "to try the package without an account use PatsnapClient.sandbox()."
    )
