"""Run every benchmark in bench/ and write docs/benchmarks.md (``make bench``).

Each benchmark measures its figures against a baseline taken in the same run, on the
same machine (e.g. ``search_designs`` against the same calls made one at a time), so
the page reports ratios that do not depend on how fast the machine is; absolute
figures are given with the machine they come from. Where a figure was measured
several times the page gives min / median / max.

The benchmarks:

* ``sandbox_bench.py`` (ENGINE): corpus build, indexing and query latency of the
  sandbox's similarity engine for 600 / 1,000 / 10,000 designs;
* ``search_bench.py`` (SEARCH): a 100-hit search with thumbnails against its
  sequential baseline, the cached re-run, the frame build;
* ``batch_bench.py`` (ACCESSOR): 200 catalogue images under a rate limit, against
  the floor the rate limit sets and a one-worker run;
* ``score_bench.py`` (SCORES): the held-out protocol on the real drawings (when
  ``../shared/real-designs`` is there) and on the generated corpus: hit@10, MRR@10,
  the true patent's and the best non-matching design's median scores and their gap.
* ``store_bench.py`` (STORE): a cached search with 1,000 vs 100,000 thumbnails stored,
  cached searches from 8 threads against one, and a new store's first write with 1,000
  vs 30,000 stored (and with the folder scanned, as before issue 21).
* ``multiview_bench.py`` (MULTIVIEW): hit@10 / MRR@10 of 1, 2 and 3 views of one
  product on the real drawings (``../shared/real-designs``), query views held out.
* ``report_bench.py`` (REPORTS): HTML, PDF, Excel and Word of a 100-hit search and of a
  batch of 50 products x 10 hits, against building the report model.
* ``hostile_text_bench.py`` (HOSTILE TEXT): the PDF report with an unbroken note of 2,000 / 5,000 /
  10,000 characters against the same report without a note (and the uncut 10,000 laid out).
* ``import_bench.py`` (IMPORTS): ``import patsnap_pandas`` against ``import pandas`` in the
  same run (fresh interpreters, alternating), ``patsnap-pandas --version`` wall time.
* ``team_bench.py`` (TEAM): a cached search on a shared Redis against the local SQLite folder, and
  one batch over 1, 2 and 4 processes against the floor one shared rate limit sets;
* ``redis_backend_bench.py`` (REDIS PARTS): thumbnail, upload-memo and HTTP-cache reads on Redis against
  the disk and SQLite counterparts, a lock hand-over between two backends, the shared rate limit;
* ``budget_bench.py`` (BUDGET): counting one billed call in memory, SQLite and Redis, against one
  billed call to the sandbox;
* ``hostile_files_bench.py`` (HOSTILE): read_triage refusing crafted workbooks (a 1.5 KB file
  declaring a million rows by 16,384 columns, a deflate bomb, two million rows) against reading
  a normal 100-hit report, with the tracemalloc peak of each refusal;
* ``word_triage_bench.py`` (WORD TRIAGE): read_triage of a Word report with two reviewers' marks
  against the Excel report of the same hits, and crafted .docx files (a zip bomb, 210,000 stored
  rows, entities) refused, with the tracemalloc peak of each;
* ``interrupt_bench.py`` (INTERRUPTS): how soon a rate-limited batch stops after
  ``_thread.interrupt_main()`` (Jupyter's interrupt on Windows) against a real SIGINT, and the
  billed calls after each;
* ``overnight_bench.py`` (OVERNIGHT): 50 images submitted as P062 jobs and collected the next sandbox
  morning, against the same P060 searches made at once: wall time, API calls, billed units, equal hits;
* ``watch_bench.py`` (WATCH): a watch list of 30 products, week 1, the same day again and week 2,
  against the same searches made by hand (``search_designs(refresh=True)`` each): wall time, billed calls;
* ``why_bench.py`` (WHY): one "why it matched" overlay at the reports' size, the alignment error over
  40 moved drawings, and building the report model with the overlays against without;
* ``suite_bench.py`` (SUITE, only with ``--only suite``): ``make test`` against ``make test`` of
  main before issue 22, in one sitting, and ``make test-fast``;
* ``install_size.py`` (INSTALL): two throwaway venvs under /tmp, ``pip install .`` and
  ``pip install ".[all]"`` of this checkout: their sizes, and the import figures on the core
  install (a few minutes).

A benchmark exposes ``run(out=...) -> list[dict]`` (figures with ``name``, ``unit``,
``min``, ``median``, ``max``, ``runs``, ``target``, ``ok``); ``sandbox_bench.run(sizes,
queries)`` returns one row of raw measurements per corpus size instead, turned into
figures here.

Usage::

    .venv/bin/python bench/run_all.py                   # everything (about 10 minutes on 2 cores)
    .venv/bin/python bench/run_all.py --quick           # fewer runs and sizes: a smoke test
    .venv/bin/python bench/run_all.py --only search,batch --out /tmp/bench.md

With ``--only``, an existing page keeps everything but the sections of the benchmarks run: each
is replaced in place (the date, commit and load of this run under its heading; the notes written
by hand under its table kept); without ``--only`` (or with no page yet) the whole page is written.

Exit code 0 when every benchmark ran (targets missed are reported, not fatal), 1 otherwise.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import importlib.util
import inspect
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
DEFAULT_OUT = ROOT / "docs" / "benchmarks.md"
PACKAGES = ("patsnap-pandas", "pandas", "numpy", "requests", "requests-cache", "urllib3", "Pillow", "werkzeug",
            "matplotlib", "xlsxwriter", "ipywidgets")

#: name -> (script, what it measures, baseline of its ratios)
#: Run only when named in --only: the whole test suite twice over (about 25 minutes).
OPT_IN = ("suite",)

BENCHMARKS: dict[str, tuple[str, str, str]] = {
    "sandbox": ("sandbox_bench.py", "Sandbox similarity engine: corpus build, indexing, query latency",
                "the same measurements on the 1,000-design corpus (growth from 1k to 10k designs)"),
    "search": ("search_bench.py", "search_designs(): a 100-hit search with thumbnails, the cached re-run, "
               "the frame build", "the same search made one request at a time (upload, search, then each "
               "thumbnail in turn), with the same client calls"),
    "batch": ("batch_bench.py", "search_each(): a catalogue of 200 images (60 with --quick), 4 workers, rate_limit=10",
              "the floor the rate limit sets ((calls - 1) / rate) and the same batch with one worker"),
    "scores": ("score_bench.py", "Sandbox scores on the held-out protocol: hit@10, MRR@10, the score gap between "
               "the true patent and the best non-matching design",
               "none (quality figures, not timings): the targets are an identical image >= 0.95 and, on the real "
               "drawings, a median gap >= 0.15 with hit@10 >= 0.86 (the figure before the calibration)"),
    "store": ("store_bench.py", "Cached searches as the thumbnail store grows (1k vs 100k stored), from "
              "8 threads at once, and opening the store (1k vs 30k stored)", "the same cached search with 1,000 "
              "thumbnails stored; the same cached searches from one thread; the first write of a new store with "
              "1,000 stored"),
    "multiview": ("multiview_bench.py", "Several views of one product: hit@10 and MRR@10 on the real drawings "
                  "(held out), 1 view (P060), 2 and 3 views (P061), 3 views fused on the client",
                  "the same patents searched with one view (each view on its own, averaged)"),
    "report": ("report_bench.py", "Reports: HTML, PDF, Excel and Word of a 100-hit search and of a batch of 50 "
               "products x 10 hits (time and file size)", "building the report model of the same frame"),
    "hostile_text": ("hostile_text_bench.py", "Hostile text: the PDF report with one unbroken note of 2,000, 5,000 "
                     "and 10,000 characters", "the same 10-hit PDF report without a note, by the same engine "
                     "(Chromium, which \"auto\" picks, and WeasyPrint, the fallback), in the same run"),
    "imports": ("import_bench.py", "Import cost: `import patsnap_pandas` against `import pandas`, "
                "`patsnap-pandas --version`", "`import pandas` in fresh interpreters of the same run, alternating "
                "with the package's import"),
    "team": ("team_bench.py", "A team on one Redis: cached-search latency (Redis vs the local SQLite folder), and "
             "one batch over 1, 2 and 4 processes under one shared rate limit",
             "the same cached search on the local SQLite folder; the floor the shared rate limit sets "
             "((billed calls - 1) / rate)"),
    "redis_backend": ("redis_backend_bench.py", "The Redis building blocks beside their local counterparts: "
                      "thumbnail, upload-memo and HTTP-cache reads, a lock hand-over, the shared rate limit",
                      "the same read from the local counterpart (disk or SQLite), in the same run"),
    "budget": ("budget_bench.py", "Budget: the cost of counting one billed call (memory, SQLite, Redis)",
               "one billed call to the sandbox on loopback"),
    "hostile": ("hostile_files_bench.py", "read_triage on hostile files: how fast, and in how little memory, crafted "
                "workbooks (zip bombs, millions of rows) are refused", "read_triage of a normal 100-hit Excel report "
                "(the sandbox's report, thumbnails included)"),
    "word_triage": ("word_triage_bench.py", "read_triage of a Word report: counsel's marks back, and hostile .docx "
                    "files refused", "read_triage of the Excel report of the same 100-hit sandbox search (20 hits "
                    "marked by two reviewers, 5 with notes, so 5 comments in the Word report)"),
    "interrupts": ("interrupt_bench.py", "Interrupts: a rate-limited batch stopped by `_thread.interrupt_main()` "
                   "(Jupyter on Windows) and by a real SIGINT",
                   "the same batch stopped by a real SIGINT, alternating in the same run"),
    "overnight": ("overnight_bench.py", "Overnight batches (P062): 50 catalogue images submitted at 15:00 and collected "
                  "after 08:00 (sandbox clock), against the same P060 searches made at once",
                  "the same 50 images searched at once with search_designs(endpoint='P060'), one after another, "
                  "same latency"),
    "watch": ("watch_bench.py", "Watch lists: 30 products run in week 1, again the same day, and in week 2, "
              "against the same searches made by hand", "search_designs(image, limit=10, refresh=True) for each of "
              "the 30 products, one after another, on a fresh cache folder, same latency"),
    "why": ("why_bench.py", "Why it matched: the overlay's cost and accuracy, and what it adds to building a report",
            "the same report model built without overlays, in the same run"),
    "suite": ("suite_bench.py", "The test suite: `make test` against `make test` of main before issue 22 (8e34bee), "
              "and `make test-fast`", "`make test` of the baseline commit, run first in the same sitting"),
    "install": ("install_size.py", "Install size: a core-only venv against `[all]`, and the import cost on the core",
                "the core-only install (`pip install .`) made in the same run"),
}


# --- machine and environment -----------------------------------------------------------------------

def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def _ram_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 2**20
    except OSError:
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        return None


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def machine_info() -> dict[str, str]:
    """What the figures were measured on (JSON-safe strings)."""
    ram = _ram_gib()
    try:
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except (OSError, AttributeError):
        load = "unknown"
    commit = _git("rev-parse", "--short", "HEAD") or "unknown"
    if _git("status", "--porcelain", "--untracked-files=no"):
        commit += " (with uncommitted changes)"
    return {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit,
        "cpu": _cpu_model(),
        "cores": str(os.cpu_count() or "unknown"),
        "ram": f"{ram:.1f} GiB" if ram else "unknown",
        "os": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "load": load,
        **{f"package {p}": _version(p) for p in PACKAGES},
    }


# --- running the benchmarks ------------------------------------------------------------------------

def _load(script: str) -> ModuleType:
    path = BENCH / script
    spec = importlib.util.spec_from_file_location(f"bench_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def _figure(name: str, values: list[float], unit: str, target: str = "-", ok: bool = True, **extra) -> dict:
    return {"name": name, "unit": unit, "min": min(values), "median": statistics.median(values),
            "max": max(values), "runs": len(values), "target": target, "ok": ok, **extra}


def _sandbox_figures(module: ModuleType, quick: bool, out) -> list[dict]:
    """Adapter: sandbox_bench gives one row of raw measurements per corpus size (``run(sizes, queries)``,
    or ``bench(size, queries, cache)`` per size); turn them into figures like the others'."""
    sizes = (600, 1000, 2000) if quick else (600, 1000, 10000)
    queries = 20 if quick else 40
    if hasattr(module, "run") and "sizes" in inspect.signature(module.run).parameters:
        measured = module.run(sizes=sizes, queries=queries)
    else:
        with tempfile.TemporaryDirectory(prefix="patsnap-sandbox-bench-") as tmp:
            measured = [module.bench(size, queries, Path(tmp)) for size in sizes]
    rows = {r["designs"]: r for r in measured}
    for size, r in rows.items():
        print(f"  sandbox {size} designs ({r['images']} images): build {r['build_s']:.1f} s, "
              f"{r['img_per_s']:.0f} img/s, query median {r['median_ms']:.1f} ms, p90 {r['p90_ms']:.1f} ms",
              file=out, flush=True)
    small, big = rows[1000], rows[sizes[-1]]
    growth = sizes[-1] / 1000
    figures = [
        _figure(f"first-use build, {sizes[0]} designs (corpus + index)", [rows[sizes[0]]["build_s"]], "s",
                "<= 10 s", rows[sizes[0]]["build_s"] <= 10, ratio=None),
        _figure(f"second use, {sizes[0]} designs (features from the cache)", [rows[sizes[0]]["reload_s"]], "s",
                ratio=rows[sizes[0]]["reload_s"] / rows[sizes[0]]["build_s"],
                baseline=f"first-use build ({rows[sizes[0]]['build_s']:.1f} s)"),
    ]
    for size in sizes:
        r = rows[size]
        figures.append(_figure(f"query latency, {size} designs (median; p90 as max)",
                               [r["median_ms"], r["p90_ms"]], "ms", "<= 100 ms" if size >= 10000 else "-",
                               r["median_ms"] <= 100 if size >= 10000 else True,
                               ratio=r["median_ms"] / small["median_ms"] if size != 1000 else None,
                               baseline="1,000-design median" if size != 1000 else None,
                               is_baseline=size == 1000))
        figures[-1]["min"] = figures[-1]["median"] = r["median_ms"]  # one median; the max column is the p90
        figures[-1]["runs"] = queries
    if hasattr(module, "cli_startup"):
        startup = module.cli_startup(runs=2 if quick else 5)
        figures.append(_figure("`patsnap-pandas sandbox` start to first token answer (warm cache)", startup, "s",
                               "<= 3 s", statistics.median(startup) <= 3, ratio=None))
    figures += [
        # sandbox_bench's own targets: 10k median query <= 100 ms, latency growing at most linearly
        _figure(f"build time growth, 1k -> {sizes[-1] // 1000}k designs ({growth:g}x designs)",
                [big["build_s"] / small["build_s"]], "x"),
        _figure(f"query latency growth, 1k -> {sizes[-1] // 1000}k designs", [big["median_ms"] / small["median_ms"]],
                "x", f"<= {growth:g}x (linear)", big["median_ms"] / small["median_ms"] <= growth),
        _figure(f"indexing throughput, {sizes[-1]} designs", [big["img_per_s"]], "img/s",
                ratio=big["img_per_s"] / small["img_per_s"], baseline="1,000-design throughput"),
    ]
    return figures


