"""prior_art() over real HTTP against the sandbox: the cutoff, utility models, reasons, billing, bad input.

Truth comes from the sandbox's own corpora (``corpus.design(id).publication_date``, the utility-model
part), never from what the client parsed.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest

import patsnap_pandas
from patsnap_pandas.errors import InvalidInputError
from patsnap_pandas.frame.prior_art import UNDATED, cutoff_reasons
from patsnap_pandas.jobs.prior_art import prior_art
from tests.helpers import FULL_BIBLIOGRAPHY, SANDBOX_TODAY, design_png

SINGLE = "/search/patent/image-single"
#: Legal statuses and owners as of a fixed date, so that nothing changes under the tests as time passes.
pytestmark = pytest.mark.patsnap_sandbox(today=SANDBOX_TODAY)

UTILITY_PN = re.compile(r"^(CN2\d+U|JP3\d+U|KR20\d+Y1)$")


def truth_date(corpus, utility_corpus, patent_id: str) -> dt.date:
    design = corpus.design(patent_id) or utility_corpus.design(patent_id)
    assert design is not None, patent_id
    return design.publication_date


def test_nothing_published_on_or_after_the_cutoff_is_kept(client, sandbox, corpus, utility_corpus, query_design,
                                                          query_png):
    cutoff = query_design.publication_date
    result = prior_art(query_png, before=cutoff, client=client, limit=20)

    assert len(result.kept) > 0
    for patent_id in result.kept["patent_id"]:
        assert truth_date(corpus, utility_corpus, patent_id) < cutoff
    # The search's bound (public_end_time=cutoff, inclusive here) let the query design through: the job drops it.
    excluded = result.excluded.set_index("patent_id")
    assert excluded.loc[query_design.patent_id, "excluded_reason"] == (
        f"published on or after the cutoff: {cutoff.isoformat()}")
    assert result.dropped == {"published on or after the cutoff": len(result.excluded)}
    for patent_id in excluded.index:
        assert truth_date(corpus, utility_corpus, patent_id) >= cutoff
    assert result.hits.attrs["filters"]["public_end_time"] == cutoff.strftime("%Y%m%d")
    assert result.provenance["before"] == cutoff.isoformat()
    assert result.provenance["counts"] == {"hits": len(result.hits), "kept": len(result.kept),
                                           "excluded": len(result.excluded)}


def test_every_design_published_before_the_cutoff_in_the_ranking_is_kept(client, corpus, query_png):
    """The client-side rule drops nothing the cutoff allows: the kept designs are the search's own, in order."""
    cutoff = dt.date(2020, 1, 1)
    result = prior_art(query_png, before=cutoff, utility_models=False, client=client, limit=30)
    dates = [corpus.design(i).publication_date for i in result.hits["patent_id"]]
    assert result.kept["patent_id"].tolist() == [i for i, d in zip(result.hits["patent_id"], dates, strict=True)
                                                  if d < cutoff]
    assert result.kept["score"].is_monotonic_decreasing


def test_utility_models_are_included_and_marked(client, sandbox, corpus, utility_corpus, query_png):
    result = prior_art(query_png, before="2023-01-01", client=client, limit=10)
    kept = result.kept
    utility = kept[kept["patent_type"] == "U"]
    designs = kept[kept["patent_type"] == "D"]
    assert len(utility) > 0 and len(designs) > 0
    assert set(utility["kind"]) == {"utility model"} and set(designs["kind"]) == {"design"}
    assert all(utility_corpus.design(i) is not None for i in utility["patent_id"])
    assert all(UTILITY_PN.match(pn) for pn in utility["patent_pn"])
    assert all(corpus.design(i) is not None for i in designs["patent_id"])
    # One ranking by score, ranks 1..n, every row marked.
    assert result.hits["score"].is_monotonic_decreasing
    assert result.hits["rank"].tolist() == list(range(1, len(result.hits) + 1))
    assert result.hits["patent_type"].notna().all()
    assert result.provenance["utility_models"] is True
    assert sandbox.ledger.billed(SINGLE) == 1  # the utility models: one P060 search


