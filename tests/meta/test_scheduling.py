"""The order in which `make test` hands test files to its workers (tests/scheduling.py)."""

from __future__ import annotations

import json
from types import SimpleNamespace

from tests.scheduling import (
    DURATIONS_FILE,
    DURATIONS_KEY,
    UNTIMED_TEST_SECONDS,
    Timer,
    expected_seconds,
    longest_first,
    recorded,
    scope,
)


def units(**tests: int) -> list[tuple[str, dict]]:
    return [(name, {f"{name}::t{i}": False for i in range(n)}) for name, n in tests.items()]


def test_a_file_is_one_unit_and_the_notebooks_and_site_build_are_one():
    assert scope("tests/a/test_x.py::test_one[1]") == scope("tests/a/test_x.py::Class::test_two") == "tests/a/test_x.py"
    assert scope("tests/docs/test_notebooks.py::test_n") == scope("tests/docs/test_site.py::test_s")
    assert scope("patsnap_pandas/frame/schema.py::patsnap_pandas.frame.schema.f") == "patsnap_pandas/frame/schema.py"


def test_the_longest_recorded_file_goes_first_not_the_one_with_most_tests():
    record = {"browser.py": [90.0, 6], "many.py": [12.0, 300], "mid.py": [20.0, 10]}
    order = [name for name, _ in longest_first(units(**{"many.py": 300, "mid.py": 10, "browser.py": 6}), record)]
    assert order == ["browser.py", "mid.py", "many.py"]


def test_seconds_scale_with_the_tests_collected_now_and_an_untimed_file_gets_the_default():
    record = {"f.py": [10.0, 5]}
    assert expected_seconds(record, "f.py", 10) == 20.0  # 2 s a test, twice the tests
    assert expected_seconds(record, "new.py", 8) == 8 * UNTIMED_TEST_SECONDS
    order = [name for name, _ in longest_first(units(**{"f.py": 1, "new.py": 100}), record)]
    assert order == ["new.py", "f.py"]  # 100 untimed tests outweigh one 2-s test


def test_a_run_records_set_up_call_and_teardown_and_keeps_other_files_record():
    timer = Timer()
    for nodeid, when, seconds, passed in [("t/a.py::x", "setup", 1.0, True), ("t/a.py::x", "call", 2.0, True),
                                          ("t/a.py::x", "teardown", 0.5, True), ("t/a.py::y", "setup", 0.25, False),
                                          ("t/a.py::y", "teardown", 0.0, True)]:
        timer.add(SimpleNamespace(nodeid=nodeid, when=when, duration=seconds, passed=passed))
    assert timer.merged({"t/a.py": [99.0, 9], "t/b.py": [4.0, 2]}) == {"t/a.py": [3.75, 2], "t/b.py": [4.0, 2]}


def test_the_last_run_overrides_the_record_kept_in_git(tmp_path):
    kept = tmp_path / "durations.json"
    kept.write_text(json.dumps({"a.py": [5.0, 1], "b.py": [7.0, 1]}))
    cache = SimpleNamespace(get=lambda key, default: {"b.py": [1.0, 1]} if key == DURATIONS_KEY else default)
    assert recorded(cache, kept) == {"a.py": [5.0, 1], "b.py": [1.0, 1]}
    assert recorded(None, tmp_path / "absent.json") == {}


def test_the_record_kept_in_git_names_existing_files_with_seconds_and_tests():
    record = json.loads(DURATIONS_FILE.read_text())
    root = DURATIONS_FILE.parents[1]
    assert record and all(len(value) == 2 and value[0] > 0 and value[1] >= 1 for value in record.values())
    assert all((root / unit).is_file() for unit in record if unit != "notebooks")
