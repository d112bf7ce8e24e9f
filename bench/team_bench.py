"""Benchmark of a team on one Redis: cached-search latency, and a batch split over 1, 2 and 4 processes.

Figures, measured in this one run against one sandbox and one throwaway redis-server:

* cached search: ``create_search(image bytes)`` answered from the cache, with the shared
  Redis backend against the local SQLite folder (the same search, the same machine);
  the ratio is Redis / SQLite;
* batch wall time: one catalogue of ``IMAGES`` distinct images split over 1, 2 and 4
  worker processes (one search at a time each, 300 ms per API call), all on one Redis
  with one shared rate limit of ``RATE`` calls/s; against the floor that rate sets
  ((billed calls - 1) / rate). More processes help until the shared limit is the floor:
  4 processes may not beat it, whatever their number.

Run: ``.venv/bin/python bench/team_bench.py [--images N]``; ``run()`` returns the figures
as dicts for bench/run_all.py.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMAGES = 40
LATENCY_S = 0.3
RATE = 10.0
LOOKUPS = 200

_WORKER = textwrap.dedent("""
    import sys
    from pathlib import Path
    import pandas as pd
    from patsnap_pandas import PatsnapClient
    from patsnap_pandas.jobs.batch import search_each

    base_url, api_key, cache_url, cache_dir, folder, part, parts, rate = sys.argv[1:9]
    paths = sorted(str(p) for p in Path(folder).glob("*.png"))[int(part)::int(parts)]
    with PatsnapClient(base_url=base_url, api_key=api_key, cache_dir=cache_dir, cache_url=cache_url,
                       rate_limit=float(rate)) as client:
        out = search_each(pd.DataFrame({"photo": paths}), "photo", limit=3, max_workers=1, progress=False,
                          client=client, thumbnails=False)
    print(out.attrs["batch"]["ok"])
""")


def _figure(name: str, values: list[float], unit: str, target: str = "-", ok: bool = True, **extra) -> dict:
    return {"name": name, "unit": unit, "min": min(values), "median": statistics.median(values),
            "max": max(values), "runs": len(values), "target": target, "ok": ok, **extra}


def _cached_latency(sandbox, redis_url: str | None, cache_dir: Path, data: bytes, lookups: int) -> list[float]:
    from patsnap_pandas import PatsnapClient

    with PatsnapClient(base_url=sandbox.base_url, api_key=sandbox.credentials.api_key, cache_dir=cache_dir,
                       cache_url=redis_url) as client:
        client.create_search(data, limit=10)
        times = []
        for _ in range(lookups):
            started = time.perf_counter()
            page = client.create_search(data, limit=10)
            times.append(time.perf_counter() - started)
            assert page.from_cache
    return times


def _batch(sandbox, redis, folder: Path, root: Path, processes: int, rate: float) -> tuple[float, int]:
    redis.command("FLUSHALL")  # a cold start for every run: nothing cached, nothing remembered
    before = len(sandbox.ledger)
    script = root / "worker.py"
    script.write_text(_WORKER)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, str(script), sandbox.base_url, sandbox.credentials.api_key,
                               redis.url, str(root / f"cache-{processes}-{p}"), str(folder), str(p),
                               str(processes), str(rate)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env=env) for p in range(processes)]
    outs = [proc.communicate(timeout=900) for proc in procs]
    elapsed = time.perf_counter() - started
    assert all(proc.returncode == 0 for proc in procs), [err[-2000:] for _, err in outs]
    return elapsed, len(sandbox.ledger) - before


def run(images: int = IMAGES, lookups: int = LOOKUPS, rate: float = RATE, out=None) -> list[dict]:
    """Measure everything in one go; return the figures (and print them to ``out`` if given)."""
    from patsnap_pandas.sandbox import start_sandbox
    from patsnap_pandas.testing import RedisServer

    def say(text: str) -> None:
        if out is not None:
            print(text, file=out, flush=True)

    redis = RedisServer()
    try:
        with tempfile.TemporaryDirectory(prefix="team-bench-") as tmp, start_sandbox() as sandbox, \
                warnings.catch_warnings():
            warnings.simplefilter("ignore")
            root = Path(tmp)
            corpus = sandbox.corpus
            data = corpus.image_png(corpus.designs[0].image_keys[0])
            sqlite = _cached_latency(sandbox, None, root / "local", data, lookups)
            shared = _cached_latency(sandbox, redis.url, root / "shared", data, lookups)
            say(f"team_bench: cached create_search(bytes), {lookups} lookups: SQLite median "
                f"{statistics.median(sqlite) * 1000:.2f} ms, Redis median {statistics.median(shared) * 1000:.2f} ms")

            folder = root / "images"
            folder.mkdir()
            for i, design in enumerate(corpus.designs[:images]):
                (folder / f"img-{i:03d}.png").write_bytes(corpus.image_png(design.image_keys[0]))
            sandbox.configure(latency=LATENCY_S)
            walls: dict[int, float] = {}
            floor = 0.0
            for processes in (1, 2, 4):
                elapsed, calls = _batch(sandbox, redis, folder, root, processes, rate)
                floor = (calls - 1) / rate
                walls[processes] = elapsed
                say(f"  {processes} process(es): {elapsed:.1f} s for {calls} billed calls "
                    f"(shared floor {floor:.1f} s at {rate:g}/s: {elapsed / floor:.2f}x)")
    finally:
        redis.stop()
    ratio = statistics.median(shared) / statistics.median(sqlite)
    figures = [
        _figure("cached search, local SQLite folder", [t * 1000 for t in sqlite], "ms"),
        _figure("cached search, shared Redis", [t * 1000 for t in shared], "ms"),
        _figure("cached search: Redis / SQLite (medians)", [ratio], "x"),
        *[_figure(f"batch of {images} images, {p} process(es), shared {rate:g}/s", [walls[p]], "s",
                  f">= floor {floor:.1f} s", walls[p] >= floor * 0.95, floor_ratio=walls[p] / floor)
          for p in (1, 2, 4)],
        _figure("batch: 1 process / 4 processes", [walls[1] / walls[4]], "x"),
    ]
    say("")
    for f in figures:
        say(f"  {f['name']:<52} {f['median']:>8.2f} {f['unit']:<2} {f['target'] if f['target'] != '-' else ''}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=IMAGES)
    parser.add_argument("--lookups", type=int, default=LOOKUPS)
    args = parser.parse_args()
    run(images=args.images, lookups=args.lookups, out=sys.stdout)


if __name__ == "__main__":
    main()
