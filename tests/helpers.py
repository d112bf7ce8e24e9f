"""The plain helpers of the test suite: constants, drawings, servers and checks that test modules import
(``from tests.helpers import design_png, envelope``). One helper per fact: look here before writing one.

Fixtures live elsewhere: the package's pytest plugin (``patsnap_pandas.testing``: sandboxes, clients,
Redis), the root ``conftest.py`` (network guard, environment, ``clock``, ``real_designs``),
``tests/conftest.py`` (``sandbox``, ``corpus``, ``client``...) and each folder's ``conftest.py``. No module
imports a conftest.
"""

from __future__ import annotations

import datetime as dt
import functools
import html.parser
import io
import json
import os
import re
import subprocess
import sys
import threading
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import requests
from PIL import Image, ImageDraw
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from patsnap_pandas import PatsnapClient
from patsnap_pandas.frame.schema import SCHEMA, concat_frames, empty_frame, hits_to_frame

# --- clients and corpora -------------------------------------------------------------------------

#: The clients' options: retries wait milliseconds, not seconds (the number and kind of retries are the client's own).
FAST = {"backoff_factor": 0.001, "timeout": 20}
#: The generated corpus the sandbox serves by default: its image features are cached between runs.
DEFAULT_CORPUS_SIZE = 600
#: A small generated corpus, for folders that need only a few designs (quick to start).
SMALL_CORPUS_SIZE = 60
#: The sandbox date (``start_sandbox(today=...)``) of the tests that read legal statuses: fixed, so that no
#: design expires or lapses under them as the real date moves on.
SANDBOX_TODAY = dt.date(2026, 12, 7)

# --- watch lists (tests/watch) ----------------------------------------------------------------
#: A watch's first run, the day designs are published in between (the sandbox's ``published`` knob),
#: and the next week's run.
WATCH_T0, WATCH_PUBLISHED, WATCH_T1 = "2026-11-30", "2026-12-03", "2026-12-07"
#: The watched products: name -> sample image.
WATCH_PRODUCTS = {"C-100": "armchair", "L-200": "desk-lamp", "S-300": "sneaker"}
#: Ranks (in a search of the whole corpus) of the designs published between the two runs, per product.
WATCH_FRESH_RANKS = (2, 5)

#: The rows of the reliability tests' catalogue (one distinct drawing each, see :func:`distinct_png`).
IMAGES = 200

# --- PatSnap's API paths -------------------------------------------------------------------------

UPLOAD = "/image-search/image-upload"
SEARCH, RESULTS = "/image-search/search-id", "/image-search/results"
BIBLIOGRAPHY, LEGAL = "/basic-patent-data/simple-bibliography", "/basic-patent-data/simple-legal-status"
FULL_BIBLIOGRAPHY, LEGAL_EVENTS = "/basic-patent-data/bibliography", "/basic-patent-data/legal-status"
NUMBER_SEARCH = "/search/patent/patent-search-pn"

# --- images ----------------------------------------------------------------------------------------


