"""Benchmark of search_designs() against the sandbox with 150 ms of injected latency.

Figures, each as min / median / max over several runs, measured in this one run:

* cold: a 100-hit search with thumbnails (upload, search, 100 image downloads),
  search_designs() against a sequential baseline (the same client calls one
  request at a time, thumbnails fetched one by one); target >= 5x faster;
* cached re-run: the same search again, thumbnails included; target <= 100 ms;
* frame build: 1,000 hits -> DataFrame; target <= 20 ms.

Every run uses fresh caches and its own query image (so neither side profits
from the other's cache or from the sandbox's memo of query features).

Run: ``.venv/bin/python bench/search_bench.py [--runs N]``; ``run()`` returns the
figures as dicts for bench/run_all.py.
"""

from __future__ import annotations

import argparse
import functools
import io
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

LATENCY_S = 0.15
HITS = 100
FRAME_HITS = 1000
TARGET_SPEEDUP = 5.0
TARGET_RERUN_MS = 100.0
TARGET_FRAME_MS = 20.0


def _slow_downloads(sandbox, latency: float) -> None:
    """Give image downloads the API's latency too, as a CDN far away would.

    The sandbox's ``latency`` knob delays API calls only; without this the thumbnail
    downloads would be loopback-fast and concurrency would have nothing to hide.
    """
    if any(name in sandbox.settings.__dataclass_fields__ for name in ("file_latency", "image_latency")):
        return  # the sandbox does it itself
    app = sandbox.app

    def delayed(handler):
        @functools.wraps(handler)
        def wrapper(*args, **kwargs):
            time.sleep(latency)
            return handler(*args, **kwargs)
        return wrapper

    for name in ("on_design_file", "on_upload_file"):
        setattr(app, name, delayed(getattr(app, name)))


def _query(corpus, run: int, variant: int) -> bytes:
    """A distinct query image per run and side: a corpus drawing, lightly perturbed."""
    from patsnap_pandas.cli.demo import perturb

    design = corpus.designs[(37 * run + 11) % len(corpus.designs)]
    image = perturb(corpus.image(design.image_keys[0]), seed=1000 * run + variant, angle=1.0 + variant,
                    crop=0.02, noise=3.0)
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def _sequential_baseline(sandbox, data: bytes, cache_dir: Path) -> float:
    """The same work one request at a time: upload, search, then each thumbnail in turn."""
    from patsnap_pandas import PatsnapClient
    from patsnap_pandas.api.images import prepare_image
    from patsnap_pandas.frame.schema import hits_to_frame
    from patsnap_pandas.store.thumbnails import ThumbnailStore

    started = time.perf_counter()
    with PatsnapClient(base_url=sandbox.base_url, api_key=sandbox.credentials.api_key,
                       cache_dir=cache_dir) as client:
        prepared = prepare_image(data)
        uploaded = client.upload_image(prepared.data, prepared.filename)
        page = client.create_search(uploaded.url, limit=HITS)
        df = hits_to_frame(page.hits, search_id=page.search_id, query=prepared.label)
        with ThumbnailStore(cache_dir / "thumbnails", max_workers=1) as store:
            thumbs = store.fetch(zip(df["patent_id"], df["image_url"]))
    elapsed = time.perf_counter() - started
    assert len(df) == HITS and all(t is not None for t in thumbs)
    return elapsed


def _ours(sandbox, data: bytes, cache_dir: Path) -> tuple[float, float]:
    """(cold seconds, cached re-run seconds) of search_designs() with thumbnails."""
    from patsnap_pandas import PatsnapClient, search_designs
    from patsnap_pandas.jobs.images import load_thumbnails

    with PatsnapClient(base_url=sandbox.base_url, api_key=sandbox.credentials.api_key,
                       cache_dir=cache_dir) as client:
        started = time.perf_counter()
        df = search_designs(data, client=client, limit=HITS)
        cold = time.perf_counter() - started
        assert len(df) == HITS and not df.attrs["from_cache"]

        billed = client.usage.billed_calls
        started = time.perf_counter()
        again = search_designs(data, client=client, limit=HITS)
        thumbs = load_thumbnails(again)
        rerun = time.perf_counter() - started
        assert again.attrs["from_cache"] and client.usage.billed_calls == billed
        assert len(thumbs) == HITS
    return cold, rerun


