"""A watch run overnight (P062): submitted at 15:00 service time, collected after 08:00 the next morning."""

from __future__ import annotations

import pytest

from patsnap_pandas import Watch
from patsnap_pandas.cli.main import main
from patsnap_pandas.cli.watch import EXIT_NEW_HITS
from patsnap_pandas.codes import BATCH_CREATE_PATH, BATCH_RESULT_PATH
from patsnap_pandas.errors import BatchNotReadyError
from tests.helpers import ledger_counts

UPLOAD = "/image-search/image-upload"
pytestmark = pytest.mark.patsnap_sandbox(now="2026-12-07 15:00")


def _billed(sandbox) -> int:
    return sum(n for (endpoint, ok), n in ledger_counts(sandbox).items() if ok and endpoint != BATCH_RESULT_PATH)


def test_submitted_in_the_afternoon_collected_the_next_morning(sandbox, make_client, products):
    client = make_client()
    watch = Watch("our products", products, limit=10).save(client=client)
    submitted = watch.run(client=client, overnight=True, as_of=sandbox.today)  # the run's day: not the wall clock's
    assert len(submitted) == 0 and submitted.attrs["watch_overnight"]["state"] == "submitted"
    assert ledger_counts(sandbox) == {(UPLOAD, True): 3, (BATCH_CREATE_PATH, True): 1}
    assert submitted.attrs["billed_calls"] == 6                              # 3 uploads, 3 query images
    again = watch.run(client=client, overnight=True, as_of=sandbox.today)     # one submission at a time
    assert again.attrs["watch_overnight"]["state"] == "already submitted" and _billed(sandbox) == 4

    with pytest.raises(BatchNotReadyError, match="not ready to collect"):
        watch.collect(client=client)                                          # 15:00: not yet
    sandbox.advance(hours=17)                                                 # 08:00 the next morning
    hits = watch.collect(client=client, as_of=sandbox.today)                 # the sandbox's date: the run's
    assert hits.attrs["watch_day"] == "2026-12-08" and len(hits) == 30 and hits["new"].all()
    assert sorted(hits["query"].unique()) == sorted(products)
    assert all(group["rank"].tolist() == list(range(1, 11)) for _, group in hits.groupby("query"))
    assert _billed(sandbox) == 4                                              # collecting is not billed

    rerun = watch.run(client=client, as_of=sandbox.today)                     # the same day: kept, not searched
    assert not rerun["new"].any() and _billed(sandbox) == 4
    assert watch.history(client=client)["outcome"].tolist() == [
        "submitted overnight: watch our products 2026-12-07", "already submitted overnight: watch our products 2026-12-07",
        "collected overnight: watch our products 2026-12-07", "done"]


def test_the_next_run_collects_a_pending_submission_and_views_are_fused(sandbox, make_client, products):
    client = make_client()
    views = {"C-100": [products["C-100"], products["S-300"]]}                # two views of one product
    watch = Watch("two views", views, limit=5).save(client=client)
    watch.run(client=client, overnight=True)
    sandbox.advance(hours=17)
    hits = watch.run(client=client, as_of=sandbox.today)                      # no overnight=: collects first
    assert hits.attrs["watch_day"] == "2026-12-08"
    assert hits["patent_pn"].is_unique and hits["rank"].tolist() == [1, 2, 3, 4, 5]
    assert hits["score"].is_monotonic_decreasing and set(hits["query"]) == {"C-100"}
    assert ledger_counts(sandbox)[(BATCH_CREATE_PATH, True)] == 1


def test_the_command_submits_then_collects_with_exit_3(sandbox, products, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATSNAP_BASE_URL", sandbox.base_url)
    monkeypatch.setenv("PATSNAP_API_KEY", sandbox.credentials.api_key)
    monkeypatch.setenv("PATSNAP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    assert main(["watch", "add", "chairs", str(products["C-100"]), "--limit", "5"]) == 0
    assert main(["watch", "run", "chairs", "--overnight", "--as-of", "2026-12-07"]) == 0  # the sandbox's day
    assert "submitted overnight as 'watch chairs 2026-12-07' (2 billed calls)" in capsys.readouterr().err
    assert main(["watch", "collect", "chairs"]) == 1
    assert "not ready to collect (nothing was billed)" in capsys.readouterr().err
    sandbox.advance(hours=17)
    assert main(["watch", "collect", "chairs", "--digest", "digest-{day}.html", "--as-of", "2026-12-08"]) == EXIT_NEW_HITS
    assert (tmp_path / "digest-2026-12-08.html").is_file()
