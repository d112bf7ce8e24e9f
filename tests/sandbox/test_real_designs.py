"""The sandbox over ../shared/real-designs: the corpus `make demo` serves when the folder is present."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from patsnap_pandas.sandbox import start_sandbox
from tests.sandbox.conftest import Api, png_bytes


@pytest.fixture(scope="module")
def real(real_designs):
    with start_sandbox(real_designs) as server:
        yield server


def design(sandbox, pn):
    return next(d for d in sandbox.corpus.designs if d.patent_pn == pn)


def test_real_corpus_is_served(real):
    assert len(real.corpus.designs) == 50
    assert all(d.authority == "US" and re.fullmatch(r"USD\d+S", d.patent_pn) for d in real.corpus.designs)


def test_a_drawing_sheet_finds_its_patent_first(real):
    shoe = design(real, "USD917866S")
    sheet = real.corpus.image(shoe.image_keys[2])  # a drawing sheet, not the front page
    sheet = sheet.convert("L")
    sheet.thumbnail((1200, 1200))
    api = Api(real)
    hits = api.search(api.upload_url(png_bytes(sheet)), limit=5)["patent_messages"]
    assert hits[0]["patent_pn"] == "USD917866S"
    assert hits[0]["title"] == "Shoe"
    assert hits[0]["loc"] == ["02-04"]
    assert hits[0]["apdt"] == 20200529


def test_real_filters_and_bibliography(real):
    api = Api(real)
    shoe = design(real, "USD917866S")
    url = api.upload_url(real.corpus.image_png(shoe.image_keys[0]))
    shoes = api.search(url, loc="02-04", limit=100)
    expected = {d.patent_pn for d in real.corpus.designs if "02-04" in d.loc}
    assert {h["patent_pn"] for h in shoes["patent_messages"]} == expected
    assert api.search(url, assignees="nike", limit=100)["total_search_result_count"] == sum(
        any("nike" in n.lower() for n in (*d.assignees, *d.applicants)) for d in real.corpus.designs
    )
    (item,) = api.data("/basic-patent-data/simple-bibliography", patent_number="USD917866S")
    bib = item["bibliographic_data"]
    assert bib["application_reference"]["date"] == 20200529
    assert bib["dates_of_public_availability"]["printed_with_granted"] == 20210504
    assert bib["classification_data"]["classification_loc"] == ["02-04"]
    assert bib["publication_reference"] == {"country": "US", "doc_number": "D917866", "kind": "S", "date": 20210504}


def test_hit_images_of_large_tiff_sheets_are_bounded_pngs(real):
    api = Api(real)
    big = max(real.corpus.designs, key=lambda d: len(d.image_keys))
    url = api.upload_url(real.corpus.image_png(big.image_keys[1]))
    hit = api.search(url, limit=1)["patent_messages"][0]
    response = api.session.get(hit["url"], timeout=30)
    with Image.open(io.BytesIO(response.content)) as img:
        assert img.format == "PNG" and max(img.size) <= 1024


def test_demo_uses_the_real_drawings_by_default(real):
    result = subprocess.run(
        [sys.executable, "-m", "patsnap_pandas.cli", "demo", "--limit", "3"],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode == 0, result.stderr
    assert "USD917866S" in result.stdout.split("Query:")[1].splitlines()[0]
    rows = [line.split() for line in result.stdout.splitlines() if re.match(r"^\s+\d+\s+\d\.\d{3}\s", line)]
    assert len(rows) == 3
    assert rows[0][2] == "USD917866S"
