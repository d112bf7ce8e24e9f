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
  the call never reached the server. Without a budget the counters still count, so
  the spending of the day and of the month can always be shown.

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
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import config
from .cache_files import BUSY_TIMEOUT_S, USAGE_FILE, WriteWarner, check_sqlite, describe_sqlite_error, read_only_uri
from .errors import BudgetExceededError, CacheError, InvalidInputError

__all__ = ["Budget", "Ticket", "UsageCounter", "LocalUsageCounter", "RedisUsageCounter", "MemoryUsageCounter",
           "WINDOWS", "window_end", "spending"]

WINDOWS: tuple[str, ...] = config.BUDGET_WINDOWS
_WORDS = {"day": "today", "month": "this month"}
#: How to mend a damaged usage.sqlite (`cache clear` leaves it alone: spending is never reset by clearing).
USAGE_FIX = ("It holds only the counts of billed calls of this day and month: delete it (the counts start "
             "again from 0), or point cache_dir / PATSNAP_CACHE_DIR at another folder.")
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
        if isinstance(self.limit, bool) or not isinstance(self.limit, int) or self.limit < 0:
            raise InvalidInputError(f"limit={self.limit!r} is not valid: expected a number of billed calls. "
                                    "Allowed: an integer >= 0.")
        if self.window not in WINDOWS:
            raise InvalidInputError(f"window={self.window!r} is not valid: unknown window. Allowed: "
                                    "'day' or 'month' (UTC calendar windows).")

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
        patsnap_pandas.errors.InvalidInputError: budget=-1 is not valid: expected a number of calls >= 0 ...
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

    def exceeded(self, spent: int, now: float) -> BudgetExceededError:
        """The error of a call that would go over this budget (not raised)."""
        ends = window_end(self.window, now)
        env = config.env_name("budget")
        example = f"{max(2 * self.limit, self.limit + 100)}/{self.window}"
        return BudgetExceededError(
            f"The budget of {self.words} is used up: {spent} spent {_WORDS[self.window]} by everyone sharing "
            f"this cache; the next billed call was not sent. The budget resets at {_utc_words(ends)}.",
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
        now = time.time()
        ticket = Ticket(endpoint, period("day", now), period("month", now),
                        window_end("day", now).timestamp(), window_end("month", now).timestamp())
        limited = None if budget is None else (ticket.day if budget.window == "day" else ticket.month)
        spent = self._reserve(ticket, limited, budget.limit if budget is not None else 0)
        if spent is not None:
            assert budget is not None
            raise budget.exceeded(spent, now)
        return ticket

    def release(self, ticket: Ticket) -> None:
        """Give back a reservation whose call never reached the server (e.g. connection refused)."""
        self._release(ticket)

    def spent(self, window: str, now: float | None = None) -> int:
        """Billed calls counted in the current UTC ``window`` (``"day"`` or ``"month"``)."""
        if window not in WINDOWS:
            raise InvalidInputError(f"window={window!r} is not valid: unknown window. Allowed: 'day' or 'month'.")
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
    def _reserve(self, ticket: Ticket, limited: str | None, limit: int) -> int | None:
        """Count ``ticket`` unless ``limited`` (a period) already holds ``limit``: then return its count."""

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

    def _reserve(self, ticket: Ticket, limited: str | None, limit: int) -> int | None:
        with self._lock:
            if limited is not None and self._counts[limited] + 1 > limit:
                return self._counts[limited]
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
    raises :class:`~patsnap_pandas.errors.CacheError` naming it, before any call. A
    folder that cannot be written (read-only, full) costs only the sharing: the
    calls are counted in memory on top of the file's count, and a
    :class:`~patsnap_pandas.errors.CacheWarning` says so once. Only the current day
    and month are kept. Reading (:meth:`spent`) creates nothing.

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

    def _connect(self) -> sqlite3.Connection:
        """This thread's connection to the file, opened once (again after a fork, or when the file was replaced)."""
        held: tuple[int, int, sqlite3.Connection] | None = getattr(self._local, "held", None)
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
                con.execute("CREATE TABLE IF NOT EXISTS calls (period TEXT NOT NULL, endpoint TEXT NOT NULL, "
                            "n INTEGER NOT NULL, PRIMARY KEY (period, endpoint))")
        except BaseException:
            con.close()
            raise
        self._local.held = (os.getpid(), os.stat(self.path).st_ino, con)
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
        self._warner.warn(self.path, exc.cause, "the count of billed calls (the budget counts this session only)",
                          stacklevel=6)
        return self._memory

    def _reserve(self, ticket: Ticket, limited: str | None, limit: int) -> int | None:
        if self._memory is None:
            try:
                return self._reserve_in_file(ticket, limited, limit)
            except _Unwritable as exc:
                self._in_memory(exc)
        assert self._memory is not None
        held = self._spent_in_file(limited) if limited is not None else 0
        over = self._memory._reserve(ticket, limited, limit - held)
        return None if over is None else held + over

    def _reserve_in_file(self, ticket: Ticket, limited: str | None, limit: int) -> int | None:
        def work(con: sqlite3.Connection) -> int | None:
            if limited is not None:
                spent = con.execute("SELECT COALESCE(SUM(n), 0) FROM calls WHERE period = ?", (limited,)).fetchone()[0]
                if spent + 1 > limit:
                    return int(spent)
            con.execute("DELETE FROM calls WHERE period NOT IN (?, ?)", (ticket.day, ticket.month))
            for name in (ticket.day, ticket.month):
                con.execute("INSERT INTO calls (period, endpoint, n) VALUES (?, ?, 1) "
                            "ON CONFLICT (period, endpoint) DO UPDATE SET n = n + 1", (name, ticket.endpoint))
            return None
        result: int | None = self._write(work)
        return result

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
        try:
            return self._spent_unchecked(period)
        except CacheError as err:
            raise _mend(err) from None

    def _spent_unchecked(self, period: str) -> int:
        if not self.path.exists():
            return 0
        try:
            check_sqlite(self.path)
            con = sqlite3.connect(read_only_uri(self.path), uri=True, timeout=BUSY_TIMEOUT_S)
            try:
                row = con.execute("SELECT COALESCE(SUM(n), 0) FROM calls WHERE period = ?", (period,)).fetchone()
            finally:
                con.close()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                return 0
            raise describe_sqlite_error(self.path, exc) from None
        except sqlite3.Error as exc:
            raise describe_sqlite_error(self.path, exc) from None
        return int(row[0])

    def clear(self) -> None:
        if self._memory is not None:
            self._memory.clear()
        if self.path.exists():
            self._write(lambda con: con.execute("DELETE FROM calls"))

    def __repr__(self) -> str:
        return f"LocalUsageCounter({str(self.path.parent)!r})"


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


# KEYS: the day's and the month's hash. ARGV: endpoint, which key is limited (0: none, 1: day,
# 2: month), the limit, then when each key expires (epoch seconds). Returns -1 when counted, else
# the limited key's count (nothing counted).
_RESERVE = """
local which = tonumber(ARGV[2])
if which > 0 then
  local spent = tonumber(redis.call('HGET', KEYS[which], 'total') or '0')
  if spent + 1 > tonumber(ARGV[3]) then return spent end
end
for i = 1, 2 do
  redis.call('HINCRBY', KEYS[i], 'total', 1)
  redis.call('HINCRBY', KEYS[i], ARGV[1], 1)
  redis.call('EXPIREAT', KEYS[i], ARGV[3 + i])
end
return -1
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


class RedisUsageCounter(UsageCounter):
    """Counts in one Redis for everyone pointing at it (the ``[redis]`` extra).

    One hash per window, ``<namespace>:usage:day:2026-11-29`` and
    ``<namespace>:usage:month:2026-11``, with the field ``total`` and one field per
    endpoint; a Lua script checks the budget and counts in one atomic step. A key
    expires a day after its window ended.

    Parameters
    ----------
    connection : redis.Redis
        E.g. ``redis.Redis.from_url("redis://127.0.0.1:6379/0")``.
    namespace : str
        Prefix of the keys.
    guard : callable, optional
        ``guard(doing)``: a context manager that turns a Redis failure into a clear error
        (:meth:`patsnap_pandas.redis_backend.RedisBackend.guard`); default: none.

    Examples
    --------
    >>> import redis
    >>> from patsnap_pandas.testing import RedisServer
    >>> server = RedisServer()
    >>> counter = RedisUsageCounter(redis.Redis.from_url(server.url))
    >>> _ = counter.reserve("upload", Budget(10, "day"))
    >>> counter.spent("day"), counter.report(Budget(10, "day"))["budget"]["remaining"]
    (1, 9)
    >>> server.stop()
    """

    def __init__(self, connection: Any, namespace: str = "patsnap",
                 guard: Callable[[str], AbstractContextManager[Any]] | None = None) -> None:
        if not isinstance(namespace, str) or not namespace.strip() or any(c.isspace() for c in namespace):
            raise InvalidInputError(f"namespace={namespace!r} is not valid: expected a key prefix without "
                                    "spaces. Allowed: e.g. 'patsnap' or 'team-a'.")
        self.connection = connection
        self.namespace = namespace
        self._guard = guard or (lambda doing: nullcontext())
        self._reserve_script = connection.register_script(_RESERVE)
        self._release_script = connection.register_script(_RELEASE)

    def key(self, period: str) -> str:
        """The Redis key of a window, e.g. ``patsnap:usage:day:2026-11-29``."""
        return f"{self.namespace}:usage:{period}"

    def _reserve(self, ticket: Ticket, limited: str | None, limit: int) -> int | None:
        which = 0 if limited is None else (1 if limited == ticket.day else 2)
        with self._guard("counting a billed call"):
            result = int(self._reserve_script(
                keys=[self.key(ticket.day), self.key(ticket.month)],
                args=[ticket.endpoint, which, limit, int(ticket.day_end) + REDIS_GRACE_S,
                      int(ticket.month_end) + REDIS_GRACE_S]))
        return None if result < 0 else result

    def _release(self, ticket: Ticket) -> None:
        with self._guard("giving back an unsent call's count"):
            self._release_script(keys=[self.key(ticket.day), self.key(ticket.month)], args=[ticket.endpoint])

    def _spent(self, period: str) -> int:
        with self._guard("reading the usage counters"):
            value = self.connection.hget(self.key(period), "total")
        return int(value) if value is not None else 0

    def clear(self) -> None:
        with self._guard("clearing the usage counters"):
            keys = list(self.connection.scan_iter(match=f"{self.namespace}:usage:*"))
            if keys:
                self.connection.delete(*keys)

    def __repr__(self) -> str:
        return f"RedisUsageCounter(namespace={self.namespace!r})"


def spending(counter: UsageCounter, budget: Budget | None) -> dict[str, Any]:
    """:meth:`UsageCounter.report` as a plain function (what ``client.usage`` calls).

    Examples
    --------
    >>> spending(MemoryUsageCounter(), None)
    {'spent_today': 0, 'spent_this_month': 0, 'budget': None, 'budget_left': None}
    """
    return counter.report(budget)
