"""`make demo`: runs against the sandbox, shows the repeated search billed nothing, says what to open next."""

from __future__ import annotations

import io

import pytest

from patsnap_pandas import InvalidInputError
from patsnap_pandas.cli.demo import NEXT_STEPS, run_demo


def test_demo_prints_hits_and_a_free_rerun():
    out = io.StringIO()
    assert run_demo(out) == 0  # no corpus setting in the test environment: the generated corpus
    text = out.getvalue()
    assert "Same search again: 0 billed calls (client usage: 0, sandbox ledger: 0 new entries)" in text
    assert "rank  score  patent_pn" in text
    assert "2 billed calls: upload + search" in text
    assert "Data source: 600 generated designs" in text
    assert 'Query: samples.image("desk-lamp")' in text
    assert len(text.splitlines()) < 35


def test_demo_finds_lamps_for_the_sample_lamp():
    out = io.StringIO()
    assert run_demo(out, corpus="generated", limit=5) == 0
    rows = [line.split() for line in out.getvalue().splitlines() if line.strip()[:1].isdigit() and "  " in line]
    scores = [float(row[1]) for row in rows]
    assert len(rows) == 5 and scores == sorted(scores, reverse=True)
    assert all(0.3 < s < 0.95 for s in scores)  # a new design: close, not identical


def test_demo_ends_by_saying_what_to_open_next():
    out = io.StringIO()
    assert run_demo(out, corpus="generated", limit=3) == 0
    tail = out.getvalue().rstrip().splitlines()[-len(NEXT_STEPS):]
    assert tail == list(NEXT_STEPS)
    assert any("notebooks/01_quickstart.ipynb" in line for line in tail)
    assert any("voila notebooks/04_panel.ipynb" in line for line in tail)
    assert any("mkdocs serve" in line for line in tail)


def test_demo_takes_the_corpus_setting_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PATSNAP_SANDBOX_CORPUS", str(tmp_path))  # a folder without a manifest.csv
    with pytest.raises(InvalidInputError, match="PATSNAP_SANDBOX_CORPUS=.*no manifest.csv"):
        run_demo(io.StringIO())
