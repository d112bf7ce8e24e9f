"""prior_art(registered=NUMBER): the registered design looked up through P069, its filing date the cutoff.

Over real HTTP against the sandbox; truth from the sandbox's corpora, billed calls from its ledger.
"""

from __future__ import annotations

import datetime as dt

import pytest

from patsnap_pandas.errors import InvalidInputError
from patsnap_pandas.jobs.prior_art import SELF, prior_art
from tests.helpers import NUMBER_SEARCH, SANDBOX_TODAY, design_png

pytestmark = pytest.mark.patsnap_sandbox(today=SANDBOX_TODAY)

SINGLE = "/search/patent/image-single"


def _published(corpus, utility_corpus, patent_id: str) -> dt.date:
    design = corpus.design(patent_id) or utility_corpus.design(patent_id)
    assert design is not None, patent_id
    return design.publication_date


def test_registered_number_sets_the_cutoff_and_excludes_itself(client, sandbox, corpus, utility_corpus,
                                                               query_design, query_png):
    result = prior_art(query_png, registered=query_design.patent_pn.lower(), client=client, limit=20)

    filed = query_design.apply_date
    assert sandbox.ledger.billed(NUMBER_SEARCH) == 1
    assert result.provenance["before"] == filed.isoformat()
    assert result.hits.attrs["filters"]["public_end_time"] == filed.strftime("%Y%m%d")
    assert len(result.kept) > 0
    for patent_id in result.kept["patent_id"]:
        assert _published(corpus, utility_corpus, patent_id) < filed
    # The query image finds the registered design itself: never its own prior art, whatever its dates.
    excluded = result.excluded.set_index("patent_id")
    assert query_design.patent_id not in set(result.kept["patent_id"])
    if query_design.patent_id in excluded.index:
        assert excluded.loc[query_design.patent_id, "excluded_reason"] == SELF
    record = result.provenance["registered"]
    assert record["pn"] == query_design.patent_pn and record["patent_id"] == query_design.patent_id
    assert record["apdt"] == int(filed.strftime("%Y%m%d"))
    assert result.kept.attrs["registered"] == record

    billed = sandbox.ledger.billed()
    prior_art(query_png, registered=query_design.patent_pn, client=client, limit=20)
    assert sandbox.ledger.billed() == billed  # the look-up and the searches again: cached, 0 billed


def test_the_design_itself_is_excluded_even_with_a_later_cutoff(client, query_design, query_png):
    """With before= after its publication (a wrong priority, say) the design would pass the cutoff: it is still out."""
    later = query_design.publication_date + dt.timedelta(days=400)
    result = prior_art(query_png, registered=query_design.patent_pn, before=later, utility_models=False,
                       client=client, limit=5)
    excluded = result.excluded.set_index("patent_id")
    assert excluded.loc[query_design.patent_id, "excluded_reason"] == SELF
    assert result.dropped[SELF] == 1
    assert result.provenance["before"] == later.isoformat()


def test_an_unknown_number_fails_before_the_image_search_is_paid(client, sandbox, query_png):
    with pytest.raises(InvalidInputError,
                       match=r"registered='USD0000001S' is not valid: PatSnap's number search \(P069\) found no "):
        prior_art(query_png, registered="USD0000001S", client=client)
    assert sandbox.ledger.billed(NUMBER_SEARCH) == 1
    assert sandbox.ledger.billed(SINGLE) == 0 and sandbox.ledger.billed("upload") == 0


@pytest.mark.parametrize(("kwargs", "named"), [
    ({}, "before=None is not valid: give the cutoff, or registered="),
    ({"registered": "USD1S, USD2S"}, "registered='USD1S, USD2S' is not valid: give one number"),
    ({"registered": ["USD1S"]}, "registered=['USD1S'] is not valid: expected a string"),
    ({"registered": " "}, "registered=' ' is not valid"),
    ({"registered": "USD1S", "before": "01/01/2015"}, "before='01/01/2015' is not valid"),
])
def test_bad_registered_or_missing_cutoff_named_before_any_call(client, sandbox, query_png, kwargs, named):
    with pytest.raises(InvalidInputError, match=named.replace("[", r"\[").replace("]", r"\]")):
        prior_art(query_png, client=client, **kwargs)
    assert sandbox.ledger.billed() == 0


def test_the_comparison_built_from_the_record_shows_number_filing_date_and_owner(client, corpus, query_design,
                                                                                  query_png):
    from patsnap_pandas.report import comparison

    result = prior_art(query_png, registered=query_design.patent_pn, utility_models=False, client=client, limit=10)
    record = result.provenance["registered"]
    accused = design_png(corpus, 30)
    tw = comparison(record, accused, result.evidence, registered_image=query_png, accused_label="their chair")

    registered, _, closest = tw.pictures
    facts = dict(registered.facts)
    assert registered.caption == query_design.patent_pn and registered.image is not None
    assert facts["Filed"] == query_design.apply_date.isoformat()
    assert facts["Owner"] == (record["current_assignee"] or record["original_assignee"])
    assert closest.caption == result.evidence["patent_pn"].iloc[0]  # the best-scored evidence
    markup = tw.html()
    assert query_design.patent_pn in markup and query_design.apply_date.isoformat() in markup


def test_the_registered_picture_can_come_from_its_own_hit(client, query_design, query_png):
    later = query_design.publication_date + dt.timedelta(days=400)
    result = prior_art(query_png, registered=query_design.patent_pn, before=later, utility_models=False,
                       client=client, limit=5)
    tw = comparison_of(result, query_png)
    assert tw.pictures[0].image is not None and tw.pictures[0].caption == query_design.patent_pn
    # and the closest prior art is never the registered design itself
    assert tw.pictures[2].caption != query_design.patent_pn


def comparison_of(result, accused: bytes):
    from patsnap_pandas.report import comparison

    return comparison(result.provenance["registered"], accused, result.hits, before=result.provenance["before"])


def test_one_image_searched_twice_is_one_query_in_the_attrs(client, query_png):
    """Designs and utility models search the same image: the merged attrs say one query, not two views."""
    result = prior_art(query_png, before="2020-01-01", client=client, limit=3)
    attrs = result.kept.attrs
    assert "views" not in attrs and "query_urls" not in attrs
    assert isinstance(attrs["query_sha256"], str) and isinstance(attrs["query_url"], str)