def _add_ratios(name: str, figures: list[dict]) -> list[dict]:
    """Give each figure of search/batch its ratio to the baseline measured in the same run."""
    by_name = {f["name"]: f for f in figures}

    def find(*words: str) -> dict | None:
        return next((f for n, f in by_name.items() if all(w in n for w in words)), None)

    if name == "search":
        baseline, ours, rerun = find("sequential baseline"), find("search_designs"), find("cached re-run")
        if baseline and ours:
            baseline["is_baseline"] = True
            ours.setdefault("ratio", ours["median"] / baseline["median"])
            ours.setdefault("baseline", f"sequential baseline ({baseline['median']:.2f} s)")
        if ours and rerun:
            rerun.setdefault("ratio", rerun["median"] / 1000 / ours["median"])
            rerun.setdefault("baseline", f"cold search_designs ({ours['median']:.2f} s)")
    if name == "batch":
        batch, sequential, rerun = find("batch wall time"), find("sequential wall time"), find("cached re-run")
        if batch and batch.get("floor_s"):
            batch.setdefault("ratio", batch["median"] / batch["floor_s"])
            batch.setdefault("baseline", f"rate-limit floor ({batch['floor_s']:.1f} s)")
        if batch and sequential:
            sequential.setdefault("ratio", sequential["median"] / batch["median"])
            sequential.setdefault("baseline", f"batch median ({batch['median']:.1f} s)")
        if batch and rerun:
            rerun.setdefault("ratio", rerun["median"] / batch["median"])
            rerun.setdefault("baseline", f"cold batch median ({batch['median']:.1f} s)")
    return figures


