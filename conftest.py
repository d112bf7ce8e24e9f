"""Root test configuration: applies to tests/ and to the doctests of patsnap_pandas alike.

* an autouse guard fails any test (or docstring example) that connects off loopback;
* an autouse session fixture clears the ``PATSNAP_*`` variables, points the client
  cache at a session temp folder and the sandbox cache at :data:`SANDBOX_CACHE`, a
  folder of this checkout kept between runs (the image features of the sandbox
  corpora are computed by the first run only: their files are keyed by the corpus
  content and the feature code, see patsnap_pandas/sandbox/index.py);
* docstring examples run in a fresh, empty temp folder: they search with the
  package's own sample images, as a user would:
  ``search_designs(samples.image("armchair"), client=PatsnapClient.sandbox())``.
"""

from __future__ import annotations

import ipaddress
import os
import signal
import socket
import time
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis.database import DirectoryBasedExampleDatabase

pytest_plugins = ["pytester"]  # tests/docs/test_testing_plugin.py runs test files as a user would

# Property tests (tests/properties): 50 examples a test by default, the same ones every run (derandomize),
# so a failure in CI fails again on a laptop; `pytest --hypothesis-profile=thorough tests/properties` runs
# 150 fresh ones a test and keeps failing examples in .hypothesis/ to replay. No deadline: the machine is shared.
settings.register_profile("patsnap", max_examples=50, derandomize=True, deadline=None, database=None,
                          print_blob=True)
# The database is named: under CI=true hypothesis's own default has none, and failing examples would not be kept.
settings.register_profile("thorough", max_examples=150, derandomize=False, deadline=None,
                          database=DirectoryBasedExampleDatabase(".hypothesis/examples"))
settings.load_profile("patsnap")  # --hypothesis-profile=NAME (the hypothesis plugin) loads another

os.environ.setdefault("MPLBACKEND", "Agg")  # examples and tests draw to files, never to a screen

_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}

def _is_loopback(host) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    host = str(host).strip("[]")
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


class NetworkGuard:
    """Refuses, and records, any connection or name lookup off loopback."""

    def __init__(self) -> None:
        self.violations: list[str] = []

    def check(self, family, address, what: str) -> None:
        if family == getattr(socket, "AF_UNIX", object()):
            return
        host = address[0] if isinstance(address, tuple) else address
        if host is None or _is_loopback(host):
            return
        self.violations.append(f"{what} {address!r}")
        raise ConnectionRefusedError(f"test network guard: {what} to {address!r} is not loopback")


@pytest.fixture(autouse=True)
def network_guard(monkeypatch):
    guard = NetworkGuard()
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def connect(self, address):
        guard.check(self.family, address, "connect")
        return real_connect(self, address)

    def connect_ex(self, address):
        guard.check(self.family, address, "connect_ex")
        return real_connect_ex(self, address)

    def getaddrinfo(host, *args, **kwargs):
        guard.check(None, (host,), "getaddrinfo")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield guard
    if guard.violations:
        pytest.fail("test reached beyond loopback: " + "; ".join(guard.violations), pytrace=False)


#: The sandbox cache of the tests (corpus fingerprints and image features): kept between runs, in this
#: checkout (``make clean`` removes it). Its files are named by what made them, so none is ever stale.
SANDBOX_CACHE = Path(__file__).resolve().parent / ".pytest_cache" / "patsnap-sandbox"


@pytest.fixture(scope="session", autouse=True)
def isolated_environment(tmp_path_factory):
    """No developer credentials or caches leak into tests: the client caches live in a session tmp dir;
    the sandbox cache is the tests' own, kept between runs (:data:`SANDBOX_CACHE`)."""
    saved = dict(os.environ)
    for name in list(os.environ):
        if name.startswith("PATSNAP_"):
            del os.environ[name]
    root = tmp_path_factory.mktemp("patsnap-cache")
    os.environ["PATSNAP_CACHE_DIR"] = str(root / "client")
    os.environ["PATSNAP_SANDBOX_CACHE_DIR"] = str(SANDBOX_CACHE)
    yield root
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture
def clock(time_machine):
    """Time the test moves forward: ``clock.shift(2.1)`` ages tokens, upload and image URLs,
    search ids and cached answers by 2.1 s at once, in the sandbox and the client alike (both
    read ``time.time()``, which time-machine moves; the clock keeps ticking from now)."""
    time_machine.move_to(time.time(), tick=True)
    return time_machine


# --- helpers of the test folders (fixtures: conftest.py is never imported as a module) -----------
# The sandbox and client fixtures come from the package's own pytest plugin, patsnap_pandas.testing
# (patsnap_sandbox, patsnap_sandboxes, patsnap_sandbox_factory, ClientFactory): see docs/testing.md.


