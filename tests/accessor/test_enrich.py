"""df.patsnap.enrich(): P011 / P041 as typed columns, batches of 100, free the second time."""

from __future__ import annotations

import pandas as pd
import pytest

from patsnap_pandas import InvalidInputError, search_designs
from patsnap_pandas.jobs.enrich import FIELDS
from patsnap_pandas.sandbox.records import simple_legal_label
from tests.helpers import design_png

BIBLIOGRAPHY = "/basic-patent-data/simple-bibliography"
LEGAL_STATUS = "/basic-patent-data/simple-legal-status"


def _ids_asked(sandbox, endpoint: str) -> list[list[str]]:
    return [e.params["patent_id"].split(",") for e in sandbox.ledger if e.endpoint == endpoint]


def _expected(design) -> dict:
    def when(day):
        return pd.NaT if day is None else pd.Timestamp(day)

    return {
        "assignees": "; ".join(design.assignees) or pd.NA,
        "applicants": "; ".join(design.applicants) or pd.NA,
        "apply_date": when(design.apply_date),
        "publication_date": when(design.publication_date),
        "grant_date": when(design.grant_date),
        "loc": "; ".join(design.loc) or pd.NA,
        "authority": design.authority,
    }


def _same(a, b) -> bool:
    return (pd.isna(a) and pd.isna(b)) if (pd.isna(a) or pd.isna(b)) else a == b


def test_enrich_250_hits_makes_3_calls_typed_columns_equal_to_the_sandbox(client, sandbox, corpus):
    hits = search_designs(design_png(corpus, 11), client=client, max_results=250, thumbnails=False)
    assert len(hits) == 250 and hits["patent_id"].is_unique
    before = hits.copy()
    sandbox.ledger.clear()

    rich = hits.patsnap.enrich(legal_status=True)

    asked = _ids_asked(sandbox, BIBLIOGRAPHY)
    assert len(asked) == 3 and sorted(len(batch) for batch in asked) == [50, 100, 100]
    assert sorted(i for batch in asked for i in batch) == sorted(hits["patent_id"])
    assert [len(batch) for batch in _ids_asked(sandbox, LEGAL_STATUS)] == [100, 100, 50]
    assert len(sandbox.ledger) == 6

    assert {c: str(rich[c].dtype) for c in FIELDS} == {
        "assignees": "string", "applicants": "string", "apply_date": "datetime64[ns]",
        "publication_date": "datetime64[ns]", "grant_date": "datetime64[ns]", "loc": "string",
        "authority": "string"}
    assert str(rich["simple_legal_status"].dtype) == "string"
    for _, row in rich.iterrows():
        design = corpus.design(row["patent_id"])
        for name, value in _expected(design).items():
            assert _same(row[name], value), (name, row[name], value)
        assert row["simple_legal_status"] == simple_legal_label(design.simple_legal_status_on(sandbox.today))
    assert rich["grant_date"].isna().any() and rich["grant_date"].notna().any()

    # a new frame: the input is untouched, attrs and index kept
    pd.testing.assert_frame_equal(hits, before)
    assert rich.attrs == hits.attrs
    assert rich.index.equals(hits.index)
    assert list(rich.columns[: len(hits.columns)]) == list(hits.columns)  # loc/authority replaced in place

    # the second enrich is free
    sandbox.ledger.clear()
    again = hits.patsnap.enrich(legal_status=True)
    assert len(sandbox.ledger) == 0
    pd.testing.assert_frame_equal(again, rich)


def test_enrich_asks_each_patent_once_and_only_the_fields_asked(client, sandbox, hits):
    doubled = pd.concat([hits, hits.iloc[::-1]], ignore_index=True)
    doubled.attrs = dict(hits.attrs)
    sandbox.ledger.clear()
    rich = doubled.patsnap.enrich(["grant_date", "assignees"])
    asked = _ids_asked(sandbox, BIBLIOGRAPHY)
    assert len(asked) == 1 and sorted(asked[0]) == sorted(hits["patent_id"])
    assert _ids_asked(sandbox, LEGAL_STATUS) == []
    assert list(rich.columns) == [*doubled.columns, "grant_date", "assignees"]
    assert rich["assignees"].iloc[0] == rich["assignees"].iloc[2 * len(hits) - 1]


def test_enrich_rejects_unknown_fields_before_any_call(hits, sandbox):
    sandbox.ledger.clear()
    with pytest.raises(InvalidInputError, match=r"unknown field\(s\) \['owner'\]\. Allowed: assignees, applicants"):
        hits.patsnap.enrich(["assignees", "owner"])
    with pytest.raises(InvalidInputError, match="legal_status=True"):
        hits.patsnap.enrich("legal_status")
    with pytest.raises(InvalidInputError, match="legal_status='yes'"):
        hits.patsnap.enrich(legal_status="yes")
    with pytest.raises(InvalidInputError, match="adds nothing"):
        hits.patsnap.enrich([])
    assert len(sandbox.ledger) == 0


def test_enrich_only_legal_status(hits, sandbox):
    sandbox.ledger.clear()
    rich = hits.patsnap.enrich([], legal_status=True)
    assert list(rich.columns) == [*hits.columns, "simple_legal_status"]
    assert {e.endpoint for e in sandbox.ledger} == {LEGAL_STATUS}
    assert rich["simple_legal_status"].notna().all()
