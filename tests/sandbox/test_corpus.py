"""The sandbox corpus: generated designs (determinism, size, metadata) and folder corpora."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from patsnap_pandas import codes
from patsnap_pandas.sandbox import corpus as corpus_mod
from patsnap_pandas.sandbox.corpus import (
    Corpus,
    Design,
    generated_corpus,
    load_corpus,
    sandbox_cache_dir,
)
from patsnap_pandas.sandbox.folder_corpus import directory_corpus, format_pn
from patsnap_pandas.sandbox.index import ImageIndex
from tests.helpers import SANDBOX_TODAY

PN_PATTERNS = {
    "CN": re.compile(r"CN30\d{7}S"),
    "US": re.compile(r"USD\d{6,7}S"),
    "EM": re.compile(r"EM\d{9}-\d{4}"),
    "JP": re.compile(r"JP\d{7}S"),
    "KR": re.compile(r"KR30\d{7}0000"),
    "HK": re.compile(r"HK\d{8}S"),
}
UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
HAN = re.compile(r"[\u4e00-\u9fff]")
KANA = re.compile(r"[\u3040-\u30ff]")
HANGUL = re.compile(r"[\uac00-\ud7a3]")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The default corpus and its index, built from an empty cache dir (timed)."""
    cache = tmp_path_factory.mktemp("corpus-build")
    t0 = time.perf_counter()
    corpus = generated_corpus(cache_dir=cache)
    index = ImageIndex(corpus, cache_dir=cache)
    seconds = time.perf_counter() - t0
    return corpus, index, seconds, cache


def test_default_build_is_recorded(built, record_property):
    corpus, index, seconds, _ = built
    record_property("generated_build_seconds", round(seconds, 2))
    print(f"\ngenerated corpus {corpus.name}: {len(corpus.designs)} designs, {len(index.keys)} images, built + indexed in {seconds:.2f} s")
    assert corpus.name == "generated-seed0-n600"
    assert index.computed == len(index.keys) == len(corpus.image_keys)
    assert index.from_cache is False


def test_generated_corpus_size_classes_and_views(built):
    corpus, _, _, _ = built
    assert len(corpus.designs) == 600
    locs = Counter(d.loc[0] for d in corpus.designs)
    assert len(locs) >= 12
    assert min(locs.values()) >= 20  # every class is well represented
    views = Counter(len(d.image_keys) for d in corpus.designs)
    assert set(views) == {1, 2, 3, 4}
    keys = corpus.image_keys
    assert len(keys) == len(set(keys))
    assert all(isinstance(d, Design) for d in corpus.designs)


def test_generated_corpus_is_deterministic(built, tmp_path):
    corpus, _, _, _ = built
    again = generated_corpus(600, seed=0, cache_dir=tmp_path / "other")  # fresh cache: recomputed
    assert again.fingerprint == corpus.fingerprint
    assert [d.to_json() for d in again.designs] == [d.to_json() for d in corpus.designs]
    key = corpus.designs[17].image_keys[0]
    assert again.image(key).tobytes() == corpus.image(key).tobytes()
    other = generated_corpus(600, seed=1, cache_dir=tmp_path / "other")
    assert other.fingerprint != corpus.fingerprint
    assert other.designs[0].patent_id != corpus.designs[0].patent_id


def test_fingerprint_is_computed_once_and_cached(tmp_path, monkeypatch):
    first = generated_corpus(40, seed=3, cache_dir=tmp_path)
    assert (tmp_path / "corpus").is_dir()
    calls = []
    real = corpus_mod._render_spec
    monkeypatch.setattr(corpus_mod, "_render_spec", lambda spec: calls.append(spec) or real(spec))
    second = generated_corpus(40, seed=3, cache_dir=tmp_path)
    assert second.fingerprint == first.fingerprint
    assert calls == []  # nothing re-rendered: the fingerprint came from the cache file


def test_publication_numbers_and_ids(built):
    corpus, _, _, _ = built
    authorities = Counter(d.authority for d in corpus.designs)
    assert set(authorities) == set(PN_PATTERNS)
    for d in corpus.designs:
        assert PN_PATTERNS[d.authority].fullmatch(d.patent_pn), d.patent_pn
        assert UUID4.fullmatch(d.patent_id), d.patent_id
        assert uuid.UUID(d.patent_id).version == 4
        assert d.apno.startswith(d.authority)
    assert len({d.patent_pn for d in corpus.designs}) == len(corpus.designs)
    assert len({d.patent_id for d in corpus.designs}) == len(corpus.designs)


def test_titles_in_the_authority_language(built):
    corpus, _, _, _ = built
    expected = {"CN": "zh", "HK": "zh", "JP": "ja", "KR": "ko", "US": "en", "EM": "en"}
    langs = Counter()
    for d in corpus.designs:
        assert d.lang == expected[d.authority]
        langs[d.lang] += 1
        if d.lang == "zh":
            assert HAN.search(d.title)
        elif d.lang == "ja":
            assert HAN.search(d.title) or KANA.search(d.title)
        elif d.lang == "ko":
            assert HANGUL.search(d.title)
        else:
            assert d.title.isascii() and d.title
    assert all(langs[x] >= 20 for x in ("en", "zh", "ja", "ko"))


