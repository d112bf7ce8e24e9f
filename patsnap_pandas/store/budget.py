"""The budget: at most N billed calls per UTC day or month, counted for everyone sharing a backend.

* :class:`Budget`: a limit and a window, ``"day"`` or ``"month"``: UTC calendar
  windows (a day ends at 00:00 UTC, a month at 00:00 UTC on its 1st), whatever the
  local time zone. From ``budget=`` or ``$PATSNAP_BUDGET``: ``"500/day"``,
  ``"10000/month"``, or a bare number, which counts per month because PatSnap sells
  its API quotas per month (your contract's month may start on another day: pick a
  monthly budget with that margin in mind, or a daily one).
* The counters of billed calls, one interface (:class:`UsageCounter`):
  :class:`LocalUsageCounter` (``usage.sqlite`` in the cache folder; every process
  sharing the folder counts in it), :class:`RedisUsageCounter` (one Redis for
  everyone; a Lua script checks and counts in one step) and
  :class:`MemoryUsageCounter` (a client without a cache). ``reserve`` counts a call
  before it is sent, or raises :class:`~patsnap_pandas.errors.BudgetExceededError`
  when one more would exceed the budget; ``release`` gives the reservation back when
  the call never reached the server; ``reserve_all`` counts several calls (a search
  by image bytes: its uploads and the search) in one step, all or none. Without a
  budget the counters still count, so the spending of the day and of the month can
  always be shown.
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
import os
import secrets
import sqlite3
import threading
import time
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import config
from .._validate import check_choice, check_int
from ..errors import (
    BudgetExceededError,
    CacheError,
    CacheWarning,
    InvalidInputError,
    SpendingLostError,
    SpendingNotRecordedError,
)
from .files import BUSY_TIMEOUT_S, USAGE_FILE, WriteWarner, check_sqlite, describe_sqlite_error, read_only_uri

__all__ = ["Budget", "Ticket", "UsageCounter", "LocalUsageCounter", "RedisUsageCounter", "MemoryUsageCounter",
           "WINDOWS", "window_end", "spending", "restore_spending"]

WINDOWS: tuple[str, ...] = config.BUDGET_WINDOWS
_WORDS = {"day": "today", "month": "this month"}
#: How to mend a damaged usage.sqlite (`cache clear` leaves it alone: spending is never reset by clearing).
USAGE_FIX = ("It holds only the counts of billed calls of the recent days and months: delete it (the counts "
             "start again from 0), or point cache_dir / PATSNAP_CACHE_DIR at another folder.")
#: Redis keys of a window live this long after the window ended (clocks of machines differ a little).
REDIS_GRACE_S = 86400


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


_OPENING = threading.Lock()


def _until_free(step: Any, wait: float = BUSY_TIMEOUT_S) -> Any:
    """``step()``, tried again while SQLite says the file is locked, for at most ``wait`` seconds."""
    deadline = time.monotonic() + wait
    while True:
        try:
            return step()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


class LocalUsageCounter(UsageCounter):
    """Counts in ``usage.sqlite`` of a cache folder, for every process sharing it.

    Each reservation is one ``BEGIN IMMEDIATE`` transaction (check, then count): two
    processes never both take the last call of a budget. A damaged or locked file
    raises :class:`~patsnap_pandas.errors.CacheError` naming it, before any call.

    A folder that cannot be written (read-only, full): with a budget, the call is
    refused before it is sent (:class:`~patsnap_pandas.errors.SpendingNotRecordedError`
    naming the file and the fix: counting alone, every process would get the whole
    budget); without a budget, the calls are counted in memory and a
    :class:`~patsnap_pandas.errors.CacheWarning` says so once.

    The periods of the last :data:`KEEP_DAYS` days and :data:`KEEP_MONTHS` months
    (by date) are kept, and never the current ones deleted: a clock that steps back
    finds its day's count. A file removed or replaced while this counter counts in it
    gets the counts it last saw written back (with a warning), so spending never
    starts again from 0 under a running process. Reading (:meth:`spent`) creates nothing.

    Parameters
    ----------
    folder : path
        The cache folder (``client.cache_dir``).

    Examples
    --------
    >>> counter = LocalUsageCounter("my-cache")
    >>> _ = counter.reserve("search", Budget(100, "day"))
    >>> counter.spent("day"), counter.path.name
    (1, 'usage.sqlite')
    """

    def __init__(self, folder: str | Path) -> None:
        self.path = Path(folder).expanduser() / USAGE_FILE
        self._local = threading.local()  # each thread's connection (pid, inode, connection)
        self._memory: MemoryUsageCounter | None = None  # the counts kept here when the file cannot be written
        self._lock = threading.Lock()
        self._warner = WriteWarner()
        # The file this counter last counted in (pid, file id), and the counts of the current day and
        # month it saw there: written back into a file that replaced it.
        self._counted_in: tuple[int, str] | None = None
        self._seen: dict[str, int] = {}
        self._replaced_warned = False

    def _connect(self) -> sqlite3.Connection:
        """This thread's connection to the file, opened once (again after a fork, or when the file was replaced)."""
        held: tuple[int, int, sqlite3.Connection, str] | None = getattr(self._local, "held", None)
        try:
            inode: int | None = os.stat(self.path).st_ino
        except FileNotFoundError:
            inode = None
        if held is not None and held[0] == os.getpid() and held[1] == inode:
            return held[2]
        if held is not None and held[0] == os.getpid():
            held[2].close()
        check_sqlite(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
        try:
            # Write-ahead log, synced at checkpoints: a count costs no fsync of its own (as the HTTP cache).
            con.execute("PRAGMA synchronous=NORMAL")
            # Switching the journal mode does not wait for a busy file (SQLite answers "locked" at
            # once while another connection writes): switch only a file not in WAL mode yet, and
            # let the threads of this process open their connections one at a time.
            with _OPENING:
                if con.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    _until_free(lambda: con.execute("PRAGMA journal_mode=WAL"))
                for table in _TABLES:
                    con.execute(table)
                # A name of this file of its own: a file that replaced it (same path, maybe the same inode) has another.
                con.execute("INSERT INTO file_id (id) SELECT ? WHERE NOT EXISTS (SELECT 1 FROM file_id)",
                            (secrets.token_hex(8),))
                file_id = str(con.execute("SELECT id FROM file_id").fetchone()[0])
        except BaseException:
            con.close()
            raise
        self._local.held = (os.getpid(), os.stat(self.path).st_ino, con, file_id)
        return con

    def close(self) -> None:
        """Close this thread's connection (other threads' close when they end)."""
        self._forget_connection()

    def _forget_connection(self) -> None:
        held = getattr(self._local, "held", None)
        self._local.held = None
        if held is not None and held[0] == os.getpid():
            held[2].close()

    def _write(self, work: Any) -> Any:
        try:
            return self._write_unchecked(work)
        except CacheError as err:
            raise _mend(err) from None

    def _write_unchecked(self, work: Any) -> Any:
        try:
            con = self._connect()
            try:
                con.execute("BEGIN IMMEDIATE")
                try:
                    result = work(con)
                except BaseException:
                    con.execute("ROLLBACK")
                    raise
                con.execute("COMMIT")
                return result
            except BaseException:
                self._forget_connection()
                raise
        except OSError as exc:
            raise _Unwritable(exc) from None
        except sqlite3.OperationalError as exc:
            text = str(exc)
            if "locked" in text or "busy" in text:
                raise describe_sqlite_error(self.path, exc) from None
            raise _Unwritable(exc) from None  # read-only, full disk, cannot open
        except sqlite3.Error as exc:
            raise describe_sqlite_error(self.path, exc) from None

    def _in_memory(self, exc: _Unwritable) -> MemoryUsageCounter:
        """From now on, count in memory (on top of what the file holds); warn once."""
        with self._lock:
            if self._memory is None:
                self._memory = MemoryUsageCounter()
        self._warner.warn(self.path, exc.cause, "the count of billed calls (counted for this session only; "
                          "with a budget set, billed calls would be refused)", stacklevel=7)
        return self._memory

    def _not_recorded(self, exc: _Unwritable) -> SpendingNotRecordedError:
        folder = self.path.parent
        return SpendingNotRecordedError(
            str(self.path), f"cannot be written ({type(exc.cause).__name__}: {exc.cause}), and a budget is set: a "
            "billed call is sent only once it is counted where every process sharing the folder counts it (counting "
            "alone, each process would get the whole budget), so nothing was sent",
            fix=f"Make the folder {folder} writable (or free disk space), or point cache_dir / "
                f"{config.env_name('cache_dir')} at a writable folder, or a team's Redis "
                f"({config.env_name('cache_url')}). Without a budget the calls are counted in memory for this "
                "session only. Cached searches still work.")

    def _reserve(self, tickets: list[Ticket], limited: str | None, limit: int) -> int | None:
        if self._memory is None or limited is not None:
            try:
                return self._reserve_in_file(tickets, limited, limit)
            except _Unwritable as exc:
                if limited is not None:
                    raise self._not_recorded(exc) from None
                self._in_memory(exc)
        assert self._memory is not None
        return self._memory._reserve(tickets, None, 0)

    def _reserve_in_file(self, tickets: list[Ticket], limited: str | None, limit: int) -> int | None:
        day, month = tickets[0].day, tickets[0].month

        def work(con: sqlite3.Connection) -> int | None:
            self._carry_over(con, day, month)
            held = dict.fromkeys((day, month), 0)
            held.update(con.execute("SELECT period, SUM(n) FROM calls WHERE period IN (?, ?) GROUP BY period",
                                    (day, month)).fetchall())
            if limited is not None and held[limited] + len(tickets) > limit:
                return int(held[limited])
            if not held[day]:  # the day's first count: the time to let go of old periods
                _trim(con, "calls", day, month)
            for endpoint, n in Counter(ticket.endpoint for ticket in tickets).items():
                for name in (day, month):
                    con.execute("INSERT INTO calls (period, endpoint, n) VALUES (?, ?, ?) "
                                "ON CONFLICT (period, endpoint) DO UPDATE SET n = n + excluded.n", (name, endpoint, n))
            with self._lock:
                self._seen = {name: int(n) + len(tickets) for name, n in held.items()}
            return None
        result: int | None = self._write(work)
        return result

    def _carry_over(self, con: sqlite3.Connection, day: str, month: str) -> None:
        """Write the counts last seen back into a file that replaced the one this counter counted in."""
        now_in = (os.getpid(), self._local.held[3])
        with self._lock:
            before, self._counted_in = self._counted_in, now_in
            seen = {name: n for name, n in self._seen.items() if name in (day, month)}
        if before is None or before[0] != now_in[0] or before == now_in or not any(seen.values()):
            return
        for name, n in seen.items():
            have = con.execute("SELECT COALESCE(SUM(n), 0) FROM calls WHERE period = ?", (name,)).fetchone()[0]
            if have < n:
                con.execute("INSERT INTO calls (period, endpoint, n) VALUES (?, ?, ?) ON CONFLICT (period, endpoint) "
                            "DO UPDATE SET n = n + excluded.n", (name, _CARRIED, n - have))
        if not self._replaced_warned:
            self._replaced_warned = True
            warnings.warn(CacheWarning(
                f"The count of billed calls {self.path} was removed or replaced while this process counted in it: "
                f"the counts it knew ({seen.get(day, 0)} today, {seen.get(month, 0)} this month) were written back, "
                "so the budget still holds. To start again from 0, delete the file while no process uses the "
                "folder."), stacklevel=8)

    def _release(self, ticket: Ticket) -> None:
        def work(con: sqlite3.Connection) -> None:
            for name in (ticket.day, ticket.month):
                con.execute("UPDATE calls SET n = n - 1 WHERE period = ? AND endpoint = ? AND n > 0",
                            (name, ticket.endpoint))
        if self._memory is not None:
            self._memory._release(ticket)
            return
        try:
            self._write(work)
        except _Unwritable:  # pragma: no cover - written a moment ago, unwritable now: keep the count
            pass

    def _spent(self, period: str) -> int:
        return self._spent_in_file(period) + (self._memory._spent(period) if self._memory is not None else 0)

    def _spent_in_file(self, period: str) -> int:
        row = self._read("SELECT COALESCE(SUM(n), 0) FROM calls WHERE period = ?", (period,))
        return int(row[0][0]) if row else 0

    def _read(self, query: str, args: tuple[Any, ...]) -> list[Any]:
        """Rows of a read-only query ([] when the file or table does not exist); CacheError when damaged."""
        if not self.path.exists():
            return []
        try:
            check_sqlite(self.path)
            con = sqlite3.connect(read_only_uri(self.path), uri=True, timeout=BUSY_TIMEOUT_S)
            try:
                return con.execute(query, args).fetchall()
            finally:
                con.close()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                return []
            raise _mend(describe_sqlite_error(self.path, exc)) from None
        except sqlite3.Error as exc:
            raise _mend(describe_sqlite_error(self.path, exc)) from None
        except CacheError as err:
            raise _mend(err) from None

    # -- the record of a shared store (what a Redis counter last saw, kept in this folder) --------

    def shared_record(self, store: str) -> tuple[str | None, dict[str, tuple[int, int]]]:
        """(epoch, {period: (reserved, spent)}) last recorded here for the shared ``store``; (None, {}) when none.

        Never raises: a file that cannot be read holds no record.

        Examples
        --------
        >>> record = LocalUsageCounter("my-cache")
        >>> record.remember_shared("redis://cache:6379/0 patsnap", "e1", {"day:2027-01-05": (7, 6)})
        >>> record.shared_record("redis://cache:6379/0 patsnap")
        ('e1', {'day:2027-01-05': (7, 6)})
        """
        try:
            epoch = self._read("SELECT epoch FROM shared_stores WHERE store = ?", (store,))
            seen = self._read("SELECT period, reserved, spent FROM shared_seen WHERE store = ?", (store,))
        except CacheError:
            return None, {}
        return (str(epoch[0][0]) if epoch else None), {str(p): (int(r), int(t)) for p, r, t in seen}

    def remember_shared(self, store: str, epoch: str, seen: dict[str, tuple[int, int]]) -> None:
        """Record the epoch of a shared store and the highest (reserved, spent) seen per period; best effort."""
        def work(con: sqlite3.Connection) -> None:
            con.execute("INSERT INTO shared_stores (store, epoch) VALUES (?, ?) ON CONFLICT (store) "
                        "DO UPDATE SET epoch = excluded.epoch", (store, epoch))
            for name, (reserved, spent) in seen.items():
                con.execute("INSERT INTO shared_seen (store, period, reserved, spent) VALUES (?, ?, ?, ?) "
                            "ON CONFLICT (store, period) DO UPDATE SET reserved = MAX(reserved, excluded.reserved), "
                            "spent = MAX(spent, excluded.spent)", (store, name, reserved, spent))
            days = sorted(name for name in seen if name.startswith("day:"))
            months = sorted(name for name in seen if name.startswith("month:"))
            if days and months:
                _trim(con, "shared_seen", days[-1], months[-1])
        try:
            self._write(work)
        except (CacheError, _Unwritable):
            pass  # the record is a second line of defence; the shared store keeps the counts

    def clear(self) -> None:
        if self._memory is not None:
            self._memory.clear()
        with self._lock:
            self._seen = {}
        if self.path.exists():
            self._write(lambda con: con.execute("DELETE FROM calls"))

    def __repr__(self) -> str:
        return f"LocalUsageCounter({str(self.path.parent)!r})"


#: Periods kept in ``usage.sqlite`` besides the current day and month: the most recent days and months
#: by date. A clock that steps back finds its day's count; only clearly old periods are deleted.
KEEP_DAYS = 62
KEEP_MONTHS = 3
#: The endpoint under which counts written back into a replaced usage file are kept.
_CARRIED = "counted before the file was replaced"
_TABLES = (
    "CREATE TABLE IF NOT EXISTS file_id (id TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS calls (period TEXT NOT NULL, endpoint TEXT NOT NULL, n INTEGER NOT NULL, "
    "PRIMARY KEY (period, endpoint))",
    "CREATE TABLE IF NOT EXISTS shared_stores (store TEXT PRIMARY KEY, epoch TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS shared_seen (store TEXT NOT NULL, period TEXT NOT NULL, reserved INTEGER NOT NULL, "
    "spent INTEGER NOT NULL, PRIMARY KEY (store, period))",
)


def _trim(con: sqlite3.Connection, table: str, day: str, month: str) -> None:
    """Delete the periods of ``table`` older than the most recent KEEP_DAYS days and KEEP_MONTHS months.

    "Recent" is by the period's date, not by the clock: a clock that steps back (or jumped
    ahead for a moment) never deletes the current day or month.
    """
    for kind, current, keep in (("day:", day, KEEP_DAYS), ("month:", month, KEEP_MONTHS)):
        con.execute(f"DELETE FROM {table} WHERE period LIKE ? AND period <> ? AND period NOT IN "  # noqa: S608 - our table names
                    f"(SELECT DISTINCT period FROM {table} WHERE period LIKE ? ORDER BY period DESC LIMIT ?)",
                    (kind + "%", current, kind + "%", keep))


def _mend(err: CacheError) -> CacheError:
    """The usage file's CacheError, with the fix that applies to it when it is damaged."""
    if "locked" in err.problem:
        return err
    return CacheError(err.path, err.problem, fix=USAGE_FIX)


class _Unwritable(Exception):
    """The usage file cannot be written (read-only folder or file, full disk)."""

    def __init__(self, cause: BaseException) -> None:
        self.cause = cause
        super().__init__(str(cause))


# KEYS: the day's hash, the month's hash, the set of the namespace's epochs. ARGV: which key is
# limited (0: none, 1: day, 2: month), the limit, when each hash expires (epoch seconds), the grace
# (seconds after the server's own clock a hash lives at least), the epoch the caller knows ('': none),
# a new epoch (kept when the set is empty: the namespace's first count), the 'reserved' counts the
# caller last saw in the day and the month, then one endpoint name per call to count.
# Returns {0, reserved day, reserved month, epoch, total day, total month} when counted; {1, spent}
# when the calls would pass the limit (nothing counted); {2, reserved day, reserved month} when the
# counts the caller saw are gone (the epoch it knows is not in the set, or a count went down).
_RESERVE = """
local known = ARGV[6]
if known == '' then
  local epochs = redis.call('SMEMBERS', KEYS[3])
  if #epochs == 0 then
    redis.call('SADD', KEYS[3], ARGV[7])
    known = ARGV[7]
  else
    table.sort(epochs)
    known = epochs[1]
  end
elseif redis.call('SISMEMBER', KEYS[3], known) == 0 then
  return {2, 0, 0}
end
local reserved_day = tonumber(redis.call('HGET', KEYS[1], 'reserved') or '0')
local reserved_month = tonumber(redis.call('HGET', KEYS[2], 'reserved') or '0')
if reserved_day < tonumber(ARGV[8]) or reserved_month < tonumber(ARGV[9]) then
  return {2, reserved_day, reserved_month}
end
local n = #ARGV - 9
local which = tonumber(ARGV[1])
if which > 0 then
  local spent = tonumber(redis.call('HGET', KEYS[which], 'total') or '0')
  if spent + n > tonumber(ARGV[2]) then return {1, spent} end
end
local floor = tonumber(redis.call('TIME')[1]) + tonumber(ARGV[5])
local out = {0, 0, 0, known, 0, 0}
for i = 1, 2 do
  out[4 + i] = redis.call('HINCRBY', KEYS[i], 'total', n)
  out[1 + i] = redis.call('HINCRBY', KEYS[i], 'reserved', n)
  for j = 10, #ARGV do redis.call('HINCRBY', KEYS[i], ARGV[j], 1) end
  redis.call('EXPIREAT', KEYS[i], math.max(tonumber(ARGV[2 + i]), floor))
end
return out
"""
_RELEASE = """
for i = 1, 2 do
  if tonumber(redis.call('HGET', KEYS[i], 'total') or '0') > 0 then
    redis.call('HINCRBY', KEYS[i], 'total', -1)
    redis.call('HINCRBY', KEYS[i], ARGV[1], -1)
  end
end
return 0
"""
# KEYS as _RESERVE's. ARGV: the epoch, the spending of the day and the month to restore, the 'reserved'
# counts last seen, each hash's expiry, the grace. Counts are only ever raised, never lowered.
_RESTORE = """
redis.call('SADD', KEYS[3], ARGV[1])
local floor = tonumber(redis.call('TIME')[1]) + tonumber(ARGV[8])
for i = 1, 2 do
  local total = tonumber(redis.call('HGET', KEYS[i], 'total') or '0')
  local want = tonumber(ARGV[1 + i])
  if want > total then
    redis.call('HSET', KEYS[i], 'total', want)
    redis.call('HINCRBY', KEYS[i], 'restored', want - total)
  end
  local reserved = tonumber(redis.call('HGET', KEYS[i], 'reserved') or '0')
  local least = math.max(tonumber(ARGV[3 + i]), want, total)
  if least > reserved then redis.call('HSET', KEYS[i], 'reserved', least) end
  redis.call('EXPIREAT', KEYS[i], math.max(tonumber(ARGV[5 + i]), floor))
end
return 1
"""


class RedisUsageCounter(UsageCounter):
    """Counts in one Redis for everyone pointing at it (the ``[redis]`` extra).

    One hash per window, ``<namespace>:usage:day:2026-11-29`` and
    ``<namespace>:usage:month:2026-11``, with the fields ``total`` (the spending),
    ``reserved`` (every call ever counted there; never goes down) and one per
    endpoint; a Lua script checks the budget and counts in one atomic step. A key
    expires a day after its window ended, and never sooner than a day after the
    server's own clock: a client whose clock is behind does not expire it early.

    **Counts that vanish stop the spending.** The namespace's first count writes an
    epoch (a random name) into the set ``<namespace>:usage:epochs``; each counter
    remembers it with the ``reserved`` counts it last saw, in memory and, given a
    ``record`` folder, in that folder's ``usage.sqlite`` (kept across restarts). When
    Redis was flushed, restarted without persistence or evicted the counters, the
    epoch is missing (or a count went down), and the next reservation raises
    :class:`~patsnap_pandas.errors.SpendingLostError` instead of counting from 0;
    :meth:`restore` (``patsnap-pandas cache restore-spending``) writes the last known
    counts back and lets the calls go on. A counter that knows no epoch (a new
    machine's empty folder) cannot tell a wiped store from a new one.

    Parameters
    ----------
    connection : redis.Redis
        E.g. ``redis.Redis.from_url("redis://127.0.0.1:6379/0")``.
    namespace : str
        Prefix of the keys.
    guard : callable, optional
        ``guard(doing)``: a context manager that turns a Redis failure into a clear error
        (:meth:`patsnap_pandas.store.redis_backend.RedisBackend.guard`); default: none.
    location : str, optional
        The server as messages name it (the shown URL); default: host, port and database.
    record : path, optional
        A cache folder whose ``usage.sqlite`` keeps the epoch and the counts last seen.

    Examples
    --------
    >>> import redis
    >>> from patsnap_pandas.testing import RedisServer
    >>> server = RedisServer()
    >>> counter = RedisUsageCounter(redis.Redis.from_url(server.url))
    >>> _ = counter.reserve("upload", Budget(10, "day"))
    >>> counter.spent("day"), counter.report(Budget(10, "day"))["budget"]["remaining"]
    (1, 9)
    >>> _ = counter.connection.flushall()              # the server lost its data
    >>> counter.reserve("search", Budget(10, "day"))
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.SpendingLostError: The count of billed calls in the shared cache at redis://127.0.0.1:.../0 lost its counts ...
    >>> counter.restore()["spent_today"]               # the last known count, written back
    1
    >>> server.stop()
    """

    def __init__(self, connection: Any, namespace: str = "patsnap",
                 guard: Callable[[str], AbstractContextManager[Any]] | None = None, *,
                 location: str | None = None, record: str | Path | None = None) -> None:
        if not isinstance(namespace, str) or not namespace.strip() or any(c.isspace() for c in namespace):
            raise InvalidInputError(f"namespace={namespace!r} is not valid: expected a key prefix without "
                                    "spaces. Allowed: e.g. 'patsnap' or 'team-a'.")
        self.connection = connection
        self.namespace = namespace
        self.location = location or _connection_words(connection)
        self._guard = guard or (lambda doing: nullcontext())
        self._reserve_script = connection.register_script(_RESERVE)
        self._release_script = connection.register_script(_RELEASE)
        self._restore_script = connection.register_script(_RESTORE)
        self._record = LocalUsageCounter(record) if record is not None else None
        self._state = threading.Lock()
        self._loaded = False
        self._epoch: str | None = None
        self._seen: dict[str, tuple[int, int]] = {}  # period -> (reserved, spent) last seen

    def key(self, period: str) -> str:
        """The Redis key of a window, e.g. ``patsnap:usage:day:2026-11-29``."""
        return f"{self.namespace}:usage:{period}"

    @property
    def _epochs(self) -> str:
        return f"{self.namespace}:usage:epochs"

    @property
    def _store(self) -> str:
        return f"{self.location} {self.namespace}"

    def _load(self) -> None:
        """Take the epoch and counts this machine last saw from the record folder, once."""
        if self._loaded:
            return
        epoch, seen = self._record.shared_record(self._store) if self._record is not None else (None, {})
        with self._state:
            if not self._loaded:
                self._loaded = True
                self._epoch = self._epoch or epoch
                for name, counts in seen.items():
                    self._seen[name] = _higher(self._seen.get(name), counts)

    def _learn(self, epoch: str, counts: dict[str, tuple[int, int]]) -> None:
        """Remember the epoch and the counts just seen (in memory and in the record folder)."""
        with self._state:
            self._epoch = epoch
            self._seen = {name: _higher(self._seen.get(name), value) for name, value in counts.items()}
            snapshot = dict(self._seen)
        if self._record is not None:
            self._record.remember_shared(self._store, epoch, snapshot)

    def _reserve(self, tickets: list[Ticket], limited: str | None, limit: int) -> int | None:
        self._load()
        first = tickets[0]
        which = 0 if limited is None else (1 if limited == first.day else 2)
        with self._state:
            known = self._epoch or ""
            seen_day, seen_month = (self._seen.get(name, (0, 0))[0] for name in (first.day, first.month))
        with self._guard("counting a billed call"):
            result = self._reserve_script(
                keys=[self.key(first.day), self.key(first.month), self._epochs],
                args=[which, limit, int(first.day_end) + REDIS_GRACE_S, int(first.month_end) + REDIS_GRACE_S,
                      REDIS_GRACE_S, known, secrets.token_hex(8), seen_day, seen_month,
                      *(ticket.endpoint for ticket in tickets)])
        status = int(result[0])
        if status == 1:
            return int(result[1])
        if status == 2:
            raise self._lost(first.day, first.month)
        epoch = result[3].decode() if isinstance(result[3], bytes) else str(result[3])
        self._learn(epoch, {first.day: (int(result[1]), int(result[4])),
                            first.month: (int(result[2]), int(result[5]))})
        return None

    def _lost(self, day: str, month: str) -> SpendingLostError:
        """The error of counts that vanished: what this counter last saw, what Redis holds now, how to go on."""
        with self._state:
            known_day, known_month = (self._seen.get(name, (0, 0))[1] for name in (day, month))
        try:
            with self._guard("reading the usage counters"):
                now_day, now_month = (int(self.connection.hget(self.key(name), "total") or 0) for name in (day, month))
            holds = f"it holds {now_day} today and {now_month} this month now"
        except CacheError:
            holds = "it cannot be read now"
        env = config.env_name
        return SpendingLostError(
            self.location,
            f"lost its counts of billed calls: this client last saw {known_day} spent today and {known_month} this "
            f"month (UTC), and {holds}. Redis was flushed, restarted without persistence, or evicted the counters: "
            "counting from 0 again would let the budget through a second time, and its cached answers and "
            "remembered uploads are gone too. No further billed call was made",
            fix=f"To go on, run `patsnap-pandas cache restore-spending` (with the same {env('cache_url')} and "
                f"{env('cache_dir')}) or call patsnap_pandas.store.budget.restore_spending(): it writes the last known "
                f"counts back ({known_day} today, {known_month} this month), or the counts you give "
                "(--spent-today N --spent-this-month N), and billed calls go on from there. To keep it from "
                "happening again, let Redis keep its data (appendonly yes) and not evict it (maxmemory-policy "
                "noeviction).")

    def _release(self, ticket: Ticket) -> None:
        with self._guard("giving back an unsent call's count"):
            self._release_script(keys=[self.key(ticket.day), self.key(ticket.month)], args=[ticket.endpoint])

    def _spent(self, period: str) -> int:
        self._load()
        with self._state:
            epoch = self._epoch
        with self._guard("reading the usage counters"):
            value = self.connection.hget(self.key(period), "total")
            if epoch is not None and not self.connection.sismember(self._epochs, epoch):
                now = time.time()
                raise self._lost(_period_of("day", period, now), _period_of("month", period, now))
        return int(value) if value is not None else 0

    def restore(self, spent_today: int | None = None, spent_this_month: int | None = None) -> dict[str, Any]:
        """After :class:`~patsnap_pandas.errors.SpendingLostError`: write the counts back and go on counting.

        The current day's and month's spending are raised (never lowered) to the counts
        last seen (in this process and the ``record`` folder), or to ``spent_today`` /
        ``spent_this_month`` when given; the epoch this counter knows is accepted again,
        so counters elsewhere that know it go on too. Returns :meth:`report` (no budget).

        Examples
        --------
        >>> import redis
        >>> from patsnap_pandas.testing import RedisServer
        >>> server = RedisServer()
        >>> counter = RedisUsageCounter(redis.Redis.from_url(server.url))
        >>> counter.restore(spent_today=40, spent_this_month=900)
        {'spent_today': 40, 'spent_this_month': 900, 'budget': None, 'budget_left': None}
        >>> server.stop()
        """
        given = {"spent_today": spent_today, "spent_this_month": spent_this_month}
        for name, value in given.items():
            if value is not None:
                check_int(value, name, 0)
        self._load()
        now = time.time()
        day, month = period("day", now), period("month", now)
        with self._state:
            epoch = self._epoch or secrets.token_hex(8)
            seen_day, seen_month = self._seen.get(day, (0, 0)), self._seen.get(month, (0, 0))
        want_day = seen_day[1] if spent_today is None else spent_today
        want_month = max(seen_month[1] if spent_this_month is None else spent_this_month, want_day)
        with self._guard("restoring the usage counters"):
            self._restore_script(keys=[self.key(day), self.key(month), self._epochs],
                                 args=[epoch, want_day, want_month, seen_day[0], seen_month[0],
                                       int(window_end("day", now).timestamp()) + REDIS_GRACE_S,
                                       int(window_end("month", now).timestamp()) + REDIS_GRACE_S, REDIS_GRACE_S])
        self._learn(epoch, {day: (max(seen_day[0], want_day), want_day),
                            month: (max(seen_month[0], want_month), want_month)})
        return self.report(None)

    def clear(self) -> None:
        """Forget every count (the epoch stays: counters elsewhere that saw counts stop, as for a loss)."""
        with self._guard("clearing the usage counters"):
            keys = [*self.connection.scan_iter(match=f"{self.namespace}:usage:day:*"),
                    *self.connection.scan_iter(match=f"{self.namespace}:usage:month:*")]
            if keys:
                self.connection.delete(*keys)
        with self._state:
            self._seen = {}

    def __repr__(self) -> str:
        return f"RedisUsageCounter(namespace={self.namespace!r})"


def _higher(old: tuple[int, int] | None, new: tuple[int, int]) -> tuple[int, int]:
    return new if old is None else (max(old[0], new[0]), max(old[1], new[1]))


def _period_of(window: str, name: str, now: float) -> str:
    """``name`` when it is a period of ``window``, else the current period of ``window``."""
    return name if name.startswith(window + ":") else period(window, now)


def _connection_words(connection: Any) -> str:
    """``redis://host:port/db`` of a redis-py client (no password), for messages."""
    kwargs = getattr(getattr(connection, "connection_pool", None), "connection_kwargs", {})
    if "path" in kwargs:
        return f"unix://{kwargs['path']}"
    return f"redis://{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}/{kwargs.get('db', 0)}"


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