def png_bytes(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def jpeg_bytes(image: Image.Image, quality: int = 90) -> bytes:
    buf = io.BytesIO()
    image.convert("RGB").save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


def tiff_bytes(png: bytes) -> bytes:
    with Image.open(io.BytesIO(png)) as im:
        out = io.BytesIO()
        im.save(out, format="TIFF")
    return out.getvalue()


def design_png(corpus, i: int) -> bytes:
    """PNG bytes of the representative drawing of design ``i`` of the corpus."""
    return corpus.image_png(corpus.designs[i].image_keys[0])


def distinct_png(corpus, i: int) -> bytes:
    """The first drawing of design ``i``, with three near-white corner pixels encoding ``i``.

    The pixels stay paper to the similarity engine (ink starts far darker), so design ``i``
    is still among the best hits; the bytes differ for every ``i`` < 512, so no two catalogue
    rows share an upload or a cached search.
    """
    design = corpus.designs[i]
    im = Image.open(io.BytesIO(corpus.image_png(design.image_keys[0]))).convert("L")
    for k in range(3):
        im.putpixel((k, 0), 255 - (i >> (3 * k)) % 8)
    return png_bytes(im)


def numbered_png(i: int) -> bytes:
    """A small drawing of its own for every ``i``: no two share an upload or a cached search."""
    im = Image.new("L", (96, 96), 255)
    draw = ImageDraw.Draw(im)
    draw.rectangle((8 + i % 10 * 5, 8 + i // 10 * 5, 60 + i % 7, 70 + i % 5), outline=0, width=3)
    draw.ellipse((30, 30 + i % 13, 80, 84), outline=0, width=2)
    im.putpixel((0, 0), 250 - i % 200)
    return png_bytes(im)


def drawing_png(kind: int, size: int = 200) -> bytes:
    """A distinct line drawing per ``kind`` (0..7) as PNG bytes."""
    im = Image.new("L", (size, size), 255)
    d = ImageDraw.Draw(im)
    s = size
    shapes = [
        lambda: d.ellipse((s * .15, s * .15, s * .85, s * .85), outline=0, width=5),
        lambda: d.rectangle((s * .2, s * .1, s * .8, s * .9), outline=0, width=5),
        lambda: d.polygon([(s * .5, s * .1), (s * .9, s * .9), (s * .1, s * .9)], outline=0, width=5),
        lambda: (d.line((s * .1, s * .5, s * .9, s * .5), fill=0, width=7),
                 d.line((s * .5, s * .1, s * .5, s * .9), fill=0, width=7)),
        lambda: d.arc((s * .1, s * .25, s * .9, s * 1.0), 180, 360, fill=0, width=7),
        lambda: [d.rectangle((s * (.1 + .17 * k), s * .15, s * (.18 + .17 * k), s * .85), outline=0, width=3)
                 for k in range(5)],
        lambda: [d.ellipse((s * (.1 + .27 * k), s * .4, s * (.3 + .27 * k), s * .6), outline=0, width=4)
                 for k in range(3)],
        lambda: d.line([(s * .1, s * .9), (s * .5, s * .1), (s * .9, s * .9), (s * .1, s * .4), (s * .9, s * .4),
                        (s * .1, s * .9)], fill=0, width=4),
    ]
    shapes[kind % len(shapes)]()
    return png_bytes(im)


def noisy_upscale(image: Image.Image, target_bytes: int = 10 * 2**20, seed: int = 0) -> bytes:
    """An RGB copy of ``image`` upscaled and speckled until its PNG is about ``target_bytes``."""
    rgb = image.convert("RGB")
    rng = np.random.default_rng(seed)
    # Noise of +-6 costs about 1.5 bytes per pixel in PNG: size the image for the target.
    scale = max(1.0, (target_bytes / 1.5 / (rgb.width * rgb.height)) ** 0.5)
    big = rgb.resize((round(rgb.width * scale), round(rgb.height * scale)), Image.Resampling.BICUBIC)
    pixels = np.asarray(big).astype(np.int16) + rng.integers(-6, 7, (big.height, big.width, 3), dtype=np.int16)
    buf = io.BytesIO()
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


# --- hostile texts --------------------------------------------------------------------------------

HOSTILE_TITLE = "<img src=x onerror=alert(1)>"
HOSTILE_APPLICANT = '"><script>alert(2)</script>'
LONG_TITLE = "Extremely long title " + "\u00e9\u4e2d\U0001f600x" * 5000  # 20,021 characters


HOSTILE = [
    # (patent_number, title, applicant)
    ('US<img src=x onerror=alert("pn1")>', '<img src=x onerror=alert("t1")>', "Round Things Ltd"),
    ("US1234567<script>alert('pn2')</script>", "<script>alert('t2')</script> Box",
     '"><script>alert("a2")</script>'),
    ("USD9000003S", "javascript:alert(3) \" onmouseover=\"alert(3)", '=HYPERLINK("http://evil.example","x")'),
    ("USD9000004S", LONG_TITLE, "A" * 3000),
    ("USD9000005S", "\u05db\u05d9\u05e1\u05d0 \u05de\u05ea\u05e7\u05e4\u05dc \u202egnp.exe \u0643\u0631\u0633\u064a",
     "\u05d7\u05d1\u05e8\u05d4 \u05d1\u05e2\u05f4\u05de"),
    ("USD9000006S", "Chair \U0001fa91 \U0001f469\U0001f3fd\u200d\U0001f4bb \u2764\ufe0f", "Emoji \U0001f525 Inc"),
    ("CN305000007S", "\u6298\u53e0\u6905\u5b50\u30fb\u30c1\u30a7\u30a2\u30fb\uc758\uc790", "\u534e\u4e3a\u6280\u672f\u6709\u9650\u516c\u53f8"),
    ("USD9000008S", "Null\x00byte & <b>bold</b> &amp; entity", "@SUM(1+1)*cmd|' /C calc'!A0"),
]


# --- scripted HTTP servers on 127.0.0.1 (real HTTP, nothing mocked) ------------------------------


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass


def json_response(body, status: int = 200, headers: dict | None = None) -> Response:
    text = body if isinstance(body, (str, bytes)) else json.dumps(body, ensure_ascii=False)
    return Response(text, status=status, mimetype="application/json", headers=headers or {})


def envelope(data) -> dict:
    return {"data": data, "status": True, "error_code": 0}


def error_body(code: int, message: str | None = None) -> dict:
    return {"status": False, "error_code": code, "error_msg": message or f"error {code}"}


@dataclass
class Recorded:
    method: str
    path: str
    query: str
    headers: dict
    body: bytes


@dataclass
class ScriptedServer:
    base_url: str
    requests: list[Recorded] = field(default_factory=list)

    def paths(self) -> list[str]:
        return [r.path for r in self.requests]


TOKEN_BODY = {"token": "scripted-token-0001", "token_type": "BearerToken", "expires_in": 1799,
              "status": "approved"}


@contextmanager
def scripted_server(handler: Callable[[Request, int], Response]) -> Iterator[ScriptedServer]:
    """Serve ``handler(request, n)`` (n: 0-based count of calls to that path) on 127.0.0.1.

    ``/oauth/token`` answers a valid token unless the handler answers it itself (returns None).
    """
    counts: dict[str, int] = {}
    lock = threading.Lock()
    state = ScriptedServer(base_url="")

    @Request.application
    def app(request: Request) -> Response:
        body = request.get_data()
        with lock:
            n = counts.get(request.path, 0)
            counts[request.path] = n + 1
            state.requests.append(Recorded(request.method, request.path,
                                           request.query_string.decode(), dict(request.headers), body))
        response = handler(request, n)
        if response is None and request.path == "/oauth/token":
            return Response(json.dumps(TOKEN_BODY), mimetype="application/json")
        return response

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


SEARCH_DATA = {
    "search_id": "SCRIPTED-1-D",
    "patent_messages": [{"url": "http://127.0.0.1/img.png", "score": 0.9, "title": "A",
                         "patent_id": "11111111-1111-4111-8111-111111111111", "patent_pn": "CN1S"}],
    "total_search_result_count": 1,
}


class FakePatsnap:
    """A scriptable PatSnap look-alike on 127.0.0.1. ``routes[path] = handler(request) -> Response``."""

    def __init__(self) -> None:
        self.routes: dict[str, Callable[[Request], Response]] = {}
        self.calls: list[str] = []
        self._lock = threading.Lock()
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True, request_handler=QuietHandler)
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        daemon=True)
        self._thread.start()
        self.routes[UPLOAD] = lambda request: json_response(
            envelope({"url": self.base_url + "/img/query.png", "expire": 32400}))

    @Request.application
    def _app(self, request: Request) -> Response:
        with self._lock:
            self.calls.append(request.path)
        if request.path.startswith("/img/"):
            kind = sum(request.path.encode()) % 8
            return Response(drawing_png(kind), mimetype="image/png")
        handler = self.routes.get(request.path)
        if handler is None:
            return json_response({"status": False, "error_code": 68300007, "error_msg": "no such path"}, 404)
        return handler(request)

    def hit(self, i: int, **fields) -> dict:
        """A well-formed hit whose image this server serves."""
        item = {"url": f"{self.base_url}/img/{i}.png?expires=1&signature=x", "score": round(1 - i / 1000, 4),
                "title": f"Design {i}", "patent_id": f"pid-{i:05d}", "patent_pn": f"CN30{i:07d}S"}
        item.update(fields)
        return item

    def page(self, hits: list[dict], total: int | None = None, search_id: str = "FAKE-1-D") -> Response:
        return json_response(envelope({"search_id": search_id, "patent_messages": hits,
                                       "total_search_result_count": len(hits) if total is None else total}))

    def client(self, cache_dir: Path, **options) -> PatsnapClient:
        for key, value in FAST.items():
            options.setdefault(key, value)
        return PatsnapClient(base_url=self.base_url, api_key="sk-fake-key-for-the-fake-server",
                             cache_dir=cache_dir, **options)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


# --- the sandbox over plain requests -----------------------------------------------------------


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

    def post(self, path: str, body=None, *, data: bytes | None = None) -> requests.Response:
        """POST ``body`` as JSON (or raw ``data`` as application/json) to ``path``."""
        if data is not None:
            headers = {**self.headers, "Content-Type": "application/json"}
            return self.session.post(self.base + path, data=data, headers=headers, timeout=30)
        return self.session.post(self.base + path, json=body, headers=self.headers, timeout=30)

    def post_data(self, path: str, body):
        """The ``data`` of a successful JSON POST."""
        response = self.post(path, body)
        assert response.status_code == 200, response.text
        answer = response.json()
        assert answer["status"] is True and answer["error_code"] == 0, answer
        return answer["data"]

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


def error_of(response: requests.Response) -> tuple[int, str]:
    """(error_code, error_msg) of a PatSnap error envelope; asserts it is one."""
    body = response.json()
    assert body["status"] is False, body
    assert body["error_code"] != 0, body
    assert "data" not in body or body["data"] is None
    return body["error_code"], body["error_msg"]


def per_query(out: pd.DataFrame) -> pd.core.groupby.DataFrameGroupBy:
    return out.groupby("query_index", sort=False)


def assert_intact_hits(out: pd.DataFrame, corpus, rows, limit: int) -> None:
    """Rows ``rows`` of a batch result hold a complete, clean hit list of their own image.

    ``limit`` hits ranked 1..limit, no patent twice, scores present and non-increasing,
    the row's own design among them (so no row holds another row's answer).
    """
    for row, hits in per_query(out[out["query_index"].isin(rows)]):
        assert hits["status"].tolist() == ["ok"] * limit, row
        assert hits["rank"].tolist() == list(range(1, limit + 1)), row
        assert hits["patent_id"].is_unique, row
        scores = hits["score"].to_numpy()
        assert not pd.isna(scores).any() and (scores[:-1] >= scores[1:]).all(), row
        assert corpus.designs[row].patent_id in set(hits["patent_id"]), row
        assert hits["error"].isna().all(), row


def ledger_counts(server) -> Counter:
    """(endpoint, ok) -> entries of the server's ledger."""
    return Counter((e.endpoint, e.ok) for e in server.ledger.entries())


# --- the command line ---------------------------------------------------------------------------

SUBPROCESS_TIMEOUT_S = 180


def run_cli(*args: str, cwd: Path | None = None, executable: list[str] | None = None) -> subprocess.CompletedProcess:
    """Run the command in a subprocess with this session's environment (isolated caches)."""
    command = executable or [sys.executable, "-m", "patsnap_pandas.cli"]
    return subprocess.run([*command, *map(str, args)], check=False, capture_output=True, text=True, cwd=cwd,
                          env=dict(os.environ), timeout=SUBPROCESS_TIMEOUT_S)


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


# --- Markdown pages -------------------------------------------------------------------------------

_FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<lang>[\w+-]*)[^\n]*$")