def run_benchmark(name: str, quick: bool, out) -> dict:
    """Run one benchmark; returns {"figures", "seconds", "error"}."""
    script = BENCHMARKS[name][0]
    started = time.perf_counter()
    print(f"\n== {name}: bench/{script}", file=out, flush=True)
    try:
        module = _load(script)
        if name == "sandbox":
            figures = _sandbox_figures(module, quick, out)
        elif hasattr(module, "run"):
            params = inspect.signature(module.run).parameters
            kwargs: dict[str, Any] = {"out": out} if "out" in params else {}
            if quick and "runs" in params:
                kwargs["runs"] = 2 if name not in ("imports", "install") else 3
            if quick and "images" in params:
                kwargs["images"] = 60
            if quick and "models" in params:
                kwargs["models"] = (1,)
            figures = list(module.run(**kwargs))
        else:
            raise RuntimeError(f"bench/{script} has no run()")
        figures = _add_ratios(name, figures)
        error = None
    except Exception:  # noqa: BLE001 - one broken benchmark must not hide the others' figures
        figures, error = [], traceback.format_exc()
        print(error, file=out, flush=True)
    return {"figures": figures, "seconds": time.perf_counter() - started, "error": error}


# --- the page --------------------------------------------------------------------------------------

def _number(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if value == 0 or abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.2f}" if abs(value) >= 0.1 else f"{value:.3f}"
    return str(value)


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(figures: list[dict]) -> list[str]:
    lines = ["| figure | min | median | max | unit | runs | ratio to baseline | target | met |",
             "|---|---:|---:|---:|---|---:|---|---|:---:|"]
    for f in figures:
        ratio = f.get("ratio")
        ratio_text = "" if ratio is None else f"{_number(ratio)}x" + (f" of {f['baseline']}" if f.get("baseline") else "")
        if f.get("is_baseline"):
            ratio_text = "(the baseline)"
        target = f.get("target") or "-"
        met = "" if target == "-" else ("yes" if f.get("ok") else "**no**")
        lines.append("| " + " | ".join(_cell(x) for x in (
            f["name"], _number(f.get("min")), _number(f.get("median")), _number(f.get("max")), f.get("unit", ""),
            f.get("runs", ""), ratio_text, target, met)) + " |")
    return lines


