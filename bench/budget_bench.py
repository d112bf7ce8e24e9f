"""Benchmark of the budget's counting: what one reserve costs, next to one billed call.

Figures, measured in this one run (median of N, in milliseconds):

* reserve: ``UsageCounter.reserve(endpoint, Budget(...))`` for the memory counter
  (``cache=False``), ``usage.sqlite`` in a cache folder (one ``BEGIN IMMEDIATE``
  transaction) and a real redis-server on 127.0.0.1 (one Lua script call);
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


def _median_ms(action, n: int) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def run(calls: int = 300) -> dict[str, float]:
    from patsnap_pandas import PatsnapClient
    from patsnap_pandas.budget import Budget, LocalUsageCounter, MemoryUsageCounter, RedisUsageCounter
    from patsnap_pandas.testing import RedisServer

    budget = Budget(10 * calls, "day")
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        figures["memory"] = _median_ms(lambda: MemoryUsageCounter().reserve("search", budget), calls)
        local = LocalUsageCounter(folder)
        figures["folder (SQLite)"] = _median_ms(lambda: local.reserve("search", budget), calls)
    server = RedisServer()
    try:
        import redis

        shared = RedisUsageCounter(redis.Redis.from_url(server.url))
        figures["redis-server"] = _median_ms(lambda: shared.reserve("search", budget), calls)
    finally:
        server.stop()
    with PatsnapClient.sandbox(cache=False, corpus_size=60) as client:
        ids = [d.patent_id for d in client.sandbox_server.corpus.designs]
        client.legal_status(ids[0])  # the token, once
        figures["billed call (sandbox, loopback)"] = _median_ms(lambda: client.legal_status(ids[1]), calls)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    figures = run(args.calls)
    call = figures["billed call (sandbox, loopback)"]
    print(f"median of {args.calls}, ms        share of the cheapest billed call")
    for name, ms in figures.items():
        print(f"{name:34s} {ms:8.3f}   {ms / call:6.1%}")
    share = figures["folder (SQLite)"] / call
    print(f"target: the folder's counting < {TARGET_SHARE:.0%} of a billed call: "
          f"{'met' if share < TARGET_SHARE else 'MISSED'} ({share:.1%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