def fenced_blocks(text: str) -> list[tuple[int, str, list[str]]]:
    """(line number of the first line, language, lines) of each fenced block of a Markdown text; a block
    indented under a list item loses its fence's indent."""
    blocks, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        indent, lang, start = match["indent"], match["lang"], i + 1
        i += 1
        while i < len(lines) and lines[i].strip() != "```":
            i += 1
        blocks.append((start, lang, [line[len(indent):] if line.startswith(indent) else line
                                     for line in lines[start:i]]))
        i += 1
    return blocks


# --- HTML checks ----------------------------------------------------------------------------------

# Embedded PNG/JPEG, an http(s) URL (the panel previews a query URL the user typed), or a file the
# browser can only save (the panel's export download link: application/octet-stream, never rendered).
_SAFE_SRC = re.compile(r"^(data:image/(png|jpeg);base64,[A-Za-z0-9+/=]+|https?://\S+"
                       r"|data:application/octet-stream;base64,[A-Za-z0-9+/=]+)$")


_ACTIVE_TAGS = {"script", "iframe", "object", "embed", "frame", "frameset", "base", "form", "applet"}


_URL_ATTRS = {"src", "href", "action", "formaction", "xlink:href", "poster", "background", "srcset", "data"}


class _Audit(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.text: list[str] = []
        self.attr_text: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        if tag in _ACTIVE_TAGS:
            self.problems.append(f"<{tag}> element")
        equiv = {k: (v or "") for k, v in attrs}.get("http-equiv")
        if tag == "meta" and equiv is not None and equiv.lower() != "content-security-policy":
            self.problems.append(f"<meta http-equiv={equiv!r}>")
        if tag == "link" and any(k == "href" and not (v or "").startswith("data:") for k, v in attrs):
            self.problems.append("external <link>")
        for name, value in attrs:
            value = value or ""
            self.attr_text.append(value)
            squashed = re.sub(r"[\s\x00-\x1f]+", "", value).lower()
            if name.startswith("on"):
                self.problems.append(f"event handler {name}={value[:60]!r} on <{tag}>")
            if name in _URL_ATTRS and not _SAFE_SRC.match(value):
                self.problems.append(f"{name}={value[:60]!r} on <{tag}>")
            if (name in _URL_ATTRS or name == "style") and any(
                    s in squashed for s in ("javascript:", "vbscript:", "data:text", "expression(", "url(")):
                self.problems.append(f"script URL in {name}={value[:60]!r} on <{tag}>")

    handle_startendtag = handle_starttag

    def handle_data(self, data) -> None:
        self.text.append(data)


def audit_html(markup: str) -> _Audit:
    """Parse ``markup``; ``.problems`` lists anything that could run script, ``.text`` the visible text."""
    audit = _Audit()
    audit.feed(markup)
    audit.close()
    return audit


def assert_safe_html(markup: str, where: str) -> str:
    """No active content in ``markup``; returns its visible text (entities decoded)."""
    audit = audit_html(markup)
    assert audit.problems == [], f"{where}: {audit.problems[:5]}"
    return "".join(audit.text) + "\n" + "\n".join(audit.attr_text)


# --- frames and thumbnails for the render and report tests -------------------------------------

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


def assert_self_contained_html(text: str) -> Inspector:
    """Stricter than :func:`assert_safe_html`, for the render module's HTML: no script, no event handler,
    no link, no URL of any kind, every <img> a data: image."""
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


# --- the search panel ----------------------------------------------------------------------------


def upload_value(data: bytes, name: str, mime: str) -> tuple[dict, ...]:
    """What the browser's FileUpload sends for one chosen file."""
    return ({"name": name, "type": mime, "size": len(data), "content": memoryview(data),
             "last_modified": dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)},)