def section(name: str, result: dict, separate_run: dict[str, str] | None = None) -> list[str]:
    """The lines of one benchmark's section of the page (heading to the last table line, then a blank).

    ``separate_run``: the machine info of a ``--only`` run, stated under the heading (the page's
    "The run" table describes the full run, not this one).
    """
    script, what, baseline = BENCHMARKS[name]
    lines = [f"## {what}", ""]
    if separate_run is not None:
        lines += [f"*Measured in a separate run of `bench/run_all.py --only {name}` on {separate_run['date']} "
                  f"(commit {separate_run['commit']}, load average at start {separate_run['load']}).*", ""]
    lines += [f"`bench/{script}`, {result['seconds']:.0f} s. Baseline: {baseline}.", ""]
    if result["error"]:
        last = result["error"].strip().splitlines()[-1]
        lines += [f"**The benchmark failed**: `{_cell(last)}` (see the output of `make bench`).", ""]
    if result["figures"]:
        lines += _table(result["figures"]) + [""]
        missed = [f["name"] for f in result["figures"] if f.get("target", "-") != "-" and not f.get("ok")]
        if missed:
            lines += ["Targets missed in this run: " + "; ".join(missed) + ".", ""]
    return lines


#: Starts of the lines that section() writes; any other line of a section is a note written by hand.
_GENERATED = ("|", "*Measured in a separate run", "`bench/", "**The benchmark failed**", "Targets missed in this run")


