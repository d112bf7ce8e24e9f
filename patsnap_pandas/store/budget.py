"""The budget: at most N billed calls per UTC day or month, counted for everyone sharing a backend.

* :class:`Budget`: a limit and a window, ``"day"`` or ``"month"``: UTC calendar
  windows (a day ends at 00:00 UTC, a month at 00:00 UTC on its 1st), whatever the
  local time zone. From ``budget=`` or ``$PATSNAP_BUDGET``: ``"500/day"``,
  ``"10000/month"``, or a bare number, which counts per month because PatSnap sells
  its API quotas per month (your contract's month may start on another day: pick a
  monthly budget with that margin in mind, or a daily one).
* The counters of billed calls, one interface (:class:`UsageCounter`):
  :class:`~patsnap_pandas.store.local_usage.LocalUsageCounter` (``usage.sqlite`` in the cache
  folder; every process sharing the folder counts in it),
  :class:`~patsnap_pandas.store.redis_usage.RedisUsageCounter` (one Redis for everyone; a Lua
  script checks and counts in one step) and :class:`MemoryUsageCounter` (a client without a
  cache). ``reserve`` counts a call before it is sent, or raises
  :class:`~patsnap_pandas.errors.BudgetExceededError` when one more would exceed the
  budget; ``release`` gives the reservation back when the call never reached the server;
  ``reserve_all`` counts several calls (a search by image bytes: its uploads and the
  search) in one step, all or none. Without a budget the counters still count, so the
  spending of the day and of the month can always be shown.
* The count is never escaped: a counter that cannot write its count refuses to bill
  under a budget (:class:`~patsnap_pandas.errors.SpendingNotRecordedError`); a Redis
  that lost its counts stops the next billed call
  (:class:`~patsnap_pandas.errors.SpendingLostError`, :func:`restore_spending` to go
  on); a clock stepping back finds its day's count (periods are kept by date).

Examples
--------
>>> budget = Budget.parse("2/day")
>>> counter = MemoryUsageCounter()
>>> tickets = [counter.reserve("search", budget) for _ in range(2)]
>>> counter.reserve("search", budget)
Traceback (most recent call last):
...
patsnap_pandas.errors.BudgetExceededError: The budget of 2 billed calls per day (UTC) is used up: 2 spent today ... resets at ... 00:00 UTC. ...
>>> counter.release(tickets[0])      # that call never reached the server
>>> counter.spent("day")
1
"""

from __future__ import annotations

import abc
import calendar
import datetime as dt
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import config
from .._validate import check_choice, check_int
from ..errors import BudgetExceededError, CacheError, InvalidInputError

__all__ = ["Budget", "Ticket", "UsageCounter", "MemoryUsageCounter", "WINDOWS", "window_end", "spending",
           "restore_spending"]

WINDOWS: tuple[str, ...] = config.BUDGET_WINDOWS
_WORDS = {"day": "today", "month": "this month"}


def window_start(window: str, now: float) -> dt.datetime:
    """The start (UTC) of the ``window`` (``"day"`` or ``"month"``) holding the epoch time ``now``.

    Examples
    --------
    >>> window_start("month", 1795000000.0).isoformat()
    '2026-11-01T00:00:00+00:00'
    """
    moment = dt.datetime.fromtimestamp(now, tz=dt.timezone.utc)
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return day if window == "day" else day.replace(day=1)


def window_end(window: str, now: float) -> dt.datetime:
    """When the ``window`` holding ``now`` ends (UTC): the next midnight, or the 1st of the next month.

    Examples
    --------
    >>> window_end("day", 1795000000.0).isoformat(), window_end("month", 1795000000.0).isoformat()
    ('2026-11-19T00:00:00+00:00', '2026-12-01T00:00:00+00:00')
    """
    start = window_start(window, now)
    if window == "day":
        return start + dt.timedelta(days=1)
    return start + dt.timedelta(days=calendar.monthrange(start.year, start.month)[1])


def period(window: str, now: float) -> str:
    """The name of the window holding ``now``: ``"day:2026-11-18"`` or ``"month:2026-11"``.

    Examples
    --------
    >>> period("day", 1795000000.0), period("month", 1795000000.0)
    ('day:2026-11-18', 'month:2026-11')
    """
    start = window_start(window, now)
    return f"day:{start:%Y-%m-%d}" if window == "day" else f"month:{start:%Y-%m}"


