"""Every kind of query image, over HTTP to the sandbox; bad images fail before any call."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest
import requests
from PIL import Image

from patsnap_pandas import ImageInputError, InvalidInputError, search_designs
from patsnap_pandas.api.images import ImageSizeWarning
from patsnap_pandas.codes import UPLOAD_MAX_BYTES
from tests.helpers import noisy_upscale


def top_id(df) -> str:
    return df["patent_id"].iloc[0]


def test_url_is_searched_as_given_without_upload(client, ledger, query_png, design):
    # A URL the sandbox serves: the query design's own image, as a hit URL of a first search.
    url = search_designs(query_png, client=client, limit=1, thumbnails=False)["image_url"].iloc[0]
    ledger.mark()

    df = search_designs(url, client=client, limit=5, thumbnails=False)

    assert [e.endpoint for e in ledger.new()] == ["/image-search/search-id"]
    assert ledger.new()[0].params["url"] == url
    assert top_id(df) == design.patent_id
    assert df.attrs["query_url"] == url
    assert df.attrs["query"] == url
    assert (df["query"] == url).all()


def test_every_local_kind_finds_the_design_and_shares_one_upload(client, ledger, corpus, design, query_png,
                                                                 tmp_path):
    path = tmp_path / "lamp.png"
    path.write_bytes(query_png)
    pil = corpus.image(design.image_keys[0])
    inputs = {
        "str path": (str(path), "lamp.png"),
        "Path": (path, "lamp.png"),
        "bytes": (query_png, None),
        "PIL image": (pil, None),
        "numpy array": (np.asarray(pil), None),
    }
    ledger.mark()
    query_urls = set()
    for kind, (image, label) in inputs.items():
        df = search_designs(image, client=client, limit=5, thumbnails=False)
        assert top_id(df) == design.patent_id, kind
        assert df["score"].iloc[0] >= 0.99, kind
        if label is not None:
            assert df.attrs["query"] == label, kind
        query_urls.add(df.attrs["query_url"])
    with open(path, "rb") as f:
        df = search_designs(f, client=client, limit=5, thumbnails=False)
    assert top_id(df) == design.patent_id
    assert df.attrs["query"] == "lamp.png"
    query_urls.add(df.attrs["query_url"])

    # Same pixels -> same upload bytes -> one upload and one search, whatever the container.
    assert len(query_urls) == 1
    assert ledger.endpoints() == ["image-upload", "search-id"]


def test_label_names_the_query(client, query_png):
    df = search_designs(query_png, client=client, limit=3, label="  desk lamp  ", thumbnails=False)
    assert df.attrs["query"] == "desk lamp"
    assert (df["query"] == "desk lamp").all()


def test_real_tiff_drawings_find_their_patent(real_sandbox, real_designs, tmp_path):
    from patsnap_pandas import PatsnapClient

    rows = list(csv.DictReader((real_designs / "manifest.csv").open(encoding="utf-8")))
    picks = ["D917866", "D927435", "D925503"]
    with PatsnapClient(base_url=real_sandbox.base_url, api_key=real_sandbox.credentials.api_key,
                       cache_dir=tmp_path / "cache") as client:
        for number in picks:
            sheet = next(r for r in rows if r["patent_number"] == number and r["view"] == "drawing_sheet_1")
            tiff = real_designs / sheet["file"]
            assert tiff.suffix.upper() == ".TIF"
            df = search_designs(tiff, client=client, limit=3, thumbnails=False)
            assert df["patent_pn"].iloc[0] == f"US{number}S", sheet["file"]
            assert df.attrs["query"] == tiff.name


def test_ten_megabyte_image_is_shrunk_and_still_found(client, ledger, corpus, design):
    data = noisy_upscale(corpus.image(design.image_keys[0]))
    assert len(data) > 9 * 2**20
    ledger.mark()

    with pytest.warns(ImageSizeWarning, match="upload limit"):
        df = search_designs(data, client=client, limit=5, thumbnails=False)

    assert top_id(df) == design.patent_id
    upload = ledger.new()[0]
    assert upload.endpoint == "/image-search/image-upload" and upload.ok
    uploaded = requests.get(df.attrs["query_url"], timeout=10)
    assert uploaded.status_code == 200
    assert 0 < len(uploaded.content) <= UPLOAD_MAX_BYTES

    ledger.mark()  # again: the preparation is remembered, and so is its warning
    with pytest.warns(ImageSizeWarning, match="upload limit"):
        again = search_designs(data, client=client, limit=5, thumbnails=False)
    assert ledger.new() == [] and again.attrs["from_cache"] is True


def _corrupt_png(query_png: bytes) -> bytes:
    return query_png[: len(query_png) // 2]


@pytest.mark.parametrize("kind", ["corrupt file", "text file", "empty bytes", "ftp url", "file url",
                                  "missing path", "directory", "wrong type", "bad array"])
def test_bad_images_fail_before_any_call(kind, client, ledger, query_png, tmp_path):
    corrupt = tmp_path / "broken.png"
    corrupt.write_bytes(_corrupt_png(query_png))
    text = tmp_path / "notes.png"
    text.write_text("not an image at all\n")
    image = {
        "corrupt file": corrupt,
        "text file": str(text),
        "empty bytes": b"",
        "ftp url": "ftp://example.com/chair.png",
        "file url": "file:///etc/hosts",
        "missing path": tmp_path / "nowhere.png",
        "directory": tmp_path,
        "wrong type": 12345,
        "bad array": np.zeros((4, 4, 2), dtype=np.uint8),
    }[kind]
    ledger.mark()
    with pytest.raises(ImageInputError) as err:
        search_designs(image, client=client)
    assert isinstance(err.value, InvalidInputError) and isinstance(err.value, ValueError)
    assert str(err.value).startswith("image=")
    assert ledger.new() == []
    assert client.usage.as_dict()["requests"] == {}


def test_binary_file_object_without_name(client, design, query_png):
    df = search_designs(io.BytesIO(query_png), client=client, limit=2, thumbnails=False)
    assert top_id(df) == design.patent_id
    assert df.attrs["query"].startswith("bytes:")


def test_grayscale_16_bit_and_rgba_inputs(client, corpus, design):
    gray = np.asarray(corpus.image(design.image_keys[0]).convert("L"))
    as16 = gray.astype(np.uint16) * 257
    rgba = np.dstack([gray, gray, gray, np.full_like(gray, 255)])
    for array in (as16, rgba):
        df = search_designs(array, client=client, limit=2, thumbnails=False)
        assert top_id(df) == design.patent_id
    img = Image.fromarray(rgba, "RGBA")
    assert top_id(search_designs(img, client=client, limit=2, thumbnails=False)) == design.patent_id
