"""Hostile hit data, served over HTTP, rendered safely: thumbnail grid, HTML report, Excel, panel.

Two sources of hostile data, both real HTTP:

* a sandbox whose directory corpus has HTML/JS in titles, publication numbers and
  applicants, a 20,000-character title, RTL text with a direction override, emoji,
  CJK, a NUL byte and spreadsheet formulas;
* a fake PatSnap server whose hits carry ``javascript:``, ``vbscript:``, ``data:text/html``
  and attribute-breaking image URLs (the sandbox only ever hands out its own URLs).
"""

from __future__ import annotations

import re
import warnings
import zipfile

import openpyxl
import pytest

from patsnap_pandas import PatsnapClient, SearchPanel, search_designs
from patsnap_pandas.safe_text import display_safe, xml_safe
from patsnap_pandas.sandbox import start_sandbox
from patsnap_pandas.store.thumbnails import ThumbnailWarning
from tests.helpers import FAST, HOSTILE, LONG_TITLE, SEARCH, assert_safe_html, drawing_png

TEXTS = [t for _, t, _ in HOSTILE if t is not LONG_TITLE and "\x00" not in t]
NUMBERS = [n for n, _, _ in HOSTILE]
APPLICANTS = [a for _, _, a in HOSTILE if not a.startswith("AAAA")]
# What HTML shows of them: a bidi override (U+202E) becomes U+FFFD (the records keep it).
SHOWN = [display_safe(t) for t in TEXTS + NUMBERS]
SCRIPT_URLS = ["javascript:alert(5)", " JaVaScRiPt:alert(6)", "\tjava\nscript:alert(7)", "vbscript:msgbox(8)",
               "data:text/html;base64,PHNjcmlwdD5hbGVydCg5KTwvc2NyaXB0Pg=="]


@pytest.fixture(scope="module")
def hostile_sandbox(hostile_corpus_dir):
    with start_sandbox(hostile_corpus_dir) as server:
        yield server


@pytest.fixture(scope="module")
def client(hostile_sandbox, tmp_path_factory):
    creds = hostile_sandbox.credentials
    with PatsnapClient(base_url=hostile_sandbox.base_url, client_id=creds.client_id,
                       client_secret=creds.client_secret, cache_dir=tmp_path_factory.mktemp("hostile-cache"),
                       **FAST) as made:
        yield made


@pytest.fixture(scope="module")
def hits(client):
    """Every design of the hostile corpus, as search_designs returns them, enriched (P011 + P041)."""
    df = search_designs(drawing_png(0), client=client, limit=len(HOSTILE))
    assert len(df) == len(HOSTILE)
    return df.patsnap.enrich(legal_status=True)


def _panel_html(panel: SearchPanel) -> str:
    import ipywidgets as W

    return "\n".join(w.value for w in panel._widgets if isinstance(w, W.HTML))


def test_data_arrives_unchanged_but_for_what_xml_cannot_hold(hits):
    assert set(hits["patent_pn"]) == set(NUMBERS)
    assert set(hits["title"]) == {xml_safe(t) for _, t, _ in HOSTILE}  # the NUL byte: U+FFFD, the rest as sent
    assert "Null\ufffdbyte & <b>bold</b> &amp; entity" in set(hits["title"])
    assert set(hits["applicants"]) == {a for _, _, a in HOSTILE}


def test_grid_escapes_everything(hits):
    markup = hits.patsnap.thumbnails(columns=4).html
    text = assert_safe_html(markup, "grid")
    for value in SHOWN:
        assert value in text, value  # shown as text, not interpreted
    assert "\x00" not in markup
    assert LONG_TITLE not in text and "Extremely long title" in text  # cut, with the full text nowhere
    assert len(markup) < 200_000
    assert len(re.findall(r'<img [^>]*src="data:image/png;base64,', markup)) == len(HOSTILE)


def test_html_report_escapes_everything(hits, tmp_path):
    path = hits.patsnap.to_html(tmp_path / "report.html", title='<script>alert("report")</script> \u202eRTL')
    markup = path.read_text(encoding="utf-8")
    text = assert_safe_html(markup, "report")
    for value in SHOWN + [display_safe(a) for a in APPLICANTS]:
        assert value in text, value
    assert '<script>alert("report")</script>' in text
    assert "\x00" not in markup and "\u202e" not in markup
    assert len(markup) < 1_000_000


