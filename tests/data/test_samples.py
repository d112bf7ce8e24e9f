"""patsnap_pandas.samples: named query images drawn by the package, and a sample catalogue."""

from __future__ import annotations

import hashlib
import os

import pytest
from PIL import Image

from patsnap_pandas import InvalidInputError, PatsnapClient, samples, search_designs


def test_every_sample_is_an_image_file_in_the_cache_folder_not_the_working_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cache = os.environ["PATSNAP_CACHE_DIR"]
    for name in samples.names():
        path = samples.image(name)
        assert path.is_file() and str(path).startswith(cache), path
        with Image.open(path) as img:
            img.load()
            assert min(img.size) >= 200
    assert list(tmp_path.iterdir()) == []


def test_the_tiff_sample_is_a_one_bit_drawing_sheet():
    with Image.open(samples.image("sneaker-drawing")) as img:
        assert img.format == "TIFF" and img.mode == "1" and img.info.get("compression") == "group4"
        assert max(img.size) >= 1500


def test_samples_are_deterministic(tmp_path, monkeypatch):
    first = {n: hashlib.sha256(samples.image(n).read_bytes()).hexdigest() for n in samples.names()}
    monkeypatch.setenv("PATSNAP_CACHE_DIR", str(tmp_path / "elsewhere"))  # drawn again, from scratch
    again = {n: hashlib.sha256(samples.image(n).read_bytes()).hexdigest() for n in samples.names()}
    assert again == first
    assert len(set(first.values())) == len(first)  # all different


def test_a_read_only_cache_folder_falls_back_to_the_temp_folder(tmp_path, monkeypatch):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would be")
    monkeypatch.setenv("PATSNAP_CACHE_DIR", str(blocked))
    path = samples.image("kettle")
    assert path.is_file() and not str(path).startswith(str(blocked))


@pytest.mark.parametrize("bad", ["lamp", "", None, 3])
def test_unknown_names_are_refused_with_the_allowed_ones(bad):
    with pytest.raises(InvalidInputError, match=r"^name=.* is not valid: unknown sample image\. Allowed: 'desk-lamp', 'armchair', "):
        samples.image(bad)


def test_catalogue_is_a_product_table_with_image_paths():
    products = samples.catalogue()
    assert list(products.columns) == ["sku", "name", "category", "image_path"]
    assert products["sku"].is_unique and len(products) == 7
    assert all(os.path.isfile(p) for p in products["image_path"])


def test_each_sample_finds_its_own_product_class_in_the_sandbox():
    """A sample is a new design: its best hits are registered designs of the same Locarno class."""
    expected_loc = {"desk-lamp": "26-05", "armchair": "06-01", "kettle": "07-02", "sneaker": "02-04",
                    "water-bottle": "09-01", "tote-bag": "03-01", "wristwatch": "10-02", "sneaker-drawing": "02-04"}
    with PatsnapClient.sandbox() as client:
        for name, loc in expected_loc.items():
            hits = search_designs(samples.image(name), client=client, limit=5)
            assert hits["loc"].str[0].tolist() == [loc] * 5, name
