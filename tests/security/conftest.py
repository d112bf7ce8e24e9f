"""Fixtures of the security tests: a scriptable fake PatSnap server, hostile data, an HTML checker.

The fake server is a small werkzeug app on 127.0.0.1 (real HTTP, like the sandbox):
tests give it one handler per API path and it serves PNG drawings under ``/img/``.
It stands in for PatSnap where the sandbox cannot go: answers that are malformed,
oversized, or carry hostile image URLs.
"""

from __future__ import annotations

import html.parser
import io
import json
import re
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

import patsnap_pandas  # noqa: F401  (registers df.patsnap)
from patsnap_pandas import PatsnapClient

FAST = {"backoff_factor": 0.001, "timeout": 20}
SEARCH, RESULTS = "/image-search/search-id", "/image-search/results"
UPLOAD = "/image-search/image-upload"
BIBLIOGRAPHY, LEGAL = "/basic-patent-data/simple-bibliography", "/basic-patent-data/simple-legal-status"


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
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


# --- the fake PatSnap server -------------------------------------------------------------------

class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass


def json_response(body, status: int = 200) -> Response:
    text = body if isinstance(body, (str, bytes)) else json.dumps(body, ensure_ascii=False)
    return Response(text, status=status, mimetype="application/json")


def envelope(data) -> dict:
    return {"data": data, "status": True, "error_code": 0}


class FakePatsnap:
    """A scriptable PatSnap look-alike on 127.0.0.1. ``routes[path] = handler(request) -> Response``."""

    def __init__(self) -> None:
        self.routes: dict[str, Callable[[Request], Response]] = {}
        self.calls: list[str] = []
        self._lock = threading.Lock()
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True, request_handler=_Quiet)
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


@pytest.fixture
def fake():
    server = FakePatsnap()
    yield server
    server.stop()


# --- HTML safety -------------------------------------------------------------------------------

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


# --- a sandbox corpus with hostile titles, numbers and applicants --------------------------------

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


@pytest.fixture(scope="session")
def hostile_corpus_dir(tmp_path_factory, write_corpus_folder) -> Path:
    """A corpus folder in the ../shared/real-designs format, every text field hostile."""
    return write_corpus_folder(tmp_path_factory.mktemp("hostile-corpus"), HOSTILE, drawing_png)


# --- image hosts: loopback servers standing in for an internal service or a public image host ------

class ImageHost:
    """A werkzeug server on 127.0.0.1 answering every GET with ``png``; records paths and Host headers."""

    def __init__(self, png: bytes, ssl_context=None) -> None:
        self.calls: list[str] = []
        self.hosts: list[str] = []

        @Request.application
        def app(request: Request) -> Response:
            self.calls.append(request.path)
            self.hosts.append(request.host)
            return Response(png, mimetype="image/png")

        self._server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet,
                                   ssl_context=ssl_context)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def image_host():
    """``image_host(png, ssl_context=None)``: an :class:`ImageHost` on loopback, stopped after the test."""
    hosts: list[ImageHost] = []

    def start(png: bytes, ssl_context=None) -> ImageHost:
        hosts.append(ImageHost(png, ssl_context))
        return hosts[-1]

    yield start
    for host in hosts:
        host.stop()
