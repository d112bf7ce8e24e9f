"""Fixtures of the reliability tests: 200 distinct catalogue images, sandboxes with fault knobs.

Each test starts its own sandbox (its own knobs and ledger); they all share the
corpus and image index loaded once per process (``load_engine`` memoises them).
"""

from __future__ import annotations

import _thread
import functools
import io
import threading
import time
from collections import Counter
from collections.abc import Callable

import pandas as pd
import pytest
from PIL import Image

import patsnap_pandas  # noqa: F401  (registers df.patsnap)
from patsnap_pandas.sandbox import start_sandbox
from patsnap_pandas.testing import ClientFactory

CORPUS_SIZE = 600  # the default corpus: its image features are shared with the other test folders
IMAGES = 200
UPLOAD, SEARCH = "/image-search/image-upload", "/image-search/search-id"
# Fast retries: the faults are transient, the test should not sleep through real backoff.
FAST = {"backoff_factor": 0.005, "timeout": 20}


def distinct_png(corpus, i: int) -> bytes:
    """The first drawing of design ``i``, with three near-white corner pixels encoding ``i``.

    The pixels stay paper to the similarity engine (ink starts far darker), so design ``i``
    is still among the best hits; the bytes differ for every ``i`` < 512, so no two catalogue
    rows share an upload or a cached search.
    """
    design = corpus.designs[i]
    im = Image.open(io.BytesIO(corpus.image_png(design.image_keys[0]))).convert("L")
    for k in range(3):
        im.putpixel((k, 0), 255 - (i >> (3 * k)) % 8)
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture(scope="session")
def corpus():
    with start_sandbox(corpus_size=CORPUS_SIZE) as server:
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
    return functools.partial(patsnap_sandbox_factory, corpus_size=CORPUS_SIZE)


@pytest.fixture
def clients(tmp_path):
    """``make(server, name, **options)``: a token-auth client (client id + secret) of ``server``."""
    with ClientFactory(tmp_path, **FAST) as make:
        yield make


def per_query(out: pd.DataFrame) -> pd.core.groupby.DataFrameGroupBy:
    return out.groupby("query_index", sort=False)


def assert_intact_hits(out: pd.DataFrame, corpus, rows, limit: int) -> None:
    """Rows ``rows`` of a batch result hold a complete, clean hit list of their own image.

    ``limit`` hits ranked 1..limit, no patent twice, scores present and non-increasing,
    the row's own design among them (so no row holds another row's answer).
    """
    for row, hits in per_query(out[out["query_index"].isin(rows)]):
        assert hits["status"].tolist() == ["ok"] * limit, row
        assert hits["rank"].tolist() == list(range(1, limit + 1)), row
        assert hits["patent_id"].is_unique, row
        scores = hits["score"].to_numpy()
        assert not pd.isna(scores).any() and (scores[:-1] >= scores[1:]).all(), row
        assert corpus.designs[row].patent_id in set(hits["patent_id"]), row
        assert hits["error"].isna().all(), row


def ledger_counts(server) -> Counter:
    """(endpoint, ok) -> entries of the server's ledger."""
    return Counter((e.endpoint, e.ok) for e in server.ledger.entries())


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
