"""Benchmark of the test suite itself: ``make test`` here against ``make test`` of a baseline commit, one sitting.

Issue 22 asked for the whole suite in half the time. Both suites run on this machine, one after
the other, in this one run (nothing else should run meanwhile: the figures are wall times):

* the baseline: ``make test`` in a checkout of ``--baseline-rev`` (default 8e34bee, main before
  issue 22), made with ``git worktree add`` under a temporary folder and installed with
  ``make install`` (not timed), or an existing checkout with its ``.venv`` (``--baseline DIR``);
* this checkout: ``make test`` (the whole suite, cold: the sandbox's feature cache under
  ``.pytest_cache/patsnap-sandbox`` is removed first, as on a fresh clone), then ``make test`` again
  (warm), then ``make test`` of the baseline's tests only (their counterparts here, found by name:
  :func:`counterparts`; the issues after 22 added tests, so the whole suites are not the same work),
  then ``make test-fast`` (the inner loop).

Each figure gives the tests pytest counted. Targets: ``make test`` <= 0.5x the baseline (and the
baseline's own tests here, the same); ``make test-fast`` <= 180 s. A suite that fails is reported (its
figure is still timed), not hidden.

This is opt-in (about 30 minutes on 2 cores): ``.venv/bin/python bench/run_all.py --only suite``,
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


def _make(folder: Path, target: str, out, *variables: str) -> tuple[float, str]:
    """Wall seconds of ``make TARGET [VARIABLE=value ...]`` in ``folder`` and pytest's count line (e.g. "2831
    passed")."""
    print(f"   make {target} {' '.join(variables)} in {folder} ...".replace("  ", " "), file=out, flush=True)
    started = time.perf_counter()
    done = subprocess.run(["make", target, *variables], cwd=folder, capture_output=True, text=True)
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


def _collected(folder: Path) -> list[str]:
    """The node ids ``pytest --collect-only`` finds in ``folder``, with that checkout's own interpreter."""
    done = subprocess.run([str(folder / ".venv" / "bin" / "python"), "-m", "pytest", "--collect-only", "-q",
                           "-p", "no:cacheprovider"], cwd=folder, capture_output=True, text=True, check=True)
    return [line for line in done.stdout.splitlines() if "::" in line]


def counterparts(before: list[str], now: list[str]) -> tuple[list[str], list[str]]:
    """This suite's tests that are the ``before`` tests moved: (their node ids, the ``before`` ids not found).

    Issue 22 moved the tests into folders and the modules into layers, keeping each test's name: a test is
    found by its name with its parameters (among several, the one in a file of the same name); a docstring
    example by the dotted name of what it documents, its module path aside (``patsnap_pandas.budget.Budget``
    is now ``patsnap_pandas.store.budget.Budget``). Later issues made some names longer and some parameter
    ids say more: then a test in a file of the same name whose name begins with the old one, or the same
    test whose parameters begin with the same two values (tests/meta/test_bench_page.py shows each case).
    """
    def file_of(nodeid: str) -> str:
        return Path(nodeid.split("::", 1)[0]).name

    def name_of(nodeid: str) -> str:
        return nodeid.rsplit("::", 1)[-1]

    by_name: dict[str, list[str]] = {}
    for nodeid in now:
        by_name.setdefault(name_of(nodeid), []).append(nodeid)
    found: set[str] = set()
    missing = []
    for nodeid in before:
        name = name_of(nodeid)
        candidates = by_name.get(name, [])
        if not candidates and "." in name:  # a docstring example: the documented object's dotted name
            parts = name.split(".")
            for k in range(len(parts) - 1, 0, -1):
                tail = ".".join(parts[-k:])
                candidates = [n for n in now if n.endswith(("." + tail, "::" + tail))]
                if candidates:
                    break
        if not candidates:  # renamed longer, or parameter ids reworded
            function, _, params = name.partition("[")
            prefix = f"{function}[{'-'.join(params.split('-')[:2])}" if params else function + "_"
            candidates = [n for n in now if file_of(n) == file_of(nodeid) and name_of(n).startswith(prefix)]
        if not candidates:
            missing.append(nodeid)
            continue
        found.update([n for n in candidates if file_of(n) == file_of(nodeid)] or candidates)
    return sorted(found), missing


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
        before_ids = _collected(baseline)
        same_ids, missing = counterparts(before_ids, _collected(ROOT))
        print(f"   the baseline's {len(before_ids)} tests are {len(same_ids)} here; not found by name "
              f"({len(missing)}): {', '.join(missing) or 'none'}", file=out, flush=True)
        ids_file = Path(tempfile.mkdtemp(prefix="patsnap-suite-bench-ids-")) / "baseline-tests.txt"
        ids_file.write_text("\n".join(same_ids) + "\n")
        before, before_counts = _make(baseline, "test", out)
        shutil.rmtree(ROOT / ".pytest_cache" / "patsnap-sandbox", ignore_errors=True)
        cold, cold_counts = _make(ROOT, "test", out)
        warm, warm_counts = _make(ROOT, "test", out)
        same, same_counts = _make(ROOT, "test", out, f"PYTEST_ARGS=@{ids_file}")
        fast, fast_counts = _make(ROOT, "test-fast", out)
        shutil.rmtree(ids_file.parent, ignore_errors=True)
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
        _figure(f"make test of the baseline's tests only, moved ({same_counts}; {len(missing)} of "
                f"{len(before_ids)} not found by name)", same, target=f"<= {TARGET_RATIO}x baseline",
                ok=same / before <= TARGET_RATIO, ratio=same / before, baseline=against),
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
