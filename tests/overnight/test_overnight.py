"""Overnight batches end to end: submit at sandbox 15:00, collect after 08:00 the next sandbox day.

Everything over real HTTP against the sandbox; the sandbox's clock (service time, UTC+8) is set by
the ``now`` knob and moved with ``sandbox.advance``. The ledger is the sandbox's own record of
billed calls: a P062 create is one entry billed per query image (``ledger.units``).
"""

from __future__ import annotations

import warnings

import pytest

from patsnap_pandas import search_designs
from patsnap_pandas.errors import BatchNotReadyError, BudgetExceededError, QuotaExceededError
from patsnap_pandas.frame import schema
from patsnap_pandas.jobs import overnight
from tests.helpers import UPLOAD, distinct_png

CREATE = "single-batch-create"
FILTERS = {"country": ["CN", "US"]}


def _queries(corpus, n: int, first: int = 0) -> dict[str, bytes]:
    return {f"product-{i}": distinct_png(corpus, i) for i in range(first, first + n)}


@pytest.mark.patsnap_sandbox(now="2026-12-07 15:00")
def test_submitted_at_15_and_collected_after_8_the_hits_are_those_of_the_same_searches_made_synchronously(
        sandbox, corpus, client):
    queries = _queries(corpus, 3)
    synchronous = {label: search_designs(png, client=client, endpoint="P060", model=2, limit=10, label=label,
                                         thumbnails=False, **FILTERS) for label, png in queries.items()}
    sandbox.ledger.clear()
    submitted = overnight.submit(queries, client=client, model=2, limit=10, **FILTERS)
    assert [entry.endpoint.rsplit("/", 1)[-1] for entry in sandbox.ledger] == ["image-upload"] * 3 + [CREATE]
    assert sandbox.ledger.units(CREATE) == 3  # billed per query image
    assert [s.id for s in overnight.pending(client)] == [submitted.id]

    sandbox.advance(hours=8)  # 23:00: the job ran at 22:00, its results come after 08:00
    with pytest.raises(BatchNotReadyError, match="08:00"):
        overnight.collect(submitted.id, client=client)
    sandbox.advance(hours=9)  # 08:00 the next morning
    billed = len(sandbox.ledger)
    hits = overnight.collect(submitted.id, client=client)
    assert len(sandbox.ledger) == billed  # collecting is not billed

    assert list(hits.columns[:len(schema.SCHEMA) + 3]) == [*schema.SCHEMA, "query_index", "status", "error"]
    assert hits["query_index"].unique().tolist() == [0, 1, 2] and set(hits["status"]) == {"ok"}
    assert hits.attrs["endpoint_version"] == "P062" and hits.attrs["source"] == "sandbox"
    for label, sync in synchronous.items():
        night = hits[hits["query"] == label]
        assert night["patent_id"].tolist() == sync["patent_id"].tolist() and len(night) == 10
        assert night["score"].round(6).tolist() == sync["score"].round(6).tolist()
        assert night["rank"].tolist() == list(range(1, 11))
    assert overnight.pending(client) == []
    assert overnight.collect(submitted.id, client=client).equals(hits)  # again: from the cache, still free
    assert len(sandbox.ledger) == billed


@pytest.mark.patsnap_sandbox(now="2026-12-07 21:30")
def test_collecting_before_the_window_says_when_and_bills_nothing(sandbox, corpus, client):
    submitted = overnight.submit(_queries(corpus, 1), client=client)
    billed = len(sandbox.ledger)
    with pytest.raises(BatchNotReadyError) as caught:
        overnight.collect(submitted, client=client)
    message = str(caught.value)
    assert "not ready" in message and "22:00 and 08:00" in message and "2026-12-08 08:00" in message
    assert "WAITING" in message and "nothing was billed" in message
    assert len(sandbox.ledger) == billed and client.usage.billed_calls == 2


@pytest.mark.patsnap_sandbox(now="2026-12-07 12:00")
def test_uploads_that_would_expire_before_the_window_are_refused_in_words_before_any_billed_call(
        sandbox, corpus, client):
    with pytest.raises(overnight.UploadTooEarlyError) as caught:
        overnight.submit(_queries(corpus, 2), client=client)
    message = str(caught.value)
    assert "nothing was billed" in message and "9 hours" in message and "21:00" in message
    assert "Submit after 14:00 service time" in message and "URLs of your own" in message
    assert len(sandbox.ledger) == 0 and overnight.pending(client) == []


