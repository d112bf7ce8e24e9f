"""The sandbox's clock: service time (UTC+8, as PatSnap's), settable and advanced by tests.

The clock runs with the real clock from the moment it was set: ``set(now)`` makes it
read ``now`` at once and ``now + 5 s`` five seconds later; ``advance(hours=17)`` jumps
it forward. Unset (the default), it reads the real time. Everything on the sandbox that
expires or waits for an hour reads it: uploaded image URLs (P010) and hit image URLs
(expire after ``image_url_lifetime`` seconds of it), P062's service window (22:00-08:00)
and, once set, the sandbox's date (``today``: legal statuses; the designs published by
then). Token and search-id lifetimes stay on the real clock.

Examples
--------
>>> clock = SandboxClock("2026-12-07 15:00")
>>> clock.now().strftime("%Y-%m-%d %H:%M %Z"), clock.is_set
('2026-12-07 15:00 UTC+8', True)
>>> clock.advance(hours=17)
>>> clock.now().strftime("%Y-%m-%d %H:%M"), clock.today().isoformat()
('2026-12-08 08:00', '2026-12-08')
>>> SandboxClock().is_set
False
"""

from __future__ import annotations

import datetime as dt
import threading
import time

from .. import codes

#: PatSnap's service time zone: China Standard Time.
SERVICE_TZ = dt.timezone(dt.timedelta(hours=codes.SERVICE_UTC_OFFSET_H), "UTC+8")


def as_service_time(value: object, name: str = "now") -> dt.datetime:
    """A datetime in service time from a datetime (naive = service time), an ISO string or epoch seconds.

    Examples
    --------
    >>> as_service_time("2026-12-07T15:00").isoformat()
    '2026-12-07T15:00:00+08:00'
    >>> as_service_time(dt.datetime(2026, 12, 7, 7, 0, tzinfo=dt.timezone.utc)).hour
    15
    >>> as_service_time("tea time")
    Traceback (most recent call last):
    ...
    ValueError: now='tea time': expected a service time (UTC+8) such as '2026-12-07 15:00', a datetime or epoch seconds
    """
    moment: dt.datetime | None = None
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        moment = dt.datetime.fromtimestamp(float(value), SERVICE_TZ)
    elif isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            moment = None
    if moment is None:
        raise ValueError(f"{name}={value!r}: expected a service time (UTC+8) such as '2026-12-07 15:00', "
                         "a datetime or epoch seconds")
    if moment.tzinfo is None:
        return moment.replace(tzinfo=SERVICE_TZ)
    return moment.astimezone(SERVICE_TZ)


class SandboxClock:
    """Service time of one sandbox: real time plus an offset that ``set`` and ``advance`` change."""

    def __init__(self, now: object = None) -> None:
        self._lock = threading.Lock()
        self._offset = 0.0
        self._set = False
        self.set(now)

    def set(self, now: object = None) -> None:
        """Read ``now`` from this moment on (and run on); None: back to the real time."""
        with self._lock:
            if now is None:
                self._offset, self._set = 0.0, False
            else:
                self._offset, self._set = as_service_time(now).timestamp() - time.time(), True

    def advance(self, seconds: float = 0.0, *, minutes: float = 0.0, hours: float = 0.0, days: float = 0.0) -> None:
        """Jump forward (a negative amount jumps back); the clock counts as set from then on."""
        step = seconds + 60.0 * minutes + 3600.0 * hours + 86400.0 * days
        with self._lock:
            self._offset += step
            self._set = True

    @property
    def is_set(self) -> bool:
        """True once set or advanced: the sandbox's date then follows the clock."""
        return self._set

    def time(self) -> float:
        """Epoch seconds on this clock (what expiries are compared with)."""
        return time.time() + self._offset

    def now(self) -> dt.datetime:
        """The service time now (aware, UTC+8)."""
        return dt.datetime.fromtimestamp(self.time(), SERVICE_TZ)

    def today(self) -> dt.date:
        """The service date now."""
        return self.now().date()

    def __repr__(self) -> str:
        return f"SandboxClock({self.now().strftime('%Y-%m-%d %H:%M:%S')} UTC+8{'' if self._set else ', real time'})"
