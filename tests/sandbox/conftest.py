"""Fixtures for the sandbox server tests: running sandboxes and a plain-requests helper.

Every sandbox here shares one loaded corpus + index per process (``load_engine``
memoises them), so extra sandboxes with other knobs cost a port, not a reload.
"""

from __future__ import annotations

import functools
import io

import pytest
import requests
from PIL import Image

from patsnap_pandas.sandbox import start_sandbox

CORPUS_SIZE = 600  # the default: shares the feature cache with the other test folders


class Api:
    """Plain ``requests`` calls to one sandbox with the sk- API key (or other headers)."""

    def __init__(self, sandbox, headers: dict | None = None) -> None:
        self.sandbox = sandbox
        self.base = sandbox.base_url
        self.headers = {"Authorization": f"Bearer {sandbox.credentials.api_key}"} if headers is None else headers
        self.session = requests.Session()

    def get(self, path: str, **params) -> requests.Response:
        return self.session.get(self.base + path, params=params, headers=self.headers, timeout=30)

    def json(self, path: str, **params) -> dict:
        response = self.get(path, **params)
        assert response.status_code == 200, response.text
        return response.json()

    def data(self, path: str, **params):
        body = self.json(path, **params)
        assert body["status"] is True and body["error_code"] == 0, body
        return body["data"]

    def upload(self, data: bytes, filename: str = "query.png", mime: str = "image/png", field: str = "image") -> requests.Response:
        return self.session.post(
            self.base + "/image-search/image-upload", files={field: (filename, data, mime)}, headers=self.headers, timeout=30
        )

    def upload_url(self, data: bytes, filename: str = "query.png") -> str:
        body = self.upload(data, filename).json()
        assert body["status"] is True, body
        return body["data"]["url"]

    def search(self, url: str, **params) -> dict:
        return self.data("/image-search/search-id", url=url, **params)

    def all_hits(self, url: str, **params) -> tuple[list[dict], int]:
        """Every stored hit of one search (search-id, then results pages of 100)."""
        first = self.search(url, limit=100, **params)
        hits, total = list(first["patent_messages"]), first["total_search_result_count"]
        offset = 100
        while len(hits) < min(total, 1100) and offset <= 1000:
            page = self.data("/image-search/results", search_id=first["search_id"], offset=offset, limit=100, **params)
            if not page["patent_messages"]:
                break
            hits += page["patent_messages"]
            offset += 100
        return hits, total


def png_bytes(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def jpeg_bytes(image: Image.Image, quality: int = 90) -> bytes:
    buf = io.BytesIO()
    image.convert("RGB").save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


def error_of(response: requests.Response) -> tuple[int, str]:
    """(error_code, error_msg) of a PatSnap error envelope; asserts it is one."""
    body = response.json()
    assert body["status"] is False, body
    assert body["error_code"] != 0, body
    assert "data" not in body or body["data"] is None
    return body["error_code"], body["error_msg"]


@pytest.fixture(scope="session")
def sandbox():
    """The shared sandbox with default knobs. Tests must not configure() it."""
    with start_sandbox(corpus_size=CORPUS_SIZE) as server:
        yield server


@pytest.fixture(scope="session")
def api(sandbox) -> Api:
    return Api(sandbox)


@pytest.fixture(scope="session")
def corpus(sandbox):
    return sandbox.corpus


@pytest.fixture(scope="session")
def query_design(corpus):
    """A design whose first image is the query of the shared searches."""
    return corpus.designs[17]


@pytest.fixture(scope="session")
def query_url(api, corpus, query_design) -> str:
    """An uploaded copy of ``query_design``'s first image (valid for the whole session)."""
    return api.upload_url(corpus.image_png(query_design.image_keys[0]))


@pytest.fixture
def make_sandbox(patsnap_sandbox_factory):
    """Start extra sandboxes with their own knobs; all are stopped after the test."""
    return functools.partial(patsnap_sandbox_factory, corpus_size=CORPUS_SIZE)
