"""Benchmark of search_each(): 200 catalogue images, 150 ms sandbox latency, a rate limit of 10 calls/s.

Figures, measured in this one run (min / median / max where there are several runs):

* batch: ``search_each`` with 4 workers and ``rate_limit=10``, against the floor the
  rate limit sets ((network calls - 1) / rate); target within 1.2x of the floor;
* sequential: the same batch with one worker; the speed-up is sequential / batch;
* cached re-run: the same catalogue again (every answer from the cache: no call,
  so nothing to throttle); target under 10 % of the floor.

Every cold run starts with a fresh client cache (no upload memo, no HTTP cache, no
thumbnails), against one sandbox. Thumbnails are prefetched, as by default.

Run: ``.venv/bin/python bench/batch_bench.py [--runs N] [--images N]``; ``run()``
returns the figures as dicts for bench/run_all.py.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

IMAGES = 200
LATENCY_S = 0.15
RATE = 10.0
WORKERS = 4
LIMIT = 10
TARGET_FLOOR_RATIO = 1.2
TARGET_RERUN_SHARE = 0.10


def _catalogue(corpus, n: int):
    import pandas as pd

    designs = corpus.designs[:n]
    return pd.DataFrame({"sku": [f"SKU{i:04d}" for i in range(len(designs))],
                         "image": [corpus.image_png(d.image_keys[0]) for d in designs]})


def _client(sandbox, cache_dir: Path):
    from patsnap_pandas import PatsnapClient

    return PatsnapClient(base_url=sandbox.base_url, api_key=sandbox.credentials.api_key, cache_dir=cache_dir)


def _timed(catalogue, client, **options) -> tuple[float, int]:
    """(seconds, network calls) of one search_each over the catalogue."""
    before = sum(client.usage.as_dict()["requests"].values())
    started = time.perf_counter()
    out = catalogue.patsnap.search_each("image", limit=LIMIT, progress=False, client=client,
                                        label_column="sku", **options)
    elapsed = time.perf_counter() - started
    assert set(out["status"]) == {"ok"} and out["query_index"].nunique() == len(catalogue), out["status"].value_counts()
    return elapsed, sum(client.usage.as_dict()["requests"].values()) - before


def _figure(name: str, values: list[float], unit: str, target: str, ok: bool, **extra) -> dict:
    return {"name": name, "unit": unit, "min": min(values), "median": statistics.median(values),
            "max": max(values), "runs": len(values), "target": target, "ok": ok, **extra}


def run(runs: int = 3, images: int = IMAGES, latency: float = LATENCY_S, rate: float = RATE,
        out=None) -> list[dict]:
    """Measure everything in one go; return the figures (and print them to ``out`` if given)."""
    import patsnap_pandas  # noqa: F401  (registers df.patsnap)
    from patsnap_pandas.sandbox import start_sandbox

    def say(text: str) -> None:
        if out is not None:
            print(text, file=out, flush=True)

    with tempfile.TemporaryDirectory(prefix="batch-bench-") as tmp, \
            start_sandbox(latency=latency) as sandbox, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. ResourceWarnings of the server thread
        root = Path(tmp)
        catalogue = _catalogue(sandbox.corpus, images)
        say(f"batch_bench: {len(catalogue)} catalogue images, {latency * 1000:.0f} ms per API call, "
            f"rate limit {rate:g} calls/s, {WORKERS} workers, {runs} runs")
        batch, calls, floors, reruns = [], [], [], []
        for i in range(runs):
            with _client(sandbox, root / f"batch-{i}") as client:
                elapsed, n_calls = _timed(catalogue, client, max_workers=WORKERS, rate_limit=rate)
                rerun, rerun_calls = _timed(catalogue, client, max_workers=WORKERS, rate_limit=rate)
            assert rerun_calls == 0
            floor = (n_calls - 1) / rate
            batch.append(elapsed)
            calls.append(n_calls)
            floors.append(floor)
            reruns.append(rerun)
            say(f"  run {i + 1}: batch {elapsed:.1f} s for {n_calls} calls (floor {floor:.1f} s, "
                f"{elapsed / floor:.2f}x); cached re-run {rerun:.2f} s")
        with _client(sandbox, root / "sequential") as client:
            sequential, seq_calls = _timed(catalogue, client, max_workers=1, rate_limit=rate)
        say(f"  sequential (1 worker): {sequential:.1f} s for {seq_calls} calls")

    floor = statistics.median(floors)
    ratios = [b / f for b, f in zip(batch, floors)]
    speedup = sequential / statistics.median(batch)
    figures = [
        _figure(f"batch wall time ({WORKERS} workers, rate_limit={rate:g})", batch, "s", "-", True,
                calls=statistics.median(calls), floor_s=floor),
        _figure("batch / rate-limit floor", ratios, "x", f"<= {TARGET_FLOOR_RATIO:g}x",
                statistics.median(ratios) <= TARGET_FLOOR_RATIO),
        _figure("sequential wall time (1 worker)", [sequential], "s", "-", True, calls=seq_calls),
        _figure("speed-up (sequential / batch median)", [speedup], "x", "-", True),
        _figure("cached re-run", reruns, "s", f"<= {TARGET_RERUN_SHARE * floor:.1f} s (10 % of floor)",
                statistics.median(reruns) <= TARGET_RERUN_SHARE * floor),
    ]
    say("")
    say(f"  {'figure':<44} {'min':>8} {'median':>8} {'max':>8}  target")
    for f in figures:
        mark = ("ok" if f["ok"] else "MISSED") if f["target"] != "-" else ""
        say(f"  {f['name']:<44} {f['min']:>8.2f} {f['median']:>8.2f} {f['max']:>8.2f}  "
            f"{f['unit']:<2} {f['target']} {mark}".rstrip())
    say(f"  rate-limit floor: {floor:.1f} s ({statistics.median(calls):.0f} calls at {rate:g}/s); "
        f"batch is {statistics.median(ratios):.2f}x the floor and {speedup:.1f}x faster than sequential")
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="batch runs (default 3)")
    parser.add_argument("--images", type=int, default=IMAGES, help=f"catalogue images (default {IMAGES})")
    parser.add_argument("--latency", type=float, default=LATENCY_S, help="seconds per call (default 0.15)")
    parser.add_argument("--rate", type=float, default=RATE, help="calls per second (default 10)")
    args = parser.parse_args(argv)
    figures = run(args.runs, args.images, args.latency, args.rate, out=sys.stdout)
    return 0 if all(f["ok"] for f in figures) else 1


if __name__ == "__main__":
    sys.path.insert(0, os.fspath(Path(__file__).resolve().parents[1]))  # run from a checkout
    sys.exit(main())
