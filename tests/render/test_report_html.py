"""write_html_report: self-contained, escaped, every thumbnail embedded."""

from __future__ import annotations

import html
import re

import pytest

from patsnap_pandas.report import html_report, write_html_report
from tests.render.helpers import Inspector, assert_safe_html, hit, jpeg, make_frame, png, sample_frame, thumbs

XSS_TITLE = "<img src=x onerror=alert(1)>"
XSS_PN = '"><svg onload=alert(1)>'


def test_report_embeds_every_thumbnail_and_nothing_external(tmp_path):
    df = sample_frame(7)
    out = write_html_report(df, tmp_path / "r.html", thumbs(7), include_plots=False)
    assert out == tmp_path / "r.html"
    text = out.read_text(encoding="utf-8")
    assert text.count("data:image") == 7
    page = assert_safe_html(text)
    assert len(page.named("img")) == 7
    assert not re.search(r"""src\s*=\s*["']?\s*https?:""", text, re.I)
    assert "http://" not in text and "https://" not in text  # image_url is not shown at all
    assert "Content-Security-Policy" in text
    assert page.named("link") == [] and page.named("iframe") == [] and page.named("object") == []


def test_report_with_plots_and_query_image_embeds_them_too(tmp_path):
    df = sample_frame(5)
    text = write_html_report(df, tmp_path / "r.html", thumbs(5), query_image=png((0, 0, 0))).read_text("utf-8")
    page = assert_safe_html(text)
    srcs = [a["src"] for a in page.named("img")]
    assert len(srcs) == 5 + 2 + 1  # thumbnails, two charts, query image
    assert sum(s.startswith("data:image/png") for s in srcs) >= 3
    assert "Query image" in text and "Top scores" in text and "Score distribution" in text


def test_header_shows_whitelisted_provenance_only():
    df = sample_frame(2)
    df.attrs.update(
        {
            "filters": {"country": ["CN", "US"], "client_secret": "s3cr3t-value", "assignees": None},
            "api_key": "sk-live-abcdef123456",
            "token": "tok-zzz",
            "thumbnail_dir": "/home/someone/cache",
            "query": "uploaded with sk-abcdefgh1234 key",
        }
    )
    text = html_report(df, None, include_plots=False)
    for secret in ("s3cr3t-value", "sk-live-abcdef123456", "tok-zzz", "/home/someone/cache", "sk-abcdefgh1234"):
        assert secret not in text
    plain = " ".join(Inspector(text).text)
    for shown in ("SID-123", "country: CN, US", "2025-01-02T03:04:05Z", "P009-v2", "42", "Report generated"):
        assert shown in plain, shown
    assert "client_secret" not in text


def test_hostile_strings_are_escaped_everywhere():
    rows = [hit(1, 0.9, title=XSS_TITLE, patent_pn=XSS_PN, assignees=XSS_TITLE, image_url="javascript:alert(1)")]
    df = make_frame(rows, attrs={"query": XSS_PN, "filters": {XSS_TITLE: XSS_PN}})
    text = html_report(df, [png()], title=XSS_TITLE, query_image=jpeg())
    assert XSS_TITLE not in text and XSS_PN not in text
    assert html.escape(XSS_TITLE, quote=True) in text
    assert html.escape(XSS_PN, quote=True) in text
    assert "javascript:" not in text
    page = assert_safe_html(text)
    assert page.named("svg") == []
    assert len(page.named("img")) == 1 + 1 + 2  # thumbnail, query image, charts


def test_hit_table_columns_extras_and_truncation():
    long_title = "Stuhl " * 200
    df = make_frame(
        [
            hit(1, 0.91234, assignees="ACME; Foo", apply_date="2020-01-31", title=long_title),
            hit(2, 0.5, "US", assignees=None, apply_date=None, title="كرسي 🪑 椅子"),
        ]
    )
    text = html_report(df, [png(), None], include_plots=False)
    page = Inspector(text)
    hits_table = text[text.index('<table class="hits">'):]
    headers = re.findall(r"<th>(.*?)</th>", hits_table[: hits_table.index("</thead>")])
    assert headers == ["Thumbnail", "Rank", "Score", "Number", "Title", "Authority", "Assignees", "Apply date"]
    assert "0.912" in text and "2020-01-31" in text and "no image" in text
    assert long_title not in text
    cells = [a for a in page.named("td") if (a.get("title") or "").startswith("Stuhl")]
    assert len(cells) == 1 and len(cells[0]["title"]) <= 500
    assert "كرسي 🪑 椅子" in text
    assert 'dir="auto"' in text


def test_batch_report_has_query_column_and_overlap():
    rows = [
        hit(1, 0.9, query="chair.png", query_index=0),
        hit(1, 0.8, query="lamp.png", query_index=1),
        hit(2, 0.7, "US", query="lamp.png", query_index=1),
    ]
    text = html_report(make_frame(rows), thumbs(3))
    assert "Designs matched by several queries" in text
    assert "<th>Query</th>" in text
    assert "chair.png; lamp.png" in text  # the overlap's list of queries
    assert_safe_html(text)


def test_empty_frame_report(tmp_path):
    text = write_html_report(sample_frame(1).iloc[0:0], tmp_path / "e.html", []).read_text("utf-8")
    assert "No hits." in text
    assert_safe_html(text)


def test_report_validation(tmp_path):
    df = sample_frame(3)
    with pytest.raises(ValueError, match=r"images has 1 item\(s\) but df has 3 row\(s\)"):
        write_html_report(df, tmp_path / "r.html", [png()])
    with pytest.raises(ValueError, match=r"missing required column\(s\) \['rank', 'title'\]"):
        write_html_report(df.drop(columns=["rank", "title"]), tmp_path / "r.html", None)
    with pytest.raises(ValueError, match=r"query_image is not PNG or JPEG"):
        write_html_report(df, tmp_path / "r.html", None, query_image=b"<svg/>")
    assert not (tmp_path / "r.html").exists()


def test_header_of_a_concatenated_batch_lists_each_search():
    from patsnap_pandas.frame import concat_frames, hits_to_frame

    a = hits_to_frame(
        [{"patent_id": "p1", "patent_pn": "CN301S", "title": "A", "score": 0.9, "url": "http://127.0.0.1:9/a"}],
        search_id="S1", query="chair.png", attrs={"filters": {"country": ["CN"]}, "total": 5},
    )
    b = hits_to_frame(
        [{"patent_id": "p1", "patent_pn": "CN301S", "title": "A", "score": 0.7, "url": "http://127.0.0.1:9/b"}],
        search_id="S2", query="lamp.png", attrs={"filters": {}, "total": 7},
    )
    df = concat_frames([a, b])
    text = html_report(df, [png(), png()], include_plots=False)
    plain = " ".join(Inspector(text).text)
    assert "chair.png; lamp.png" in plain
    assert "country: CN | none" in plain
    assert "5; 7" in plain
    assert "Designs matched by several queries" in text
    assert_safe_html(text)
