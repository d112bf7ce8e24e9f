"""Benchmark of cached searches as the thumbnail store grows, and from 8 threads at once.

Figures, each as min / median / max, measured side by side in this one run:

* cached search_designs() (thumbnails included: the query thumbnail is stored, the
  hit thumbnails read from disk) with 1,000 and with 100,000 thumbnails stored; the
  ratio 100k / 1k must stay <= 1.5 (the store keeps a running byte total instead of
  scanning the folder on every write);
* cached searches per second from 1 thread and from 8 threads over the same 100
  images (each already searched once): the 8-thread throughput against the 1-thread one;
* opening the store: a new ``ThumbnailStore`` and its first write (what a new process's
  first cached search does) with 1,000 and with 30,000 thumbnails stored; the ratio 30k / 1k
  must stay <= 1.5 (the byte total is read from the folder's ``.size`` file), and the same
  first write without ``.size`` (a folder scan, as every new process did before issue 21)
  against it: the before / after ratio.

Run: ``.venv/bin/python bench/store_bench.py [--stored 100000]``; ``run()`` returns the
figures as dicts for bench/run_all.py.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import statistics
import sys
import tempfile
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

SMALL, LARGE = 1_000, 100_000
OPEN_LARGE = 30_000
TARGET_GROWTH = 1.5
QUERIES = 100
THREADS = 8


def _figure(name: str, values: list[float], unit: str, target: str = "-", ok: bool = True, **extra) -> dict:
    return {"name": name, "unit": unit, "min": min(values), "median": statistics.median(values),
            "max": max(values), "runs": len(values), "target": target, "ok": ok, **extra}


def _tiny_png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("L", (8, 8), 200).save(buf, format="PNG")
    return buf.getvalue()


def _fill(folder: Path, n: int) -> None:
    """``n`` stored thumbnails (small PNG files named as the store names them)."""
    folder.mkdir(parents=True, exist_ok=True)
    png = _tiny_png()
    for i in range(n):
        (folder / f"{hashlib.sha256(str(i).encode()).hexdigest()}.png").write_bytes(png)


def _query(corpus, i: int) -> bytes:
    from PIL import Image

    design = corpus.designs[i % len(corpus.designs)]
    im = Image.open(io.BytesIO(corpus.image_png(design.image_keys[0]))).convert("L")
    for k in range(3):
        im.putpixel((k, 0), 255 - (i >> (3 * k)) % 8)
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


def _cached_search_ms(sandbox, root: Path, stored: int, runs: int) -> list[float]:
    from patsnap_pandas import PatsnapClient, search_designs

    _fill(root / "thumbnails", stored)
    data = _query(sandbox.corpus, 7)
    with PatsnapClient(base_url=sandbox.base_url, api_key=sandbox.credentials.api_key, cache_dir=root) as client:
        search_designs(data, client=client, limit=10)  # cold: billed once, thumbnails stored
        search_designs(data, client=client, limit=10)  # warm the store's byte count
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            search_designs(data, client=client, limit=10)
            times.append((time.perf_counter() - started) * 1000)
    return times


def _open_ms(folder: Path, runs: int, scan: bool) -> list[float]:
    """A new store's first write, ``runs`` times; ``scan``: with the byte total file removed first."""
    from patsnap_pandas.store.thumbnails import ThumbnailStore

    png = _tiny_png()
    ThumbnailStore(folder, size=8).put("open-bench", "https://img.example/warm.png", png)  # .size exists now
    times = []
    for run in range(runs):
        if scan:
            (folder / ".size").unlink(missing_ok=True)  # what every new process found before: no total kept
        started = time.perf_counter()
        store = ThumbnailStore(folder, size=8)
        store.put("open-bench", f"https://img.example/{run}.png", png)
        times.append((time.perf_counter() - started) * 1000)
    return times