def _write_corpus_folder(root, designs, drawing_png):
    """A sandbox corpus folder in the ../shared/real-designs format (``manifest.csv`` + PNGs).

    ``designs`` are ``(patent_number, title, applicant)`` triples, one drawing each,
    ``drawing_png(k)`` the PNG bytes of design ``k``. Returns ``root``.
    """
    import csv

    fields = ["file", "patent_number", "title", "locarno", "grant_date", "filing_date", "applicant", "view",
              "group_id"]
    with open(root / "manifest.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        for k, (number, title, applicant) in enumerate(designs):
            name = f"drawing-{k}.png"  # numbers may hold characters no file name should
            (root / name).write_bytes(drawing_png(k))
            writer.writerow({"file": name, "patent_number": number, "title": title, "locarno": "06-01",
                             "grant_date": "2021-01-05", "filing_date": "2019-02-20", "applicant": applicant,
                             "view": "front_page_representative", "group_id": f"G{k}"})
    return root


@pytest.fixture(scope="session")
def write_corpus_folder():
    """``write_corpus_folder(root, designs, drawing_png)``: a corpus folder in the manifest format."""
    return _write_corpus_folder


# --- signals -------------------------------------------------------------------------------------


def pytest_configure(config):
    # A suite started in the background by a shell without job control (`make test &`, a bench, some CI runners)
    # inherits SIGINT ignored, and Python then leaves it so: neither Ctrl-C nor interrupt_main() would reach this
    # process or the processes its tests start, and the tests of Ctrl-C would wait for an interrupt that never
    # comes (6 failed after 30-120 s each in such a run). Python's own handler is what a user's session has.
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


# --- doctests ---------------------------------------------------------------------------------


def pytest_collection_modifyitems(config, items):
    """Docstring examples that start a sandbox (``PatsnapClient.sandbox()``) are marked slow: they
    search over HTTP, a second or more each, so ``make test-fast`` leaves them out; ``make test``,
    CI and ``pytest patsnap_pandas/<module>.py`` run them all."""
    from _pytest.doctest import DoctestItem

    for item in items:
        if isinstance(item, DoctestItem) and any("sandbox(" in example.source for example in item.dtest.examples):
            item.add_marker(pytest.mark.slow)


# --- the workers (pytest-xdist): the files longest first, see tests/scheduling.py ----------------------

_TIMER = None


def pytest_runtest_logreport(report):
    """The controller (or a run without workers) times each test, for the next run's order."""
    global _TIMER
    if _TIMER is None:
        from tests.scheduling import Timer

        _TIMER = Timer()
    _TIMER.add(report)


def pytest_sessionfinish(session):
    cache = getattr(session.config, "cache", None)  # None under ``-p no:cacheprovider``
    if hasattr(session.config, "workerinput") or cache is None or _TIMER is None:
        return  # a worker: the controller records what its workers report
    from tests.scheduling import DURATIONS_KEY

    cache.set(DURATIONS_KEY, _TIMER.merged(cache.get(DURATIONS_KEY, {})))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadfile`` (as the Makefile runs the suite): each file's tests on one worker, the files of
    ``SAME_WORKER`` on the same one, the longest files first, a file longer than a worker's share in parts
    (tests/scheduling.py). (``xdist_group`` marks
    would group files, but pytest-xdist 3.8's ``loadgroup`` groups nothing under pytest 9.2, whose node ids
    it can no longer rewrite.)"""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    from tests.scheduling import Estimate, scope

    estimate = Estimate.load(getattr(config, "cache", None))

    class LongestFilesFirst(LoadFileScheduling):
        _ordered = False
        _units: dict[str, str] | None = None

        def _split_scope(self, nodeid: str) -> str:
            if self._units is None:  # the first call: the collection is complete, the same on every worker
                collection = next(iter(self.registered_collections.values()))
                self._units = estimate.split_long(collection, len(self.nodes))
            return self._units.get(nodeid) or scope(nodeid)

        def _assign_work_unit(self, node) -> None:
            if not self._ordered:  # the first assignment: the queue holds every file
                self._ordered = True
                units = estimate.longest_first(self.workqueue.items())
                self.workqueue.clear()
                self.workqueue.update(units)
            super()._assign_work_unit(node)

    return LongestFilesFirst(config, log)


@pytest.fixture(autouse=True)
def _doctest_workdir(request, monkeypatch):
    """Run each docstring example in its own empty temp folder: no file is made for the examples
    (they search with ``samples.image(...)``, which the package draws into its cache folder)."""
    from _pytest.doctest import DoctestItem

    if not isinstance(request.node, DoctestItem):
        yield
        return
    monkeypatch.chdir(request.getfixturevalue("tmp_path"))
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


#: The real drawings: the folder PATSNAP_REAL_DESIGNS names (the Makefile sets it from REAL_DESIGNS), else the
#: shared folder beside the repository (tests and benchmarks may name them; the package never does).
REAL_DESIGNS = Path(os.environ.get("PATSNAP_REAL_DESIGNS")
                    or Path(__file__).resolve().parent.parent / "shared" / "real-designs")


@pytest.fixture(scope="session")
def real_designs():
    """The real drawings (:data:`REAL_DESIGNS`, setting PATSNAP_REAL_DESIGNS): skipped when absent, failed in CI."""
    if not (REAL_DESIGNS / "manifest.csv").is_file():
        if os.environ.get("CI"):
            pytest.fail(f"the real drawings are missing ({REAL_DESIGNS}; set PATSNAP_REAL_DESIGNS), and CI is set: "
                        "the real-drawing tests must run")
        pytest.skip(f"the real drawings are absent ({REAL_DESIGNS}; set PATSNAP_REAL_DESIGNS)")
    return REAL_DESIGNS
