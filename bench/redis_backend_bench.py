"""Benchmark of the Redis building blocks beside their local counterparts, in one run.

Figures, each as min / median / max over the runs (microseconds or milliseconds):

* a thumbnail read: RedisThumbnailStore._read (one Lua call: GET + LRU touch) vs the disk
  ThumbnailStore._read (read the file + utime);
* an upload-memo read: RedisUploadMemo.get vs the SQLite UploadMemo.get;
* an HTTP-cache read of a real 50-hit result page (from the sandbox): RedisHTTPCache.get_response
  (JSON) vs the SQLite cache's;
* a lock hand-over: the time from one holder's release to the next waiter's entry
  (two backends, as two processes would be);
* the shared rate limit: starts admitted per second from 4 threads on 4 backends at 50/s.

A real redis-server on a free loopback port (patsnap_pandas.testing.RedisServer).
Run: ``.venv/bin/python bench/redis_backend_bench.py [--reads 500]``; ``run()`` returns the figures for
bench/run_all.py (each Redis figure with its ratio to the local counterpart measured beside it).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from patsnap_pandas import samples  # noqa: E402
from patsnap_pandas.sandbox import start_sandbox  # noqa: E402
from patsnap_pandas.store.files import SQLiteCache  # noqa: E402
from patsnap_pandas.store.redis_backend import RedisBackend  # noqa: E402
from patsnap_pandas.store.thumbnails import ThumbnailStore  # noqa: E402
from patsnap_pandas.store.upload_memo import UploadMemo  # noqa: E402
from patsnap_pandas.testing import RedisServer  # noqa: E402


def _times(call, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        out.append(time.perf_counter() - started)
    return out


def _figure(name: str, values: list[float], scale: float, unit: str, **extra) -> dict:
    scaled = [v * scale for v in values]
    return {"name": name, "unit": unit, "min": min(scaled), "median": statistics.median(scaled), "max": max(scaled),
            "runs": len(values), "target": "-", "ok": True, **extra}


def _pair(name: str, shared: list[float], local: list[float], local_name: str, scale: float, unit: str) -> list[dict]:
    """The local counterpart (the baseline) and the Redis figure with its ratio to it."""
    base = _figure(f"{name}, {local_name}", local, scale, unit, is_baseline=True)
    return [base, _figure(f"{name}, Redis", shared, scale, unit, ratio=statistics.median(shared) /
                          statistics.median(local), baseline=f"{local_name} ({base['median']:.0f} {unit})")]


def _cache_a_search(sandbox, cache) -> str:
    """Search the sandbox once through a client caching in ``cache``; the key of the stored result page."""
    from patsnap_pandas import PatsnapClient, search_designs

    client = PatsnapClient(api_key=sandbox.credentials.api_key, base_url=sandbox.base_url, cache=cache)
    search_designs(samples.image("armchair"), client=client, limit=50)
    keys = list(cache.responses.keys())
    client.close()
    return max(keys, key=lambda key: len(str(cache.get_response(key).content)))


def run(reads: int = 500, out=None) -> list[dict]:
    """The figures for bench/run_all.py (and printed to ``out``)."""
    server = RedisServer()
    figures: list[dict] = []
    try:
        backend = RedisBackend(server.url)
        with tempfile.TemporaryDirectory() as folder:
            image = samples.image("armchair").read_bytes()
            shared, local = backend.thumbnail_store(size=256), ThumbnailStore(Path(folder) / "thumbs", size=256)
            shared.put("p1", "https://img.example/p1.png", image)
            local.put("p1", "https://img.example/p1.png", image)
            key = shared.key("p1", "https://img.example/p1.png")
            figures += _pair("thumbnail read", _times(lambda: shared._read(key), reads),
                             _times(lambda: local._read(key), reads), "disk", 1e6, "µs")

            memo_r, memo_l = backend.upload_memo(), UploadMemo(Path(folder) / "uploads.sqlite")
            for memo in (memo_r, memo_l):
                memo.put("sha", "https://img.example/q.png", 0.0, 4e9)
            figures += _pair("upload memo get", _times(lambda: memo_r.get("sha"), reads),
                             _times(lambda: memo_l.get("sha"), reads), "SQLite", 1e6, "µs")

            cache_r, cache_l = backend.http_cache(), SQLiteCache(Path(folder) / "http.sqlite")
            with start_sandbox(corpus_size=200) as sandbox:
                key_r, key_l = _cache_a_search(sandbox, cache_r), _cache_a_search(sandbox, cache_l)
            size = len(cache_r.get_response(key_r).content)
            figures += _pair(f"HTTP cache read of a 50-hit page ({size:,} bytes; JSON on Redis)",
                             _times(lambda: cache_r.get_response(key_r), reads),
                             _times(lambda: cache_l.get_response(key_l), reads), "SQLite", 1e6, "µs")
            cache_l.close()

        handovers: list[float] = []
        other = RedisBackend(server.url)
        for i in range(20):
            held = threading.Event()
            stamp: list[float] = []

            def holder(key: str = f"k{i}", held: threading.Event = held, stamp: list[float] = stamp) -> None:
                with backend.single_flight().hold(key):
                    held.set()
                    time.sleep(0.05)
                    stamp.append(time.perf_counter())

            thread = threading.Thread(target=holder)
            thread.start()
            held.wait()
            with other.single_flight().hold(f"k{i}"):
                handovers.append(time.perf_counter() - stamp[0])
            thread.join()
        figures.append(_figure("lock hand-over on Redis (release -> the next holder, another backend)", handovers,
                               1e3, "ms"))

        starts: list[float] = []
        guard = threading.Lock()

        def caller() -> None:
            limiter = RedisBackend(server.url).rate_limiter(50)
            end = time.monotonic() + 3
            while time.monotonic() < end:
                limiter.wait()
                with guard:
                    starts.append(time.monotonic())

        threads = [threading.Thread(target=caller) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        rate = (len(starts) - 1) / (max(starts) - min(starts))
    finally:
        server.stop()
    figures.append({**_figure("shared rate limit of 50/s: starts admitted from 4 threads on 4 backends over 3 s",
                              [rate], 1, "starts/s"), "target": "<= 50/s", "ok": rate <= 50 * 1.02})
    if out is not None:
        for f in figures:
            print(f"  {f['name']}: median {f['median']:.1f} {f['unit']}", file=out, flush=True)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=500)
    args = parser.parse_args(argv)
    run(args.reads, out=sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