def test_without_utility_models_there_is_no_utility_search(client, sandbox, query_png):
    result = prior_art(query_png, before="2023-01-01", utility_models=False, client=client, limit=10)
    assert set(result.hits["patent_type"]) == {"D"}
    assert sandbox.ledger.billed(SINGLE) == 0
    assert result.provenance["utility_models"] is False


def test_several_views_search_designs_and_utility_models_in_one_call_each(client, sandbox, corpus, query_png):
    result = prior_art([query_png, design_png(corpus, 6)], before="2023-01-01", client=client, limit=10)
    assert set(result.kept["patent_type"]) == {"D", "U"}
    assert sandbox.ledger.billed("/search/patent/image-multiple") == 2 and sandbox.ledger.billed(SINGLE) == 0
    assert (result.kept["publication_date"] < "2023-01-01").all()


def test_nothing_before_the_cutoff_is_an_empty_evidence_table_with_its_columns(client, sandbox, query_png):
    result = prior_art(query_png, before="1990-01-01", client=client, limit=5)
    assert len(result.hits) == 0 and len(result.kept) == 0
    assert {"patent_type", "kind", "publication_date", "owner", "record_url"} <= set(result.kept.columns)
    assert str(result.kept["publication_date"].dtype) == "datetime64[ns]"
    assert sandbox.ledger.billed(FULL_BIBLIOGRAPHY) == 0
    assert str(result) == "prior art published before 1990-01-01: 0 of 0 hits kept"


def test_evidence_has_dates_owners_and_links(client, corpus, utility_corpus, query_png):
    result = prior_art(query_png, before="2024-01-01", client=client, limit=30)
    evidence = result.evidence
    for row in evidence.itertuples():
        truth = corpus.design(row.patent_id) or utility_corpus.design(row.patent_id)
        assert row.publication_date.date() == truth.publication_date
        assert row.apply_date.date() == truth.apply_date
        assert row.owner == "; ".join(truth.assignees_on(SANDBOX_TODAY)), row.patent_pn
        if row.authority == "EM":
            assert row.record_url == "https://euipo.europa.eu/eSearch/#details/designs/" + row.patent_pn[2:]
        elif row.authority == "US":
            assert row.record_url == f"https://patents.google.com/patent/{row.patent_pn}"
        else:
            assert pd.isna(row.record_url)
    assert {"EM", "US"} <= set(evidence["authority"])  # both linked offices were checked
    assert str(evidence["publication_date"].dtype) == "datetime64[ns]"
    assert evidence["image_url"].str.startswith("http://127.0.0.1").all()


def test_the_same_prior_art_again_bills_nothing(client, sandbox, query_png):
    first = prior_art(query_png, before="2021-06-01", client=client, limit=10)
    billed = sandbox.ledger.billed()
    assert billed == 4  # upload, the design search, the utility-model search, one P012 batch
    assert sandbox.ledger.billed(FULL_BIBLIOGRAPHY) == 1
    assert first.provenance["estimate"] == "1 billed call: 1 P012 bibliography batch"

    again = prior_art(query_png, before="2021-06-01", client=client, limit=10)
    assert sandbox.ledger.billed() == billed
    assert again.provenance["estimate"] == "0 billed calls: everything is cached"
    pd.testing.assert_frame_equal(again.hits.drop(columns=["image_url"]), first.hits.drop(columns=["image_url"]))


@pytest.mark.parametrize(("arguments", "named"), [
    ({"before": "01/06/2019"}, "before='01/06/2019'"),
    ({"before": "2019-13-01"}, "before='2019-13-01'"),
    ({"before": None}, "before=None"),
    ({"before": "2019-06-01", "utility_models": "yes"}, "utility_models='yes'"),
    ({"before": "2019-06-01", "limit": 0}, "limit=0"),
    ({"before": "2019-06-01", "country": "XX"}, "country='XX'"),
    ({"before": "2019-06-01", "public_start_time": "2020-01-01"}, "public_start_time='20200101'"),
    ({"before": "2019-06-01", "colour": "red"}, "'colour' is not a search filter"),
])
def test_bad_input_is_named_before_any_billed_call(client, sandbox, query_png, arguments, named):
    with pytest.raises(InvalidInputError) as caught:
        prior_art(query_png, client=client, **arguments)
    assert named in str(caught.value)
    assert sandbox.ledger.billed() == 0