def test_excel_keeps_text_as_text(hits, tmp_path):
    path = hits.patsnap.to_excel(tmp_path / "hits.xlsx")
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
        xml = b"".join(z.read(n) for n in z.namelist() if n.endswith(".xml"))
        rels = b"".join(z.read(n) for n in z.namelist() if n.endswith(".rels"))
    assert b"\x00" not in xml  # not even as text: XML 1.0 cannot hold it
    assert b"javascript:" not in rels.lower()  # no link target
    book = openpyxl.load_workbook(path)
    values = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula: {cell.value!r}"
                assert cell.hyperlink is None or not cell.hyperlink.target.lower().startswith("javascript")
                if isinstance(cell.value, str):
                    values.append(cell.value)
    joined = "\n".join(values)
    for value in TEXTS + NUMBERS + APPLICANTS:
        assert value in joined, value  # formulas, markup, RTL, emoji and CJK kept as plain text
    assert any(v.startswith("Extremely long title") for v in values)
    assert all(len(v) <= 32767 for v in values)  # Excel's cell limit


def test_panel_shows_hostile_hits_safely(client, tmp_path):
    panel = SearchPanel(client, image=drawing_png(0), limit=len(HOSTILE), export_dir=tmp_path)
    panel.search_button.click()
    assert panel.state.last_error is None and len(panel.results) == len(HOSTILE)
    text = assert_safe_html(_panel_html(panel), "panel")
    for value in SHOWN:
        assert value in text, value

    panel.text_filter.value = "<script>"  # the local text filter, typed by the user: one hit has it
    assert panel.shown["patent_pn"].tolist() == [NUMBERS[1]]
    assert_safe_html(_panel_html(panel), "panel (filtered)")
    panel.text_filter.value = ""

    for url in ["javascript:alert(1)", 'https://x.example/"><script>alert(1)</script>']:
        panel.url.value = url
        assert_safe_html(_panel_html(panel), f"panel with URL {url!r}")

    panel.url.value = ""
    panel.export_button.click()
    assert panel.state.last_error is None
    assert_safe_html(panel.state.last_report.read_text(encoding="utf-8"), "panel report")
    panel.close()


def test_script_image_urls_are_never_used(fake, tmp_path):
    hits = [fake.hit(i, url=url, title=f"hit {i}") for i, url in enumerate(SCRIPT_URLS)]
    hits.append(fake.hit(90, url=fake.base_url + '/img/90.png?a=1" onerror="alert(10)'))
    hits.append(fake.hit(91))  # a normal one
    fake.routes[SEARCH] = lambda request: fake.page(hits)
    client = fake.client(tmp_path / "cache")
    query = fake.base_url + "/img/query.png"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df = search_designs(query, client=client, limit=len(hits))
        grid = df.patsnap.thumbnails().html
        report = df.patsnap.to_html(tmp_path / "report.html").read_text(encoding="utf-8")
        excel = df.patsnap.to_excel(tmp_path / "hits.xlsx")
        panel = SearchPanel(client, image=query, limit=len(hits), export_dir=tmp_path)
        panel.search_button.click()
        panel.export_button.click()
    assert df["image_url"].tolist() == [h["url"] for h in hits]  # the data is kept as it came
    # the script URLs were never fetched nor shown; the grid says why there is no picture
    assert any(issubclass(w.category, ThumbnailWarning) for w in caught)
    assert not any("script" in call or call.startswith("data") for call in fake.calls)
    for where, markup in [("grid", grid), ("report", report), ("panel", _panel_html(panel)),
                          ("panel report", panel.state.last_report.read_text(encoding="utf-8"))]:
        assert_safe_html(markup, where)
        assert "javascript:" not in markup.lower() or where.startswith("panel")
    with zipfile.ZipFile(excel) as z:
        xml = b"".join(z.read(n) for n in z.namelist() if n.endswith(".rels") or n.endswith(".xml"))
    assert b"javascript" not in xml.lower() and b"vbscript" not in xml.lower()
    assert panel.state.last_error is None and len(panel.results) == len(hits)
    panel.close()
    client.close()
