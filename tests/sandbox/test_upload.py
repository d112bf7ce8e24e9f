"""P010 upload: JPG/PNG up to 4096 KB (checked by content), served at a URL that expires."""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from PIL import Image

from patsnap_pandas import codes
from tests.helpers import Api, error_of, jpeg_bytes, png_bytes


@pytest.fixture(scope="module")
def small_png(corpus) -> bytes:
    return corpus.image_png(corpus.designs[3].image_keys[0])


def test_png_upload_returns_a_url_served_by_the_sandbox(api, sandbox, small_png):
    body = api.upload(small_png, "drawing.png").json()
    assert body["status"] is True and body["error_code"] == 0
    assert set(body["data"]) == {"url", "expire"}
    assert body["data"]["expire"] == 32400
    url = body["data"]["url"]
    assert url.startswith(sandbox.base_url + "/")
    parts = urlsplit(url)
    assert parts.path.endswith(".png")
    assert set(parse_qs(parts.query)) == {"expires", "signature"}
    served = requests.get(url, timeout=10)
    assert served.status_code == 200
    assert served.headers["Content-Type"] == "image/png"
    assert served.content == small_png


def test_jpeg_upload_is_accepted_and_served_as_jpeg(api, corpus):
    data = jpeg_bytes(corpus.image(corpus.designs[4].image_keys[0]))
    body = api.upload(data, "photo.JPG", "image/jpeg").json()
    assert body["status"] is True
    served = requests.get(body["data"]["url"], timeout=10)
    assert served.headers["Content-Type"] == "image/jpeg"
    assert served.content == data


def test_upload_urls_differ_per_upload(api, small_png):
    assert api.upload_url(small_png) != api.upload_url(small_png)


def padded_png(size: int) -> bytes:
    """A valid PNG of exactly ``size`` bytes (bytes after IEND are ignored by decoders)."""
    data = png_bytes(Image.new("L", (64, 64), 255))
    return data + b"\0" * (size - len(data))


def test_upload_of_exactly_4096_kb_is_accepted(api):
    body = api.upload(padded_png(codes.UPLOAD_MAX_BYTES)).json()
    assert body["status"] is True, body


def test_upload_above_4096_kb_is_68300010(api):
    code, message = error_of(api.upload(padded_png(codes.UPLOAD_MAX_BYTES + 1)))
    assert code == 68300010
    assert "4096 KB" in message


def gif_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("L", (32, 32), 128).save(buf, format="GIF")
    return buf.getvalue()


def webp_or_bmp_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (32, 32), (10, 20, 30)).save(buf, format="BMP")
    return buf.getvalue()


@pytest.mark.parametrize(
    "data, filename, mime",
    [
        (b"this is not an image", "notes.txt", "text/plain"),
        (b"this is not an image", "fake.png", "image/png"),
        (gif_bytes(), "anim.gif", "image/gif"),
        (gif_bytes(), "renamed.png", "image/png"),  # the name says PNG, the bytes say GIF
        (webp_or_bmp_bytes(), "picture.bmp", "image/bmp"),
        (b"\x89PNG\r\n\x1a\n" + b"garbage" * 20, "broken.png", "image/png"),  # PNG magic, undecodable
        (b"\xff\xd8\xff" + b"\0" * 50, "broken.jpg", "image/jpeg"),
        (b"", "empty.png", "image/png"),
    ],
    ids=["text", "text-named-png", "gif", "gif-named-png", "bmp", "broken-png", "broken-jpeg", "empty"],
)
def test_non_jpg_png_upload_is_68300010(api, data, filename, mime):
    response = api.upload(data, filename, mime)
    assert response.status_code == 200
    assert error_of(response)[0] == 68300010


def test_png_bytes_with_a_gif_name_is_68300010(api, small_png):
    assert error_of(api.upload(small_png, "drawing.gif", "image/gif"))[0] == 68300010


def test_upload_without_the_image_field_is_68300004(api, small_png):
    code, message = error_of(api.upload(small_png, field="file"))
    assert code == 68300004
    assert "image" in message


def test_upload_needs_authentication(sandbox, small_png):
    response = Api(sandbox, headers={}).upload(small_png)
    assert error_of(response)[0] == 67200008


def test_uploaded_image_url_expires(make_sandbox, small_png, clock):
    sandbox = make_sandbox(image_url_lifetime=1)
    body = Api(sandbox).upload(small_png).json()
    assert body["data"]["expire"] == 1
    url = body["data"]["url"]
    assert requests.get(url, timeout=10).status_code == 200
    clock.shift(2.1)
    assert requests.get(url, timeout=10).status_code in (403, 404)
    # and it can no longer be searched
    code, message = error_of(Api(sandbox).get("/image-search/search-id", url=url))
    assert code == 68300004 and "url" in message
