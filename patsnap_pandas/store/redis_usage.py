"""The count of billed calls in one Redis for everyone pointing at it, checked by Lua scripts.

:class:`RedisUsageCounter` keeps one hash per UTC day and month; a script run by the server
checks the budget and counts in one atomic step, with the server's clock. Counts that vanish
(a flush, a restart without persistence, an eviction) are noticed by the namespace's epoch
and stop the spending (:class:`~patsnap_pandas.errors.SpendingLostError`) until
:func:`patsnap_pandas.store.budget.restore_spending` writes the last known counts back.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from .. import config
from .._validate import check_int
from ..errors import CacheError, InvalidInputError, SpendingLostError
from .budget import Ticket, UsageCounter, period, window_end
from .local_usage import LocalUsageCounter

__all__ = ["RedisUsageCounter"]

#: Redis keys of a window live this long after the window ended (clocks of machines differ a little).
REDIS_GRACE_S = 86400


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
    >>> from patsnap_pandas.store.budget import Budget
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