def _utc_words(moment: dt.datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"


@dataclass(frozen=True)
class Budget:
    """At most ``limit`` billed calls per UTC calendar ``window`` (``"day"`` or ``"month"``).

    Parameters
    ----------
    limit : int
        Billed calls allowed per window, >= 0 (0: only cached answers).
    window : {"month", "day"}
        A UTC calendar month (the default: PatSnap sells monthly quotas) or day.

    Examples
    --------
    >>> Budget(500, "day")
    Budget(limit=500, window='day')
    >>> Budget.parse("10000/month") == Budget(10000), Budget.parse(None)
    (True, None)
    >>> Budget.parse("500/week")
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.InvalidInputError: budget='500/week' is not valid: unknown window 'week'; ...
    """

    limit: int
    window: str = config.BUDGET_DEFAULT_WINDOW

    def __post_init__(self) -> None:
        object.__setattr__(self, "limit", check_int(self.limit, "limit", 0))  # frozen: numpy ints as int
        check_choice(self.window, "window", WINDOWS)

    @classmethod
    def parse(cls, value: Budget | int | str | None) -> Budget | None:
        """A Budget from ``budget=`` (a Budget, an int per month, ``"N/day"``, ``"N/month"``), else ``$PATSNAP_BUDGET``.

        None and no ``$PATSNAP_BUDGET``: None (no budget). A bad value raises
        :class:`~patsnap_pandas.errors.InvalidInputError` naming the parameter (or
        the variable), the value and what is allowed, before any call.

        Examples
        --------
        >>> Budget.parse(50), Budget.parse("50/day")
        (Budget(limit=50, window='month'), Budget(limit=50, window='day'))
        >>> Budget.parse(-1)
        Traceback (most recent call last):
        ...
        patsnap_pandas.errors.InvalidInputError: budget=-1 is not valid: expected a number of calls >= 0. Allowed: ... e.g. 500/day or 10000/month; ...
        """
        if isinstance(value, Budget):
            return value
        spec = config.resolve("budget", value)
        return None if spec is None else cls(*spec)

    @property
    def words(self) -> str:
        """``"500 billed calls per day (UTC)"``."""
        return f"{self.limit} billed call{'' if self.limit == 1 else 's'} per {self.window} (UTC)"

    def status(self, spent: int, now: float | None = None) -> dict[str, Any]:
        """``{"limit", "window", "spent", "remaining", "resets_at"}`` (JSON-safe; ``resets_at`` ISO 8601 UTC).

        Examples
        --------
        >>> Budget(50, "day").status(12, now=1795000000.0)
        {'limit': 50, 'window': 'day', 'spent': 12, 'remaining': 38, 'resets_at': '2026-11-19T00:00:00+00:00'}
        """
        now = time.time() if now is None else now
        return {"limit": self.limit, "window": self.window, "spent": spent,
                "remaining": max(0, self.limit - spent), "resets_at": window_end(self.window, now).isoformat()}

    def left_words(self, spent: int) -> str:
        """``"38 of 50 calls left today"``.

        Examples
        --------
        >>> Budget(50, "day").left_words(12), Budget(1, "month").left_words(0)
        ('38 of 50 calls left today', '1 of 1 call left this month')
        """
        return (f"{max(0, self.limit - spent)} of {self.limit} call{'' if self.limit == 1 else 's'} left "
                f"{_WORDS[self.window]}")

    def exceeded(self, spent: int, now: float, needed: int = 1) -> BudgetExceededError:
        """The error of ``needed`` calls that would go over this budget together (not raised).

        Examples
        --------
        >>> print(Budget(4, "day").exceeded(3, now=1795000000.0, needed=2))
        The budget of 4 billed calls per day (UTC) has 1 call left today: 3 spent today by everyone sharing this cache, and this search by image needs 2 billed calls together (its upload and the search); none was sent. ...
        """
        ends = window_end(self.window, now)
        env = config.env_name("budget")
        example = f"{max(2 * self.limit, self.limit + 100)}/{self.window}"
        left = self.limit - spent
        if needed > 1 and left > 0:
            what = (f"has {left} call{'' if left == 1 else 's'} left {_WORDS[self.window]}: {spent} spent "
                    f"{_WORDS[self.window]} by everyone sharing this cache, and this search by image needs "
                    f"{needed} billed calls together (its upload{'' if needed == 2 else 's'} and the search); "
                    "none was sent.")
        else:
            what = (f"is used up: {spent} spent {_WORDS[self.window]} by everyone sharing this cache; the next "
                    "billed call was not sent.")
        return BudgetExceededError(
            f"The budget of {self.words} {what} The budget resets at {_utc_words(ends)}.",
            limit=self.limit, window=self.window, spent=spent, resets_at=ends.isoformat(),
            hint=f"To raise it, set {env}={example} or pass budget={example!r} to PatsnapClient. "
                 "Cached searches still work.")


@dataclass(frozen=True)
class Ticket:
    """One reserved billed call: the endpoint, the day and month it was counted in, and their ends.

    Examples
    --------
    >>> ticket = MemoryUsageCounter().reserve("upload", None)
    >>> ticket.endpoint, ticket.day.startswith("day:"), ticket.month.startswith("month:")
    ('upload', True, True)
    """

    endpoint: str
    day: str
    month: str
    day_end: float
    month_end: float


class UsageCounter(abc.ABC):
    """Billed calls counted per UTC day and month; :meth:`reserve` checks a budget first.

    Subclasses store the counts (:class:`LocalUsageCounter`, :class:`RedisUsageCounter`,
    :class:`MemoryUsageCounter`); each checks and counts in one atomic step, so
    everyone sharing the store together never goes over the budget.

    Examples
    --------
    >>> counter = MemoryUsageCounter()
    >>> ticket = counter.reserve("upload", None)          # no budget: counted all the same
    >>> counter.spent("day"), counter.spent("month")
    (1, 1)
    """

    def reserve(self, endpoint: str, budget: Budget | None) -> Ticket:
        """Count one billed call of ``endpoint`` now, before it is sent.

        Raises
        ------
        BudgetExceededError
            One more call would exceed ``budget``; nothing was counted.
        """
        return self.reserve_all([endpoint], budget)[0]

    def reserve_all(self, endpoints: Sequence[str], budget: Budget | None) -> list[Ticket]:
        """Count the billed calls of ``endpoints`` together, in one atomic step: all of them, or none.

        What a search by image bytes reserves before its first upload: its uploads and
        the search, so that no upload is paid for whose search the budget would refuse.

        Raises
        ------
        BudgetExceededError
            The calls together would exceed ``budget``; nothing was counted.

        Examples
        --------
        >>> counter = MemoryUsageCounter()
        >>> _ = counter.reserve("search", Budget(2, "day"))
        >>> counter.reserve_all(["upload", "search"], Budget(2, "day"))
        Traceback (most recent call last):
        ...
        patsnap_pandas.errors.BudgetExceededError: The budget of 2 billed calls per day (UTC) has 1 call left today: ...
        >>> counter.spent("day")                             # nothing counted: not the upload alone either
        1
        """
        now = time.time()
        day, month = period("day", now), period("month", now)
        day_end, month_end = window_end("day", now).timestamp(), window_end("month", now).timestamp()
        tickets = [Ticket(endpoint, day, month, day_end, month_end) for endpoint in endpoints]
        if not tickets:
            return []
        limited = None if budget is None else (day if budget.window == "day" else month)
        spent = self._reserve(tickets, limited, budget.limit if budget is not None else 0)
        if spent is not None:
            assert budget is not None
            raise budget.exceeded(spent, now, needed=len(tickets))
        return tickets

    def release(self, ticket: Ticket) -> None:
        """Give back a reservation whose call never reached the server (e.g. connection refused)."""
        self._release(ticket)

    def spent(self, window: str, now: float | None = None) -> int:
        """Billed calls counted in the current UTC ``window`` (``"day"`` or ``"month"``)."""
        check_choice(window, "window", WINDOWS)
        return self._spent(period(window, time.time() if now is None else now))

    def report(self, budget: Budget | None) -> dict[str, Any]:
        """``{"spent_today", "spent_this_month", "budget", "budget_left"}``.

        ``budget`` is :meth:`Budget.status` and ``budget_left`` :meth:`Budget.left_words`
        (None without a budget).

        Examples
        --------
        >>> counter = MemoryUsageCounter()
        >>> _ = counter.reserve("search", None)
        >>> report = counter.report(Budget(10, "day"))
        >>> report["spent_today"], report["budget"]["remaining"]
        (1, 9)
        """
        now = time.time()
        today, month = self.spent("day", now), self.spent("month", now)
        if budget is None:
            return {"spent_today": today, "spent_this_month": month, "budget": None, "budget_left": None}
        spent = today if budget.window == "day" else month
        return {"spent_today": today, "spent_this_month": month, "budget": budget.status(spent, now),
                "budget_left": budget.left_words(spent)}

    @abc.abstractmethod
    def _reserve(self, tickets: list[Ticket], limited: str | None, limit: int) -> int | None:
        """Count ``tickets`` (one day and month) unless ``limited`` (a period) would pass ``limit``: then its count."""

    @abc.abstractmethod
    def _release(self, ticket: Ticket) -> None: ...

    @abc.abstractmethod
    def _spent(self, period: str) -> int: ...

    @abc.abstractmethod
    def clear(self) -> None:
        """Forget every count."""

    def close(self) -> None:  # noqa: B027 - most counters hold nothing to let go of
        """Let go of files or connections held (the counts stay)."""


class MemoryUsageCounter(UsageCounter):
    """Counts in this process only (a client with ``cache=False``).

    Examples
    --------
    >>> counter = MemoryUsageCounter()
    >>> _ = counter.reserve("search", Budget(5))
    >>> counter.spent("month"), counter.clear(), counter.spent("month")
    (1, None, 0)
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def _reserve(self, tickets: list[Ticket], limited: str | None, limit: int) -> int | None:
        with self._lock:
            if limited is not None and self._counts[limited] + len(tickets) > limit:
                return self._counts[limited]
            for ticket in tickets:
                for name in (ticket.day, ticket.month):
                    self._counts[name] += 1
            return None

    def _release(self, ticket: Ticket) -> None:
        with self._lock:
            for name in (ticket.day, ticket.month):
                if self._counts[name] > 0:
                    self._counts[name] -= 1

    def _spent(self, period: str) -> int:
        with self._lock:
            return self._counts[period]

    def clear(self) -> None:
        with self._lock:
            self._counts.clear()

    def __repr__(self) -> str:
        return "MemoryUsageCounter()"


def restore_spending(cache_url: str | None = None, *, cache_dir: str | Path | None = None,
                     spent_today: int | None = None, spent_this_month: int | None = None) -> dict[str, Any]:
    """Write the counts of billed calls back into a shared cache (Redis) that lost them; what ``cache restore-spending`` runs.

    After :class:`~patsnap_pandas.errors.SpendingLostError`: the current day's and
    month's spending are raised (never lowered) to what this machine last saw (kept in
    ``cache_dir``'s ``usage.sqlite``), or to the counts given, and billed calls go on.

    Parameters
    ----------
    cache_url : str, optional
        The shared cache; default ``$PATSNAP_CACHE_URL``.
    cache_dir : path, optional
        The cache folder whose record to use; default ``$PATSNAP_CACHE_DIR`` or the platform's.
    spent_today, spent_this_month : int, optional
        The counts to write back instead of the last known ones (e.g. from PatSnap's portal).

    Returns
    -------
    dict
        :meth:`UsageCounter.report` after the restore.

    Examples
    --------
    >>> from patsnap_pandas.testing import RedisServer
    >>> server = RedisServer()
    >>> restore_spending(server.url, cache_dir="my-cache", spent_today=3)["spent_today"]
    3
    >>> server.stop()
    """
    url = config.resolve("cache_url", cache_url)
    if url is None:
        raise InvalidInputError(f"cache_url=None and no {config.env_name('cache_url')}: there is no shared cache "
                                "to restore. A cache folder's usage.sqlite is never lost under a running "
                                "process; give the URL of the team's Redis.")
    from .redis_backend import RedisBackend
    from .redis_usage import RedisUsageCounter

    backend = RedisBackend(url)
    try:
        counter = RedisUsageCounter(backend.connection, backend.namespace, guard=backend.guard,
                                    location=backend.shown_url, record=config.cache_dir(cache_dir))
        return counter.restore(spent_today, spent_this_month)
    finally:
        backend.close()


def spending(counter: UsageCounter, budget: Budget | None) -> dict[str, Any]:
    """:meth:`UsageCounter.report` as a plain function (what ``client.usage`` calls).

    Never raises for a counter that cannot be read (a damaged ``usage.sqlite``, counts
    the shared cache lost): the dict then holds ``problem`` (the error's words) instead
    of the counts, so showing the usage never stops a cached answer.

    Examples
    --------
    >>> spending(MemoryUsageCounter(), None)
    {'spent_today': 0, 'spent_this_month': 0, 'budget': None, 'budget_left': None}
    """
    try:
        return counter.report(budget)
    except CacheError as err:
        return {"budget": None, "budget_left": None, "problem": str(err)}