# --- PDF files (poppler: pdfinfo, pdftotext) ----------------------------------------------------------

def pdf_text(path, *pages: int, raw: bool = False) -> str:
    """The PDF's text by pdftotext: laid out as on the page, or ``raw`` in drawing order (each cell's lines in one
    piece, so a name wrapped inside a table cell reads whole). Pages of a laid-out text come from one pdftotext
    call per file (a 200-page report is read page by page by the fit tests)."""
    if pages and not raw:
        texts = _layout_pages(*_file_key(path))
        return "".join(texts[page - 1] for page in range(pages[0], pages[-1] + 1))
    args = ["pdftotext", "-raw" if raw else "-layout"]
    if pages:
        args += ["-f", str(pages[0]), "-l", str(pages[-1])]
    return subprocess.run([*args, str(path), "-"], check=True, capture_output=True, text=True).stdout


def pdf_pages(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


def _file_key(path) -> tuple[str, int, int]:
    """A file as it is now (a test may write the same path again): its name, change time and size."""
    stat = os.stat(path)
    return str(path), stat.st_mtime_ns, stat.st_size


@functools.lru_cache(maxsize=4)
def _layout_pages(path: str, _mtime_ns: int, _size: int) -> tuple[str, ...]:
    """Each page's laid-out text, ending in its form feed, as ``pdftotext -f N -l N -layout`` prints it."""
    out = subprocess.run(["pdftotext", "-layout", path, "-"], check=True, capture_output=True, text=True).stdout
    return tuple(page + "\f" for page in out.split("\f")[:-1])


@functools.lru_cache(maxsize=4)
def _word_boxes(path: str, _mtime_ns: int, _size: int) -> tuple[tuple[float, tuple], ...]:
    """(page width, word boxes) of each page, from one ``pdftotext -bbox`` call."""
    out = subprocess.run(["pdftotext", "-bbox", path, "-"], check=True, capture_output=True, text=True).stdout
    pages = []
    for page in re.findall(r'<page width="([\d.]+)"[^>]*>(.*?)</page>', out, re.S):
        boxes = tuple((float(x0), float(y0), float(x1), float(y1), w) for x0, y0, x1, y1, w in
                      re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
                                 page[1]))
        pages.append((float(page[0]), boxes))
    return tuple(pages)


