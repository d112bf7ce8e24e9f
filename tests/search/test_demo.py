"""`make demo`: runs against the sandbox and shows the repeated search billed nothing."""

from __future__ import annotations

import io

from patsnap_pandas.demo import real_designs_dir, run_demo


def test_demo_prints_hits_and_a_free_rerun():
    out = io.StringIO()
    assert run_demo(out) == 0
    text = out.getvalue()
    assert "Same search again: 0 billed calls (client usage: 0, sandbox ledger: 0 new entries)" in text
    assert "rank  score  patent_pn" in text
    assert "2 billed calls: upload + search" in text
    if real_designs_dir() is not None:
        assert "Data source: 50 real US design patents (438 drawings)" in text
        assert "-> rank 1 is the patent the query was drawn from (USD917866S)" in text
    assert len(text.splitlines()) < 30


def test_demo_on_the_generated_corpus():
    out = io.StringIO()
    assert run_demo(out, corpus="generated", limit=5) == 0
    text = out.getvalue()
    assert "Data source: 600 generated designs" in text
    assert "Same search again: 0 billed calls" in text
    assert "rank  score  patent_pn" in text
