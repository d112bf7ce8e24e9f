"""The sandbox over ../shared/real-designs: the corpus `make demo` serves (the Makefile passes it) when present."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from patsnap_pandas.sandbox import start_sandbox
from tests.helpers import Api, png_bytes


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


def _demo(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """`patsnap-pandas demo` run from the repository root, beside ../shared."""
    return subprocess.run([sys.executable, "-m", "patsnap_pandas.cli", "demo", "--limit", "3", *args],
                          capture_output=True, text=True, timeout=180, env=env,
                          cwd=Path(__file__).resolve().parents[2])


def _rows(stdout: str) -> list[list[str]]:
    return [line.split() for line in stdout.splitlines() if re.match(r"^\s+\d+\s+\d\.\d{3}\s", line)]


@pytest.mark.slow  # the demo in a subprocess: left out of `make test-fast`, run by `make test` and CI
def test_demo_serves_the_folder_given_by_sandbox_corpus(real, real_designs):
    result = _demo("--sandbox-corpus", str(real_designs))
    assert result.returncode == 0, result.stderr
    assert "Data source: 50 designs (438 drawings) from the folder" in result.stdout
    assert "USD917866S" in result.stdout.split("Query:")[1].splitlines()[0]
    rows = _rows(result.stdout)
    assert len(rows) == 3 and rows[0][2] == "USD917866S"
    assert "-> rank 1 is the patent the query was drawn from (USD917866S)" in result.stdout


@pytest.mark.slow  # the demo in a subprocess: left out of `make test-fast`, run by `make test` and CI
def test_demo_takes_the_corpus_from_the_environment(real, real_designs):
    env = {**os.environ, "PATSNAP_SANDBOX_CORPUS": str(real_designs)}
    result = _demo(env=env)
    assert result.returncode == 0, result.stderr
    assert _rows(result.stdout)[0][2] == "USD917866S"


@pytest.mark.slow  # the demo in a subprocess: left out of `make test-fast`, run by `make test` and CI
def test_demo_never_looks_for_the_shared_folder_by_itself(real):
    """Run beside ../shared/real-designs without a setting: the generated corpus and a sample query."""
    env = {k: v for k, v in os.environ.items() if k != "PATSNAP_SANDBOX_CORPUS"}
    result = _demo(env=env)
    assert result.returncode == 0, result.stderr
    assert "Data source: 600 generated designs" in result.stdout
    assert 'Query: samples.image("desk-lamp")' in result.stdout
    assert "real-designs" not in result.stdout


def test_make_demo_passes_the_shared_folder_when_it_is_there(real_designs):
    root = Path(__file__).resolve().parents[2]
    dry = subprocess.run(["make", "-n", "-W", "pyproject.toml", "demo"], cwd=root, capture_output=True,
                         text=True, timeout=60)
    assert dry.returncode == 0, dry.stderr
    demo_line = next(line for line in dry.stdout.splitlines() if "patsnap-pandas demo" in line)
    assert demo_line.split("patsnap-pandas demo", 1)[1].split() == ["--sandbox-corpus", "../shared/real-designs"]
