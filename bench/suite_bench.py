"""Benchmark of the test suite itself: ``make test`` here against ``make test`` of a baseline commit, one sitting.

Issue 22 asked for the whole suite in half the time. Both suites run on this machine, one after
the other, in this one run (nothing else should run meanwhile: the figures are wall times):

* the baseline: ``make test`` in a checkout of ``--baseline-rev`` (default 8e34bee, main before
  issue 22), made with ``git worktree add`` under a temporary folder and installed with
  ``make install`` (not timed), or an existing checkout with its ``.venv`` (``--baseline DIR``);
* this checkout: ``make test`` (the whole suite, cold: the sandbox's feature cache under
  ``.pytest_cache/patsnap-sandbox`` is removed first, as on a fresh clone), then ``make test`` again
  (warm), then ``make test-fast`` (the inner loop).

Each figure gives the tests pytest counted. Targets: ``make test`` <= 0.5x the baseline; ``make
test-fast`` <= 180 s. A suite that fails is reported (its figure is still timed), not hidden.

This is opt-in (about 25 minutes on 2 cores): ``.venv/bin/python bench/run_all.py --only suite``,
or alone: ``.venv/bin/python bench/suite_bench.py [--baseline DIR]`` (``SUITE_BENCH_BASELINE=DIR``
does the same under run_all.py).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE_REV = "8e34bee"
TARGET_RATIO = 0.5
FAST_TARGET_S = 180.0
_COUNTS = re.compile(r"(\d+) (passed|failed|error|errors|skipped)\b")


def _figure(name: str, seconds: float, unit: str = "s", target: str = "-", ok: bool = True, **extra) -> dict:
    return {"name": name, "unit": unit, "min": seconds, "median": seconds, "max": seconds, "runs": 1,
            "target": target, "ok": ok, **extra}


def _make(folder: Path, target: str, out) -> tuple[float, str]:
    """Wall seconds of ``make TARGET`` in ``folder`` and pytest's count line (e.g. "2831 passed")."""
    print(f"   make {target} in {folder} ...", file=out, flush=True)
    started = time.perf_counter()
    done = subprocess.run(["make", target], cwd=folder, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    lines = done.stdout.strip().splitlines()
    counts = ", ".join(f"{n} {word}" for n, word in _COUNTS.findall((lines[-1:] or [""])[0])) or "no pytest summary"
    if done.returncode:
        counts += f"; exit {done.returncode}"
    print(f"   {seconds:.0f} s: {counts}", file=out, flush=True)
    for line in lines:  # which tests failed: a slower suite must not hide a flaky one
        if line.startswith(("FAILED ", "ERROR ")):
            print(f"   {line[:300]}", file=out, flush=True)
    return seconds, counts


def _baseline_checkout(rev: str, out) -> tuple[Path, Path]:
    """A worktree of ``rev`` under a temporary folder, installed (``make install``); (checkout, temp root)."""
    temp = Path(tempfile.mkdtemp(prefix="patsnap-suite-bench-"))
    checkout = temp / "baseline"
    subprocess.run(["git", "worktree", "add", "--detach", str(checkout), rev], cwd=ROOT, check=True,
                   capture_output=True)
    print(f"   installing the baseline {rev} (not timed) ...", file=out, flush=True)
    subprocess.run(["make", "install"], cwd=checkout, check=True, capture_output=True)
    return checkout, temp


def run(out=sys.stdout, baseline: Path | None = None, baseline_rev: str = BASELINE_REV) -> list[dict]:
    temp = None
    if baseline is None and os.environ.get("SUITE_BENCH_BASELINE"):  # an installed checkout (run_all.py)
        baseline = Path(os.environ["SUITE_BENCH_BASELINE"])
    if baseline is None:
        baseline, temp = _baseline_checkout(baseline_rev, out)
    try:
        for folder in (baseline, ROOT):  # installed first, untimed: only the suites are compared
            subprocess.run(["make", "install"], cwd=folder, check=True, capture_output=True)
        before, before_counts = _make(baseline, "test", out)
        shutil.rmtree(ROOT / ".pytest_cache" / "patsnap-sandbox", ignore_errors=True)
        cold, cold_counts = _make(ROOT, "test", out)
        warm, warm_counts = _make(ROOT, "test", out)
        fast, fast_counts = _make(ROOT, "test-fast", out)
    finally:
        if temp is not None:
            subprocess.run(["git", "worktree", "remove", "--force", str(baseline)], cwd=ROOT, capture_output=True)
            shutil.rmtree(temp, ignore_errors=True)
    ratio, against = cold / before, f"baseline make test ({before:.0f} s)"
    return [
        _figure(f"make test, baseline {baseline_rev} ({before_counts})", before, is_baseline=True),
        _figure(f"make test, this commit, cold feature cache ({cold_counts})", cold,
                target=f"<= {TARGET_RATIO}x baseline", ok=ratio <= TARGET_RATIO, ratio=ratio, baseline=against),
        _figure(f"make test, this commit, warm feature cache ({warm_counts})", warm, ratio=warm / before,
                baseline=against),
        _figure(f"make test-fast ({fast_counts})", fast, target=f"<= {FAST_TARGET_S:.0f} s",
                ok=fast <= FAST_TARGET_S),
        _figure("make test / baseline make test (cold)", ratio, unit="x", target=f"<= {TARGET_RATIO}x",
                ok=ratio <= TARGET_RATIO),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, help="an installed checkout of the baseline (default: made here)")
    parser.add_argument("--baseline-rev", default=BASELINE_REV, help=f"the baseline commit (default {BASELINE_REV})")
    args = parser.parse_args()
    for figure in run(baseline=args.baseline, baseline_rev=args.baseline_rev):
        print(f"{figure['name']}: {figure['median']:.2f} {figure['unit']}  target {figure['target']}  "
              f"{'met' if figure['ok'] else 'MISSED'}")


if __name__ == "__main__":
    main()