@pytest.mark.patsnap_sandbox(now="2026-12-07 12:00")
def test_a_given_url_that_expired_before_the_job_ran_is_named_at_collection(sandbox, corpus, client, tmp_path):
    url = client.upload_image(distinct_png(corpus, 5), "early.png").url  # lives until 21:00
    queries = {"early upload": url, "product-1": distinct_png(corpus, 1)}
    sandbox.advance(hours=3)  # 15:00: the local image is uploaded now, the given URL is sent as it is
    submitted = overnight.submit(queries, client=client)
    sandbox.advance(hours=17)
    with pytest.warns(overnight.OvernightWarning, match="could not be read when the overnight job ran.*early upload"):
        hits = overnight.collect(submitted.id, client=client, thumbnails=False)
    assert set(hits.loc[hits["patent_id"].notna(), "query"]) == {"product-1"}
    failed = hits[hits["query"] == "early upload"]
    assert len(failed) == 1 and failed["status"].tolist() == ["error"] and "expired" in failed["error"].iloc[0]
    assert hits.attrs["overnight"]["failed"] == ["early upload"] and hits.attrs["batch"]["error"] == 1
    report = hits.patsnap.to_html(tmp_path / "overnight.html").read_text(encoding="utf-8")
    assert "early upload" in report and "could not be read when the overnight job ran" in report


@pytest.mark.patsnap_sandbox(now="2026-12-07 15:00", batch_runs_at="immediately")
def test_twelve_images_make_two_jobs_billed_per_image_and_counted_per_image(sandbox, corpus, make_client):
    client = make_client(budget="100/day")
    queries = _queries(corpus, 12)
    assert str(overnight.estimate(queries)) == "24 billed calls: 12 uploads, 12 P062 overnight query images"
    submitted = overnight.submit(queries, client=client, limit=5)
    assert [len(job["queries"]) for job in submitted.jobs] == [10, 2]
    assert sandbox.ledger.billed(CREATE) == 2 and sandbox.ledger.units(CREATE) == 12
    assert sandbox.ledger.billed(UPLOAD) == 12
    assert client.usage.billed_calls == 24 and client.usage.as_dict()["spent_today"] == 24
    hits = overnight.collect(submitted, client=client, thumbnails=False)
    assert hits.groupby("query").size().to_dict() == {label: 5 for label in queries}


@pytest.mark.patsnap_sandbox(now="2026-12-07 15:00")
def test_a_budget_too_small_for_every_query_image_refuses_the_submit_before_any_call(sandbox, corpus, make_client):
    client = make_client(budget="5/day")
    with pytest.raises(BudgetExceededError, match="nothing was billed.*6 billed calls"):
        overnight.submit(_queries(corpus, 3), client=client)
    assert len(sandbox.ledger) == 0 and client.usage.billed_calls == 0


@pytest.mark.patsnap_sandbox(now="2026-12-07 15:00")
def test_a_job_billed_before_a_later_create_failed_is_kept_and_collected(sandbox, corpus, client):
    urls = [client.upload_image(distinct_png(corpus, i), f"{i}.png").url for i in range(12)]
    sandbox.configure(quota=1)  # the first create is served, the second refused
    with pytest.raises(QuotaExceededError):
        overnight.submit(urls, client=client, name="catalogue")
    kept = overnight.pending(client)
    assert [(s.id, len(s.jobs)) for s in kept] == [("catalogue", 1)]
    sandbox.advance(hours=17)
    with pytest.warns(overnight.OvernightWarning, match="2 query images of this submission were never submitted"):
        hits = overnight.collect("catalogue", client=client, thumbnails=False)
    assert hits.groupby("status")["query"].nunique().to_dict() == {"ok": 10, "error": 2}
    assert hits.loc[hits["status"] == "error", "error"].str.startswith("not submitted").all()


@pytest.mark.patsnap_sandbox(now="2026-12-07 15:00")
def test_another_process_sharing_the_cache_collects_what_one_submitted(sandbox, corpus, make_client):
    evening = make_client(name="team")
    submitted = overnight.submit(_queries(corpus, 2), client=evening, limit=3)
    evening.close()
    sandbox.advance(hours=17, minutes=5)
    morning = make_client(name="team")
    assert [s.id for s in overnight.pending(morning)] == [submitted.id]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every image searched: no warning
        hits = overnight.collect(submitted.id, client=morning)
    assert len(hits) == 6 and morning.usage.billed_calls == 0