def test_parties(built):
    corpus, _, _, _ = built
    truth = corpus.owner_truth
    owners = Counter(a for d in corpus.designs for a in truth.owners[d.patent_id])
    assert 20 <= len(owners) <= 40  # a pool of about 30 companies
    assert owners.most_common(1)[0][1] >= 10  # analysts see repeats
    assert any(HAN.search(a) for a in owners)
    spellings = {a for d in corpus.designs for a in d.assignees + d.applicants}
    assert len(spellings) > 3 * len(owners) and spellings <= set(truth.names)  # each filed under a few spellings
    for d in corpus.designs:
        assert d.assignees and d.applicants and 1 <= len(d.inventors) <= 3
        assert all(isinstance(x, str) and x for x in d.assignees + d.applicants + d.inventors)


def test_dates_and_legal_status(built):
    corpus, _, _, _ = built
    years = Counter()
    for d in corpus.designs:
        assert dt.date(2010, 1, 1) <= d.apply_date <= d.publication_date <= dt.date(2025, 12, 31)
        if d.grant_date is not None:
            assert d.apply_date <= d.grant_date
            assert d.grant_date == d.publication_date  # designs are published on grant
        code, simple = d.legal_status_on(SANDBOX_TODAY), d.simple_legal_status_on(SANDBOX_TODAY)
        assert code in codes.LEGAL_STATUS
        assert simple in codes.SIMPLE_LEGAL_STATUS
        granted_alive = code in (3, 21, 23)
        assert (simple == 1) == granted_alive == d.in_force_on(SANDBOX_TODAY)
        if simple == 2:  # pending: no grant yet
            assert d.grant_date is None and code in (1, 2)
        if code == 15:  # expired: the term has run out
            assert d.legal_history.expiry < SANDBOX_TODAY and d.apply_date.year <= 2016
        years[d.apply_date.year] += 1
    assert min(years) <= 2011 and max(years) >= 2023
    statuses = Counter(d.simple_legal_status_on(SANDBOX_TODAY) for d in corpus.designs)
    assert statuses[1] > statuses[0] > 0 and statuses[2] > 0


def test_locarno_code_matches_what_is_drawn(built):
    corpus, _, _, _ = built
    by_kind: dict[str, set] = {}
    for d in corpus.designs:
        by_kind.setdefault(corpus.kinds[d.patent_id], set()).add(d.loc)
    assert len(by_kind) >= 12
    assert all(len(locs) == 1 for locs in by_kind.values())
    assert by_kind["bottle"] == {("09-01",)} and by_kind["chair"] == {("06-01",)} and by_kind["car"] == {("12-08",)}


def test_images_and_png(built):
    corpus, _, _, _ = built
    d = corpus.designs[3]
    img = corpus.image(d.image_keys[0])
    assert isinstance(img, Image.Image) and max(img.size) == 512
    data = corpus.image_png(d.image_keys[0])
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert corpus.image_png(d.image_keys[0]) is data  # memoised
    with Image.open(io.BytesIO(data)) as png:
        assert png.size == img.size
    with pytest.raises(KeyError, match="nope"):
        corpus.image("nope")
    assert corpus.design(d.patent_id) is d
    assert corpus.design("00000000-0000-4000-8000-000000000000") is None
    assert corpus.design_of_image(d.image_keys[-1]) is d


def test_bad_arguments_name_the_parameter(tmp_path):
    with pytest.raises(ValueError, match="size=0"):
        generated_corpus(0, cache_dir=tmp_path)
    with pytest.raises(TypeError, match="seed='x'"):
        generated_corpus(10, seed="x", cache_dir=tmp_path)
    with pytest.raises(ValueError, match="manifest.csv"):
        directory_corpus(tmp_path)
    with pytest.raises(TypeError, match="corpus=123"):
        load_corpus(123)
    with pytest.raises(TypeError, match="corpus="):
        ImageIndex("not a corpus")


def test_cache_dir_resolution(monkeypatch, tmp_path):
    assert sandbox_cache_dir(tmp_path) == tmp_path
    assert sandbox_cache_dir() == Path(os.environ["PATSNAP_SANDBOX_CACHE_DIR"])  # set by conftest
    monkeypatch.delenv("PATSNAP_SANDBOX_CACHE_DIR")
    import platformdirs

    assert sandbox_cache_dir() == Path(platformdirs.user_cache_dir("patsnap-pandas")) / "sandbox"


def test_load_corpus_dispatch(tmp_path):
    c = load_corpus(None, size=12, seed=5, cache_dir=tmp_path)
    assert c.name == "generated-seed5-n12" and len(c.designs) == 12
    assert load_corpus(c) is c
    folder = _tiny_folder(tmp_path / "tiny")
    d = load_corpus(str(folder))
    assert d.name == f"dir:{folder.resolve()}"


