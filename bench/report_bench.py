"""Benchmark of the reports: time and file size of HTML, PDF and Excel for two report sizes.

Figures, measured in this one run:

* one search of 100 hits (enriched with legal status): building the report model
  (thumbnails and the query image from the store, the score chart), then writing
  it as HTML, PDF (A4) and Excel;
* a batch of 50 products x 10 hits: the same.

Each writer's time is also given as a ratio to building the model of the same
frame in the same run (the part every format shares), and each file's size. The
targets of issue 25 are ratios of what an analyst waits for, the model counted in
both: (model + PDF) / (model + HTML) <= 3 for the search and <= 4 for the batch,
(model + Word) <= 2 x (model + HTML) once the Word writer is there. Beside them,
Chromium's print to PDF of the same paged HTML (a new headless browser each time),
when a Chromium is installed. The first PDF of a process (importing WeasyPrint,
loading fonts) is measured apart; the load average is given before and after each frame.

Run: ``.venv/bin/python bench/report_bench.py [--runs N] [--products N]``; ``run()``
returns the figures as dicts for bench/run_all.py.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
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


def _chromium() -> str | None:
    """The Chromium binary the browser tests use, for the side-by-side figure (None: not installed)."""
    return next((found for name in ("chromium", "chromium-browser", "google-chrome") if (found := shutil.which(name))),
                None)


def _chromium_pdf(binary: str, page: str, root: Path, name: str) -> Path:
    """Chromium's print to PDF of the same paged HTML the PDF writer gives WeasyPrint (a new browser each time,
    as a writer calling it would start one)."""
    source, target = root / f"{name}.html", root / f"{name}-chromium.pdf"
    source.write_text(page, encoding="utf-8")
    subprocess.run([binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                    f"--print-to-pdf={target}", source.as_uri()], check=True, capture_output=True, timeout=600)
    return target


def _pdf_phases(report) -> dict[str, float]:
    """CPU seconds of each WeasyPrint step for one PDF of ``report``: where the PDF's time goes.

    Parsing the page, computing the styles of every element (and of its pseudo-elements), building the
    boxes, laying them out in pages, then drawing the pages and writing the file. The steps are timed by
    wrapping two WeasyPrint internals for this one call (restored after); layout is what ``render`` spends
    outside them."""
    import logging

    import weasyprint
    import weasyprint.css
    import weasyprint.document

    from patsnap_pandas.report.html import render_html
    from patsnap_pandas.report.pdf import _fetcher, printable

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    spent = {"styles": 0.0, "boxes": 0.0}
    style_init, build = weasyprint.css.StyleFor.__init__, weasyprint.document.build_formatting_structure

    def timed(step, function):
        def call(*args, **kwargs):
            started = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent[step] += time.process_time() - started
        return call

    weasyprint.css.StyleFor.__init__ = timed("styles", style_init)
    weasyprint.document.build_formatting_structure = timed("boxes", build)
    try:
        images: dict[bytes, str] = {}
        page = render_html(printable(report), medium="print", images=images)
        started = time.process_time()
        html = weasyprint.HTML(string=page, base_url=None, url_fetcher=_fetcher(weasyprint, images))
        parsed = time.process_time()
        document = html.render()
        rendered = time.process_time()
        with tempfile.TemporaryDirectory(prefix="report-phases-") as tmp:
            document.write_pdf(Path(tmp) / "phases.pdf")
        written = time.process_time()
    finally:
        weasyprint.css.StyleFor.__init__, weasyprint.document.build_formatting_structure = style_init, build
    return {"parse the HTML": parsed - started, "compute styles": spent["styles"], "build boxes": spent["boxes"],
            "lay out pages": rendered - parsed - spent["styles"] - spent["boxes"],
            "draw pages and write the file": written - rendered, "in all": written - started,
            "pages": float(len(document.pages))}


def _ratio_figure(label: str, kind: str, times: dict[str, list[float]], target: float | None) -> dict:
    """(model + writer) / (model + HTML), medians of this run: what the analyst waits for, against the HTML."""
    model, html = statistics.median(times["model"]), statistics.median(times["HTML"])
    value = (model + statistics.median(times[kind])) / (model + html)
    return {"name": f"{label}: {kind} / HTML, building the model counted in both", "unit": "x", "min": value,
            "median": value, "max": value, "runs": len(times[kind]),
            "target": f"<= {target:g}x" if target else "-", "ok": target is None or value <= target}


def _measure(label: str, df, writers: list, chromium: str | None, root: Path,
             runs: int) -> tuple[dict[str, list[float]], dict[str, int]]:
    """Seconds of the model and of each writer over ``runs`` (and the size of each file)."""
    from patsnap_pandas.report import build_report
    from patsnap_pandas.report.html import render_html
    from patsnap_pandas.report.pdf import printable

    times: dict[str, list[float]] = {"model": [], **{kind: [] for kind, _w, _s in writers}}
    if chromium:
        times["PDF by Chromium"] = []
    sizes: dict[str, int] = {}
    for i in range(runs):
        started = time.perf_counter()
        report = build_report(df, title=f"Benchmark: {label}")
        times["model"].append(time.perf_counter() - started)
        for kind, writer, suffix in writers:
            path = root / f"{label[:8].replace(' ', '-')}-{i}{suffix}"
            started = time.perf_counter()
            writer(report, path)
            times[kind].append(time.perf_counter() - started)
            sizes[kind] = path.stat().st_size
        if chromium:
            started = time.perf_counter()
            page = render_html(printable(report), medium="print")
            sizes["PDF by Chromium"] = _chromium_pdf(chromium, page, root, f"{label[:8]}-{i}").stat().st_size
            times["PDF by Chromium"].append(time.perf_counter() - started)
    return times, sizes


def run(runs: int = 1, products: int = PRODUCTS, out=None) -> list[dict]:
    """Measure everything; return the figures (and print them to ``out`` if given)."""
    import patsnap_pandas  # noqa: F401  (registers df.patsnap)
    from patsnap_pandas import PatsnapClient
    from patsnap_pandas import report as reports
    from patsnap_pandas.report import build_report, write_excel, write_html, write_pdf
    from patsnap_pandas.sandbox import start_sandbox

    def say(text: str) -> None:
        if out is not None:
            print(text, file=out, flush=True)

    writers = [("HTML", write_html, ".html"), ("PDF", write_pdf, ".pdf"), ("Excel", write_excel, ".xlsx")]
    word = getattr(reports, "write_docx", None)  # the Word writer (issue 25), once it is there
    if word is not None:
        writers.append(("Word", word, ".docx"))
    chromium = _chromium()
    figures: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="report-bench-") as tmp, start_sandbox() as sandbox, \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")
        root = Path(tmp)
        creds = sandbox.credentials
        with PatsnapClient(base_url=sandbox.base_url, api_key=creds.api_key, cache_dir=root / "cache") as client:
            frames = _frames(client, sandbox.corpus, products)
        # A process pays once for importing WeasyPrint and loading its fonts: measured apart, not in each PDF.
        started = time.perf_counter()
        write_pdf(build_report(next(iter(frames.values())).head(2)), root / "warm.pdf")
        figures.append(_figure("first PDF of a process: importing WeasyPrint, loading fonts, a 2-hit report",
                               [time.perf_counter() - started], "s"))
        for label, df in frames.items():
            load = os.getloadavg()
            times, sizes = _measure(label, df, writers, chromium, root, runs)
            load_after = os.getloadavg()
            model = statistics.median(times["model"])
            figures.append(_figure(f"{label}: build the report model", times["model"], "s", is_baseline=True))
            for kind in times:
                if kind == "model":
                    continue
                figures.append(_figure(f"{label}: write {kind}", times[kind], "s", size_mb=sizes[kind] / 1e6,
                                       ratio=statistics.median(times[kind]) / model,
                                       baseline=f"building the model ({model:.2f} s)"))
            batch = label.startswith("batch")
            figures.append(_ratio_figure(label, "PDF", times, 4 if batch else 3))
            if "Word" in times:
                figures.append(_ratio_figure(label, "Word", times, 2))
            if chromium:
                figures.append(_ratio_figure(label, "PDF by Chromium", times, None))
            figures.append(_figure(f"{label}: load average (1 min) before / after", [load[0], load_after[0]], ""))
            phases = _pdf_phases(build_report(df, title=f"Benchmark: {label}"))
            pages = int(phases.pop("pages"))
            total = phases["in all"]
            for step, seconds in phases.items():
                figures.append(_figure(f"{label}: PDF of {pages} pages by WeasyPrint, CPU time: {step}", [seconds], "s",
                                       **({} if step == "in all" else {
                                           "ratio": seconds / total, "baseline": f"the PDF's CPU time ({total:.2f} s)"})))
            say(f"    WeasyPrint CPU seconds ({pages} pages): " + "; ".join(f"{k} {v:.2f}" for k, v in phases.items()))
            say(f"  {label} (load {load[0]:.1f} -> {load_after[0]:.1f}): model {model:.2f} s; " + "; ".join(
                f"{k} {statistics.median(times[k]):.2f} s, {sizes[k] / 1e6:.2f} MB" for k in times if k != "model"))
            say("    " + "; ".join(f"{f['name'].split(': ', 1)[1]} {f['median']:.2f}x (target {f['target']})"
                                   for f in figures if f["unit"] == "x" and f["name"].startswith(label)))
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