def test_bad_arguments_are_refused_before_any_call(sandbox, client):
    with pytest.raises(ValueError, match="limit"):
        overnight.submit(["https://example.com/a.png"], client=client, limit=500)
    with pytest.raises(ValueError, match="threshold"):
        overnight.submit(["https://example.com/a.png"], client=client, threshold=2)
    with pytest.raises(ValueError, match="images"):
        overnight.submit("https://example.com/a.png", client=client)
    with pytest.raises(ValueError, match="no overnight submission"):
        overnight.collect("never-submitted", client=client)
    assert len(sandbox.ledger) == 0


@pytest.mark.patsnap_sandbox(now="2026-12-07 15:00")
def test_a_team_on_one_redis_submits_on_one_machine_and_collects_on_another(sandbox, corpus, make_client,
                                                                           patsnap_redis, tmp_path):
    evening = make_client(name="laptop", cache_url=patsnap_redis)
    submitted = overnight.submit(_queries(corpus, 2), client=evening, limit=4, name="team catalogue")
    sandbox.advance(hours=17)
    morning = make_client(name="server", cache_url=patsnap_redis)  # another cache folder, the same Redis
    assert [s.id for s in overnight.pending(morning)] == ["team catalogue"]
    hits = overnight.collect(submitted.id, client=morning, thumbnails=False)
    assert len(hits) == 8 and morning.usage.billed_calls == 0
    assert overnight.pending(evening) == []


@pytest.mark.patsnap_sandbox(now="2026-12-07 15:00", latency=0.05)
def test_two_processes_submitting_the_same_name_at_once_bill_one_submission(sandbox, corpus, make_client):
    import threading

    queries = _queries(corpus, 3)
    clients = [make_client(name="team"), make_client(name="team")]  # one cache folder, two clients
    outcomes: list = []

    def go(client):
        try:
            outcomes.append(overnight.submit(queries, client=client, name="tonight"))
        except ValueError as err:
            outcomes.append(err)

    threads = [threading.Thread(target=go, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    refused = [o for o in outcomes if isinstance(o, ValueError)]
    assert len(outcomes) == 2 and len(refused) == 1 and "already kept" in str(refused[0])
    assert sandbox.ledger.billed(CREATE) == 1 and sandbox.ledger.billed(UPLOAD) == 3


@pytest.mark.patsnap_sandbox(now="2026-12-07 15:00", batch_runs_at="immediately")
def test_a_threshold_keeps_only_hits_scoring_at_least_it(sandbox, corpus, client):
    queries = _queries(corpus, 2)
    every = overnight.collect(overnight.submit(queries, client=client, limit=20), client=client, thumbnails=False)
    cut = float(every["score"].median())
    strict = overnight.collect(overnight.submit(queries, client=client, limit=20, threshold=cut), client=client,
                               thumbnails=False)
    assert len(strict) < len(every) and (strict["score"] >= cut).all()
    assert strict["patent_id"].tolist() == every.loc[every["score"] >= cut, "patent_id"].tolist()


@pytest.mark.patsnap_sandbox(now="2026-12-07 15:00")
def test_a_job_the_service_does_not_know_is_named_with_its_submission(sandbox, corpus, make_client,
                                                                      patsnap_sandbox_factory):
    client = make_client(name="shared")
    submitted = overnight.submit(_queries(corpus, 1), client=client, name="lost")
    other = patsnap_sandbox_factory(corpus_size=60)  # another server: it never saw the job
    stranger = make_client(other, name="shared", api_key=other.credentials.api_key)
    from patsnap_pandas.errors import BatchUnknownError

    with pytest.raises(BatchUnknownError, match="Overnight submission lost: PatSnap does not know its job"):
        overnight.collect(submitted.id, client=stranger)


@pytest.mark.patsnap_sandbox(now="2026-12-07 15:00")
def test_the_morning_run_collects_what_is_ready_and_leaves_the_rest_pending(sandbox, corpus, client):
    overnight.submit(_queries(corpus, 2), client=client, limit=3, name="monday")
    sandbox.advance(hours=17)  # 08:00 tuesday: monday's jobs are ready
    url = client.upload_image(distinct_png(corpus, 9), "own.png").url  # a URL of the user's own
    overnight.submit({"tuesday product": url}, client=client, limit=3, name="tuesday")  # runs tonight
    collected = overnight.collect_ready(client, thumbnails=False)
    assert {name: len(hits) for name, hits in collected.items()} == {"monday": 6}
    assert [s.id for s in overnight.pending(client)] == ["tuesday"]
    sandbox.advance(hours=24)
    assert list(overnight.collect_ready(client, thumbnails=False)) == ["tuesday"]
