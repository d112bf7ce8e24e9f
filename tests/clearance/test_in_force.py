"""``df.patsnap.in_force``: P012 + P013 fetched for the hits in the markets (only what is not cached, the billed
calls said first), the expiry and legal-status columns, checked against the sandbox's own truth."""

from __future__ import annotations

import logging

import pandas as pd
import pytest

from patsnap_pandas import search_designs
from patsnap_pandas.errors import InvalidInputError
from patsnap_pandas.frame.legal import COLUMNS
from patsnap_pandas.jobs.enrich import FIELDS
from patsnap_pandas.jobs.legal import in_force
from tests.helpers import FULL_BIBLIOGRAPHY, LEGAL_EVENTS, SANDBOX_TODAY, design_png


@pytest.fixture
def every_design(corpus) -> pd.DataFrame:
    """A frame of every design of the corpus, by patent id only (no authority: P012 tells it)."""
    return pd.DataFrame({"patent_id": [d.patent_id for d in corpus.designs]})


def test_in_force_agrees_with_the_sandbox_history_on_every_design(client, corpus, every_design):
    out = in_force(every_design, on=SANDBOX_TODAY, client=client)
    for design, state, reason in zip(corpus.designs, out["in_force"], out["in_force_reason"], strict=True):
        assert (state == "in force") == design.in_force_on(SANDBOX_TODAY), (design.patent_pn, state, reason)
        assert (state == "pending") == (design.simple_legal_status_on(SANDBOX_TODAY) == 2), design.patent_pn
        assert isinstance(reason, str) and reason
    assert set(out["in_force"]) == {"in force", "pending", "expired", "lapsed"}
    assert out["authority"].tolist() == [d.authority for d in corpus.designs]


def test_expiry_differs_flags_exactly_the_designs_whose_exdt_is_off(client, corpus, every_design):
    out = in_force(every_design, on=SANDBOX_TODAY, client=client)
    for design, patsnap, differs in zip(corpus.designs, out["expiry_patsnap"], out["expiry_differs"], strict=True):
        exdt = design.legal_history.exdt
        assert pd.isna(patsnap) if exdt is None else patsnap == pd.Timestamp(exdt), design.patent_pn
        if differs is not pd.NA:
            assert bool(differs) == design.legal_history.exdt_differs, design.patent_pn
    assert int(out["expiry_differs"].sum()) == sum(d.legal_history.exdt_differs for d in corpus.designs) > 0


def test_columns_and_dtypes_follow_the_contract(client, corpus):
    hits = search_designs(design_png(corpus, 5), client=client, limit=10)
    out = hits.patsnap.in_force(on=SANDBOX_TODAY, markets="US,EU")
    assert out.attrs["job"] == "in_force" and out.attrs["markets"] == ["US", "EM"]
    assert out.attrs["on"] == SANDBOX_TODAY.isoformat() and out.attrs["query"] == hits.attrs["query"]
    for name, dtype in {**FIELDS, **COLUMNS}.items():
        assert str(out[name].dtype) == dtype, name
    assert out.index.equals(hits.index) and out["patent_id"].tolist() == hits["patent_id"].tolist()
    assert "in_force" not in hits.columns                 # hits is not changed


def test_rows_outside_the_markets_are_neither_looked_up_nor_billed(client, sandbox, corpus):
    hits = search_designs(design_png(corpus, 5), client=client, limit=40)
    sandbox.ledger.clear()
    out = hits.patsnap.in_force(on=SANDBOX_TODAY, markets=["US"])
    outside = out["authority"] != "US"
    assert outside.any() and (~outside).any()
    assert out.loc[outside, "in_force"].isna().all() and out.loc[~outside, "in_force"].notna().all()
    asked = {pid for e in sandbox.ledger.entries() for pid in e.params["patent_id"].split(",")}
    assert asked == set(out.loc[~outside, "patent_id"])
    assert sandbox.ledger.units(FULL_BIBLIOGRAPHY) == sandbox.ledger.units(LEGAL_EVENTS) == int((~outside).sum())


def test_the_billed_calls_are_said_first_and_nothing_is_billed_again(client, sandbox, corpus, caplog):
    hits = search_designs(design_png(corpus, 7), client=client, limit=20)
    sandbox.ledger.clear()
    with caplog.at_level(logging.INFO, logger="patsnap_pandas.jobs.legal"):
        first = hits.patsnap.in_force(on=SANDBOX_TODAY)
    assert first.attrs["estimate"] == "2 billed calls: 1 P012 bibliography batch, 1 P013 legal-status batch"
    assert "2 billed calls" in caplog.text and sandbox.ledger.billed() == 2
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="patsnap_pandas.jobs.legal"):
        again = hits.patsnap.in_force(on="2030-01-01")
    assert again.attrs["estimate"] == "0 billed calls: everything is cached" and "0 billed calls" in caplog.text
    assert sandbox.ledger.billed() == 2


@pytest.mark.parametrize(("kwargs", "named"), [
    ({"on": "soon"}, "on="), ({"on": 20261399}, "on="), ({"markets": "US,XX"}, "markets="),
    ({"markets": []}, "markets="), ({"markets": 7}, "markets="),
])
def test_bad_input_is_named_before_any_billed_call(client, sandbox, corpus, kwargs, named):
    hits = search_designs(design_png(corpus, 5), client=client, limit=5)
    sandbox.ledger.clear()
    with pytest.raises(InvalidInputError, match=named):
        hits.patsnap.in_force(**kwargs)
    assert sandbox.ledger.billed() == 0


def test_a_frame_without_patent_ids_is_refused(client):
    with pytest.raises(InvalidInputError, match="patent_id"):
        in_force(pd.DataFrame({"score": [0.5]}), client=client)


def test_a_patent_patsnap_does_not_know_is_unknown_with_its_reason(client, sandbox, corpus):
    frame = pd.DataFrame({"patent_id": ["no-such-patent", corpus.designs[0].patent_id], "authority": ["US", "CN"]})
    out = in_force(frame, on=SANDBOX_TODAY, markets="US,CN", client=client)
    assert out["in_force"].tolist() == ["unknown", "in force"]
    assert out["in_force_reason"][0] == "PatSnap returned no bibliography and no legal status"
    assert out["authority"].tolist() == ["US", "CN"]                  # kept from the frame where P012 says nothing


def test_the_simple_status_alone_gives_in_force_as_the_sandbox_history_does(client, corpus, every_design):
    """``frame.legal.simple_status_frame`` (the panel's owners button: P011 + P041, no P013 events) over every
    design: in force and pending exactly where the sandbox's own history says so on its date."""
    from patsnap_pandas.frame.legal import simple_status_frame
    from patsnap_pandas.jobs.enrich import enrich

    rich = enrich(every_design, ["authority", "apply_date", "grant_date"], legal_status=True, client=client)
    out = simple_status_frame(rich, on=SANDBOX_TODAY)
    assert list(out.columns) == list(COLUMNS) and out.index.equals(rich.index)
    for design, state in zip(corpus.designs, out["in_force"], strict=True):
        assert (state == "in force") == design.in_force_on(SANDBOX_TODAY), (design.patent_pn, state)
        assert (state == "pending") == (design.simple_legal_status_on(SANDBOX_TODAY) == 2), design.patent_pn
    assert simple_status_frame(rich.assign(simple_legal_status=None), on=SANDBOX_TODAY)["in_force"].isna().all()