def words_misplaced(path, page: int) -> list[str]:
    """Words of a PDF page (pdftotext -bbox) drawn outside the page or over another word: a table wider than
    the page, a badge or a date running into the next column."""
    width, boxes = _word_boxes(*_file_key(path))[page - 1]
    assert boxes, page
    boxes = sorted((_glyph_box(*box) for box in boxes), key=lambda box: box[1])
    found = [w for x0, _y0, x1, _y1, w in boxes if x0 < 0 or x1 > width - 20]  # 20 pt: inside the margin
    for i, (ax0, ay0, ax1, ay1, aw) in enumerate(boxes):
        for bx0, by0, bx1, by1, bw in boxes[i + 1:]:
            if by0 >= ay1:  # sorted by top: no later word reaches down into this one
                break
            across = min(ax1, bx1) - max(ax0, bx0)
            down = min(ay1, by1) - max(ay0, by0)
            if across > 1 and down > 0.5 * min(ay1 - ay0, by1 - by0):
                found.append(f"{aw} over {bw}")
    return found


def _glyph_box(x0: float, y0: float, x1: float, y1: float, word: str) -> tuple[float, float, float, float, str]:
    """A word's box as drawn. Chromium draws CFF fonts (Noto Sans CJK) as Type 3 fonts, whose words poppler
    boxes with the font's bounding box, two to three lines tall: a word of wide (CJK) characters, each one em
    wide, is cut to one em tall around its middle."""
    em = (x1 - x0) / max(len(word), 1)
    if word and all(unicodedata.east_asian_width(ch) in "WF" for ch in word) and y1 - y0 > 1.5 * em:
        middle = (y0 + y1) / 2
        return x0, middle - em / 2, x1, middle + em / 2, word
    return x0, y0, x1, y1, word


