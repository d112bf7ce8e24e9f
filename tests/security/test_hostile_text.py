"""Issue 21, text and numbers made safe where they enter, and outputs that never break on them.

Hostile answers come from the fake PatSnap server of ``conftest.py`` (real HTTP on 127.0.0.1):
a title cut in the middle of a character (a lone surrogate, as valid JSON), control characters
in a patent number, scores of ``1e308`` or ``Infinity``. They are cleaned where every answer is
parsed (``models.decode``), so what was paid for is kept, a re-run from the cache makes no billed
call, and every writer (HTML, PDF, Excel, CSV, charts, terminal) works on the result. Frames built
by hand can still hold anything: the writers survive those too.
"""

from __future__ import annotations

import csv
import json
import math
import shutil
import subprocess
import warnings
import xml.dom.minidom
import zipfile

import matplotlib
import openpyxl
import pandas as pd
import pytest

from patsnap_pandas import ResponseDataWarning, search_designs
from patsnap_pandas.cli.common import format_table
from patsnap_pandas.cli.main import main
from patsnap_pandas.frame.charts import plot_scores, score_chart_png
from patsnap_pandas.frame.csv_file import write_csv
from patsnap_pandas.frame.schema import hits_to_frame
from patsnap_pandas.safe_text import neutralise_formula
from tests.helpers import BIBLIOGRAPHY, LEGAL, SEARCH, UPLOAD, drawing_png, envelope, json_response

matplotlib.use("Agg")

CUT = "\u6905\ud840"  # "chair" and the first half of a surrogate pair: valid JSON, not valid UTF-8
P060 = "/search/patent/image-single"


def _ascii_json(body) -> str:
    """JSON with every non-ASCII character escaped, so a lone surrogate travels as ``\\ud840``."""
    return json.dumps(body, ensure_ascii=True)


def _page(fake, hits, search_id: str | None = "FAKE-1-D"):
    data = {"patent_messages": hits, "total_search_result_count": len(hits)}
    if search_id is not None:
        data["search_id"] = search_id
    return json_response(_ascii_json(envelope(data)))


def _billed(fake) -> int:
    return sum(1 for call in fake.calls if call in (UPLOAD, SEARCH, P060))


def _data_warnings(caught) -> list[str]:
    return [str(w.message) for w in caught if issubclass(w.category, ResponseDataWarning)]


def _xml_parts_parse(path) -> None:
    """Every XML part of an .xlsx file parses (what Excel needs to open it)."""
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.endswith((".xml", ".rels", ".vml")):
                xml.dom.minidom.parseString(z.read(name))


# --- 1. one place where answers become records -------------------------------------------------------

def test_a_title_cut_mid_character_is_kept_and_reused_from_the_cache_without_a_billed_call(fake, tmp_path):
    hits = [fake.hit(0), fake.hit(1, title=CUT), fake.hit(2, patent_pn="CN30\u0001\u001b[31m2S")]
    fake.routes[SEARCH] = lambda request: _page(fake, hits)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with fake.client(tmp_path / "cache") as client:
            first = search_designs(drawing_png(0), client=client, limit=3)
            first.patsnap.to_excel(tmp_path / "first.xlsx")
    assert _billed(fake) == 2  # the upload and the search: billed once
    assert len(first) == 3 and first["title"].tolist()[1] == "\u6905\ufffd"
    assert first["patent_pn"].tolist()[2] == "CN30\ufffd\ufffd[31m2S"
    messages = _data_warnings(caught)
    assert len(messages) == 1, messages  # one warning for the answer
    assert "3 characters" in messages[0] and "title of CN300000001S" in messages[0] and SEARCH in messages[0]

    fake.calls.clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with fake.client(tmp_path / "cache") as client:  # a new session: the answer comes from the cache
            again = search_designs(drawing_png(0), client=client, limit=3)
            report = again.patsnap.to_html(tmp_path / "again.html").read_text(encoding="utf-8")
            again.patsnap.to_excel(tmp_path / "again.xlsx")
    assert _billed(fake) == 0
    assert again["title"].tolist() == first["title"].tolist() and bool(again.attrs["from_cache"])
    assert len(_data_warnings(caught)) == 1  # cleaned again when read: the cache holds what was sent
    assert "\u6905\ufffd" in report
    _xml_parts_parse(tmp_path / "again.xlsx")