def _frame_build(repeats: int) -> list[float]:
    from patsnap_pandas.frame.schema import hits_to_frame

    hits = [{"patent_id": f"{i:08d}-0000-4000-8000-000000000000", "patent_pn": f"CN30{i:07d}S",
             "title": f"Design {i}", "score": 1 - i / 2000, "url": f"https://img.example/{i}.png?sig=x",
             "loc": ["06-01"], "apdt": 20200101 + i % 28} for i in range(FRAME_HITS)]
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        hits_to_frame(hits, search_id="S", query="q.png")
        times.append(time.perf_counter() - started)
    return times


def _figure(name: str, values: list[float], unit: str, target: str, ok: bool, **extra) -> dict:
    return {"name": name, "unit": unit, "min": min(values), "median": statistics.median(values),
            "max": max(values), "runs": len(values), "target": target, "ok": ok, **extra}


def run(runs: int = 5, latency: float = LATENCY_S, out=None) -> list[dict]:
    """Measure everything in one go; return the figures (and print them to ``out`` if given)."""
    from patsnap_pandas.sandbox import start_sandbox

    def say(text: str) -> None:
        if out is not None:
            print(text, file=out, flush=True)

    with tempfile.TemporaryDirectory(prefix="search-bench-") as tmp, \
            start_sandbox(latency=latency) as sandbox, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. ResourceWarnings of the server thread
        _slow_downloads(sandbox, latency)
        corpus = sandbox.corpus
        root = Path(tmp)
        say(f"search_bench: sandbox {sandbox.base_url}, {len(corpus.designs)} designs, "
            f"{latency * 1000:.0f} ms per API call and per image download, {runs} runs")
        baseline, cold, rerun = [], [], []
        for i in range(runs):
            baseline.append(_sequential_baseline(sandbox, _query(corpus, i, 0), root / f"baseline-{i}"))
            c, r = _ours(sandbox, _query(corpus, i, 1), root / f"ours-{i}")
            cold.append(c)
            rerun.append(r)
            say(f"  run {i + 1}: sequential {baseline[-1]:.2f} s, search_designs {c:.2f} s "
                f"({baseline[-1] / c:.1f}x), cached re-run {r * 1000:.1f} ms")
    frames = _frame_build(max(20, runs))

    speedups = [b / c for b, c in zip(baseline, cold)]
    ratio = statistics.median(baseline) / statistics.median(cold)
    figures = [
        _figure("cold 100-hit search with thumbnails, sequential baseline", baseline, "s", "-", True),
        _figure("cold 100-hit search with thumbnails, search_designs", cold, "s", "-", True),
        _figure("cold speed-up (sequential / search_designs)", speedups, "x", f">= {TARGET_SPEEDUP:g}x",
                ratio >= TARGET_SPEEDUP, ratio_of_medians=ratio),
        _figure("cached re-run, 100 hits with thumbnails", [r * 1000 for r in rerun], "ms",
                f"<= {TARGET_RERUN_MS:g} ms", statistics.median(rerun) * 1000 <= TARGET_RERUN_MS),
        _figure("frame build, 1,000 hits", [f * 1000 for f in frames], "ms", f"<= {TARGET_FRAME_MS:g} ms",
                statistics.median(frames) * 1000 <= TARGET_FRAME_MS),
    ]
    say("")
    say(f"  {'figure':<58} {'min':>8} {'median':>8} {'max':>8}  target")
    for f in figures:
        mark = "ok" if f["ok"] else "MISSED"
        say(f"  {f['name']:<58} {f['min']:>8.2f} {f['median']:>8.2f} {f['max']:>8.2f}  "
            f"{f['unit']:<2} {f['target']} {mark if f['target'] != '-' else ''}".rstrip())
    say(f"  speed-up as a ratio of medians: {ratio:.1f}x")
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (default 5)")
    parser.add_argument("--latency", type=float, default=LATENCY_S, help="seconds per call (default 0.15)")
    args = parser.parse_args(argv)
    figures = run(args.runs, args.latency, out=sys.stdout)
    return 0 if all(f["ok"] for f in figures) else 1


if __name__ == "__main__":
    sys.path.insert(0, os.fspath(Path(__file__).resolve().parents[1]))  # run from a checkout
    sys.exit(main())
