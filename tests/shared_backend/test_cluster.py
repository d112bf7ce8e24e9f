"""The team recipe: one catalogue on a Dask LocalCluster of worker processes sharing one Redis."""

from __future__ import annotations

import pandas as pd
import pytest

from patsnap_pandas import InvalidInputError
from patsnap_pandas.cluster import search_each_on_cluster
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
