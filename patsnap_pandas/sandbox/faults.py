"""Fault knobs of the sandbox: latency, transient failures, dropped connections, quota, lifetimes.

All randomness comes from generators seeded with ``seed``, so a run with the
same seed and the same sequence of calls sees the same faults.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import threading
import time
from dataclasses import dataclass

from .. import codes
from .clock import SandboxClock, as_service_time
from .legal import as_date

# Transient failure kinds: an HTTP status (500/502/503), a PatSnap code sent with
# HTTP 200 (68300008), or "drop" (the socket is closed without any response).
FAILURE_KINDS: tuple = (500, 502, 503, 68300008, "drop")
# Codes a spent quota can answer: codes.ERROR_CODES of the "quota" and "rate_limit" kinds.
QUOTA_CODES: tuple[int, ...] = tuple(c for c, (_, kind) in codes.ERROR_CODES.items() if kind in ("quota", "rate_limit"))


def _published(value) -> tuple[tuple[str, dt.date], ...]:
    """The ``published`` knob checked: a mapping (or pairs) of patent number -> date, as sorted pairs."""
    pairs = value.items() if isinstance(value, dict) else value
    try:
        out = {str(pn).strip().upper(): as_date(day, f"published[{pn!r}]") for pn, day in pairs}
    except (TypeError, ValueError) as exc:
        if isinstance(exc, ValueError) and str(exc).startswith("published["):
            raise
        raise ValueError(f"published={value!r}: expected a mapping of patent number to date, "
                         '{"CN306123456S": "2026-12-10"}') from None
    return tuple(sorted(out.items()))


@dataclass(frozen=True)
class FaultSettings:
    """Every knob, validated. Change them on a running sandbox with ``Sandbox.configure``.

    Attributes
    ----------
    latency, latency_jitter : float
        Seconds added to every API call (token and billable): ``latency`` plus a
        uniform draw in ``[0, latency_jitter]``.
    failure_rate : float
        Probability in [0, 1] that a billable call fails transiently with one of
        ``failure_kinds`` (drawn uniformly).
    drop_rate : float or None
        None: dropped connections are one of the failure kinds. A number: a
        separate probability of a dropped connection, and ``failure_rate`` then
        draws among the other kinds only.
    failure_kinds : tuple
        Subset of ``FAILURE_KINDS``.
    quota : int or None
        Billable calls served before every further one gets ``quota_code``.
    quota_code : int
        67200002 (QPS/quota, retryable) or 67200007 (daily limit), or another of ``QUOTA_CODES``.
    throttle_rate : float
        Probability in [0, 1] that a billable call is answered HTTP 429 (too many
        requests) with a ``Retry-After`` header, as PatSnap's gateway may.
    retry_after : int
        Seconds sent in that ``Retry-After`` header (>= 0).
    retry_after_date : bool
        Send that ``Retry-After`` as an HTTP date (``Wed, 21 Oct 2015 07:28:00 GMT``,
        ``retry_after`` seconds from now) instead of a number of seconds; HTTP allows both.
    token_lifetime, image_url_lifetime, search_id_lifetime : float
        Seconds.
    seed : int
        Seeds the failure, throttle and jitter generators.
    today : datetime.date or None
        The sandbox's date: legal statuses, events and current assignees are as of this day
        (P041, P013, P011/P012/P069 assignees, the status filters). None (the default): the
        real date, read at each call (or the clock's date once ``now`` was set or the clock
        advanced). Also ``"YYYY-MM-DD"`` or ``"YYYYMMDD"``.
        Only designs published by this day are served by the searches (P009, P060, P061).
    now : datetime.datetime or None
        Service time (UTC+8, as PatSnap's) the sandbox's clock is set to when this knob is
        given; the clock then runs on (see ``sandbox/clock.py``; ``Sandbox.advance`` jumps it).
        Naive datetimes and strings such as ``"2026-12-07 15:00"`` are service time. None:
        the real time. Upload and hit image URLs expire, and P062 jobs run, on this clock.
    batch_runs_at : str
        When a P062 job runs: ``"window"`` (the default: when the next service window opens,
        22:00 service time; results from 08:00 after it), ``"immediately"`` (at create;
        results at once) or a service time of day ``"HH:MM"`` (its next occurrence; results
        from the 08:00 after it, or at once when that time is after 08:00 and before 22:00).
    published : mapping of patent number to date
        Publication dates that replace the corpus' own for the designs named (``{"CN306123456S":
        "2026-12-10"}``): a test publishes chosen designs at a chosen day, hidden from every
        search before it. Empty by default.

    Examples
    --------
    >>> settings = FaultSettings(failure_rate=0.1, quota=100)
    >>> settings.replace(quota=None).failure_rate, settings.search_id_lifetime
    (0.1, 1200)
    >>> FaultSettings(failure_rate=1.5)
    Traceback (most recent call last):
    ...
    ValueError: failure_rate=1.5: expected a number >= 0.0 and <= 1.0

    On a running sandbox (``client.sandbox_server``), the same names:

    >>> from patsnap_pandas import PatsnapClient
    >>> client = PatsnapClient.sandbox(failure_rate=0.1)
    >>> client.sandbox_server.configure(failure_rate=0.0, latency=0.05)
    >>> client.sandbox_server.settings.latency
    0.05
    >>> client.close()
    """

    latency: float = 0.0
    latency_jitter: float = 0.0
    failure_rate: float = 0.0
    drop_rate: float | None = None
    failure_kinds: tuple = FAILURE_KINDS
    quota: int | None = None
    quota_code: int = 67200002
    throttle_rate: float = 0.0
    retry_after: int = 1
    retry_after_date: bool = False
    token_lifetime: float = codes.TOKEN_LIFETIME_S
    image_url_lifetime: float = codes.IMAGE_URL_LIFETIME_S
    search_id_lifetime: float = codes.SEARCH_ID_LIFETIME_S
    seed: int = 0
    today: dt.date | None = None
    now: dt.datetime | None = None
    batch_runs_at: str = "window"
    published: tuple[tuple[str, dt.date], ...] = ()

    def __post_init__(self) -> None:
        self._check_time_knobs()
        object.__setattr__(self, "published", _published(self.published))
        for name in ("latency", "latency_jitter"):
            _check_number(name, getattr(self, name), low=0.0)
        _check_number("failure_rate", self.failure_rate, low=0.0, high=1.0)
        _check_number("throttle_rate", self.throttle_rate, low=0.0, high=1.0)
        if isinstance(self.retry_after, bool) or not isinstance(self.retry_after, int) or self.retry_after < 0:
            raise ValueError(f"retry_after={self.retry_after!r}: expected an integer number of seconds >= 0")
        if not isinstance(self.retry_after_date, bool):
            raise ValueError(f"retry_after_date={self.retry_after_date!r}: expected True or False")
        if self.drop_rate is not None:
            _check_number("drop_rate", self.drop_rate, low=0.0, high=1.0)
            if self.failure_rate + self.drop_rate > 1.0:
                raise ValueError(
                    f"failure_rate + drop_rate must be at most 1, got {self.failure_rate} + {self.drop_rate}"
                )
        kinds = tuple(self.failure_kinds)
        bad = [k for k in kinds if k not in FAILURE_KINDS]
        if not kinds or bad:
            raise ValueError(f"failure_kinds={kinds!r}: allowed kinds are {FAILURE_KINDS!r} (at least one)")
        object.__setattr__(self, "failure_kinds", kinds)
        if self.quota is not None and (isinstance(self.quota, bool) or not isinstance(self.quota, int) or self.quota < 0):
            raise ValueError(f"quota={self.quota!r}: expected None or an integer >= 0")
        if self.quota_code not in QUOTA_CODES:
            raise ValueError(f"quota_code={self.quota_code!r}: allowed codes are {QUOTA_CODES}")
        for name in ("token_lifetime", "image_url_lifetime", "search_id_lifetime"):
            _check_number(name, getattr(self, name), low=0.0, strict=True)
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise ValueError(f"seed={self.seed!r}: expected an integer")

    def _check_time_knobs(self) -> None:
        if self.now is not None:
            object.__setattr__(self, "now", as_service_time(self.now, "now"))
        _check_runs_at(self.batch_runs_at)
        if self.today is not None:
            object.__setattr__(self, "today", as_date(self.today, "today"))

    @property
    def date(self) -> dt.date:
        """:attr:`today`, else the real date now (``FaultInjector.date`` also reads the clock)."""
        return self.today or dt.date.today()

    @property
    def publication_dates(self) -> dict[str, dt.date]:
        """The ``published`` knob as a dict: patent number (upper case) -> publication date."""
        return dict(self.published)

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))

    def replace(self, **changes) -> FaultSettings:
        unknown = sorted(set(changes) - set(self.names()))
        if unknown:
            raise TypeError(f"unknown sandbox option(s) {unknown}; allowed: {', '.join(self.names())}")
        return dataclasses.replace(self, **changes)


def _check_runs_at(value: object) -> None:
    if value in ("window", "immediately"):
        return
    if isinstance(value, str) and len(value) == 5 and value[2] == ":" and value.replace(":", "").isdigit():
        if int(value[:2]) < 24 and int(value[3:]) < 60:
            return
    raise ValueError(f"batch_runs_at={value!r}: expected 'window', 'immediately' or a service time of day 'HH:MM'")


def _check_number(name: str, value, *, low: float, high: float | None = None, strict: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name}={value!r}: expected a number")
    if (value <= low if strict else value < low) or (high is not None and value > high):
        bounds = f"> {low}" if strict else f">= {low}"
        if high is not None:
            bounds += f" and <= {high}"
        raise ValueError(f"{name}={value!r}: expected a number {bounds}")


class FaultInjector:
    """Decides, thread-safely and reproducibly, what happens to each call."""

    def __init__(self, settings: FaultSettings) -> None:
        self._lock = threading.Lock()
        self.clock = SandboxClock(settings.now)
        self._apply(settings)

    def _apply(self, settings: FaultSettings) -> None:
        self.settings = settings
        self._failure_rng = random.Random(settings.seed)
        self._jitter_rng = random.Random(settings.seed + 1_000_003)
        self._throttle_rng = random.Random(settings.seed + 2_000_003)
        self.quota_used = 0

    def configure(self, **changes) -> FaultSettings:
        """Change knobs; reseeds the generators and restarts the quota count; ``now`` sets the clock."""
        with self._lock:
            self._apply(self.settings.replace(**changes))
            if "now" in changes:
                self.clock.set(self.settings.now)
            return self.settings

    def date(self) -> dt.date:
        """The sandbox's date: the ``today`` knob, else the clock's date once set, else the real date."""
        settings = self.settings
        if settings.today is not None:
            return settings.today
        return self.clock.today() if self.clock.is_set else dt.date.today()

    def delay(self) -> None:
        """Sleep for the configured latency (+ jitter)."""
        with self._lock:
            s = self.settings
            pause = s.latency + (self._jitter_rng.uniform(0.0, s.latency_jitter) if s.latency_jitter else 0.0)
        if pause > 0:
            time.sleep(pause)

    def take_quota(self) -> int | None:
        """Count one billable call; the quota error code when over quota, else None."""
        with self._lock:
            quota = self.settings.quota
            if quota is None:
                return None
            if self.quota_used >= quota:
                return self.settings.quota_code
            self.quota_used += 1
            return None

    def draw_throttle(self) -> int | None:
        """None, or the Retry-After seconds of an HTTP 429 answer for this billable call."""
        with self._lock:
            s = self.settings
            if s.throttle_rate <= 0:
                return None
            return s.retry_after if self._throttle_rng.random() < s.throttle_rate else None

    def draw_failure(self):
        """None, or the failure kind for this billable call (500, 502, 503, 68300008, "drop")."""
        with self._lock:
            s = self.settings
            if s.failure_rate <= 0 and not s.drop_rate:
                return None
            u = self._failure_rng.random()
            if s.drop_rate is not None:
                if u < s.drop_rate:
                    return "drop"
                if u < s.drop_rate + s.failure_rate:
                    kinds = [k for k in s.failure_kinds if k != "drop"] or ["drop"]
                    return self._failure_rng.choice(kinds)
                return None
            if u < s.failure_rate:
                return self._failure_rng.choice(s.failure_kinds)
            return None
