"""How ``make test`` spreads the test files over its pytest-xdist workers (used by the root conftest.py).

Each file runs on one worker (``--dist loadfile``), so a module's fixtures (a corpus build, a browser,
a Jupyter server) are set up once; the files of :data:`SAME_WORKER` run on the same worker; and the
files go out longest first (longest processing time first): each file's seconds in the last run
(the controller's ``.pytest_cache``, else :data:`DURATIONS_FILE`, kept in git for a fresh checkout),
scaled to the tests collected now. A worker free early takes the short files that are left, so the
workers end together. xdist's own order (most tests first) gave the few long browser tests of
test_voila.py to a worker late, and the others waited for it. See docs/testing.md.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

#: Test files that run on one worker together: the site build shows the notebooks that
#: test_notebooks.py's session executed (tests/docs/conftest.py), so they share that session.
SAME_WORKER = {"tests/docs/test_notebooks.py": "notebooks", "tests/docs/test_site.py": "notebooks"}
#: The cache key under which a run records each unit's ``[seconds, tests]`` (``config.cache``).
DURATIONS_KEY = "patsnap/file-seconds"
#: The record kept in git, for a checkout that has not run the suite yet (``make test-durations`` refreshes it).
DURATIONS_FILE = Path(__file__).resolve().parent / "durations.json"
#: The seconds a test of a file never timed is taken to last (about the suite's mean).
UNTIMED_TEST_SECONDS = 0.25

Record = Mapping[str, "list[float] | tuple[float, int]"]


def scope(nodeid: str) -> str:
    """The unit one worker runs: the test's file (the files of :data:`SAME_WORKER` together)."""
    path = nodeid.split("::", 1)[0]
    return SAME_WORKER.get(path, path)


def recorded(cache=None, kept: Path = DURATIONS_FILE) -> dict:
    """``{unit: [seconds, tests]}``: the file kept in git, overlaid by the last runs' record in ``cache``."""
    record = json.loads(kept.read_text()) if kept.is_file() else {}
    if cache is not None:
        record.update(cache.get(DURATIONS_KEY, {}))
    return record


def expected_seconds(record: Record, unit: str, tests: int) -> float:
    """How long ``unit`` should take with ``tests`` tests: its recorded seconds a test, else the default."""
    seconds, timed = record.get(unit, (0.0, 0))
    return seconds / timed * tests if timed else UNTIMED_TEST_SECONDS * tests


def longest_first(units: Iterable[tuple[str, dict]], record: Record) -> list[tuple[str, dict]]:
    """The work units ``(unit, {nodeid: done})`` of xdist's queue, the longest expected first."""
    return sorted(units, key=lambda unit: -expected_seconds(record, unit[0], len(unit[1])))


class Timer:
    """Adds up each unit's seconds (set-up, call and teardown) and tests from pytest's reports."""

    def __init__(self) -> None:
        self.units: dict[str, list[float]] = {}

    def add(self, report) -> None:
        unit = self.units.setdefault(scope(report.nodeid), [0.0, 0])
        unit[0] += report.duration
        unit[1] += report.when == "call" or (report.when == "setup" and not report.passed)

    def merged(self, record: Mapping) -> dict:
        """``record`` with this run's units replaced (a run of one folder keeps the others' record)."""
        return {**record, **{unit: [round(seconds, 2), tests] for unit, (seconds, tests) in self.units.items()
                             if tests}}