def splice(page: str, name: str, new_section: list[str]) -> tuple[str, list[str]]:
    """``page`` with the section of benchmark ``name`` replaced by ``new_section``; the other sections untouched.

    The notes written by hand under the old section's table are kept under the new one (check them
    against the new figures: they are returned too). A section not on the page yet goes before
    "## Regenerate" (or at the end).
    """
    lines = page.splitlines()
    heading = new_section[0]
    if heading in lines:
        start = lines.index(heading)
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    else:
        start = end = lines.index("## Regenerate") if "## Regenerate" in lines else len(lines)
    old = lines[start + 1:end]
    last_generated = max((i for i, line in enumerate(old) if line.startswith(_GENERATED)), default=-1)
    notes = old[last_generated + 1:]
    while notes and not notes[0].strip():
        notes.pop(0)
    while notes and not notes[-1].strip():
        notes.pop()
    body = list(new_section)
    if notes:
        body += [*notes, ""]
    if end == len(lines) and body[-1] == "":
        body.pop()
    return "\n".join(lines[:start] + body + lines[end:]) + "\n", notes


def render_page(info: dict[str, str], results: dict[str, dict], quick: bool) -> str:
    """docs/benchmarks.md from the machine info and each benchmark's result."""
    lines = [
        "# Benchmarks",
        "",
        '!!! note "This page is generated"',
        "    `bench/run_all.py` (`make bench`) wrote it from the run described below; do not edit it by hand,",
        "    the next run overwrites it.",
        "",
        "Every benchmark runs against the offline sandbox, with its `latency` knob standing in for the round",
        "trip to PatSnap, and compares each figure with a **baseline measured in the same run on the same",
        "machine**: the ratios, not the seconds, are what carry over to another machine. min / median / max",
        "are over the runs of that figure (for query latency: the median and the 90th percentile of the",
        "queries).",
        "",
        "## The run",
        "",
        "| | |",
        "|---|---|",
    ]
    labels = {"date": "date", "commit": "commit", "cpu": "CPU", "cores": "logical cores", "ram": "RAM",
              "os": "OS", "python": "Python", "load": "load average at start (1, 5, 15 min)"}
    for key, label in labels.items():
        lines.append(f"| {label} | {_cell(info[key])} |")
    packages = ", ".join(f"{k.split(' ', 1)[1]} {v}" for k, v in info.items() if k.startswith("package "))
    lines.append(f"| packages | {_cell(packages)} |")
    if quick:
        lines.append("| mode | `--quick` (fewer runs and sizes: a smoke test, not the reference figures) |")
    lines.append("")
    for name, result in results.items():
        lines += section(name, result)
    lines += [
        "## Regenerate",
        "",
        "```bash",
        "make bench           # = .venv/bin/python bench/run_all.py",
        "```",
        "",
        "Each script also runs alone (`.venv/bin/python bench/search_bench.py`) and prints its figures.",
        "The machine is shared in CI and on developer laptops: compare ratios between runs, and",
        "absolute figures only between runs on the same machine under the same load.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help=f"comma-separated subset of {', '.join(BENCHMARKS)}")
    parser.add_argument("--quick", action="store_true", help="fewer runs and smaller sizes (a smoke test)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"page to write (default {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    names = [n for n in BENCHMARKS if n not in OPT_IN] if not args.only else [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"--only: unknown benchmark(s) {unknown}; allowed: {', '.join(BENCHMARKS)}")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))  # the benchmarks import patsnap_pandas from this checkout

    info = machine_info()
    print(f"patsnap-pandas benchmarks, {info['date']}, commit {info['commit']}", flush=True)
    print(f"{info['cpu']}, {info['cores']} cores, {info['ram']}, {info['python']}, load {info['load']}", flush=True)
    with tempfile.TemporaryDirectory(prefix="patsnap-bench-cache-") as cache:
        # keep the developer's caches out of it (and theirs out of the figures)
        os.environ["PATSNAP_CACHE_DIR"] = str(Path(cache) / "client")
        os.environ.setdefault("PATSNAP_SANDBOX_CACHE_DIR", str(Path(cache) / "sandbox"))
        for name in ("PATSNAP_CLIENT_ID", "PATSNAP_CLIENT_SECRET", "PATSNAP_API_KEY", "PATSNAP_BASE_URL"):
            os.environ.pop(name, None)
        results = {name: run_benchmark(name, args.quick, sys.stdout) for name in names}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.only and args.out.is_file():  # a partial run replaces its own sections only
        page = args.out.read_text(encoding="utf-8")
        for name, result in results.items():
            page, notes = splice(page, name, section(name, result, separate_run=info))
            if notes:
                print(f"kept {len(notes)} line(s) of notes under the {name} table: check them against the new "
                      "figures", flush=True)
        args.out.write_text(page, encoding="utf-8")
        print(f"\nupdated the section(s) {', '.join(results)} of {args.out}", flush=True)
    else:
        args.out.write_text(render_page(info, results, args.quick), encoding="utf-8")
        print(f"\nwrote {args.out}", flush=True)
    return 1 if any(r["error"] for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
