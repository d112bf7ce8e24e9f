"""Errors after which every further search would fail the same way stop a batch at once."""

from __future__ import annotations

from patsnap_pandas import PatsnapClient
from tests.helpers import FAST, ledger_counts, per_query


def test_rejected_credentials_stop_the_batch_after_one_try_per_worker(sandboxes, catalogue, tmp_path):
    server = sandboxes()
    creds = server.credentials
    client = PatsnapClient(base_url=server.base_url, client_id=creds.client_id,
                           client_secret="not-the-secret", cache_dir=tmp_path / "bad", **FAST)
    try:
        rows = catalogue.head(20)
        out = rows.patsnap.search_each("photo", limit=3, max_workers=2, progress=False, client=client,
                                       thumbnails=False)
    finally:
        client.close()

    status = per_query(out)["status"].first()
    assert list(status.index) == list(rows.index) and set(status) == {"error"}
    errors = out["error"].tolist()
    tried = [e for e in errors if not e.startswith("AuthenticationError: not searched:")]
    skipped = [e for e in errors if e.startswith("AuthenticationError: not searched: an earlier search "
                                                 "of this batch failed (AuthenticationError")]
    assert 1 <= len(tried) <= 2 and len(tried) + len(skipped) == 20  # one try per worker at most
    assert all(e.startswith("AuthenticationError") for e in tried)
    assert sum(ledger_counts(server).values()) == 0  # the token was refused: no billable call reached
