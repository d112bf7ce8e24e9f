"""JobResult: the one result of clearance, prior_art and in_force (kept, excluded with reasons, counts)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from patsnap_pandas.errors import InvalidInputError
from patsnap_pandas.jobs.result import JobResult


@pytest.fixture
def hits() -> pd.DataFrame:
    frame = pd.DataFrame({"patent_id": list("abcde"), "score": [0.9, 0.8, 0.7, 0.6, 0.5]}, index=[10, 11, 12, 13, 14])
    frame.attrs = {"query": "chair.png", "source": "sandbox"}
    return frame


def test_split_keeps_the_rows_without_a_reason_in_rank_order(hits):
    reasons = {11: "expired: the term ended on 2020-01-02", 13: "lapsed: annual fee unpaid",
               14: "not in the markets: JP"}
    result = JobResult.split("clearance", hits, reasons, markets=["US"], on="2027-01-01", estimate="0 billed calls")
    assert result.kept["patent_id"].tolist() == ["a", "c"] and len(result) == 2
    assert result.excluded["patent_id"].tolist() == ["b", "d", "e"]
    assert result.excluded["excluded_reason"].tolist() == list(reasons.values())
    assert result.dropped == {"expired": 1, "lapsed": 1, "not in the markets": 1}
    assert result.hits["kept"].tolist() == [True, False, True, False, False]
    assert result.provenance["counts"] == {"hits": 5, "kept": 2, "excluded": 3}
    json.dumps(result.provenance)                                    # JSON-safe
    for part in (result.kept, result.excluded):
        assert part.attrs["query"] == "chair.png" and part.attrs["markets"] == ["US"] and part.attrs["job"] == "clearance"
    assert "kept" not in result.kept.columns and "excluded_reason" not in result.kept.columns
    assert result.summary == ("clearance in US on 2027-01-01: 2 of 5 hits kept; 3 excluded "
                              "(expired: 1, lapsed: 1, not in the markets: 1)") == str(result)
    assert hits.columns.tolist() == ["patent_id", "score"]          # the hits given are not changed


def test_prior_art_summary_and_evidence(hits):
    result = JobResult.split("prior_art", hits, {}, before="2019-06-01")
    assert result.summary == "prior art published before 2019-06-01: 5 of 5 hits kept"
    pd.testing.assert_frame_equal(result.evidence, result.kept)


def test_an_unknown_job_is_named(hits):
    with pytest.raises(InvalidInputError, match="job='search' is not valid"):
        JobResult.split("search", hits, {})
