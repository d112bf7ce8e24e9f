"""Hit image URLs: signed, served until they expire, keyed by path, never billed."""

from __future__ import annotations

import io
import re
import time
from urllib.parse import urlsplit

import requests
from PIL import Image

from tests.helpers import Api


def test_hit_image_is_the_designs_png(api, corpus, query_url):
    hit = api.search(query_url, limit=3)["patent_messages"][1]
    response = requests.get(hit["url"], timeout=10)
    assert response.status_code == 200
    design = corpus.design(hit["patent_id"])
    slot = int(re.search(r"/(\d+)\.png$", urlsplit(hit["url"]).path).group(1))
    assert response.content == corpus.image_png(design.image_keys[slot])
    with Image.open(io.BytesIO(response.content)) as img:
        assert img.format == "PNG" and max(img.size) <= 1024


def test_same_image_keeps_its_path_while_the_query_string_changes(make_sandbox, corpus):
    sandbox = make_sandbox(image_url_lifetime=3600)
    api = Api(sandbox)
    url = api.upload_url(corpus.image_png(corpus.designs[9].image_keys[0]))
    first = api.search(url, limit=5)["patent_messages"]
    sandbox.configure(image_url_lifetime=7200)
    second = api.search(url, limit=5)["patent_messages"]
    assert [urlsplit(h["url"]).path for h in first] == [urlsplit(h["url"]).path for h in second]
    assert [urlsplit(h["url"]).query for h in first] != [urlsplit(h["url"]).query for h in second]


def test_tampered_signature_or_expiry_is_refused(api, query_url):
    url = api.search(query_url, limit=1)["patent_messages"][0]["url"]
    bad_signature = re.sub(r"signature=[0-9a-f]+", "signature=" + "f" * 32, url)
    assert requests.get(bad_signature, timeout=10).status_code == 403
    later = re.sub(r"expires=(\d+)", lambda m: f"expires={int(m.group(1)) + 86400}", url)
    assert requests.get(later, timeout=10).status_code == 403
    assert requests.get(url.split("?")[0], timeout=10).status_code == 403


def test_unknown_image_path_is_404_even_when_signed(sandbox, api, query_url):
    url = api.search(query_url, limit=1)["patent_messages"][0]["url"]
    path = urlsplit(url).path
    missing = path.rsplit("/", 1)[0] + "/99.png"
    expires = int(time.time()) + 60
    signed = f"{sandbox.base_url}{missing}?expires={expires}&signature={sandbox.app.sign(missing, expires)}"
    assert requests.get(signed, timeout=10).status_code == 404


def test_hit_image_url_expires(make_sandbox, corpus, clock):
    sandbox = make_sandbox(image_url_lifetime=1)
    api = Api(sandbox)
    url = api.upload_url(corpus.image_png(corpus.designs[12].image_keys[0]))
    hit_url = api.search(url, limit=1)["patent_messages"][0]["url"]
    assert requests.get(hit_url, timeout=10).status_code == 200
    clock.shift(2.1)
    assert requests.get(hit_url, timeout=10).status_code == 403


def test_image_downloads_are_not_billed(api, sandbox, query_url):
    url = api.search(query_url, limit=1)["patent_messages"][0]["url"]
    before = len(sandbox.ledger)
    for _ in range(3):
        assert requests.get(url, timeout=10).status_code == 200
    assert requests.get(query_url, timeout=10).status_code == 200
    assert len(sandbox.ledger) == before


def test_images_need_no_credentials(api, query_url):
    url = api.search(query_url, limit=1)["patent_messages"][0]["url"]
    assert requests.get(url, headers={}, timeout=10).status_code == 200
