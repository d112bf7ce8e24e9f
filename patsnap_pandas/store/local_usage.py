"""The count of billed calls in the cache folder: ``usage.sqlite``, shared by every process using the folder.

:class:`LocalUsageCounter` checks the budget and counts in one SQLite transaction, so two
processes never both take the last call of a budget. A folder that cannot be written refuses
to bill under a budget (:class:`~patsnap_pandas.errors.SpendingNotRecordedError`) and counts
in memory without one; a file replaced under a running process gets its counts written back;
the recent days and months are kept by date, so a clock stepping back finds its day's count.
It also keeps the record a shared counter needs to notice that Redis lost its counts
(:meth:`LocalUsageCounter.shared_record`).
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import threading
import time
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

from .. import config
from ..errors import CacheError, CacheWarning, SpendingNotRecordedError
from .budget import MemoryUsageCounter, Ticket, UsageCounter
from .files import BUSY_TIMEOUT_S, USAGE_FILE, WriteWarner, check_sqlite, describe_sqlite_error, read_only_uri

__all__ = ["KEEP_DAYS", "KEEP_MONTHS", "LocalUsageCounter"]

#: How to mend a damaged usage.sqlite (`cache clear` leaves it alone: spending is never reset by clearing).
USAGE_FIX = ("It holds only the counts of billed calls of the recent days and months: delete it (the counts "
             "start again from 0), or point cache_dir / PATSNAP_CACHE_DIR at another folder.")

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
    >>> from patsnap_pandas.store.budget import Budget
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
