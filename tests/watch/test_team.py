"""A team on one Redis: a watch saved by one analyst, run by two schedulers at the same moment, billed once."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from patsnap_pandas import PatsnapClient, Watch
from patsnap_pandas.cli.watch import EXIT_NEW_HITS
from tests.helpers import SUBPROCESS_TIMEOUT_S, WATCH_T0, ledger_counts

UPLOAD, SEARCH = "/image-search/image-upload", "/image-search/search-id"


@pytest.mark.slow  # two processes, and a sandbox slowed down so that their runs overlap
def test_two_processes_running_the_same_watch_bill_one_run(sandbox, products, patsnap_redis, tmp_path):
    with PatsnapClient(base_url=sandbox.base_url, api_key=sandbox.credentials.api_key, cache_dir=tmp_path / "analyst",
                       cache_url=patsnap_redis) as analyst:
        Watch("our products", products, limit=10).save(client=analyst)      # kept in the team's Redis
    sandbox.configure(today=WATCH_T0, latency=0.5)                       # each call takes half a second
    sandbox.ledger.clear()
    env = {**os.environ, "PATSNAP_BASE_URL": sandbox.base_url, "PATSNAP_API_KEY": sandbox.credentials.api_key,
           "PATSNAP_CACHE_URL": patsnap_redis}
    runs = [subprocess.Popen([sys.executable, "-m", "patsnap_pandas.cli", "watch", "run", "our products",
                              "--as-of", WATCH_T0], env={**env, "PATSNAP_CACHE_DIR": str(tmp_path / f"machine-{i}")},
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(2)]
    outcomes = [run.communicate(timeout=SUBPROCESS_TIMEOUT_S) for run in runs]
    codes = sorted(run.returncode for run in runs)
    assert codes == [0, EXIT_NEW_HITS], [err for _, err in outcomes]     # one reports the new designs, once
    assert ledger_counts(sandbox) == {(UPLOAD, True): 3, (SEARCH, True): 3}  # one set of billed calls
    errs = sorted(err for _, err in outcomes)
    assert any("30 hits, 0 new; 0 billed calls" in err for err in errs)
    assert any("30 hits, 30 new; 6 billed calls" in err for err in errs)
    with PatsnapClient(base_url=sandbox.base_url, api_key=sandbox.credentials.api_key, cache_dir=tmp_path / "analyst",
                       cache_url=patsnap_redis) as analyst:
        history = Watch.load("our products", client=analyst).history(client=analyst)
    assert sorted(history["billed_calls"].tolist()) == [0, 6] and sorted(history["new"].tolist()) == [0, 30]
    assert history["started"].max() < history["finished"].min()          # both had started before either finished