def test_a_batch_keeps_every_row_when_one_answer_has_a_broken_title(fake, tmp_path):
    answers = {"a": [fake.hit(0), fake.hit(1)], "b": [fake.hit(2, title=CUT), fake.hit(3)], "c": [fake.hit(4)]}
    fake.routes[SEARCH] = lambda request: _page(fake, answers[request.args["url"].rsplit("/", 1)[-1][0]])
    catalogue = pd.DataFrame({"img": [f"{fake.base_url}/img/{k}.png" for k in "abc"]})
    with fake.client(tmp_path / "cache") as client, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = catalogue.patsnap.search_each("img", limit=3, client=client, progress=False, thumbnails=False)
    assert out["status"].tolist() == ["ok"] * 5
    assert out["patent_id"].tolist() == [f"pid-{i:05d}" for i in range(5)]
    assert out["title"].tolist()[2] == "\u6905\ufffd"
    assert len(_data_warnings(caught)) == 1


def test_cli_search_on_a_broken_title_exits_0(fake, tmp_path, monkeypatch, capsys):
    hits = [fake.hit(0, title=CUT + "\u202e"), fake.hit(1)]
    fake.routes[SEARCH] = lambda request: _page(fake, hits)
    monkeypatch.setenv("PATSNAP_BASE_URL", fake.base_url)
    monkeypatch.setenv("PATSNAP_API_KEY", "sk-fake-key-for-the-fake-server")
    monkeypatch.setenv("PATSNAP_CACHE_DIR", str(tmp_path / "cache"))
    query = tmp_path / "q.png"
    query.write_bytes(drawing_png(0))
    assert main(["search", str(query), "--limit", "2"]) == 0  # the table on stdout
    printed = capsys.readouterr().out
    assert "\u6905\ufffd" in printed and "\u202e" not in printed
    assert main(["search", str(query), "--limit", "2", "--out", str(tmp_path / "hits.csv")]) == 0
    with open(tmp_path / "hits.csv", newline="", encoding="utf-8") as f:
        assert [row["title"] for row in csv.DictReader(f)][0] == "\u6905\ufffd\u202e"  # the record keeps the bidi


def test_p060_answers_are_cleaned_in_the_same_place(fake, tmp_path):
    fake.routes[P060] = lambda request: _page(fake, [fake.hit(0, title=CUT), fake.hit(1)], search_id=None)
    with fake.client(tmp_path / "cache") as client, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df = search_designs(fake.base_url + "/img/q.png", client=client, endpoint="P060", limit=2,
                            thumbnails=False)
    assert df["title"].tolist() == ["\u6905\ufffd", "Design 1"]
    assert [m for m in _data_warnings(caught) if P060 in m]


def test_bibliography_and_legal_status_texts_are_cleaned_too(fake, tmp_path):
    fake.routes[SEARCH] = lambda request: _page(fake, [fake.hit(0), fake.hit(1)])
    items = [{"pn": "CN300000000S", "patent_id": "pid-00000", "bibliographic_data": {
        "invention_title": [{"lang": "zh", "text": CUT}],
        "parties": {"assignees": [{"name": "ACME\u0000 Ltd"}]}}}]
    fake.routes[BIBLIOGRAPHY] = lambda request: json_response(_ascii_json(envelope(items)))
    fake.routes[LEGAL] = lambda request: json_response(_ascii_json(envelope(
        [{"patent_id": "pid-00000", "simple_legal_status": "Active\udc00"}])))
    with fake.client(tmp_path / "cache") as client, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df = search_designs(fake.base_url + "/img/q.png", client=client, limit=2, thumbnails=False)
        rich = df.patsnap.enrich(legal_status=True, client=client)
        rich.patsnap.to_excel(tmp_path / "rich.xlsx")
    assert rich["assignees"].tolist()[0] == "ACME\ufffd Ltd"
    assert rich["simple_legal_status"].tolist()[0] == "Active\ufffd"
    messages = _data_warnings(caught)
    assert any(BIBLIOGRAPHY in m and "of CN300000000S" in m for m in messages), messages
    assert any(LEGAL in m for m in messages), messages
    _xml_parts_parse(tmp_path / "rich.xlsx")


