"""Benchmark of the install: a core-only venv against an ``[all]`` venv, and the import cost on the core.

Creates two throwaway venvs under /tmp and ``pip install``-s this checkout into them
(not editable, so the package itself counts): ``pip install .`` and ``pip install ".[all]"``.
Figures, measured in this one run:

* disk used by what pip installed into each venv (the venv's size after the install minus
  its size before: Python's own files, pip and setuptools are not counted), in MB (10^6 bytes),
  and the ``[all]`` venv against the core one; the biggest distributions ``[all]`` adds are printed;
* ``import patsnap_pandas`` against ``import pandas`` and ``patsnap-pandas --version`` in the
  core-only venv (bench/import_bench.py's measurement): what a script or a scheduled job pays,
  without the optional libraries that requests-cache imports when they are installed (redis, PyYAML).

It takes a few minutes (two installs). Run: ``.venv/bin/python bench/install_size.py [--keep]``;
``run()`` returns the figures as dicts for bench/run_all.py.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INSTALLS = {"core": ".", "all": ".[all]"}
IMPORT_RUNS = 7


def _figure(name: str, values: list[float], unit: str, target: str = "-", ok: bool = True, **extra) -> dict:
    return {"name": name, "unit": unit, "min": min(values), "median": statistics.median(values),
            "max": max(values), "runs": len(values), "target": target, "ok": ok, **extra}


def disk_bytes(folder: Path) -> int:
    """Disk used by the files under ``folder`` (allocated blocks, as ``du`` counts; links not followed)."""
    total = 0
    for dirpath, _dirnames, filenames in os.walk(folder):
        for name in filenames:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_blocks * 512
            except OSError:
                pass
    return total


def _site_packages(venv: Path) -> Path:
    return next((venv / "lib").glob("python3*/site-packages"))


def _distributions(venv: Path) -> dict[str, int]:
    """Installed distribution -> disk bytes of its files (from each RECORD)."""
    site = _site_packages(venv)
    sizes: dict[str, int] = {}
    for record in site.glob("*.dist-info/RECORD"):
        name = record.parent.name.split("-")[0]
        total = 0
        for line in record.read_text(encoding="utf-8", errors="replace").splitlines():
            path = (site / line.split(",")[0]).resolve()
            try:
                total += path.lstat().st_blocks * 512
            except OSError:
                pass
        sizes[name] = total
    return sizes


def install(venv: Path, target: str, out) -> tuple[int, float]:
    """Create ``venv`` and pip-install ``target`` (relative to this checkout) into it: (bytes added, seconds)."""
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=600)
    before = disk_bytes(venv)
    started = time.perf_counter()
    done = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                           target], cwd=ROOT, capture_output=True, text=True, timeout=1800)
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"pip install {target} failed:\n{done.stderr[-3000:]}")
    added = disk_bytes(venv) - before
    print(f"  pip install {target}: {added / 1e6:.0f} MB in {took:.0f} s ({venv})", file=out, flush=True)
    return added, took


def _import_bench():
    spec = importlib.util.spec_from_file_location("bench_import_bench", ROOT / "bench" / "import_bench.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def run(out=sys.stdout, keep: bool = False, runs: int = IMPORT_RUNS) -> list[dict]:
    """The figures for bench/run_all.py; prints them to ``out`` as they come."""
    folder = Path(tempfile.mkdtemp(prefix="patsnap-install-size-", dir="/tmp"))
    try:
        sizes = {name: install(folder / name, target, out) for name, target in INSTALLS.items()}
        core_mb, all_mb = sizes["core"][0] / 1e6, sizes["all"][0] / 1e6
        core_dists, all_dists = _distributions(folder / "core"), _distributions(folder / "all")
        added = sorted(((size, name) for name, size in all_dists.items() if name not in core_dists), reverse=True)
        biggest = ", ".join(f"{name} {size / 1e6:.0f}" for size, name in added[:8])
        print(f"  [all] adds {len(added)} distributions; the biggest (MB): {biggest}", file=out, flush=True)
        figures = [
            _figure(f"installed size, core only (`pip install .`, {len(core_dists)} distributions)", [core_mb], "MB",
                    is_baseline=True),
            _figure(f"installed size, `pip install \".[all]\"` ({len(all_dists)} distributions; biggest added, MB: "
                    f"{biggest})", [all_mb], "MB", ratio=all_mb / core_mb, baseline=f"core only ({core_mb:.0f} MB)"),
            _figure("pip install time, core only", [sizes["core"][1]], "s"),
            _figure("pip install time, [all]", [sizes["all"][1]], "s"),
        ]
        bench = _import_bench()
        measured = bench.measure(str(folder / "core" / "bin" / "python"), runs, panel=False)
        figures += bench.figures(measured, "core-only venv")
        for f in figures[4:]:
            print(f"  {f['name']}: median {f['median']:.3f} {f['unit']} (min {f['min']:.3f}, max {f['max']:.3f})"
                  + (f"; target {f['target']}: {'met' if f['ok'] else 'MISSED'}" if f["target"] != "-" else ""),
                  file=out, flush=True)
        return figures
    finally:
        if keep:
            print(f"  kept {folder}", file=out, flush=True)
        else:
            shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the two venvs (their folder is printed)")
    parser.add_argument("--runs", type=int, default=IMPORT_RUNS, help="fresh interpreters per import figure")
    args = parser.parse_args(argv)
    run(keep=args.keep, runs=args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
