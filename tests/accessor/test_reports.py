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

from patsnap_pandas import InvalidInputError, search_designs
from patsnap_pandas.jobs.images import load_query_image
from patsnap_pandas.store.thumbnails import ThumbnailStore
from tests.helpers import HOSTILE_APPLICANT, HOSTILE_TITLE, design_png

TABLE_THUMB = re.compile(r'<td class="image"><img src="data:image/png;base64,([A-Za-z0-9+/=]+)"')
ANY_DATA_IMG = re.compile(r'<img[^>]*\ssrc="data:image/(?:png|jpeg);base64,')
REMOTE_SRC = re.compile(r'src\s*=\s*["\']?\s*(?:https?:)?//', re.IGNORECASE)
LINK = re.compile(r'href="([^"]+)"')
PUBLIC_RECORDS = ("https://patents.google.com/patent/", "https://euipo.europa.eu/eSearch/#details/designs/")


def only_public_record_links(text: str) -> bool:
    return all(url.startswith(PUBLIC_RECORDS) for url in LINK.findall(text))


def hits_table(text: str) -> str:
    start = text.index('<table class="hits"')
    return text[start:text.index("</table>", start)]


def test_report_reopened_after_image_urls_expired_shows_every_thumbnail(client, sandbox, corpus, tmp_path,
                                                                          clock):
    sandbox.configure(image_url_lifetime=2)
    hits = search_designs(design_png(corpus, 30), client=client, limit=10)  # prefetches the thumbnails
    last = max(int(parse_qs(urlsplit(url).query)["expires"][0]) for url in hits["image_url"])
    clock.shift(max(0.0, last - time.time()) + 0.2)
    assert {requests.get(url, timeout=10).status_code for url in hits["image_url"]} <= {403, 404, 410}

    path = hits.patsnap.to_html(tmp_path / "report.html", title="Lamp search")
    text = path.read_text(encoding="utf-8")  # reopened from disk
    assert "<script" not in text.lower()
    assert not REMOTE_SRC.search(text)
    assert "127.0.0.1" not in text  # neither the expired image URLs nor the upload URL
    assert only_public_record_links(text)
    thumbs = TABLE_THUMB.findall(hits_table(text))
    assert len(thumbs) == len(hits) == 10
    placeholder = ThumbnailStore(hits.attrs["thumbnail_dir"], size=256).placeholder()
    assert all(base64.b64decode(t) != placeholder for t in thumbs)
    assert "Lamp search" in text


def test_report_embeds_the_local_query_image_after_its_upload_url_expired(client, sandbox, corpus, tmp_path,
                                                                          clock):
    sandbox.configure(image_url_lifetime=2)
    query = design_png(corpus, 30)
    hits = search_designs(query, client=client, limit=4)
    expires = int(parse_qs(urlsplit(hits.attrs["query_url"]).query)["expires"][0])
    clock.shift(max(0.0, expires - time.time()) + 0.2)
    assert requests.get(hits.attrs["query_url"], timeout=10).status_code in (403, 404, 410)

    text = hits.patsnap.to_html(tmp_path / "r.html").read_text(encoding="utf-8")
    block = text[text.index('<section class="query-image">'):]
    shown = re.search(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', block)
    stored = load_query_image(hits)
    assert shown is not None and stored is not None
    # the query image is shown large (at most 480 px, from the stored thumbnail) and beside every card
    assert len(re.findall(r"Query: ", text)) == 4


def test_report_escapes_hostile_titles_and_assignees_from_the_sandbox(hostile_hits, tmp_path):
    rich = hostile_hits.patsnap.enrich(["applicants", "assignees"])
    text = rich.patsnap.to_html(tmp_path / "hostile.html", title="<b>t</b>", author='"><i>x').read_text("utf-8")
    assert "<script" not in text.lower()
    assert HOSTILE_TITLE not in text and HOSTILE_APPLICANT not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "&lt;b&gt;t&lt;/b&gt;" in text and "<b>t</b>" not in text and "<i>x" not in text
    assert len(TABLE_THUMB.findall(hits_table(text))) == len(rich)


def test_report_arguments_are_checked_first(hits, tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        hits.patsnap.to_html(tmp_path / "missing" / "r.html")
    with pytest.raises(InvalidInputError, match=r"^include='some' is not valid: unknown choice\. Allowed: 'all', 'marked' or 'relevant'\.$"):
        hits.patsnap.to_html(tmp_path / "r.html", include="some")
    with pytest.raises(InvalidInputError, match=r"title='' is not valid"):
        hits.patsnap.to_excel(tmp_path / "r.xlsx", title="")
    with pytest.raises(ValueError, match=r"^page_size='A3' is not valid: unknown page size\. Allowed: 'A4' or 'Letter'\.$"):
        hits.patsnap.to_pdf(tmp_path / "r.pdf", page_size="A3")
    with pytest.raises(TypeError):
        hits.patsnap.to_html(tmp_path / "r.html", include_plots=False)  # an option that does not exist
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("r.")]


def test_excel_has_one_image_per_hit_row_and_human_headers(hits, tmp_path):
    rich = hits.patsnap.enrich(["assignees", "grant_date"])
    path = rich.patsnap.to_excel(tmp_path / "hits.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book["Hits"]
    header_row = next(r for r in sheet.iter_rows() if any(c.value == "Number" for c in r))
    header = [c.value for c in header_row]
    first = header_row[0].row  # 1-based header row; data rows follow
    assert header[0] == "Image" and "patent_pn" not in header and "image_url" not in header
    assert sheet.max_row == first + len(rich)
    anchors = sorted(image.anchor._from.row + 1 for image in sheet._images if image.anchor._from.col == 0
                     and image.anchor._from.row + 1 > first)
    assert anchors == list(range(first + 1, first + len(rich) + 1))  # one image in each hit row
    numbers = [sheet.cell(row=r, column=header.index("Number") + 1).value for r in range(first + 1,
                                                                                          first + len(rich) + 1)]
    assert numbers == list(rich["patent_pn"])
    grants = [sheet.cell(row=r, column=header.index("Granted") + 1).value for r in range(first + 1,
                                                                                         first + len(rich) + 1)]
    assert any(g is not None for g in grants) and all(g is None or g.year > 1900 for g in grants)
    assert book.sheetnames == ["Summary", "Hits", "Landscape", "About"]  # enriched: the owners make a landscape


def test_batch_report_has_each_products_image_beside_its_hits(client, corpus, tmp_path):
    catalogue = pd.DataFrame({"photo": [design_png(corpus, 60), str(tmp_path / "gone.png"), design_png(corpus, 61)]},
                             index=["chair", "gone", "lamp"])
    batch = catalogue.patsnap.search_each("photo", limit=4, client=client, progress=False)
    text = batch.patsnap.to_html(tmp_path / "batch.html").read_text(encoding="utf-8")
    shown = text.replace("<wbr>", "")  # the path of the missing image: a long run with break opportunities
    assert "<script" not in text.lower() and not REMOTE_SRC.search(text)
    products = text.split('<section class="product">')[1:]
    assert len(products) == 3
    for part in products[0], products[2]:  # each product: its image, its cards, its hits
        head = part[:part.index("</div></div>")]
        assert 'class="product-head"><img src="data:image/png;base64,' in head
        assert len(TABLE_THUMB.findall(hits_table(part))) == 4
    assert "ImageInputError: image=&#x27;" in shown and "no such file" in shown
    overview = text[text.index('<table class="overview"'):]
    overview = overview[:overview.index("</table>")]
    assert overview.count("<tr>") == 4  # header + three products