def images_misprinted(path, dpi: int = 200) -> list[str]:
    """Images of a PDF (poppler's ``pdfimages -list``) stretched or printed coarser than ``dpi`` at their size
    on the page; none for a PDF that prints every image sharp.

    Stretched: x and y resolution differ by more than 1 % and by more than rounding the printed width and
    height to whole CSS pixels explains (Chromium paints an image in a box rounded to 1/96 inch, which
    for a 40-pixel-wide thumbnail is 2 %; a stretch of the image's shape is more than that)."""
    out = subprocess.run(["pdfimages", "-list", str(path)], check=True, capture_output=True, text=True).stdout
    found = []
    for line in out.splitlines()[2:]:
        cells = line.split()
        if cells[2] != "image":  # an smask is the transparency of the image before it
            continue
        page, width, height, x_ppi, y_ppi = int(cells[0]), cells[3], cells[4], int(cells[12]), int(cells[13])
        if (abs(x_ppi - y_ppi) > 0.01 * max(x_ppi, y_ppi) and not _rounded_shape(int(width), int(height), x_ppi, y_ppi)
                or min(x_ppi, y_ppi) < dpi):
            found.append(f"page {page}: {width}x{height} px at {x_ppi}x{y_ppi} ppi")
    return found


def _rounded_shape(width: int, height: int, x_ppi: int, y_ppi: int) -> bool:
    """Whether one scale (inches per pixel) prints the image within a CSS pixel (1/96 inch) of its printed
    width and of its printed height (pdfimages' whole-number resolutions counted): its shape, rounded."""
    def scales(pixels: int, ppi: int) -> tuple[float, float]:
        slack = 1 / 96 / pixels
        return 1 / (ppi + 0.5) - slack, 1 / (ppi - 0.5) + slack

    (x_low, x_high), (y_low, y_high) = scales(width, x_ppi), scales(height, y_ppi)
    return max(x_low, y_low) <= min(x_high, y_high)


#: The rule the report tests' clearance frames carry (tests/report/conftest.py ``clearance_frames``).
EXPIRY_RULE = "EM registered design (EU design): 25 years from filing (Regulation (EC) 6/2002 Art. 12)"


# --- files made unwritable ------------------------------------------------------------------------------

@contextmanager
def read_only_file(path: Path):
    """``path`` made unwritable: immutable as root (chattr +i), read-only (0444) otherwise."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(path)], check=True)
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        path.chmod(0o444)
        try:
            yield
        finally:
            path.chmod(0o644)
