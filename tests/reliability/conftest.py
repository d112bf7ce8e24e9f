"""Fixtures of the reliability tests: 200 distinct catalogue images, sandboxes with fault knobs.

Each test starts its own sandbox (its own knobs and ledger); they all share the
corpus and image index loaded once per process (``load_engine`` memoises them).
"""

from __future__ import annotations

import _thread
import functools
import threading
import time
from collections.abc import Callable

import pandas as pd
import pytest

import patsnap_pandas  # noqa: F401  (registers df.patsnap)
from patsnap_pandas.sandbox import start_sandbox
from patsnap_pandas.testing import ClientFactory
from tests.helpers import DEFAULT_CORPUS_SIZE, FAST, IMAGES, distinct_png

#: The clients of ``clients``: FAST, with retries a little further apart (the faults are transient; the tests
#: should not sleep through real backoff either).
CLIENT_OPTIONS = {**FAST, "backoff_factor": 0.005}


@pytest.fixture(scope="session")
def corpus():
    with start_sandbox(corpus_size=DEFAULT_CORPUS_SIZE) as server:
        return server.corpus


@pytest.fixture(scope="session")
def catalogue(corpus) -> pd.DataFrame:
    """200 catalogue rows: sku + the PNG bytes of a distinct drawing (design i for row i)."""
    return pd.DataFrame({"sku": [f"SKU{i:03d}" for i in range(IMAGES)],
                         "photo": [distinct_png(corpus, i) for i in range(IMAGES)]},
                        index=pd.RangeIndex(IMAGES, name="row"))


@pytest.fixture
def sandboxes(patsnap_sandbox_factory):
    """``start(**knobs)``: a sandbox of the default corpus, stopped after the test."""
    return functools.partial(patsnap_sandbox_factory, corpus_size=DEFAULT_CORPUS_SIZE)


@pytest.fixture
def clients(tmp_path):
    """``make(server, name, **options)``: a token-auth client (client id + secret) of ``server``."""
    with ClientFactory(tmp_path, **CLIENT_OPTIONS) as make:
        yield make


class MainInterrupter:
    """Calls ``_thread.interrupt_main()`` -- how Jupyter interrupts a kernel on Windows -- once ``condition()``
    holds, from its own thread, while the ``with`` block runs; ``at`` is the ``time.time()`` it did.

    Unlike a SIGINT it wakes nothing: the main thread sees the ``KeyboardInterrupt`` only between two
    bytecodes, so a main thread blocked in a wait would not see it until the wait ends. Leaving the
    block disarms it (an interrupt after the block would stop pytest itself).
    """

    def __init__(self, condition: Callable[[], bool]) -> None:
        self.condition = condition
        self.at: float | None = None
        self._lock = threading.Lock()
        self._armed = True
        self._thread = threading.Thread(target=self._run, daemon=True, name="interrupt-main")

    def _run(self) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with self._lock:
                if not self._armed:
                    return
                if self.condition():
                    self.at = time.time()
                    _thread.interrupt_main()
                    return
            time.sleep(0.002)   # polling the condition, not a clock

    def __enter__(self) -> MainInterrupter:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._armed = False
        self._thread.join(10)


@pytest.fixture
def interrupt_main_when() -> Callable[[Callable[[], bool]], MainInterrupter]:
    """``with interrupt_main_when(condition) as interrupter:`` -- see :class:`MainInterrupter`."""
    return MainInterrupter