def test_scores_outside_0_to_1_are_kept_as_missing_with_one_warning_naming_the_hits(fake, tmp_path):
    body = ('{"status": true, "error_code": 0, "data": {"search_id": "S", "total_search_result_count": 5, '
            '"patent_messages": [' + ", ".join(
                json.dumps(fake.hit(i, score=0)).replace('"score": 0', f'"score": {score}')
                for i, score in enumerate(["1e308", "Infinity", "-3", "1.0000000001", "0.5"])) + "]}}")
    fake.routes[SEARCH] = lambda request: json_response(body)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with fake.client(tmp_path / "cache") as client:
            df = search_designs(fake.base_url + "/img/q.png", client=client, limit=5, thumbnails=False)
            again = search_designs(fake.base_url + "/img/q.png", client=client, limit=5, thumbnails=False)
    assert df["score"].isna().tolist() == [True, True, True, False, False]
    assert df["score"].tolist()[3:] == [1.0, 0.5]  # rounding noise clipped, a real score kept
    assert again["score"].isna().tolist() == df["score"].isna().tolist()
    assert fake.calls.count(SEARCH) == 1  # the answer was cached although three scores were refused
    messages = _data_warnings(caught)
    assert len(messages) == 2  # one per page read: the search, then the same answer from the cache
    assert "3 hits" in messages[0] and "CN300000000S (score=1e+308)" in messages[0]
    assert "CN300000001S (score=inf)" in messages[0] and "CN300000002S (score=-3)" in messages[0]


# --- 2. writers that strip or break ------------------------------------------------------------------

def _frame(**columns) -> pd.DataFrame:
    """A result frame built by hand (bypassing the parser), with the given column values per row."""
    n = len(next(iter(columns.values())))
    rows = [{"patent_id": f"pid-{i}", "patent_pn": f"CN30{i:07d}S", "title": f"Design {i}",
             "score": round(0.9 - i / 100, 3), "url": None} for i in range(n)]
    for name, values in columns.items():
        for row, value in zip(rows, values, strict=True):
            row[name] = value
    df = hits_to_frame(rows, search_id="S", query="hand-made.png")
    if "note" in columns:
        df["note"] = pd.array(columns["note"], dtype="string")
    return df


def test_control_characters_in_a_patent_number_keep_the_excel_file_valid(tmp_path):
    df = _frame(patent_pn=["USD9\u0001\u000b00001S", "CN3\ufffe05S", "USD9000003S"],
                title=["T\u0007", "Lamp\u001f", "Chair"])
    path = df.patsnap.to_excel(tmp_path / "hits.xlsx")
    _xml_parts_parse(path)
    with zipfile.ZipFile(path) as z:
        drawing = b"".join(z.read(n) for n in z.namelist() if "drawing" in n and n.endswith(".xml"))
    assert b"\x01" not in drawing and b"\x0b" not in drawing
    values = [c.value for sheet in openpyxl.load_workbook(path).worksheets for row in sheet.iter_rows()
              for c in row if isinstance(c.value, str)]
    assert "USD9\ufffd\ufffd00001S" in values and "T\ufffd" in values


