"""The server goes away in the middle of a batch: what was fetched is kept, the rest says why."""

from __future__ import annotations

import re
import threading

from patsnap_pandas.testing import wait_until
from tests.helpers import IMAGES, SEARCH, assert_intact_hits, per_query

LIMIT = 4
STOP_AFTER = 30  # successful searches before the server stops
# In flight when the server stopped: cut off (retried, then given up).
CUT_OFF = re.compile(r"^ServiceUnavailableError: \[on /image-search/(image-upload|search-id)\] (The request to "
                     r"http://127\.0\.0\.1:\d+/image-search/(image-upload|search-id) could not connect or was "
                     r"cut off after 2 retries \(ConnectionError: .+\)|The answer broke off .+)\. This is usually "
                     r"temporary")
# The first search that found no server at all: the batch stops there.
REFUSED = re.compile(r"^ServiceUnreachableError: \[on /image-search/(image-upload|search-id)\] The request to "
                     r"http://127\.0\.0\.1:\d+/image-search/(image-upload|search-id) could not connect after 2 "
                     r"retries \(ConnectionError: .*Connection refused.*\)\. Check that the service is running")
# Every row after that: not searched, with the reason.
SKIPPED = re.compile(r"^ServiceUnreachableError: not searched: an earlier search of this batch failed \(")


def _stop_when(server, searches: int) -> threading.Thread:
    def watch() -> None:
        wait_until(lambda: sum(1 for e in server.ledger.entries() if e.endpoint == SEARCH and e.ok) >= searches,
                   timeout=120, interval=0.002)
        server.stop()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    return watcher


def test_sandbox_stopped_mid_batch_keeps_partial_results_and_says_what_happened(sandboxes, clients,
                                                                               catalogue, corpus):
    server = sandboxes(latency_jitter=0.01, seed=3)
    client = clients(server, max_retries=2)
    watcher = _stop_when(server, STOP_AFTER)

    out = catalogue.patsnap.search_each("photo", limit=LIMIT, max_workers=4, progress=False,
                                        client=client, label_column="sku", thumbnails=False)
    watcher.join(5)
    assert not watcher.is_alive()

    status = per_query(out)["status"].first()
    assert list(status.index) == list(catalogue.index)  # every row is there, in order
    done = list(status[status == "ok"].index)
    gone = list(status[status == "error"].index)
    assert set(status) == {"ok", "error"}
    assert STOP_AFTER <= len(done) < IMAGES - 40 and len(done) + len(gone) == IMAGES

    # the results returned before the stop are intact: complete hit lists of their own images,
    # exactly the searches the server answered
    assert_intact_hits(out, corpus, done, LIMIT)
    served = [e for e in server.ledger.entries() if e.endpoint == SEARCH and e.ok]
    assert len(served) == len(done)

    # the rest: one row each, saying the server could not be reached (no traceback, no pandas error)
    errors = out.loc[out["status"] == "error"]
    assert errors["query_index"].tolist() == gone
    assert errors["patent_id"].isna().all()
    kinds = {"cut off": 0, "refused": 0, "skipped": 0}
    for message in errors["error"]:
        kind = next((k for k, p in (("cut off", CUT_OFF), ("refused", REFUSED), ("skipped", SKIPPED))
                     if p.match(message)), None)
        assert kind is not None, message
        kinds[kind] += 1
    # only the calls in flight at the stop were cut off; the first refusal stopped the batch, so the
    # refusals are at most one per worker and every other row was never tried
    assert kinds["cut off"] <= 4 and 1 <= kinds["refused"] <= 4
    assert kinds["skipped"] == len(gone) - kinds["cut off"] - kinds["refused"] > 0
    assert out.attrs["batch"]["ok"] == len(done) and out.attrs["batch"]["error"] == len(gone)
