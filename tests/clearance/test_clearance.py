"""The clearance job on the sandbox with a fixed ``today``: what it keeps and drops (checked against the sandbox's
own histories), the reasons, the billing (a cached search bills only the legal look-ups; the same clearance again
bills 0), and bad input named before any billed call."""

from __future__ import annotations

import pandas as pd
import pytest

import patsnap_pandas
from patsnap_pandas import search_designs
from patsnap_pandas.errors import InvalidInputError
from patsnap_pandas.jobs.clearance import _reason, clearance
from patsnap_pandas.jobs.result import JobResult
from tests.helpers import FULL_BIBLIOGRAPHY, LEGAL_EVENTS, SANDBOX_TODAY, design_png

MARKETS = ["US", "EM", "CN"]


def _alive(design) -> bool:
    """The sandbox's truth: in force, or a pending application, on SANDBOX_TODAY."""
    return design.in_force_on(SANDBOX_TODAY) or design.simple_legal_status_on(SANDBOX_TODAY) == 2


@pytest.mark.slow  # every design's history checked in several markets: about 6 s
def test_clearance_keeps_exactly_what_the_histories_say_is_in_force_in_the_markets(client, corpus):
    # every design of the corpus is a hit (600 of 600), so the kept set is the sandbox's truth set itself
    by_id = {d.patent_id: d for d in corpus.designs}
    result = clearance(design_png(corpus, 5), markets="us,eu,cn", on=SANDBOX_TODAY, client=client, limit=100,
                       max_results=len(corpus.designs))
    assert isinstance(result, JobResult) and set(result.hits["patent_id"]) == set(by_id)
    truth = {d.patent_id for d in corpus.designs if d.authority in MARKETS and _alive(d)}
    assert {d.patent_id for d in corpus.in_force_on(SANDBOX_TODAY, MARKETS)} <= truth
    assert set(result.kept["patent_id"]) == truth
    for pid, reason in zip(result.excluded["patent_id"], result.excluded["excluded_reason"], strict=True):
        design = by_id[pid]
        if design.authority in MARKETS:
            assert reason.split(":")[0] in ("expired", "lapsed") and len(reason) > len("lapsed: "), reason
            assert design.legal_history.end is None or design.legal_history.end < SANDBOX_TODAY
        else:
            assert reason == f"not in the markets: {design.authority}"
    assert sum(result.dropped.values()) == len(result.excluded) == result.provenance["counts"]["excluded"]
    assert {"expired", "lapsed", "not in the markets"} <= set(result.dropped)
    assert result.dropped["not in the markets"] == sum(d.authority not in MARKETS for d in corpus.designs)


def test_the_result_carries_the_contract(client, corpus):
    result = clearance(design_png(corpus, 5), markets=MARKETS, on="2026-12-07", client=client, limit=30)
    p = result.provenance
    assert (p["job"], p["markets"], p["on"]) == ("clearance", MARKETS, "2026-12-07")
    assert p["counts"] == {"hits": 30, "kept": len(result.kept), "excluded": len(result.excluded)}
    for part in (result.kept, result.excluded):
        assert part.attrs["markets"] == MARKETS and part.attrs["query"] == result.hits.attrs["query"]
        assert {"expiry_estimate", "expiry_rule", "expiry_patsnap", "in_force", "in_force_reason"} <= set(part.columns)
    assert result.kept["in_force"].isin(["in force", "pending", "unknown"]).all()
    assert result.excluded["excluded_reason"].notna().all() and "excluded_reason" not in result.kept.columns
    assert str(result).startswith("clearance in US, EM, CN on 2026-12-07: ")


def test_a_pending_application_is_kept_with_its_reason(client, corpus):
    pending = next(d for d in corpus.designs if d.simple_legal_status_on(SANDBOX_TODAY) == 2)
    result = clearance(design_png(corpus, corpus.designs.index(pending)), markets=[pending.authority],
                       on=SANDBOX_TODAY, client=client, limit=10)
    row = result.kept.set_index("patent_id").loc[pending.patent_id]
    assert row["in_force"] == "pending" and row["in_force_reason"]


