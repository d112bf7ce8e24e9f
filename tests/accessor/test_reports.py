"""df.patsnap.to_html / to_excel on sandbox results: self-contained, escaped, thumbnails that outlive URLs."""

from __future__ import annotations

import base64
import re
import time
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pandas as pd
import pytest
import requests

from patsnap_pandas import search, search_designs
from patsnap_pandas.images import ThumbnailStore

from .conftest import HOSTILE_APPLICANT, HOSTILE_TITLE, design_png

HIT_THUMB = re.compile(r'<td class="thumb"><img src="data:image/png;base64,([A-Za-z0-9+/=]+)"')
ANY_DATA_IMG = re.compile(r'<img[^>]*\ssrc="data:image/(?:png|jpeg);base64,')
REMOTE_SRC = re.compile(r'src\s*=\s*["\']?\s*(?:https?:)?//', re.IGNORECASE)


def test_report_reopened_after_image_urls_expired_shows_every_thumbnail(client, sandbox, corpus, tmp_path):
    sandbox.configure(image_url_lifetime=2)
    hits = search_designs(design_png(corpus, 30), client=client, limit=10)  # prefetches the thumbnails
    # the sandbox signs URLs with a whole-second expiry: wait until the last one has passed
    last = max(int(parse_qs(urlsplit(url).query)["expires"][0]) for url in hits["image_url"])
    time.sleep(max(0.0, last - time.time()) + 0.2)
    assert {requests.get(url, timeout=10).status_code for url in hits["image_url"]} <= {403, 404, 410}

    path = hits.patsnap.to_html(tmp_path / "report.html", title="Lamp search")
    text = path.read_text(encoding="utf-8")  # reopened from disk
    assert "<script" not in text.lower()
    assert not REMOTE_SRC.search(text)
    assert "http://" not in text and "https://" not in text  # not even the expired image URLs
    thumbs = HIT_THUMB.findall(text)
    assert len(thumbs) == len(hits) == 10
    assert 'class="thumb noimg"' not in text
    placeholder = ThumbnailStore(hits.attrs["thumbnail_dir"], size=256).placeholder()
    assert all(base64.b64decode(t) != placeholder for t in thumbs)
    stored = ThumbnailStore(hits.attrs["thumbnail_dir"], size=256)
    for payload, pid, url in zip(thumbs, hits["patent_id"], hits["image_url"]):
        assert base64.b64decode(payload) == stored.path(pid, url).read_bytes()
    assert len(ANY_DATA_IMG.findall(text)) == len(hits) + 3  # + the query image and the two charts
    assert "Lamp search" in text


def test_report_embeds_the_local_query_image_after_its_upload_url_expired(client, sandbox, corpus, tmp_path):
    sandbox.configure(image_url_lifetime=2)
    query = design_png(corpus, 30)
    hits = search_designs(query, client=client, limit=4)
    query_url = hits.attrs["query_url"]
    expires = int(parse_qs(urlsplit(query_url).query)["expires"][0])
    time.sleep(max(0.0, expires - time.time()) + 0.2)
    assert requests.get(query_url, timeout=10).status_code in (403, 404, 410)

    text = hits.patsnap.to_html(tmp_path / "r.html", include_plots=False).read_text(encoding="utf-8")
    header = text[:text.index('<table class="hits"')]
    shown = re.search(r'<figure class="qimg"><img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', header)
    assert shown is not None
    assert base64.b64decode(shown.group(1)) == search.load_query_image(hits)
    assert base64.b64decode(shown.group(1)) == ThumbnailStore(tmp_path / "t", size=256).put("", "http://x/q.png", query)
    assert not REMOTE_SRC.search(text) and "http://" not in text and "https://" not in text
    assert len(ANY_DATA_IMG.findall(text)) == len(hits) + 1


def test_report_embeds_the_query_image_while_its_url_lives(hits, tmp_path):
    text = hits.patsnap.to_html(tmp_path / "r.html", include_plots=False).read_text(encoding="utf-8")
    assert re.search(r'<figure class="qimg"><img src="data:image/png;base64,', text)
    assert len(ANY_DATA_IMG.findall(text)) == len(hits) + 1


def test_report_escapes_hostile_titles_and_assignees_from_the_sandbox(hostile_hits, tmp_path):
    rich = hostile_hits.patsnap.enrich(["applicants", "assignees"])
    assert HOSTILE_APPLICANT in set(rich["applicants"])
    text = rich.patsnap.to_html(tmp_path / "hostile.html", title="<b>t</b>").read_text(encoding="utf-8")
    assert "<script" not in text.lower()
    assert HOSTILE_TITLE not in text and HOSTILE_APPLICANT not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in text
    assert "&lt;b&gt;t&lt;/b&gt;" in text and "<b>t</b>" not in text
    assert len(HIT_THUMB.findall(text)) == len(rich)


def test_report_arguments_are_checked_first(hits, tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        hits.patsnap.to_html(tmp_path / "missing" / "r.html")
    with pytest.raises(ValueError, match="include_plots='no'"):
        hits.patsnap.to_html(tmp_path / "r.html", include_plots="no")
    with pytest.raises(ValueError, match="does not exist"):
        hits.patsnap.to_excel(tmp_path / "missing" / "r.xlsx")


def test_excel_opens_with_openpyxl_with_one_image_per_hit_row(hits, tmp_path):
    rich = hits.patsnap.enrich(["assignees", "grant_date"])
    path = rich.patsnap.to_excel(tmp_path / "hits.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book["hits"]
    header = [c.value for c in sheet[1]]
    assert header[0] == "thumbnail" and "image_url" not in header
    assert sheet.max_row == len(rich) + 1
    anchors = sorted(image.anchor._from.row for image in sheet._images)
    assert anchors == list(range(1, len(rich) + 1))  # one image in each hit row (0-based rows)
    assert all(image.anchor._from.col == 0 for image in sheet._images)
    pns = [sheet.cell(row=r, column=header.index("patent_pn") + 1).value for r in range(2, len(rich) + 2)]
    assert pns == list(rich["patent_pn"])
    grants = [sheet.cell(row=r, column=header.index("grant_date") + 1).value for r in range(2, len(rich) + 2)]
    assert all(g is None or g.year > 1900 for g in grants) and any(g is not None for g in grants)
    assert "about" in book.sheetnames


def test_batch_report_shows_hits_with_thumbnails_and_the_failed_rows(client, corpus, tmp_path):
    catalogue = pd.DataFrame({"photo": [design_png(corpus, 60), str(tmp_path / "gone.png"), design_png(corpus, 61)]},
                             index=["chair", "gone", "lamp"])
    batch = catalogue.patsnap.search_each("photo", limit=4, client=client, progress=False)
    text = batch.patsnap.to_html(tmp_path / "batch.html").read_text(encoding="utf-8")
    assert "<script" not in text.lower() and not REMOTE_SRC.search(text)
    assert len(HIT_THUMB.findall(text)) == 8  # one per hit row of chair and lamp
    assert text.count('<td class="thumb noimg">no image</td>') == 1  # the failed row
    assert "ImageInputError: image=&#x27;" in text and "no such file" in text
    assert "Designs matched by several queries" in text
