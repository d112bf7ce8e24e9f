"""A watch run killed midway (SIGKILL, as a scheduler's timeout or a reboot would) resumes at the next run
without billing again what finished."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter

import pytest

from patsnap_pandas import Watch
from patsnap_pandas.store.local import LocalStore
from patsnap_pandas.testing import wait_until
from tests.helpers import SUBPROCESS_TIMEOUT_S, WATCH_T0

SEARCH = "/image-search/search-id"


@pytest.mark.slow  # a process started, then killed
def test_a_killed_run_resumes_billing_only_the_products_not_kept(sandbox, make_client, products, tmp_path):
    client = make_client()                                                    # its cache folder: tmp_path / "cache"
    watch = Watch("our products", products, limit=10).save(client=client)
    sandbox.configure(today=WATCH_T0, latency=0.3)
    env = {**os.environ, "PATSNAP_BASE_URL": sandbox.base_url, "PATSNAP_API_KEY": sandbox.credentials.api_key,
           "PATSNAP_CACHE_DIR": str(client.cache_dir)}
    env.pop("PATSNAP_CACHE_URL", None)
    run = subprocess.Popen([sys.executable, "-m", "patsnap_pandas.cli", "watch", "run", "our products", "--as-of",
                            WATCH_T0], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rounds = LocalStore(client.cache_dir).records("watch-round")
    try:
        assert wait_until(lambda: len(rounds.keys()) >= 1 or run.poll() is not None, timeout=SUBPROCESS_TIMEOUT_S)
    finally:
        run.kill()
        run.wait()
    kept = {key.split("\x1f")[-1]: rounds.get(key) for key in rounds.keys()}
    assert 1 <= len(kept) < 3, "the run was to be killed after its first product and before its last"

    hits = watch.run(client=client, as_of=WATCH_T0)                          # the next run
    assert len(hits) == 30 and hits["new"].all()
    searched = Counter(e.params.get("url") for e in sandbox.ledger.entries() if e.endpoint == SEARCH and e.ok)
    for product, record in kept.items():                                     # what finished: searched once
        assert searched[record["attrs"]["query_url"]] == 1, product
    assert sum(searched.values()) <= 3 + 1                                     # at most the one in flight again
    assert watch.history(client=client)["outcome"].tolist() == ["done"]      # the killed run wrote no line
