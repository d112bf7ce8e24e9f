"""P011 simple bibliography and P041 simple legal status."""

from __future__ import annotations

import pytest

from patsnap_pandas import codes
from tests.helpers import SANDBOX_TODAY, error_of

BIBLIO = "/basic-patent-data/simple-bibliography"
LEGAL = "/basic-patent-data/simple-legal-status"


def ymd(date) -> int:
    return int(date.strftime("%Y%m%d"))


def test_bibliography_item_has_the_documented_fields(api, corpus):
    design = next(d for d in corpus.designs if d.grant_date is not None)
    (item,) = api.data(BIBLIO, patent_id=design.patent_id)
    assert item["pn"] == design.patent_pn
    assert item["patent_id"] == design.patent_id
    bib = item["bibliographic_data"]
    assert bib["patent_type"] == "DESIGN"
    assert bib["invention_title"] == [{"lang": design.lang, "text": design.title}]
    assert bib["parties"] == {
        "assignees": [{"name": n} for n in design.assignees],
        "applicants": [{"name": n} for n in design.applicants],
        "inventors": [{"name": n} for n in design.inventors],
    }
    assert bib["application_reference"] == {"apno": design.apno, "date": ymd(design.apply_date)}
    pub = bib["publication_reference"]
    assert pub["country"] == design.authority
    assert pub["date"] == ymd(design.publication_date)
    assert design.patent_pn.startswith(pub["country"] + pub["doc_number"])
    assert bib["dates_of_public_availability"] == {"printed_with_granted": ymd(design.grant_date)}
    assert bib["classification_data"] == {"classification_loc": list(design.loc)}
    for date in (bib["application_reference"]["date"], pub["date"]):
        assert isinstance(date, int) and 19000101 < date < 21000101


def test_bibliography_of_an_ungranted_design_has_no_grant_date(api, corpus):
    design = next(d for d in corpus.designs if d.grant_date is None)
    (item,) = api.data(BIBLIO, patent_id=design.patent_id)
    assert "printed_with_granted" not in item["bibliographic_data"]["dates_of_public_availability"]


def test_us_publication_reference_splits_number_and_kind(api, corpus):
    design = next(d for d in corpus.designs if d.patent_pn.startswith("USD"))
    (item,) = api.data(BIBLIO, patent_number=design.patent_pn)
    pub = item["bibliographic_data"]["publication_reference"]
    assert (pub["country"], pub["doc_number"], pub["kind"]) == ("US", design.patent_pn[2:-1], "S")


def test_bibliography_by_patent_number_in_any_case(api, corpus):
    design = corpus.designs[7]
    (item,) = api.data(BIBLIO, patent_number=design.patent_pn.lower())
    assert item["patent_id"] == design.patent_id


def test_batch_of_100_ids_keeps_request_order_and_skips_unknown(api, corpus):
    wanted = [d.patent_id for d in corpus.designs[:99]] + ["00000000-0000-4000-8000-000000000000"]
    items = api.data(BIBLIO, patent_id=",".join(wanted))
    assert [i["patent_id"] for i in items] == wanted[:99]


def test_duplicate_ids_are_returned_once(api, corpus):
    pid = corpus.designs[2].patent_id
    assert len(api.data(LEGAL, patent_id=f"{pid},{pid}")) == 1


@pytest.mark.parametrize("path", [BIBLIO, LEGAL])
@pytest.mark.parametrize("name", ["patent_id", "patent_number"])
def test_more_than_100_ids_is_68300004(api, corpus, path, name):
    attr = "patent_id" if name == "patent_id" else "patent_pn"
    values = ",".join(getattr(d, attr) for d in corpus.designs[:101])
    code, message = error_of(api.get(path, **{name: values}))
    assert code == 68300004 and name in message


@pytest.mark.parametrize("path", [BIBLIO, LEGAL])
def test_no_id_parameter_is_68300004(api, path):
    code, message = error_of(api.get(path))
    assert code == 68300004 and "patent_id" in message


@pytest.mark.parametrize("path", [BIBLIO, LEGAL])
def test_empty_item_in_the_id_list_is_68300004(api, corpus, path):
    code, message = error_of(api.get(path, patent_id=f"{corpus.designs[0].patent_id},,"))
    assert code == 68300004 and "patent_id" in message


def test_legal_status_items(api, corpus):
    designs = corpus.designs[:30]
    items = api.data(LEGAL, patent_id=",".join(d.patent_id for d in designs))
    assert len(items) == 30
    for design, item in zip(designs, items):
        assert set(item) == {"patent_id", "pn", "simple_legal_status"}
        assert item["patent_id"] == design.patent_id and item["pn"] == design.patent_pn
        label = codes.SIMPLE_LEGAL_STATUS[design.simple_legal_status_on(SANDBOX_TODAY)]
        assert item["simple_legal_status"] == [label[0].upper() + label[1:]]
    assert {"Active", "Inactive"} <= {i["simple_legal_status"][0] for i in items}


def test_legal_status_by_patent_number(api, corpus):
    design = corpus.designs[11]
    (item,) = api.data(LEGAL, patent_number=design.patent_pn)
    assert item["patent_id"] == design.patent_id


def test_enrichment_is_billed_per_returned_patent(api, sandbox, corpus):
    pids = ",".join(d.patent_id for d in corpus.designs[:3]) + ",unknown-id"
    api.data(BIBLIO, patent_id=pids)
    entry = sandbox.ledger[-1]
    assert entry.endpoint == BIBLIO and entry.result_count == 3 and entry.ok
