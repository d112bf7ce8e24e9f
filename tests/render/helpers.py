"""Frames, thumbnails and an HTML inspector for the render/report tests."""

from __future__ import annotations

import io
from html.parser import HTMLParser

import pandas as pd
from PIL import Image

from patsnap_pandas.frame.schema import SCHEMA, concat_frames, empty_frame, hits_to_frame

ATTRS = {
    "query": "chair.png",
    "filters": {"country": ["CN", "US"], "loc": ["06-01"]},
    "search_id": "SID-123",
    "total": 42,
    "fetched_at": "2025-01-02T03:04:05Z",
    "from_cache": False,
    "endpoint_version": "P009-v2",
    "thumbnail_dir": "/tmp/thumbs",
}


def make_frame(rows: list[dict], attrs: dict | None = None) -> pd.DataFrame:
    """A result frame made by frame.hits_to_frame (one call per run of rows sharing query and search id).

    ``rows`` hold schema fields plus extras; ``rank``, ``query`` and ``search_id`` are
    passed to hits_to_frame, ``image_url`` becomes the API's ``url``.
    """
    runs: list[tuple[tuple, list[dict]]] = []
    for row in rows:
        key = (row.get("query", ""), row.get("search_id"))
        if not runs or runs[-1][0] != key:
            runs.append((key, []))
        runs[-1][1].append(row)
    frames = []
    for (query, search_id), run in runs:
        hits = [
            {("url" if k == "image_url" else k): v for k, v in row.items() if k not in ("rank", "query", "search_id")}
            for row in run
        ]
        part = hits_to_frame(hits, search_id=search_id, query=query, start_rank=run[0].get("rank", 1))
        part["rank"] = pd.array([row.get("rank", i + 1) for i, row in enumerate(run)], dtype="Int64")
        frames.append(part)
    df = concat_frames(frames) if frames else empty_frame()
    assert list(df.columns[: len(SCHEMA)]) == list(SCHEMA)
    assert {c: str(t) for c, t in df.dtypes.items() if c in SCHEMA} == SCHEMA
    df.attrs = dict(ATTRS if attrs is None else attrs)
    return df


def hit(i: int, score: float, authority: str = "CN", query: str = "chair.png", **extra) -> dict:
    pn = {"CN": f"CN30{i:07d}S", "US": f"USD9{i:05d}S", "EM": f"EM00{i:06d}-0001", "JP": f"JP17{i:05d}S"}[authority]
    return {
        "rank": i,
        "score": score,
        "patent_pn": pn,
        "title": f"Design {i}",
        "patent_id": f"id-{i:04d}",
        "image_url": f"http://127.0.0.1:1/img/{i}.png?sig=abc",
        "authority": authority,
        "search_id": "SID-123",
        "query": query,
        **extra,
    }


def sample_frame(k: int = 6, **kwargs) -> pd.DataFrame:
    authorities = ["CN", "US", "EM", "JP"]
    return make_frame([hit(i + 1, round(0.95 - 0.05 * i, 3), authorities[i % 4]) for i in range(k)], **kwargs)


def png(color=(200, 30, 30), size=(40, 30), mode="RGB") -> bytes:
    buf = io.BytesIO()
    Image.new(mode, size, color).save(buf, format="PNG")
    return buf.getvalue()


def jpeg(color=(30, 30, 200), size=(50, 40)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format="JPEG", dpi=(72, 72))
    return buf.getvalue()


def thumbs(k: int) -> list[bytes]:
    return [png((20 * i % 255, 100, 150)) if i % 2 else jpeg((10, 20 * i % 255, 90)) for i in range(k)]


class Inspector(HTMLParser):
    """Collects every start tag with its attributes."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def named(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


def assert_safe_html(text: str) -> Inspector:
    """No script, no event handler, no link, every <img> a data: image."""
    assert "<script" not in text.lower()
    page = Inspector(text)
    assert page.named("script") == []
    assert page.named("a") == []
    for tag, attrs in page.tags:
        for name, value in attrs.items():
            assert not name.lower().startswith("on"), (tag, name)
            assert not (value or "").strip().lower().startswith(("javascript:", "http:", "https:")), (tag, name, value)
    for attrs in page.named("img"):
        assert attrs["src"].startswith(("data:image/png;base64,", "data:image/jpeg;base64,")), attrs["src"][:40]
    return page
