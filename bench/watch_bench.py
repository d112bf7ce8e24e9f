"""Benchmark: a watch list's weekly run, and its rerun the same day, against the plain searches.

For ``products`` distinct product images (default 30) on the sandbox with ``latency`` seconds
added to every API call (standing in for the round trip to PatSnap):

* baseline: ``search_designs(image, limit=10, refresh=True)`` per product, one after another,
  on a fresh cache folder (what a user would do by hand each week);
* week 1: ``Watch(...).run()`` on another fresh cache folder (the same uploads and searches, plus
  keeping each product's hits, what the watch has seen and its history);
* the same day again: ``run()`` answered from what week 1 kept;
* week 2: the sandbox's date a week on, ``run()`` searching every product anew (uploads reused).

Figures: wall time of each against the baseline, the billed calls of each. The targets: week 1
within 1.25 x of the plain searches (the bookkeeping is cheap), the rerun billing 0.

Run: ``.venv/bin/python bench/watch_bench.py [--products N] [--runs N]``; ``run()`` returns the
figures for bench/run_all.py.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

LATENCY_S = 0.05


def _figure(name: str, values: list[float], unit: str = "s", target: str = "-", ok: bool = True, **extra) -> dict:
    return {"name": name, "unit": unit, "min": min(values), "median": statistics.median(values),
            "max": max(values), "runs": len(values), "target": target, "ok": ok, **extra}


def _products(corpus, n: int, folder: Path) -> dict[str, Path]:
    from PIL import Image

    out = {}
    for i in range(n):
        design = corpus.designs[(7 * i) % len(corpus.designs)]
        im = Image.open(io.BytesIO(corpus.image_png(design.image_keys[0]))).convert("L")
        im.putpixel((0, 0), 250 - i % 200)  # distinct bytes: no shared upload or cached search
        out[f"P-{i:03d}"] = folder / f"p{i:03d}.png"
        im.save(out[f"P-{i:03d}"], "PNG")
    return out


def one_run(products: int) -> dict:
    from patsnap_pandas import PatsnapClient, Watch, search_designs
    from patsnap_pandas.sandbox import start_sandbox

    with start_sandbox(corpus_size=600, latency=LATENCY_S, today="2026-11-30") as sandbox, \
            tempfile.TemporaryDirectory() as folder:
        images = _products(sandbox.corpus, products, Path(folder))
        creds = dict(api_key=sandbox.credentials.api_key, base_url=sandbox.base_url)
        with PatsnapClient(cache_dir=Path(folder) / "plain", **creds) as plain:
            started = time.perf_counter()
            for label, path in images.items():
                search_designs(path, client=plain, limit=10, label=label, refresh=True)
            plain_s, plain_billed = time.perf_counter() - started, plain.usage.billed_calls
        with PatsnapClient(cache_dir=Path(folder) / "watch", **creds) as client:
            watch = Watch("bench", images, limit=10).save(client=client)
            timings, billed = {}, {}
            for step, day in (("week1", "2026-11-30"), ("again", "2026-11-30"), ("week2", "2026-12-07")):
                sandbox.configure(today=day)
                before, started = client.usage.billed_calls, time.perf_counter()
                watch.run(client=client, as_of=day)
                timings[step], billed[step] = time.perf_counter() - started, client.usage.billed_calls - before
    return {"plain_s": plain_s, "plain_billed": plain_billed, **{f"{k}_s": v for k, v in timings.items()},
            **{f"{k}_billed": v for k, v in billed.items()}}


def run(runs: int = 3, products: int = 30, out=None) -> list[dict]:
    """The figures (bench/run_all.py's shape)."""
    results = [one_run(products) for _ in range(runs)]
    base = statistics.median(r["plain_s"] for r in results)
    baseline = f"{products} plain searches ({base:.1f} s)"

    def timed(key: str) -> list[float]:
        return [r[key] for r in results]

    week1 = statistics.median(timed("week1_s")) / base
    figures = [
        _figure(f"{products} products: search_designs(refresh=True) each, latency {LATENCY_S} s", timed("plain_s"),
                is_baseline=True),
        _figure("watch, week 1 (the same searches, hits and history kept)", timed("week1_s"), target="<= 1.25 x",
                ok=week1 <= 1.25, ratio=week1, baseline=baseline),
        _figure("watch, the same day again (answered from what week 1 kept)", timed("again_s"),
                ratio=statistics.median(timed("again_s")) / base, baseline=baseline),
        _figure("watch, week 2 (every product searched anew, uploads reused)", timed("week2_s"),
                ratio=statistics.median(timed("week2_s")) / base, baseline=baseline),
        _figure("billed calls: plain searches", timed("plain_billed"), "calls", is_baseline=True),
        _figure("billed calls: week 1", timed("week1_billed"), "calls", "as the plain searches",
                all(r["week1_billed"] == r["plain_billed"] for r in results)),
        _figure("billed calls: the same day again", timed("again_billed"), "calls", "0",
                all(r["again_billed"] == 0 for r in results)),
        _figure("billed calls: week 2", timed("week2_billed"), "calls", "one search a product",
                all(r["week2_billed"] == products for r in results)),
    ]
    if out is not None:
        for f in figures:
            ratio = f" ({f['ratio']:.2f} x)" if "ratio" in f else ""
            print(f"  {f['name']:70s} {f['median']:8.2f} {f['unit']}{ratio}", file=out)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=30)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    figures = run(args.runs, args.products, out=sys.stdout)
    return 0 if all(f["ok"] for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
