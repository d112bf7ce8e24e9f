"""bench/run_all.py --only NAME replaces that benchmark's section of docs/benchmarks.md and nothing else."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run_all():
    spec = importlib.util.spec_from_file_location("bench_run_all", ROOT / "bench" / "run_all.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RUN_ALL = _run_all()
INFO = {"date": "2026-11-29 03:00 UTC", "commit": "abc1234", "load": "0.10, 0.20, 0.30"}
FIGURE = {"name": "import pandas", "unit": "s", "min": 0.5, "median": 0.6, "max": 0.7, "runs": 3, "target": "-",
          "ok": True}


def _result(median: float, ok: bool = True) -> dict:
    return {"seconds": 12.0, "error": None, "figures": [
        FIGURE, {**FIGURE, "name": "excess", "median": median, "target": "<= 0.25 s", "ok": ok}]}


def _page() -> str:
    other = RUN_ALL.section("search", {"seconds": 5.0, "error": None, "figures": [FIGURE]})
    imports = RUN_ALL.section("imports", _result(0.64, ok=False), separate_run=INFO | {"commit": "old0000"})
    return "\n".join(["# Benchmarks", "", *other, "A note on search.", "", *imports,
                      "A note on imports,", "two lines long.", "", "## Regenerate", "", "make bench", ""])


def test_only_replaces_its_own_section_and_keeps_its_notes():
    page = _page()
    new, notes = RUN_ALL.splice(page, "imports", RUN_ALL.section("imports", _result(0.05), separate_run=INFO))
    assert notes == ["A note on imports,", "two lines long."]
    before, _, after = page.partition("## Import cost")
    new_before, _, new_after = new.partition("## Import cost")
    assert new_before == before  # the search section and its note, byte for byte
    assert new_after.endswith("## Regenerate\n\nmake bench\n")
    assert "commit abc1234" in new_after and "old0000" not in new_after
    assert "| excess | 0.50 | 0.050 | 0.70 | s | 3 |  | <= 0.25 s | yes |" in new_after
    assert "Targets missed" not in new_after
    assert new_after.index("yes |") < new_after.index("A note on imports,\ntwo lines long.\n\n## Regenerate")


def test_a_section_not_on_the_page_goes_before_regenerate():
    page = "# Benchmarks\n\n## Regenerate\n\nmake bench\n"
    new, notes = RUN_ALL.splice(page, "imports", RUN_ALL.section("imports", _result(0.05), separate_run=INFO))
    assert notes == []
    assert new.startswith("# Benchmarks\n\n## Import cost") and new.endswith("|\n\n## Regenerate\n\nmake bench\n")
    again, _ = RUN_ALL.splice(new, "imports", RUN_ALL.section("imports", _result(0.05), separate_run=INFO))
    assert again == new  # splicing the same section twice changes nothing


def test_every_benchmark_script_is_run_by_make_bench_and_gives_figures():
    """A script in bench/ that run_all does not list, or that has no run(), never reaches docs/benchmarks.md."""
    scripts = {p.name for p in (ROOT / "bench").glob("*.py")} - {"run_all.py"}
    listed = {script for script, _what, _baseline in RUN_ALL.BENCHMARKS.values()}
    assert scripts - listed == set()
    for script in sorted(scripts - {"sandbox_bench.py"}):  # run_all adapts the sandbox's rows itself
        assert "\ndef run(" in (ROOT / "bench" / script).read_text(), script


def test_the_suite_bench_finds_the_baseline_tests_moved_and_renamed():
    """bench/suite_bench.py times the baseline's own tests here: each found by its name wherever it moved."""
    spec = importlib.util.spec_from_file_location("bench_suite", ROOT / "bench" / "suite_bench.py")
    suite = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(suite)
    before = ["tests/test_cache.py::test_hit", "patsnap_pandas/cache.py::patsnap_pandas.cache.clear",
              "tests/budget/test_counting.py::test_a_file_removed", "tests/client/test_config.py::test_bad[rate-nan-old]",
              "tests/test_gone.py::test_gone"]
    now = ["tests/store/test_cache.py::test_hit", "tests/other/test_x.py::test_hit",
           "patsnap_pandas/store/info.py::patsnap_pandas.store.info.clear",
           "tests/budget/test_counting.py::test_a_file_removed_is_made_again",
           "tests/client/test_config.py::test_bad[rate-nan-new words]", "tests/client/test_config.py::test_bad[rate-0-x]",
           "tests/new/test_new.py::test_new"]
    found, missing = suite.counterparts(before, now)
    assert found == ["patsnap_pandas/store/info.py::patsnap_pandas.store.info.clear",
                     "tests/budget/test_counting.py::test_a_file_removed_is_made_again",
                     "tests/client/test_config.py::test_bad[rate-nan-new words]",
                     "tests/store/test_cache.py::test_hit"]
    assert missing == ["tests/test_gone.py::test_gone"]
