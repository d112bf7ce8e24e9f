"""`patsnap-pandas search --out report.docx`: the Word report, routed by its suffix like the other reports."""

from __future__ import annotations

import docx

from patsnap_pandas.cli import main as cli
from patsnap_pandas.frame.words import SANDBOX_BANNER


def test_search_writes_a_word_report(sandbox, query_png, tmp_path, capsys):
    out = tmp_path / "report.docx"
    assert cli.main(["search", str(query_png), "--sandbox", "--limit", "6", "--enrich", "--title",
                     "Chairs for counsel", "--author", "A. Analyst", "--page-size", "Letter", "--out", str(out)]) == 0
    assert f"wrote {out} (thumbnails embedded)" in capsys.readouterr().err
    document = docx.Document(out)
    assert document.paragraphs[0].text == "Chairs for counsel"
    assert all(s.header.paragraphs[0].text == SANDBOX_BANNER for s in document.sections)
    assert {min(s.page_width, s.page_height) for s in document.sections} == {docx.shared.Inches(8.5)}  # Letter
    assert len(document.inline_shapes) >= 1 + 6  # the query and a thumbnail per hit
    text = "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    assert "A. Analyst" in text and "6 of 6 fetched" in text
