"""Benchmark of the reports: time and file size of HTML, PDF and Excel for two report sizes.

Figures, measured in this one run:

* one search of 100 hits (enriched with legal status): building the report model
  (thumbnails and the query image from the store, the score chart), then writing
  it as HTML, PDF (A4) and Excel;
* a batch of 50 products x 10 hits: the same.

Each writer's time is also given as a ratio to building the model of the same
frame in the same run (the part every format shares), and each file's size.

Run: ``.venv/bin/python bench/report_bench.py [--runs N] [--products N]``; ``run()``
returns the figures as dicts for bench/run_all.py.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

PRODUCTS = 50
HITS_PER_PRODUCT = 10
SEARCH_HITS = 100


def _figure(name: str, values: list[float], unit: str, **extra) -> dict:
    return {"name": name, "unit": unit, "min": min(values), "median": statistics.median(values),
            "max": max(values), "runs": len(values), "target": "-", "ok": True, **extra}


def _frames(client, corpus, products: int):
    import pandas as pd

    from patsnap_pandas import search_designs

    designs = corpus.designs
    single = search_designs(corpus.image_png(designs[5].image_keys[0]), client=client,
                            max_results=SEARCH_HITS).patsnap.enrich(legal_status=True)
    catalogue = pd.DataFrame({"sku": [f"P-{i:03d}" for i in range(products)],
                              "photo": [corpus.image_png(designs[7 * i + 3].image_keys[0]) for i in range(products)]})
    batch = catalogue.patsnap.search_each("photo", label_column="sku", limit=HITS_PER_PRODUCT, client=client,
                                          progress=False).patsnap.enrich(legal_status=True)
    return {f"one search of {len(single)} hits": single,
            f"batch of {products} products x {HITS_PER_PRODUCT} hits": batch}


def run(runs: int = 1, products: int = PRODUCTS, out=None) -> list[dict]:
    """Measure everything; return the figures (and print them to ``out`` if given)."""
    import patsnap_pandas  # noqa: F401  (registers df.patsnap)
    from patsnap_pandas import PatsnapClient
    from patsnap_pandas.report import build_report, write_excel, write_html, write_pdf
    from patsnap_pandas.sandbox import start_sandbox

    def say(text: str) -> None:
        if out is not None:
            print(text, file=out, flush=True)

    figures: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="report-bench-") as tmp, start_sandbox() as sandbox, \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")
        root = Path(tmp)
        creds = sandbox.credentials
        with PatsnapClient(base_url=sandbox.base_url, api_key=creds.api_key, cache_dir=root / "cache") as client:
            frames = _frames(client, sandbox.corpus, products)
        for label, df in frames.items():
            times: dict[str, list[float]] = {"model": [], "HTML": [], "PDF": [], "Excel": []}
            sizes: dict[str, int] = {}
            for i in range(runs):
                started = time.perf_counter()
                report = build_report(df, title=f"Benchmark: {label}")
                times["model"].append(time.perf_counter() - started)
                for kind, writer, suffix in (("HTML", write_html, ".html"), ("PDF", write_pdf, ".pdf"),
                                             ("Excel", write_excel, ".xlsx")):
                    path = root / f"{label[:8].replace(' ', '-')}-{i}{suffix}"
                    started = time.perf_counter()
                    writer(report, path)
                    times[kind].append(time.perf_counter() - started)
                    sizes[kind] = path.stat().st_size
            model = statistics.median(times["model"])
            figures.append(_figure(f"{label}: build the report model", times["model"], "s", is_baseline=True))
            for kind in ("HTML", "PDF", "Excel"):
                figures.append(_figure(f"{label}: write {kind}", times[kind], "s", size_mb=sizes[kind] / 1e6,
                                       ratio=statistics.median(times[kind]) / model,
                                       baseline=f"building the model ({model:.2f} s)"))
            say(f"  {label}: model {model:.2f} s; " + "; ".join(
                f"{k} {statistics.median(times[k]):.2f} s, {sizes[k] / 1e6:.2f} MB" for k in ("HTML", "PDF", "Excel")))
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="runs per report (default 1)")
    parser.add_argument("--products", type=int, default=PRODUCTS, help=f"batch products (default {PRODUCTS})")
    args = parser.parse_args(argv)
    run(args.runs, args.products, out=sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
