"""Benchmark: a catalogue searched overnight (P062) against the same searches made at once (P060).

For ``images`` distinct query images (default 50) on the sandbox with ``latency`` seconds
added to every API call (standing in for the round trip to PatSnap):

* at once: ``search_designs(image, endpoint="P060", limit=10)`` per image, one after another
  (the baseline): an upload and a search each;
* overnight: ``overnight.submit`` at 15:00 service time, the sandbox's clock moved to 08:00,
  ``overnight.collect``: an upload per image, one create per 10 images, one result fetch per job.

Figures: the wall time of each (submit and collect apart), the HTTP calls to the API (the
ledger's billed entries and the result fetches, which the ledger does not list) and the billed
units (P062 is billed per query image). The hits are checked equal. The target: the overnight
path bills no more units than the searches at once, and makes fewer calls.

Run: ``.venv/bin/python bench/overnight_bench.py [--images N] [--runs N]``; ``run()`` returns the
figures for bench/run_all.py.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
import warnings

LATENCY_S = 0.05


def _figure(name: str, values: list[float], unit: str = "s", target: str = "-", ok: bool = True, **extra) -> dict:
    return {"name": name, "unit": unit, "min": min(values), "median": statistics.median(values),
            "max": max(values), "runs": len(values), "target": target, "ok": ok, **extra}


def _queries(corpus, n: int) -> dict[str, bytes]:
    from PIL import Image

    out = {}
    for i in range(n):
        design = corpus.designs[i % len(corpus.designs)]
        im = Image.open(io.BytesIO(corpus.image_png(design.image_keys[0]))).convert("L")
        im.putpixel((0, 0), 250 - i % 200)  # distinct bytes: no shared upload or cached search
        im.putpixel((1, 0), 250 - i // 200)
        buf = io.BytesIO()
        im.save(buf, "PNG")
        out[f"product-{i:03d}"] = buf.getvalue()
    return out


def one_run(images: int) -> dict:
    from patsnap_pandas import PatsnapClient, search_designs
    from patsnap_pandas.jobs import overnight
    from patsnap_pandas.sandbox import start_sandbox

    with start_sandbox(corpus_size=600, latency=LATENCY_S, now="2026-12-07 15:00") as sandbox:
        queries = _queries(sandbox.corpus, images)
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            creds = dict(api_key=sandbox.credentials.api_key, base_url=sandbox.base_url)
            with PatsnapClient(cache_dir=a, **creds) as at_once:
                started = time.perf_counter()
                sync = {label: search_designs(png, client=at_once, endpoint="P060", limit=10, label=label,
                                              thumbnails=False) for label, png in queries.items()}
                sync_s = time.perf_counter() - started
            sync_calls, sync_units = len(sandbox.ledger), sandbox.ledger.units()
            sandbox.ledger.clear()
            with PatsnapClient(cache_dir=b, **creds) as night:
                started = time.perf_counter()
                submitted = overnight.submit(queries, client=night, limit=10)
                submit_s = time.perf_counter() - started
                sandbox.advance(hours=17)
                started = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("error")
                    hits = overnight.collect(submitted.id, client=night, thumbnails=False)
                collect_s = time.perf_counter() - started
            night_calls = len(sandbox.ledger) + len(submitted.jobs)  # + the result fetches (not billed)
            night_units = sandbox.ledger.units()
    same = all(hits.loc[hits["query"] == label, "patent_id"].tolist() == df["patent_id"].tolist()
               for label, df in sync.items())
    return {"sync_s": sync_s, "submit_s": submit_s, "collect_s": collect_s, "sync_calls": sync_calls,
            "sync_units": sync_units, "night_calls": night_calls, "night_units": night_units, "same": same}


def run(runs: int = 3, images: int = 50, out=None) -> list[dict]:
    """The figures (bench/run_all.py's shape)."""
    results = [one_run(images) for _ in range(runs)]
    sync = [r["sync_s"] for r in results]
    night = [r["submit_s"] + r["collect_s"] for r in results]
    base = statistics.median(sync)
    baseline = f"{images} P060 searches at once ({base:.1f} s)"
    r0 = results[0]
    units_ok = all(r["night_units"] <= r["sync_units"] for r in results)
    calls_ok = all(r["night_calls"] < r["sync_calls"] for r in results)
    figures = [
        _figure(f"{images} images searched at once (P060 each, one after another), latency {LATENCY_S} s", sync,
                is_baseline=True),
        _figure(f"{images} images overnight: submit + collect (P062), same latency", night,
                ratio=statistics.median(night) / base, baseline=baseline),
        _figure("  of which submit (uploads, then one create per 10 images)", [r["submit_s"] for r in results],
                ratio=statistics.median([r["submit_s"] for r in results]) / base, baseline=baseline),
        _figure("  of which collect (one result per job; hit images not downloaded)",
                [r["collect_s"] for r in results], ratio=statistics.median([r["collect_s"] for r in results]) / base,
                baseline=baseline),
        _figure("API calls at once (uploads + searches)", [r["sync_calls"] for r in results], "calls",
                is_baseline=True),
        _figure("API calls overnight (uploads + creates + result fetches)", [r["night_calls"] for r in results],
                "calls", "fewer than at once", calls_ok, ratio=r0["night_calls"] / r0["sync_calls"],
                baseline=f"{r0['sync_calls']} calls at once"),
        _figure("billed units overnight (uploads + query images)", [r["night_units"] for r in results], "units",
                "no more than at once", units_ok, ratio=r0["night_units"] / r0["sync_units"],
                baseline=f"{r0['sync_units']} units at once"),
        _figure("hits equal to those at once", [float(r["same"]) for r in results], "1 = yes", "1",
                all(r["same"] for r in results)),
    ]
    if out is not None:
        for f in figures:
            ratio = f" ({f['ratio']:.2f} x)" if "ratio" in f else ""
            print(f"  {f['name']:82s} {f['median']:8.2f} {f['unit']}{ratio}", file=out)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    figures = run(args.runs, args.images, out=sys.stdout)
    return 0 if all(f["ok"] for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
