"""The digest of a watch run: the new designs only, one section a product, escaped, and "nothing new" said."""

from __future__ import annotations

import re

import docx
import pandas as pd
import pytest

from patsnap_pandas import Watch
from patsnap_pandas.errors import InvalidInputError
from patsnap_pandas.frame import words
from patsnap_pandas.report import render_html, write_docx
from patsnap_pandas.report.watch import digest_report
from tests.helpers import WATCH_T0, WATCH_T1, assert_safe_html

HOSTILE = 'our <script>alert(1)</script> & "chairs"'


def test_the_digest_shows_the_new_designs_of_each_product_escaped(sandbox, make_client, products, fresh_designs):
    client = make_client()
    watch = Watch(HOSTILE, {f"<b>{name}</b>": path for name, path in products.items()}, limit=10).save(client=client)
    watch.run(client=client, as_of=WATCH_T0)
    sandbox.configure(today=WATCH_T1)
    hits = watch.run(client=client, as_of=WATCH_T1)
    model = digest_report(hits)
    assert model.title == f"Watch {HOSTILE!r}: 6 new designs" and model.hit_count == 6
    assert [s.query for s in model.sections] == [f"<b>{name}</b>" for name in products]    # one section a product
    assert {h.number for s in model.sections for h in s.hits} == {pn for pns in fresh_designs.values() for pn in pns}
    assert all(s.query_image for s in model.sections)                                 # each product's image shown
    assert dict(model.method)["Hits in this report"] == "6 new of the 30 the run found"
    text = assert_safe_html(render_html(model), "digest")
    assert HOSTILE in text and "<b>C-100</b>" in text and "6 new (not reported by an earlier run)" in text

    everything = digest_report(hits, everything=True)
    assert everything.hit_count == 30 and everything.title == model.title
    # a new design's place is its place among all the product's hits of the run, not among the new ones
    places = {h.number: h.why.rsplit("; ", 1)[-1] for s in model.sections for h in s.hits}
    assert all(re.fullmatch(r"\d+(st|nd|rd|th) of 10 \(top \d+ %\)\.", p) for p in places.values()), places
    assert places == {h.number: h.why.rsplit("; ", 1)[-1] for s in everything.sections for h in s.hits
                      if h.number in places}


def test_nothing_new_is_said_and_other_frames_are_refused(sandbox, make_client, products, tmp_path):
    client = make_client()
    watch = Watch("chairs", products, limit=3)
    watch.run(client=client, as_of=WATCH_T0)
    again = watch.run(client=client, as_of=WATCH_T0)
    model = digest_report(again)
    assert model.title == "Watch 'chairs': nothing new" and model.hit_count == 0
    html = assert_safe_html(render_html(model), "empty digest")
    assert "nothing new" in html and words.NO_PRODUCTS_SHOWN in html and words.NO_HITS_TO_SUMMARISE in html
    assert "Owners unknown" not in html  # no hit, so no owner is missing
    document = docx.Document(write_docx(model, tmp_path / "digest.docx"))
    rows = [[c.text for c in r.cells] for t in document.tables for r in t.rows]
    assert ["Products", words.NO_PRODUCTS_SHOWN] in rows  # the summary's row (was "Products 0:")
    text = "\n".join([p.text for p in document.paragraphs] + [c for r in rows for c in r])
    assert "Owners unknown" not in text and words.NO_HITS_TO_SUMMARISE in text
    with pytest.raises(InvalidInputError, match="the frame a watch run returned"):
        digest_report(pd.DataFrame({"patent_pn": ["CN1S"]}))