@pytest.mark.parametrize(
    "number, expected",
    [("D907292", ("USD907292S", "US")), ("D0907292", ("USD907292S", "US")), ("USD1,012,345S", ("USD1012345S", "US")), ("CN305123456S", ("CN305123456S", "CN"))],
)
def test_format_pn(number, expected):
    assert format_pn(number) == expected


def _tiny_folder(root: Path) -> Path:
    """A folder corpus with a 1-bit CCITT G4 TIFF, a PNG and a JPEG, in the real-designs manifest format."""
    root.mkdir(parents=True)
    (root / "a").mkdir()
    (root / "b").mkdir()
    sheet = Image.new("1", (1600, 2200), 1)
    d = ImageDraw.Draw(sheet)
    d.rectangle((300, 300, 1300, 1900), outline=0, width=6)
    d.ellipse((500, 500, 1100, 1100), outline=0, width=6)
    sheet.save(root / "a" / "A-D00001.TIF", compression="group4", dpi=(300, 300))
    png = Image.new("L", (400, 300), 255)
    ImageDraw.Draw(png).ellipse((50, 50, 350, 250), outline=0, width=3)
    png.save(root / "a" / "A-D00000.png")
    jpg = Image.new("RGB", (300, 400), "white")
    ImageDraw.Draw(jpg).polygon([(150, 20), (280, 380), (20, 380)], outline="black", width=4)
    jpg.save(root / "b" / "B-D00001.jpg", quality=90)
    fields = ["file", "patent_number", "title", "locarno", "grant_date", "filing_date", "applicant", "view", "group_id"]
    rows = [
        ["a/A-D00001.TIF", "D900001", "Widget", "10-02", "2021-03-02", "2019-05-06", "ACME Corp. (US)", "drawing_sheet_1", "D900001"],
        ["a/A-D00000.png", "D900001", "Widget", "10-02", "2021-03-02", "2019-05-06", "ACME Corp. (US)", "front_page_representative", "D900001"],
        ["b/B-D00001.jpg", "D900002", "Gadget", "14-03", "2021-04-06", "2020-01-02", "Globex GmbH (DE)", "drawing_sheet_1", "D900002"],
    ]
    with open(root / "manifest.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(fields)
        w.writerows(rows)
    return root


def test_directory_corpus_from_a_small_folder(tmp_path):
    folder = _tiny_folder(tmp_path / "tiny")
    c = directory_corpus(folder)
    assert isinstance(c, Corpus) and len(c.designs) == 2
    a, _ = c.designs
    assert a.patent_pn == "USD900001S" and a.authority == "US" and a.lang == "en"
    assert a.image_keys == ("A-D00000", "A-D00001")  # front page first
    assert a.title == "Widget" and a.loc == ("10-02",)
    assert a.applicants == ("ACME Corp.",) and a.assignees == ("ACME Corp.",)
    assert a.apply_date == dt.date(2019, 5, 6) and a.grant_date == a.publication_date == dt.date(2021, 3, 2)
    assert a.legal_status_on(SANDBOX_TODAY) == 3 and a.simple_legal_status_on(SANDBOX_TODAY) == 1
    assert a.patent_id == str(uuid.uuid5(corpus_mod.CORPUS_NAMESPACE, "USD900001S"))
    assert directory_corpus(folder).fingerprint == c.fingerprint
    big = c.image("A-D00001")
    assert big.mode == "1" and big.size == (1600, 2200)
    with Image.open(io.BytesIO(c.image_png("A-D00001"))) as png:
        assert max(png.size) <= 1024 and png.mode == "L"
    index = ImageIndex(c, cache_dir=tmp_path / "cache")
    m = index.match(c.image("B-D00001"))
    assert m.best_image[0] in a.image_keys and m.best_image[1] == "B-D00001"
    assert m.scores[1] >= 0.99 and m.scores[0] < m.scores[1]
    (folder / "b" / "B-D00001.jpg").write_bytes(b"changed")  # content changes -> fingerprint changes
    assert directory_corpus(folder).fingerprint != c.fingerprint


def test_directory_corpus_real_designs(real_designs):
    c = directory_corpus(real_designs)
    assert len(c.designs) == 50 and len(c.image_keys) == 438
    d = next(x for x in c.designs if x.patent_pn == "USD907292S")
    assert d.title == "Shaving blade cartridge" and d.loc == ("28-03",)
    assert d.applicants == ("BIC-VIOLEX SA",)
    assert d.inventors and d.apno == "US29680800"
    assert d.apply_date == dt.date(2019, 2, 20) and d.grant_date == dt.date(2021, 1, 5)
    assert d.image_keys[0] == "USD0907292-20210105-D00000"  # the front-page representative first
    assert d.patent_id == str(uuid.uuid5(corpus_mod.CORPUS_NAMESPACE, "USD907292S"))
    assert all(PN_PATTERNS["US"].fullmatch(x.patent_pn) for x in c.designs)