def _open_figures(root: Path, runs: int, say) -> list[dict]:
    _fill(root / "open-small", SMALL)
    _fill(root / "open-large", OPEN_LARGE)
    small = _open_ms(root / "open-small", runs, scan=False)
    large = _open_ms(root / "open-large", runs, scan=False)
    before = _open_ms(root / "open-large", runs, scan=True)
    growth = statistics.median(large) / statistics.median(small)
    speedup = statistics.median(before) / statistics.median(large)
    say(f"  open + first write: {statistics.median(small):.2f} ms with {SMALL} stored, "
        f"{statistics.median(large):.2f} ms with {OPEN_LARGE} stored ({growth:.2f}x); folder scanned "
        f"(before): {statistics.median(before):.1f} ms ({speedup:.0f}x)")
    return [
        _figure(f"new store's first write (open), {SMALL:,} thumbnails stored", small, "ms", "-", True,
                is_baseline=True),
        _figure(f"new store's first write (open), {OPEN_LARGE:,} thumbnails stored", large, "ms",
                f"<= {TARGET_GROWTH:g}x the 1k figure", growth <= TARGET_GROWTH, ratio=growth,
                baseline=f"{SMALL:,} stored ({statistics.median(small):.2f} ms)"),
        _figure(f"the same, {OPEN_LARGE:,} stored, folder scanned (before issue 21: no .size file)", before, "ms",
                "-", True, ratio=speedup,
                baseline=f"the first write with .size ({statistics.median(large):.2f} ms)"),
    ]


def _throughput(sandbox, root: Path, queries: list[bytes], threads: int) -> float:
    from patsnap_pandas import PatsnapClient, search_designs

    with PatsnapClient(base_url=sandbox.base_url, api_key=sandbox.credentials.api_key, cache_dir=root) as client:
        def one(data: bytes) -> int:
            return len(search_designs(data, client=client, limit=10))

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=threads) as pool:
            assert sum(pool.map(one, queries)) == 10 * len(queries)
        return len(queries) / (time.perf_counter() - started)


def run(runs: int = 5, stored: int = LARGE, out=None) -> list[dict]:
    """Measure everything in one go; return the figures (and print them to ``out`` if given)."""
    from patsnap_pandas import PatsnapClient, search_designs
    from patsnap_pandas.sandbox import start_sandbox

    def say(text: str) -> None:
        if out is not None:
            print(text, file=out, flush=True)

    with tempfile.TemporaryDirectory(prefix="store-bench-") as tmp, start_sandbox() as sandbox, \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")
        root = Path(tmp)
        say(f"store_bench: cached search with {SMALL} vs {stored} stored thumbnails ({runs} runs each); "
            f"{QUERIES} cached searches from 1 vs {THREADS} threads")
        small = _cached_search_ms(sandbox, root / "small", SMALL, runs)
        large = _cached_search_ms(sandbox, root / "large", stored, runs)
        growth = statistics.median(large) / statistics.median(small)
        say(f"  cached search: {statistics.median(small):.1f} ms with {SMALL} stored, "
            f"{statistics.median(large):.1f} ms with {stored} stored ({growth:.2f}x)")

        queries = [_query(sandbox.corpus, i) for i in range(QUERIES)]
        shared = root / "threads"
        with PatsnapClient(base_url=sandbox.base_url, api_key=sandbox.credentials.api_key,
                           cache_dir=shared) as client:
            for data in queries:  # cold, once: every later search is cached
                search_designs(data, client=client, limit=10)
        one, eight = [], []
        for _ in range(max(2, runs // 2)):
            one.append(_throughput(sandbox, shared, queries, 1))
            eight.append(_throughput(sandbox, shared, queries, THREADS))
        scaling = statistics.median(eight) / statistics.median(one)
        say(f"  cached searches/s: {statistics.median(one):.1f} from 1 thread, {statistics.median(eight):.1f} "
            f"from {THREADS} threads ({scaling:.2f}x)")
        opening = _open_figures(root, max(3, runs), say)
    return opening + [
        _figure(f"cached search, {SMALL:,} thumbnails stored", small, "ms", "-", True, is_baseline=True),
        _figure(f"cached search, {stored:,} thumbnails stored", large, "ms", f"<= {TARGET_GROWTH:g}x the 1k figure",
                growth <= TARGET_GROWTH, ratio=growth,
                baseline=f"{SMALL:,} stored ({statistics.median(small):.1f} ms)"),
        _figure(f"cached searches per second, 1 thread ({QUERIES} images)", one, "1/s", "-", True,
                is_baseline=True),
        _figure(f"cached searches per second, {THREADS} threads", eight, "1/s", ">= 1x the 1-thread figure",
                scaling >= 1.0, ratio=scaling, baseline=f"1 thread ({statistics.median(one):.1f}/s)"),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (default 5)")
    parser.add_argument("--stored", type=int, default=LARGE, help=f"thumbnails stored (default {LARGE})")
    args = parser.parse_args(argv)
    figures = run(args.runs, args.stored, out=sys.stdout)
    return 0 if all(f["ok"] for f in figures) else 1


if __name__ == "__main__":
    sys.path.insert(0, os.fspath(Path(__file__).resolve().parents[1]))  # run from a checkout
    sys.exit(main())
