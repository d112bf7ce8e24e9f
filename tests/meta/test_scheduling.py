"""The order in which `make test` hands test files to its workers (tests/scheduling.py)."""

from __future__ import annotations

import json
from types import SimpleNamespace

from tests.scheduling import (
    DURATIONS_FILE,
    DURATIONS_KEY,
    UNTIMED_TEST_SECONDS,
    Estimate,
    Timer,
    per_unit,
    scope,
    write_kept,
)


def units(**tests: int) -> list[tuple[str, dict]]:
    return [(name, {f"{name}::t{i}": False for i in range(n)}) for name, n in tests.items()]


def test_a_file_is_one_unit_and_the_notebooks_and_site_build_are_one():
    assert scope("tests/a/test_x.py::test_one[1]") == scope("tests/a/test_x.py::Class::test_two") == "tests/a/test_x.py"
    assert scope("tests/docs/test_notebooks.py::test_n") == scope("tests/docs/test_site.py::test_s")
    assert scope("patsnap_pandas/frame/schema.py::patsnap_pandas.frame.schema.f") == "patsnap_pandas/frame/schema.py"


def test_the_longest_file_goes_first_not_the_one_with_most_tests():
    timed = {**{f"browser.py::t{i}": 15.0 for i in range(6)}, **{f"many.py::t{i}": 0.04 for i in range(300)},
             **{f"mid.py::t{i}": 2.0 for i in range(10)}}
    order = [name for name, _ in Estimate(timed).longest_first(units(**{"many.py": 300, "mid.py": 10, "browser.py": 6}))]
    assert order == ["browser.py", "mid.py", "many.py"]


def test_a_test_not_timed_counts_its_files_mean_in_git_else_the_default():
    estimate = Estimate({"f.py::t0": 30.0}, kept={"f.py": [12.0, 4]})
    assert estimate.seconds("f.py", ["f.py::t0", "f.py::t1"]) == 30.0 + 3.0  # t1: 12 s / 4 tests in git
    assert estimate.seconds("new.py", ["new.py::a", "new.py::b"]) == 2 * UNTIMED_TEST_SECONDS
    assert estimate.known("f.py", ["f.py::t9"]) and not estimate.known("new.py", ["new.py::a"])
    # a run of one test of a file (-k) does not make its other, untimed tests look short
    assert Estimate({"f.py::t0": 0.1}, kept={"f.py": [60.0, 6]}).seconds("f.py", [f"f.py::t{i}" for i in range(6)]) \
        == 0.1 + 5 * 10.0


def test_a_file_nothing_has_timed_goes_first_most_tests_first():
    estimate = Estimate({"long.py::t0": 100.0}, kept={"kept.py": [50.0, 5]})
    order = [name for name, _ in estimate.longest_first(units(**{"kept.py": 5, "new1.py": 2, "long.py": 1,
                                                                  "new2.py": 40}))]
    assert order == ["new2.py", "new1.py", "long.py", "kept.py"]


def test_a_run_records_set_up_call_and_teardown_and_keeps_other_tests_seconds():
    timer = Timer()
    for nodeid, when, seconds in [("t/a.py::x", "setup", 1.0), ("t/a.py::x", "call", 2.0), ("t/a.py::x", "teardown", 0.5),
                                  ("t/a.py::y", "setup", 0.25), ("t/a.py::y", "teardown", 0.0)]:
        timer.add(SimpleNamespace(nodeid=nodeid, when=when, duration=seconds))
    assert timer.merged({"t/a.py::x": 99.0, "t/b.py::z": 4.0}) == {"t/a.py::x": 3.5, "t/a.py::y": 0.25, "t/b.py::z": 4.0}


def test_the_estimate_reads_the_runs_record_and_the_file_kept_in_git(tmp_path):
    kept = tmp_path / "durations.json"
    write_kept({"a.py::x": 5.0, "a.py::y": 1.0, "b.py::z": 0.5, "tests/docs/test_site.py::s": 3.0}, kept)
    assert json.loads(kept.read_text()) == {"a.py": [6.0, 2], "notebooks": [3.0, 1]}  # under 2 s: left out
    cache = SimpleNamespace(get=lambda key, default: {"a.py::x": 1.0} if key == DURATIONS_KEY else default)
    estimate = Estimate.load(cache, kept)
    assert estimate.timed == {"a.py::x": 1.0} and estimate.kept == {"a.py": [6.0, 2], "notebooks": [3.0, 1]}
    assert Estimate.load(None, tmp_path / "absent.json").seconds("a.py", ["a.py::x"]) == UNTIMED_TEST_SECONDS


def test_the_record_kept_in_git_names_existing_files_longest_first():
    record = json.loads(DURATIONS_FILE.read_text())
    root = DURATIONS_FILE.parents[1]
    assert record and all(len(value) == 2 and value[0] >= 2 and value[1] >= 1 for value in record.values())
    assert all((root / unit).is_file() for unit in record if unit != "notebooks")
    seconds = [value[0] for value in record.values()]
    assert seconds == sorted(seconds, reverse=True)
    assert per_unit({}) == {}


def test_a_file_longer_than_a_workers_share_is_cut_into_parts_of_about_that_share():
    timed = {**{f"long.py::t{i}": 10.0 for i in range(12)}, **{f"s{k}.py::t": 20.0 for k in range(3)},
             "one.py::t": 90.0, "tests/docs/test_notebooks.py::n": 70.0, "tests/docs/test_site.py::s": 10.0}
    units = Estimate(timed).split_long(list(timed), workers=3)  # 120+60+90+80 = 350 s: a share is about 117 s
    assert {units[f"long.py::t{i}"] for i in range(12)} == {"long.py::part-0", "long.py::part-1"}
    assert [units[f"long.py::t{i}"] for i in range(12)] == ["long.py::part-0"] * 6 + ["long.py::part-1"] * 6
    assert units["one.py::t"] == "one.py" and units["s0.py::t"] == "s0.py"  # one test, or short: whole
    assert units["tests/docs/test_notebooks.py::n"] == units["tests/docs/test_site.py::s"] == "notebooks"
    # a part is estimated from its own tests, and known as its file is
    estimate = Estimate(timed, kept={"long.py": [120.0, 12]})
    assert estimate.seconds("long.py::part-1", [f"long.py::t{i}" for i in range(6, 12)]) == 60.0
    assert estimate.known("long.py::part-1", [])
    # nothing is cut where every file fits a share
    assert set(Estimate(timed).split_long(list(timed), workers=2).values()) == {
        "long.py", "s0.py", "s1.py", "s2.py", "one.py", "notebooks"}
