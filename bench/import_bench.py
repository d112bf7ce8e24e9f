"""Benchmark of the package's import cost: ``import patsnap_pandas`` against ``import pandas``, same run.

Figures, each as min / median / max over fresh interpreters (one subprocess per measurement,
the two imports alternating so that both see the same machine load):

* ``import pandas`` (the baseline: every user of the package pays it anyway);
* ``import patsnap_pandas``, and its excess over ``import pandas`` measured in the same
  pair of runs (target: at most 0.25 s more);
* ``import patsnap_pandas`` then ``patsnap_pandas.SearchPanel``: what every import cost
  before the panel loaded lazily (the [jupyter] part: ipywidgets and IPython);
* ``patsnap-pandas --version``, wall time of the console script (interpreter start included),
  against the wall time of ``python -c "import pandas"``.

The import times are taken inside the subprocess (``time.perf_counter()`` around the import
statement), so the interpreter's own start-up is not in them; the subprocess also reports
whether any optional part (IPython, ipywidgets, matplotlib, xlsxwriter, openpyxl, weasyprint)
was loaded.

Run: ``.venv/bin/python bench/import_bench.py [--runs 9] [--python PATH]``; ``run()`` returns
the figures as dicts for bench/run_all.py, ``measure(python, runs)`` the raw times.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET_EXCESS_S = 0.25
RUNS = 9
OPTIONAL = ("IPython", "ipywidgets", "matplotlib", "xlsxwriter", "openpyxl", "weasyprint")

_TIMED = """
import json, sys, time
started = time.perf_counter()
{statement}
elapsed = time.perf_counter() - started
print(json.dumps({{"s": elapsed, "optional": sorted({{m.partition(".")[0] for m in sys.modules}} & set({optional!r}))}}))
"""

STATEMENTS = {
    "pandas": "import pandas",
    "patsnap_pandas": "import patsnap_pandas",
    "panel": "import patsnap_pandas; patsnap_pandas.SearchPanel",
}


def _figure(name: str, values: list[float], unit: str, target: str = "-", ok: bool = True, **extra) -> dict:
    return {"name": name, "unit": unit, "min": min(values), "median": statistics.median(values),
            "max": max(values), "runs": len(values), "target": target, "ok": ok, **extra}


def _timed_import(python: str, statement: str) -> dict:
    code = _TIMED.format(statement=statement, optional=OPTIONAL)
    done = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _wall(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, capture_output=True, timeout=300, check=True)
    return time.perf_counter() - started


def measure(python: str = sys.executable, runs: int = RUNS, *, panel: bool = True, cli: bool = True) -> dict:
    """Raw times (s) of each statement, and of the ``--version`` / ``python -c "import pandas"`` wall times."""
    times: dict[str, list[float]] = {name: [] for name in STATEMENTS}
    optional: dict[str, set[str]] = {name: set() for name in STATEMENTS}
    walls: dict[str, list[float]] = {"version": [], "python_pandas": []}
    script = Path(python).with_name("patsnap-pandas")
    _timed_import(python, "import patsnap_pandas")  # warm the file cache and the .pyc files first
    for _ in range(runs):
        for name, statement in STATEMENTS.items():
            if name == "panel" and not panel:
                continue
            result = _timed_import(python, statement)
            times[name].append(result["s"])
            optional[name].update(result["optional"])
        if cli and script.is_file():
            walls["python_pandas"].append(_wall([python, "-c", "import pandas"]))
            walls["version"].append(_wall([str(script), "--version"]))
    return {"times": times, "optional": optional, "walls": walls}


def figures(measured: dict, label: str = "") -> list[dict]:
    """The figures of one :func:`measure` result (``label`` names the install, e.g. "core-only venv")."""
    times, optional, walls = measured["times"], measured["optional"], measured["walls"]
    suffix = f", {label}" if label else ""
    pandas_s = statistics.median(times["pandas"])
    excess = [ours - base for ours, base in zip(times["patsnap_pandas"], times["pandas"])]
    loaded = sorted(optional["patsnap_pandas"])
    out = [
        _figure(f"import pandas{suffix}", times["pandas"], "s", is_baseline=True),
        _figure(f"import patsnap_pandas{suffix} (optional parts loaded: {', '.join(loaded) or 'none'})",
                times["patsnap_pandas"], "s", ratio=statistics.median(times["patsnap_pandas"]) / pandas_s,
                baseline=f"import pandas ({pandas_s:.2f} s)"),
        _figure(f"import patsnap_pandas minus import pandas, same pair of runs{suffix}", excess, "s",
                f"<= {TARGET_EXCESS_S} s", statistics.median(excess) <= TARGET_EXCESS_S, ratio=None),
    ]
    if times["panel"]:
        out.append(_figure(f"import patsnap_pandas + SearchPanel (the eager import before: "
                           f"{', '.join(sorted(optional['panel'])) or 'none'}){suffix}", times["panel"], "s",
                           ratio=statistics.median(times["panel"]) / pandas_s,
                           baseline=f"import pandas ({pandas_s:.2f} s)"))
    if walls["version"]:
        base = statistics.median(walls["python_pandas"])
        out += [
            _figure(f'`python -c "import pandas"` wall time{suffix}', walls["python_pandas"], "s"),
            _figure(f"`patsnap-pandas --version` wall time{suffix}", walls["version"], "s",
                    ratio=statistics.median(walls["version"]) / base,
                    baseline=f'python -c "import pandas" ({base:.2f} s)'),
        ]
    return out


def run(out=sys.stdout, runs: int = RUNS, python: str = sys.executable) -> list[dict]:
    """The figures for bench/run_all.py; prints them to ``out`` as they come."""
    result = figures(measure(python, runs))
    for f in result:
        print(f"  {f['name']}: median {f['median']:.3f} {f['unit']} (min {f['min']:.3f}, max {f['max']:.3f}, "
              f"{f['runs']} runs)" + (f"; {f['ratio']:.2f}x {f['baseline']}" if f.get("ratio") else "")
              + (f"; target {f['target']}: {'met' if f['ok'] else 'MISSED'}" if f["target"] != "-" else ""),
              file=out, flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=RUNS, help=f"fresh interpreters per figure (default {RUNS})")
    parser.add_argument("--python", default=sys.executable, help="the interpreter of the install to measure")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error(f"--runs {args.runs}: must be at least 1")
    run(runs=args.runs, python=args.python)
    return 0


if __name__ == "__main__":
    sys.exit(main())
