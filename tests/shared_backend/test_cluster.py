"""The team recipe: one catalogue on a Dask LocalCluster of worker processes sharing one Redis."""

from __future__ import annotations

import pandas as pd
import pytest

from patsnap_pandas import InvalidInputError
from patsnap_pandas.jobs.cluster import PartFailedWarning, search_each_on_cluster
from tests.helpers import SEARCH, UPLOAD, distinct_png

pytestmark = pytest.mark.slow  # a LocalCluster of worker processes


@pytest.fixture
def dask_client(patsnap_sandbox_factory, patsnap_redis, monkeypatch):
    """A LocalCluster of 2 worker processes whose environment points at a sandbox and the test's Redis."""
    from dask.distributed import Client, LocalCluster

    server = patsnap_sandbox_factory(corpus_size=600)
    # What an operator sets on every worker machine; the tasks carry no credentials.
    monkeypatch.setenv("PATSNAP_BASE_URL", server.base_url)
    monkeypatch.setenv("PATSNAP_API_KEY", server.credentials.api_key)
    monkeypatch.setenv("PATSNAP_CACHE_URL", patsnap_redis)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      host="127.0.0.1") as cluster, Client(cluster) as client:
        yield client, server


def test_a_catalogue_on_two_worker_processes_pays_once_per_image(dask_client, tmp_path):
    client, server = dask_client
    images = [distinct_png(server.corpus, i) for i in range(10)]
    catalogue = pd.DataFrame({"sku": [f"S{i}" for i in range(14)], "photo": images + images[:4]},
                             index=pd.RangeIndex(100, 114, name="row"))
    out = search_each_on_cluster(catalogue, "photo", dask_client=client, label_column="sku", limit=3,
                                 thumbnails=False, client_options={"cache_dir": str(tmp_path / "workers")})
    assert out["query_index"].unique().tolist() == list(range(100, 114))  # catalogue order
    assert set(out["status"]) == {"ok"} and out.attrs["batch"]["ok"] == 14
    assert out.attrs["query"] == "14 catalogue images" and len(out.attrs["search_id"]) >= 10
    entries = [e.endpoint for e in server.ledger.entries()]
    # The 4 repeated images sit in the other worker's part: shared Redis makes them free there.
    assert entries.count(UPLOAD) == 10 and entries.count(SEARCH) == 10, entries
    again = search_each_on_cluster(catalogue, "photo", dask_client=client, label_column="sku", limit=3,
                                   thumbnails=False)
    assert len(server.ledger) == 20 and again.attrs["from_cache"]
    assert again["patent_id"].tolist() == out["patent_id"].tolist()


def test_credentials_never_travel_with_the_tasks(dask_client):
    client, _ = dask_client
    catalogue = pd.DataFrame({"photo": ["https://img.example/a.png"]})
    with pytest.raises(InvalidInputError, match=r"client_options has \['api_key'\]: not allowed.*PATSNAP_\*"):
        search_each_on_cluster(catalogue, "photo", dask_client=client, client_options={"api_key": "sk-x"})


@pytest.fixture
def fragile_dask_client(patsnap_sandbox_factory, patsnap_redis, monkeypatch):
    """Like ``dask_client``, but a task whose worker dies once is given up (allowed-failures 0): a fast KilledWorker."""
    import dask
    from dask.distributed import Client, LocalCluster

    server = patsnap_sandbox_factory(corpus_size=600)
    monkeypatch.setenv("PATSNAP_BASE_URL", server.base_url)
    monkeypatch.setenv("PATSNAP_API_KEY", server.credentials.api_key)
    monkeypatch.setenv("PATSNAP_CACHE_URL", patsnap_redis)
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, host="127.0.0.1") as cluster, \
            Client(cluster) as client:
        yield client, server


def test_a_killed_worker_or_a_failed_task_costs_only_its_part(fragile_dask_client, tmp_path):
    from .workers import FailsInItsWorker, KillsItsWorker

    client, server = fragile_dask_client
    images = [distinct_png(server.corpus, i) for i in range(6)]
    # Parts are rows k::3: part 1 = rows 0 and 3 (fine), part 2 = rows 1 and 4 (a task that raises),
    # part 3 = rows 2 and 5 (kills its worker; last, so no other task waits behind it on that worker).
    photos = [images[0], FailsInItsWorker(), KillsItsWorker(), images[3], images[4], images[5]]
    catalogue = pd.DataFrame({"sku": [f"S{i}" for i in range(6)], "photo": photos})
    with pytest.warns(PartFailedWarning, match=r"2 of 3 parts failed on the cluster .*their 4 catalogue row\(s\) "
                                               r"have status 'error', every other row is complete"):
        out = search_each_on_cluster(catalogue, "photo", dask_client=client, partitions=3, label_column="sku",
                                     limit=3, thumbnails=False)
    assert out["query_index"].unique().tolist() == list(range(6))  # every row, in catalogue order
    status = out.drop_duplicates("query_index").set_index("query")["status"].to_dict()
    assert status == {"S0": "ok", "S1": "error", "S2": "error", "S3": "ok", "S4": "error", "S5": "error"}
    assert (out["status"] == "ok").sum() == 6  # 3 hits each for S0 and S3
    errors = out.drop_duplicates("query_index").set_index("query")["error"]
    assert errors["S1"].startswith("RuntimeError: part 2 of 3 failed on the cluster (RuntimeError: the shared "
                                   "disk went away)") and errors["S4"] == errors["S1"]
    assert errors["S2"].startswith("KilledWorker: part 3 of 3 failed on the cluster")
    assert "Run search_each_on_cluster again on the rows with status 'error'" in errors["S2"]
    assert [(p["part"], p["of"], p["rows"]) for p in out.attrs["failed_parts"]] == [(2, 3, 2), (3, 3, 2)]
    assert out.attrs["batch"]["rows"] == 6 and out.attrs["batch"]["ok"] == 2 and out.attrs["batch"]["error"] == 4
    assert len(server.ledger) == 4  # the finished part's 2 uploads + 2 searches: returned, not thrown away

    fixed = catalogue.assign(photo=images)  # the failed rows again, with readable images
    again = search_each_on_cluster(fixed, "photo", dask_client=client, partitions=3, label_column="sku", limit=3,
                                   thumbnails=False)
    assert set(again["status"]) == {"ok"} and len(server.ledger) == 4 + 8  # S0 and S3 from the shared cache
    assert again[again["query"].isin(["S0", "S3"])]["patent_id"].tolist() == \
        out[out["query"].isin(["S0", "S3"])]["patent_id"].tolist()