def test_unknown_is_kept_and_every_ended_state_is_excluded():
    assert _reason("unknown", "no rule for this office", "BR") is None
    assert _reason("pending", "application pending", "EM") is None
    assert _reason("expired", "the term ended on 2020-01-02", "US") == "expired: the term ended on 2020-01-02"
    assert _reason("not yet filed", "filed on 2027-03-01", "US") == "not yet filed: filed on 2027-03-01"
    assert _reason(pd.NA, None, "JP") == "not in the markets: JP"


def test_a_clearance_after_a_cached_search_bills_only_the_legal_look_ups_then_nothing(client, sandbox, corpus):
    image = design_png(corpus, 9)
    hits = search_designs(image, client=client, limit=40)
    sandbox.ledger.clear()
    result = clearance(image, markets=MARKETS, on=SANDBOX_TODAY, client=client, limit=40)
    assert result.hits["patent_id"].tolist() == hits["patent_id"].tolist()
    endpoints = {e.endpoint for e in sandbox.ledger.entries()}
    assert endpoints == {FULL_BIBLIOGRAPHY, LEGAL_EVENTS} and sandbox.ledger.billed() == 2
    in_markets = int(result.hits["authority"].isin(MARKETS).sum())
    assert sandbox.ledger.units() == 2 * in_markets                 # billed per patent: only those in the markets
    assert result.provenance["estimate"] == "2 billed calls: 1 P012 bibliography batch, 1 P013 legal-status batch"
    again = clearance(image, markets=MARKETS, on=SANDBOX_TODAY, client=client, limit=40)
    assert sandbox.ledger.billed() == 2
    assert again.provenance["estimate"] == "0 billed calls: everything is cached"
    pd.testing.assert_frame_equal(again.hits, result.hits)


def test_several_views_of_one_product(client, sandbox, corpus):
    design = corpus.designs[12]
    views = [corpus.image_png(key) for key in design.image_keys[:2]]
    result = clearance(views, markets=[design.authority], on=SANDBOX_TODAY, client=client, limit=10)
    assert len(result.hits) == 10 and sandbox.ledger.billed("/search/patent/image-multiple") == 1   # one P061 search
    assert (result.hits["authority"] != design.authority).sum() == result.dropped.get("not in the markets", 0)


@pytest.mark.parametrize(("kwargs", "named"), [
    ({"markets": "US,Atlantis"}, "markets="), ({"markets": None}, "markets="), ({"markets": []}, "markets="),
    ({"markets": "US", "on": "tomorrow"}, "on="), ({"markets": "US", "on": "2027-02-30"}, "on="),
    ({"markets": "US", "limit": 0}, "limit"), ({"markets": "US", "country": "XX"}, "country"),
])
def test_bad_input_is_named_before_any_billed_call(client, sandbox, corpus, kwargs, named):
    with pytest.raises(InvalidInputError, match=named):
        clearance(design_png(corpus, 5), client=client, **kwargs)
    assert sandbox.ledger.billed() == 0


def test_markets_are_required():
    with pytest.raises(TypeError, match="markets"):
        clearance(b"")  # type: ignore[call-arg]


def test_the_package_root_exports_the_job_lazily():
    assert patsnap_pandas.clearance is clearance and patsnap_pandas.JobResult is JobResult
    assert {"clearance", "JobResult"} <= set(patsnap_pandas.__all__)


def test_a_search_without_hits_makes_no_look_up(client, sandbox, corpus):
    result = clearance(design_png(corpus, 5), markets="US", on=SANDBOX_TODAY, client=client, limit=10, country="BR")
    assert len(result.hits) == 0 and len(result) == 0 and result.dropped == {}
    assert {"in_force", "in_force_reason", "excluded_reason"} <= set(result.hits.columns)
    assert sandbox.ledger.billed(FULL_BIBLIOGRAPHY) == sandbox.ledger.billed(LEGAL_EVENTS) == 0