def test_bidi_overrides_never_reach_html_raw(tmp_path):
    df = _frame(title=["Chair \u202egnp.exe", "\u2067x\u2069 Lamp"], note=["ok \u202d", None])
    report = df.patsnap.to_html(tmp_path / "r.html", title="Report \u202eRTL").read_text(encoding="utf-8")
    grid = df.patsnap.thumbnails().html
    for markup in (report, grid):
        assert not any(ch in markup for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
        assert "Chair \ufffdgnp.exe" in markup
    assert df["title"].tolist()[0] == "Chair \u202egnp.exe"  # the record keeps what was sent


NOTE = "x" * 10_000


@pytest.mark.timeout(240)  # main took over 300 s for this PDF (an unbroken run measured again per line)
def test_a_long_unbroken_note_gets_break_opportunities_and_the_pdf_renders(tmp_path):
    df = _frame(note=[NOTE, "short note", None])
    markup = df.patsnap.to_html(tmp_path / "r.html").read_text(encoding="utf-8")
    broken = "<wbr>".join(["x" * 5] * (len(NOTE) // 5))  # a break opportunity every 5 characters
    assert markup.count(broken) == 2  # in the card and in the table

    pdf = df.patsnap.to_pdf(tmp_path / "r.pdf")
    text = subprocess.run([shutil.which("pdftotext"), str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "[10,000 characters in all: the HTML and Excel reports have the full text]" in " ".join(text.split())
    excel = df.patsnap.to_excel(tmp_path / "r.xlsx")
    notes = [c.value for row in openpyxl.load_workbook(excel)["Hits"].iter_rows() for c in row if c.value == NOTE]
    assert notes == [NOTE]  # the full note stays in Excel


# --- 3. non-finite and huge scores in a frame built by hand -----------------------------------------

BAD_SCORES = [1e308, math.inf, -math.inf, math.nan, -1e308, 5.0]


def test_charts_and_reports_survive_scores_that_are_not_similarities(tmp_path):
    import matplotlib.pyplot as plt

    df = _frame(score=[*BAD_SCORES, 0.91, 0.82])
    assert score_chart_png(df)[:4] == b"\x89PNG"
    for kind in ("bar", "hist", "strip"):
        ax = plot_scores(df, kind)
        assert "inf" not in ax.get_xlabel()
        plt.close(ax.figure)
    ax = plot_scores(df, "bar")
    assert len(ax.patches) == 2  # only the two real similarities are drawn
    plt.close(ax.figure)
    grid = df.patsnap.thumbnails().html
    report = df.patsnap.to_html(tmp_path / "r.html").read_text(encoding="utf-8")
    assert "inf" not in grid and "1000000000" not in grid and "1000000000" not in report
    assert df.patsnap.to_pdf(tmp_path / "r.pdf").read_bytes()[:5] == b"%PDF-"
    sheet = openpyxl.load_workbook(df.patsnap.to_excel(tmp_path / "r.xlsx"))["Hits"]
    rows = list(sheet.iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if "Score" in r)
    rank, score = rows[header].index("Rank"), rows[header].index("Score")
    scores = {row[rank]: row[score] for row in rows[header + 1:]}
    assert scores == {1: None, 2: None, 3: None, 4: None, 5: None, 6: None, 7: 0.91, 8: 0.82}


def test_terminal_tables_keep_huge_scores_short():
    df = pd.DataFrame({"rank": [1, 2, 3], "score": [1e308, math.inf, 0.5], "title": ["a", "b", "c"]})
    lines = format_table(df, ["rank", "score", "title"]).splitlines()
    assert max(len(line) for line in lines) < 30 and "0.500" in lines[3] and "inf" in lines[2]


# --- 4. the CSV neutraliser ----------------------------------------------------------------------------

HIDDEN_FORMULAS = ["\n=1+1", " =1+1", "   @SUM(A1)", "\u3000=1", "\u00a0+1", "\uff1d1+1", "\uff0bcmd", "\uff0d2",
                   "\uff20SUM(A1)", "\u200b=1+1", "\u200c=1", "\u200d-1", "\ufeff=1", "\u2060@x", " \u200b =1"]


@pytest.mark.parametrize("value", HIDDEN_FORMULAS, ids=[repr(v) for v in HIDDEN_FORMULAS])
def test_csv_cells_with_a_hidden_formula_prefix_are_neutralised(value, tmp_path):
    harmless = value.translate({ord(c): "a" for c in "=+-@\uff1d\uff0b\uff0d\uff20"}).lstrip("\n")
    write_csv(pd.DataFrame({"title": [value, harmless]}), tmp_path / "x.csv")
    with open(tmp_path / "x.csv", newline="", encoding="utf-8") as f:
        assert [row["title"] for row in csv.DictReader(f)] == ["'" + value, harmless]
    assert neutralise_formula(value) == "'" + value
