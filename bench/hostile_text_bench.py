"""Benchmark of hostile text in reports: PDF time with a long unbroken note, against the same report without it.

One 10-hit sandbox search; the first hit's note is ``"x" * N`` (no space: the worst case
for line breaking) for N = 0, 2,000, 5,000 and 10,000 characters. For each, the time to
write the PDF report (A4) with each engine (Chromium, which ``engine="auto"`` picks where one
is installed, and WeasyPrint, the fallback), as a ratio to the same engine's report without a
note measured in the same run (lengths and engines alternate within each run, so load changes
hit all of them alike).

Before issue 21 the PDF writer laid out an unbroken run again for every line it could
break it into: 33 s at 2,000 characters, 221 s at 5,000, over 300 s at 10,000. Now the
HTML has a break opportunity every 5 characters of a long run (``_html.breakable``) and
the PDF cuts free texts at 500 characters (``report.pdf.PDF_TEXT_MAX``). Two more figures
lay out the uncut report (the HTML writer's markup, all 5,000 or 10,000 characters) with
WeasyPrint, to show the break opportunities alone keep the time linear (twice the
characters, about twice the time).

Target: the 10,000-character note's PDF in under 10 s on this machine, with either engine.

Run: ``.venv/bin/python bench/hostile_text_bench.py [--runs N]``; ``run()`` returns the
figures as dicts for bench/run_all.py.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

LENGTHS = (0, 2_000, 5_000, 10_000)
UNCUT = (5_000, 10_000)
ENGINES = ("chromium", "weasyprint")
TARGET_S = 10.0


def _figure(name: str, values: list[float], unit: str, **extra) -> dict:
    return {"name": name, "unit": unit, "min": min(values), "median": statistics.median(values),
            "max": max(values), "runs": len(values), "target": "-", "ok": True, **extra}


def _uncut_pdf(report, path: Path) -> None:
    """The PDF of the report's full markup (no cut): the break opportunities alone."""
    import logging

    import weasyprint

    from patsnap_pandas.report.html import render_html

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    weasyprint.HTML(string=render_html(report, medium="print"), base_url=None).write_pdf(path)


def run(runs: int = 3, out=None) -> list[dict]:
    """Measure everything; return the figures (and print them to ``out`` if given)."""
    import patsnap_pandas  # noqa: F401  (registers df.patsnap)
    from patsnap_pandas import PatsnapClient, samples, search_designs
    from patsnap_pandas.report import build_report, write_pdf

    def say(text: str) -> None:
        if out is not None:
            print(text, file=out, flush=True)

    times: dict[tuple[str, int], list[float]] = {(e, n): [] for e in ENGINES for n in LENGTHS}
    uncut: dict[int, list[float]] = {n: [] for n in UNCUT}
    with tempfile.TemporaryDirectory(prefix="hostile-text-bench-") as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        root = Path(tmp)
        with PatsnapClient.sandbox(cache_dir=root / "cache") as client:
            df = search_designs(samples.image("armchair"), client=client, limit=10)
            reports = {}
            for n in LENGTHS:
                noted = df.copy()
                noted.loc[0, "note"] = "x" * n if n else None
                reports[n] = build_report(noted, title=f"Note of {n} characters")
            write_pdf(reports[0], root / "warm-up.pdf", engine="chromium")  # the browser's start is not a note's cost
            for i in range(runs):
                for engine in ENGINES:
                    for n in LENGTHS:
                        started = time.perf_counter()
                        write_pdf(reports[n], root / f"note-{engine}-{n}-{i}.pdf", engine=engine)
                        times[engine, n].append(time.perf_counter() - started)
                for n in UNCUT:
                    started = time.perf_counter()
                    _uncut_pdf(reports[n], root / f"uncut-{n}-{i}.pdf")
                    uncut[n].append(time.perf_counter() - started)
                say(f"  run {i + 1}: " + "; ".join(
                    f"{engine} " + ", ".join(f"{n:,} chars {times[engine, n][-1]:.2f} s" for n in LENGTHS)
                    for engine in ENGINES) + "; uncut " + ", ".join(f"{n:,} chars {uncut[n][-1]:.2f} s" for n in UNCUT))
    figures = []
    for engine in ENGINES:
        base = statistics.median(times[engine, 0])
        baseline = f"the same {engine} report without a note ({base:.2f} s)"
        figures.append(_figure(f"{engine}: PDF report of 10 hits, no note", times[engine, 0], "s", is_baseline=True))
        for n in LENGTHS[1:]:
            extra = {"target": f"<= {TARGET_S:.0f} s", "ok": statistics.median(times[engine, n]) <= TARGET_S} \
                if n == LENGTHS[-1] else {}
            figures.append(_figure(f"{engine}: one unbroken note of {n:,} characters (cut at 500 in the PDF)",
                                   times[engine, n], "s", ratio=statistics.median(times[engine, n]) / base,
                                   baseline=baseline, **extra))
    base = statistics.median(times["weasyprint", 0])
    baseline = f"the same weasyprint report without a note ({base:.2f} s)"
    for n in UNCUT:
        figures.append(_figure(f"weasyprint, uncut: all {n:,} characters laid out (break opportunities only)",
                               uncut[n], "s", ratio=statistics.median(uncut[n]) / base, baseline=baseline))
    low, high = (statistics.median(uncut[n]) for n in UNCUT)
    growth = UNCUT[1] / UNCUT[0]
    figures.append(_figure(f"uncut layout time growth, {UNCUT[0]:,} -> {UNCUT[1]:,} characters ({growth:g}x)",
                           [high / low], "x", target=f"<= {growth * 1.25:g}x (linear)", ok=high / low <= growth * 1.25))
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each length (default 3)")
    args = parser.parse_args(argv)
    for f in run(args.runs, out=sys.stdout):
        ratio = f" ({f['ratio']:.2f}x)" if f.get("ratio") else ""
        print(f"{f['name']}: median {f['median']:.2f} {f['unit']}{ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