def test_a_later_public_end_time_is_bounded_by_the_cutoff_and_an_earlier_one_kept(client, query_png):
    later = prior_art(query_png, before="2019-06-01", public_end_time="2022-01-01", client=client, limit=5,
                      utility_models=False)
    earlier = prior_art(query_png, before="2019-06-01", public_end_time="2018-01-01", client=client, limit=5,
                        utility_models=False)
    assert later.hits.attrs["filters"]["public_end_time"] == "20190601"
    assert earlier.hits.attrs["filters"]["public_end_time"] == "20180101"
    assert (earlier.kept["publication_date"] <= "2018-01-01").all()


def test_a_loc_filter_narrows_the_designs_only(client, sandbox, query_design, query_png):
    """Utility models have no Locarno class: with ``loc`` they are still searched, without it."""
    loc = query_design.loc[0]
    result = prior_art(query_png, before="2024-01-01", loc=loc, client=client, limit=10)
    assert (result.hits["patent_type"] == "U").any()
    utility_call = [e for e in sandbox.ledger.entries() if e.endpoint == SINGLE]
    assert len(utility_call) == 1 and "loc" not in utility_call[0].params


def test_undated_rows_are_excluded_with_their_reason():
    hits = pd.DataFrame({"publication_date": pd.to_datetime(["2019-05-31", None, "2019-06-01", "2020-02-01"])},
                        index=[10, 11, 12, 13])
    assert cutoff_reasons(hits, dt.date(2019, 6, 1)) == {
        11: UNDATED,
        12: "published on or after the cutoff: 2019-06-01",
        13: "published on or after the cutoff: 2020-02-01",
    }
    assert UNDATED.startswith("undated: ")


def test_prior_art_is_exported_lazily_from_the_package_root():
    assert "prior_art" in dir(patsnap_pandas)
    assert patsnap_pandas.prior_art is prior_art


def test_the_reports_name_every_owner_and_leave_out_the_status_the_job_never_looked_up(client, query_png, tmp_path):
    """A utility model's owner comes from the job's ``owner`` column (it has no ``assignees``); the prior-art
    job looks up no legal status, so no report has an always-empty Legal status column."""
    import openpyxl

    from patsnap_pandas.report import prior_art_report, write_excel, write_html

    result = prior_art(query_png, before=dt.date(2020, 1, 1), client=client, limit=10)
    evidence = result.kept
    models = evidence[evidence["patent_type"] == "U"]
    assert len(models) and models["owner"].notna().all()
    report = prior_art_report(evidence, result.excluded, result.provenance)
    assert [h.assignees for h in report.job.rows] == evidence["owner"].tolist()
    # the search's inclusive bound is said beside the cutoff, so the two do not read as a contradiction
    scope = dict(report.job.scope)
    assert scope["Filter: Published"] == ("on or before 2020-01-01 (the search's bound; what was published on the "
                                          "cutoff day itself is then left out here)")

    book = openpyxl.load_workbook(write_excel(report, tmp_path / "prior-art.xlsx"))
    sheet = book["Hits"]
    header = next(r for r in sheet.iter_rows() if r[0].value == "Image")
    names = [c.value for c in header]
    assert "Legal status" not in names
    owners = [r[names.index("Owner")].value for r in sheet.iter_rows(min_row=header[0].row + 1)]
    assert owners == evidence["owner"].tolist()
    html = write_html(report, tmp_path / "prior-art.html").read_text(encoding="utf-8")
    assert "Legal status" not in html and all(name in html for name in models["owner"])
