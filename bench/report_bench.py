"""Benchmark of the reports: time and file size of HTML, PDF (both engines), Excel and Word for two report sizes.

Figures, measured in this one run:

* one search of 100 hits (enriched with legal status): building the report model
  (thumbnails and the query image from the store, the score chart), then writing
  it as HTML, PDF (A4) by Chromium and by WeasyPrint, Excel and Word;
* a batch of 50 products x 10 hits: the same.

Each writer's time is also given as a ratio to building the model of the same
frame in the same run (the part every format shares), and each file's size. The
targets of issue 25 are ratios of what an analyst waits for, the model counted in
both: (model + PDF) / (model + HTML) <= 3 for the search and <= 4 for the batch,
(model + Word) <= 2 x (model + HTML); the PDF ratio is given for each engine, side
by side in the same run. Chromium is the process's one browser (``report/pdf_chromium.py``),
started before the figures: its first PDF (starting Playwright and the browser) and
WeasyPrint's first PDF (importing it, loading fonts) are measured apart. The machine
is shared, so beside the wall-clock seconds each writer's CPU seconds are given (this
process and its child processes: Playwright's driver and every Chromium process), and
the load average before and after each frame.

Run: ``.venv/bin/python bench/report_bench.py [--runs N] [--products N]``; ``run()``
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


def _cpu() -> float:
    """CPU seconds of this process and of every process under it (Playwright's driver, Chromium's browser,
    renderer and GPU processes; on Linux, from /proc), children that ended counted by their parents."""
    total = sum(os.times()[:4])
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    stats: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        # fields[1] is the parent; utime, stime, cutime, cstime are fields 14-17 of stat (11-14 here)
        stats[int(entry.name)] = (int(fields[1]), sum(int(v) for v in fields[11:15]) / tick)
    below, frontier = set(), {os.getpid()}
    while frontier:
        frontier = {pid for pid, (parent, _cpu) in stats.items() if parent in frontier} - below
        below |= frontier
    return total + sum(stats[pid][1] for pid in below)


def _ratio_figure(label: str, kind: str, times: dict[str, list[float]], target: float | None) -> dict:
    """(model + writer) / (model + HTML), medians of this run: what the analyst waits for, against the HTML."""
    model, html = statistics.median(times["model"]), statistics.median(times["HTML"])
    value = (model + statistics.median(times[kind])) / (model + html)
    return {"name": f"{label}: {kind} / HTML, building the model counted in both", "unit": "x", "min": value,
            "median": value, "max": value, "runs": len(times[kind]),
            "target": f"<= {target:g}x" if target else "-", "ok": target is None or value <= target}


def _measure(label: str, df, writers: list, root: Path,
             runs: int) -> tuple[dict[str, list[float]], dict[str, list[float]], dict[str, int]]:
    """Seconds (wall clock and CPU) of the model and of each writer over ``runs``, and the size of each file."""
    from patsnap_pandas.report import build_report

    times: dict[str, list[float]] = {"model": [], **{kind: [] for kind, _w, _s in writers}}
    cpu: dict[str, list[float]] = {kind: [] for kind in times}
    sizes: dict[str, int] = {}
    for i in range(runs):
        started, used = time.perf_counter(), _cpu()
        report = build_report(df, title=f"Benchmark: {label}")
        times["model"].append(time.perf_counter() - started)
        cpu["model"].append(_cpu() - used)
        for kind, writer, suffix in writers:
            path = root / f"{label[:8].replace(' ', '-')}-{i}-{kind.replace(' ', '-')}{suffix}"
            started, used = time.perf_counter(), _cpu()
            writer(report, path)
            times[kind].append(time.perf_counter() - started)
            cpu[kind].append(_cpu() - used)
            sizes[kind] = path.stat().st_size
    return times, cpu, sizes


def _pages(path: Path) -> int:
    """The pages of a PDF (poppler's pdfinfo; 0 without it)."""
    import re
    import subprocess

    try:
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return 0
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


def run(runs: int = 1, products: int = PRODUCTS, out=None) -> list[dict]:
    """Measure everything; return the figures (and print them to ``out`` if given)."""
    import functools

    import patsnap_pandas  # noqa: F401  (registers df.patsnap)
    from patsnap_pandas import PatsnapClient
    from patsnap_pandas.report import build_report, write_docx, write_excel, write_html, write_pdf
    from patsnap_pandas.report.pdf_chromium import chromium_ready
    from patsnap_pandas.sandbox import start_sandbox

    def say(text: str) -> None:
        if out is not None:
            print(text, file=out, flush=True)

    engines = ["chromium", "weasyprint"] if chromium_ready() else ["weasyprint"]
    pdf_writers = [(f"PDF by {e.capitalize() if e == 'chromium' else 'WeasyPrint'}",
                    functools.partial(write_pdf, engine=e), ".pdf") for e in engines]
    writers = [("HTML", write_html, ".html"), *pdf_writers, ("Excel", write_excel, ".xlsx"),
               ("Word", write_docx, ".docx")]
    figures: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="report-bench-") as tmp, start_sandbox() as sandbox, \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")
        root = Path(tmp)
        creds = sandbox.credentials
        with PatsnapClient(base_url=sandbox.base_url, api_key=creds.api_key, cache_dir=root / "cache") as client:
            frames = _frames(client, sandbox.corpus, products)
        # A process pays once for each engine's start: WeasyPrint's import and fonts, Chromium's driver and
        # browser. Measured apart, on a 2-hit report, not in the figures of each PDF below.
        small = build_report(next(iter(frames.values())).head(2))
        for kind, writer, _suffix in pdf_writers:
            started, used = time.perf_counter(), _cpu()
            writer(small, root / f"first-{kind[-6:]}.pdf")
            figures.append(_figure(f"first {kind} of a process (starting the engine), a 2-hit report; "
                                   f"CPU {_cpu() - used:.2f} s", [time.perf_counter() - started], "s",
                                   cpu_s=_cpu() - used))
            say(f"  first {kind}: {figures[-1]['median']:.2f} s, CPU {figures[-1]['cpu_s']:.2f} s")
        for label, df in frames.items():
            load = os.getloadavg()
            times, cpu, sizes = _measure(label, df, writers, root, runs)
            load_after = os.getloadavg()
            model = statistics.median(times["model"])
            figures.append(_figure(f"{label}: build the report model", times["model"], "s", is_baseline=True,
                                   cpu_s=statistics.median(cpu["model"])))
            for kind in times:
                if kind == "model":
                    continue
                figures.append(_figure(f"{label}: write {kind}", times[kind], "s", size_mb=sizes[kind] / 1e6,
                                       ratio=statistics.median(times[kind]) / model,
                                       baseline=f"building the model ({model:.2f} s)",
                                       cpu_s=statistics.median(cpu[kind])))
            batch = label.startswith("batch")
            for kind, _writer, _suffix in pdf_writers:
                figures.append(_ratio_figure(label, kind, times, 4 if batch else 3))
            figures.append(_ratio_figure(label, "Word", times, 2))
            for kind in ("model", "HTML", *(k for k, _w, _s in pdf_writers)):
                figures.append(_figure(f"{label}: {'build the report model' if kind == 'model' else 'write ' + kind}"
                                       ", CPU seconds (this process and its child processes)", cpu[kind], "s"))
            for kind, _writer, _suffix in pdf_writers:  # the same ratio in CPU seconds: what the load does not move
                figure = _ratio_figure(label, kind, cpu, None)
                figure["name"] = figure["name"].replace(" / HTML,", " / HTML in CPU seconds,")
                figures.append(figure)
            figures.append(_figure(f"{label}: load average (1 min) before / after", [load[0], load_after[0]], ""))
            pages = {kind: _pages(root / f"{label[:8].replace(' ', '-')}-0-{kind.replace(' ', '-')}.pdf")
                     for kind, _w, _s in pdf_writers}
            say(f"  {label} (load {load[0]:.1f} -> {load_after[0]:.1f}): model {model:.2f} s; " + "; ".join(
                f"{k} {statistics.median(times[k]):.2f} s (CPU {statistics.median(cpu[k]):.2f} s), "
                f"{sizes[k] / 1e6:.2f} MB" + (f", {pages[k]} pages" if k in pages else "")
                for k in times if k != "model"))
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
