"""How ``make test`` spreads the test files over its pytest-xdist workers (used by the root conftest.py).

Each file runs on one worker (``--dist loadfile``), so a module's fixtures (a corpus build, a browser,
a Jupyter server) are set up once; the files of :data:`SAME_WORKER` run on the same worker; and the
files go out longest first (longest processing time first): each file's seconds in the last run
(the controller's ``.pytest_cache``, else :data:`DURATIONS_FILE`, kept in git for a fresh checkout),
scaled to the tests collected now. A worker free early takes the short files that are left, so the
workers end together; a file longer than a worker's share of the run is cut into parts
(:meth:`Estimate.split_long`), so no worker idles while one runs it. xdist's own order (most tests first) gave the few long browser tests of
test_voila.py to a worker late, and the others waited for it. See docs/testing.md.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

#: Test files that run on one worker together: the site build shows the notebooks that
#: test_notebooks.py's session executed (tests/docs/conftest.py), so they share that session.
SAME_WORKER = {"tests/docs/test_notebooks.py": "notebooks", "tests/docs/test_site.py": "notebooks"}
#: The cache key under which runs record each test's seconds (set-up, call and teardown): ``{nodeid: seconds}``.
DURATIONS_KEY = "patsnap/test-seconds"
#: The record kept in git, ``{unit: [seconds, tests]}``, for tests this checkout has not timed yet (a fresh
#: clone, CI, a new test): ``make test-durations`` refreshes it from the last runs' record.
DURATIONS_FILE = Path(__file__).resolve().parent / "durations.json"
#: The seconds a test of a file never timed is taken to last (about the suite's mean).
UNTIMED_TEST_SECONDS = 0.25


def scope(nodeid: str) -> str:
    """The unit one worker runs: the test's file (the files of :data:`SAME_WORKER` together)."""
    path = nodeid.split("::", 1)[0]
    return SAME_WORKER.get(path, path)


class Estimate:
    """How long a unit of tests should take: each test's seconds in the last runs that ran it (``timed``),
    else its file's mean a test in the record kept in git (``kept``), else :data:`UNTIMED_TEST_SECONDS`.
    Timed test by test, a run of a few tests of a file (``-k``) says nothing of the file's other tests."""

    def __init__(self, timed: Mapping[str, float] | None = None, kept: Mapping[str, Any] | None = None) -> None:
        self.timed = dict(timed or {})
        self.kept = dict(kept or {})

    @classmethod
    def load(cls, cache=None, kept: Path = DURATIONS_FILE) -> Estimate:
        """From ``cache`` (pytest's ``config.cache``, or None) and the file kept in git (if there)."""
        return cls(cache.get(DURATIONS_KEY, {}) if cache is not None else {},
                   json.loads(kept.read_text()) if kept.is_file() else {})

    def seconds(self, unit: str, nodeids: Iterable[str]) -> float:
        unit = unit.split("::part-", 1)[0]  # a part of a file cut by split_long: the file's record
        seconds, tests = self.kept.get(unit, (0.0, 0))
        untimed = seconds / tests if tests else UNTIMED_TEST_SECONDS
        return sum(self.timed.get(nodeid, untimed) for nodeid in nodeids)

    def known(self, unit: str, nodeids: Iterable[str]) -> bool:
        """Whether anything says how long ``unit`` takes: a test of it timed, or its file in the record in git."""
        return unit.split("::part-", 1)[0] in self.kept or any(nodeid in self.timed for nodeid in nodeids)

    def split_long(self, nodeids: Iterable[str], workers: int) -> dict[str, str]:
        """``{nodeid: unit}``: each test's file (:func:`scope`), except that a file expected to take longer than
        a worker's fair share of the whole run (the sum over all files / ``workers``) is cut into consecutive
        parts of about that share, ``file::part-N``: one file alone would otherwise decide when the run ends
        while the other workers idle. The files of :data:`SAME_WORKER` are never cut. A part sets up the
        file's module fixtures again, so a file is cut only where that pays."""
        by_unit: dict[str, list[str]] = {}
        for nodeid in nodeids:
            by_unit.setdefault(scope(nodeid), []).append(nodeid)
        seconds = {unit: self.seconds(unit, tests) for unit, tests in by_unit.items()}
        share = sum(seconds.values()) / max(workers, 1)
        units: dict[str, str] = {}
        for unit, tests in by_unit.items():
            if unit in SAME_WORKER.values() or len(tests) < 2 or seconds[unit] <= share:
                units.update(dict.fromkeys(tests, unit))
                continue
            per_part, part, done = seconds[unit] / -(-seconds[unit] // share), 0, 0.0
            for nodeid in tests:
                took = self.seconds(unit, [nodeid])
                if done and done + took / 2 > per_part:  # a new part when this test would mostly overflow
                    part, done = part + 1, 0.0
                units[nodeid] = f"{unit}::part-{part}"
                done += took
        return units

    def longest_first(self, units: Iterable[tuple[str, dict]]) -> list[tuple[str, dict]]:
        """The work units ``(unit, {nodeid: done})`` of xdist's queue, the longest expected first; a file
        nothing has timed yet (new since the last run and the record in git) goes before them all, most
        tests first: short, it costs nothing there; long (a browser, a subprocess), it must not start last."""
        return sorted(units, key=lambda unit: (self.known(unit[0], unit[1]), -self.seconds(unit[0], unit[1])))


class Timer:
    """Adds up each test's seconds (set-up, call and teardown) from pytest's reports."""

    def __init__(self) -> None:
        self.tests: dict[str, float] = {}

    def add(self, report) -> None:
        self.tests[report.nodeid] = self.tests.get(report.nodeid, 0.0) + report.duration

    def merged(self, record: Mapping[str, float]) -> dict[str, float]:
        """``record`` with this run's tests replaced (a run of one folder keeps the others' seconds)."""
        return {**record, **{nodeid: round(seconds, 3) for nodeid, seconds in self.tests.items()}}


def per_unit(record: Mapping[str, float], least: float = 2.0) -> dict[str, list]:
    """``{unit: [seconds, tests]}`` of a record of tests, the longest first, units under ``least`` seconds
    left out: what ``make test-durations`` keeps in :data:`DURATIONS_FILE`."""
    units: dict[str, list] = {}
    for nodeid, seconds in record.items():
        unit = units.setdefault(scope(nodeid), [0.0, 0])
        unit[0] += seconds
        unit[1] += 1
    rows = sorted(((name, [round(s, 1), n]) for name, (s, n) in units.items() if s >= least), key=lambda r: -r[1][0])
    return dict(rows)


def write_kept(record: Mapping[str, float], path: Path = DURATIONS_FILE) -> None:
    """Write :func:`per_unit` of ``record`` to ``path``, one unit a line."""
    rows = per_unit(record)
    path.write_text("{\n" + ",\n".join(f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in rows.items()) + "\n}\n")
