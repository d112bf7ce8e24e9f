"""Benchmark of the budget's counting: what one reserve costs, next to one billed call.

Figures, measured in this one run (median of N, in milliseconds):

* reserve: ``UsageCounter.reserve(endpoint, Budget(...))`` for the memory counter
  (``cache=False``), ``usage.sqlite`` in a cache folder (one ``BEGIN IMMEDIATE``
  transaction) and a real redis-server on 127.0.0.1 (one Lua script call), alone and as a
  client counts (with the epoch and the counts seen recorded in its cache folder);
* a billed call: one ``legal_status`` call to the offline sandbox on 127.0.0.1
  (no latency added, the HTTP cache off): the cheapest billed call there is. A real
  PatSnap call crosses the internet and takes far longer.

Target: the folder's counting costs under 10 % of that cheapest billed call.

Run: ``.venv/bin/python bench/budget_bench.py [--calls N]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TARGET_SHARE = 0.10


def _times_ms(action, n: int) -> list[float]:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return times


def _figure(name: str, values: list[float], target: str = "-", ok: bool = True, **extra) -> dict:
    return {"name": name, "unit": "ms", "min": min(values), "median": statistics.median(values),
            "max": max(values), "runs": len(values), "target": target, "ok": ok, **extra}


def run(calls: int = 300, out=None) -> list[dict]:
    """The figures (bench/run_all.py's shape: name, unit, min, median, max, runs, target, ok)."""
    from patsnap_pandas import PatsnapClient
    from patsnap_pandas.store.budget import Budget, MemoryUsageCounter
    from patsnap_pandas.store.local_usage import LocalUsageCounter
    from patsnap_pandas.store.redis_usage import RedisUsageCounter
    from patsnap_pandas.testing import RedisServer

    budget = Budget(10 * calls, "day")
    with PatsnapClient.sandbox(cache=False, corpus_size=60) as client:
        ids = [d.patent_id for d in client.sandbox_server.corpus.designs]
        client.legal_status(ids[0])  # the token, once
        call = _times_ms(lambda: client.legal_status(ids[1]), calls)
    with tempfile.TemporaryDirectory() as folder:
        memory = _times_ms(lambda: MemoryUsageCounter().reserve("search", budget), calls)
        local = LocalUsageCounter(folder)
        sqlite = _times_ms(lambda: local.reserve("search", budget), calls)
        local.close()
    server = RedisServer()
    try:
        import redis

        shared = RedisUsageCounter(redis.Redis.from_url(server.url))
        remote = _times_ms(lambda: shared.reserve("search", budget), calls)
        with tempfile.TemporaryDirectory() as folder:  # a client's counter: the epoch and counts seen kept here too
            recorded = RedisUsageCounter(redis.Redis.from_url(server.url), "recorded", record=folder)
            remote_recorded = _times_ms(lambda: recorded.reserve("search", budget), calls)
    finally:
        server.stop()
    base = statistics.median(call)
    baseline = f"one billed call to the sandbox ({base:.2f} ms)"
    share = statistics.median(sqlite) / base
    figures = [
        _figure("a billed call: legal_status to the sandbox on loopback, cache off", call, is_baseline=True),
        _figure("reserve, memory counter (cache=False)", memory, ratio=statistics.median(memory) / base,
                baseline=baseline),
        _figure("reserve, usage.sqlite in the cache folder", sqlite, f"< {TARGET_SHARE:.0%} of a billed call",
                share < TARGET_SHARE, ratio=share, baseline=baseline),
        _figure("reserve, redis-server on loopback (Lua script)", remote, ratio=statistics.median(remote) / base,
                baseline=baseline),
        _figure("reserve, redis-server + the record of the counts seen in usage.sqlite (a client's counter)",
                remote_recorded, ratio=statistics.median(remote_recorded) / base, baseline=baseline),
    ]
    if out is not None:
        print(f"median of {calls}, ms; share of the cheapest billed call", file=out)
        for f in figures:
            print(f"  {f['name']:66s} {f['median']:8.3f}  {f['median'] / base:6.1%}", file=out)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    figures = run(args.calls, out=sys.stdout)
    return 0 if all(f["ok"] for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
