"""Issue 15, the safety items: secrets in every encoding, the thumbnail fetcher's limits, CSV cells.

Hit image URLs come from the API, so the store must not go wherever they point: only
http(s), only public addresses (or the client's own loopback origin: the sandbox),
redirects only to the same host; a failed image is not fetched again on every render.
"""

from __future__ import annotations

import base64
import csv
import logging
import threading
import warnings
from urllib.parse import quote, quote_plus

import pandas as pd
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from patsnap_pandas import search_designs
from patsnap_pandas.cli.common import format_table
from patsnap_pandas.cli.main import main
from patsnap_pandas.sandbox import start_sandbox
from patsnap_pandas.store.thumbnails import ThumbnailStore
from tests.helpers import SEARCH, drawing_png

# --- 7. secrets masked in every encoding ---------------------------------------------------------

def test_url_special_client_id_and_key_never_reach_debug_logs(tmp_path, caplog):
    client_id = "team+ops/eu=1&x%y"
    api_key = "sk-key+with/odd=chars&z"
    with start_sandbox(corpus_size=40, client_id=client_id, client_secret="s3cret:with@odd+chars",
                       api_key=api_key) as server:
        from patsnap_pandas import PatsnapClient

        creds = server.credentials
        png = server.corpus.image_png(server.corpus.designs[0].image_keys[0])
        caplog.set_level(logging.DEBUG)
        for options in ({"client_id": creds.client_id, "client_secret": creds.client_secret},
                        {"api_key": creds.api_key}):
            with PatsnapClient(base_url=server.base_url, cache_dir=tmp_path / "c", **options) as client:
                search_designs(png, client=client, limit=3, thumbnails=False)
                search_designs(png, client=client, limit=3, thumbnails=False)  # cached: other log lines
    text = caplog.text
    assert "apikey=" in text  # the URLs were logged (masked), so the check below looks at real lines
    secrets = (client_id, api_key, creds.client_secret)
    forms = set()
    for secret in secrets:
        forms |= {secret, quote(secret, safe=""), quote_plus(secret), quote(secret, safe="/")}
    forms.add(base64.b64encode(f"{creds.client_id}:{creds.client_secret}".encode()).decode())
    leaked = sorted(form for form in forms if form in text)
    assert leaked == []


def test_redaction_masks_percent_form_and_basic_encodings():
    from patsnap_pandas.redaction import redact, register_secret

    secret = "cid+a/b=c&d e"
    register_secret(secret)
    lines = [f"GET /x?client_id={quote(secret, safe='')}", f"POST body client_id={quote_plus(secret)}",
             f"GET /x?client_id={quote(secret, safe='').lower()}"]
    assert [redact(line) for line in lines] == ["GET /x?client_id=***", "POST body client_id=***",
                                                "GET /x?client_id=***"]
    basic = base64.b64encode(f"{secret}:pw-123456".encode()).decode()
    register_secret(basic)  # the client registers its Basic header value
    assert redact(f"Authorization: Basic {basic}") == "Authorization: Basic ***"


# --- 8. the thumbnail fetcher's limits -----------------------------------------------------------

class _ImageHost:
    """A second server on a loopback address: an "internal service" a hit URL may point at."""

    def __init__(self, host: str = "127.0.0.1", redirect_to: str | None = None) -> None:
        self.calls: list[str] = []

        @Request.application
        def app(request: Request) -> Response:
            self.calls.append(request.path)
            if redirect_to is not None and request.path.startswith("/hop"):
                return Response("", status=302, headers={"Location": redirect_to})
            if request.path.startswith("/missing"):
                return Response("gone", status=404)
            return Response(drawing_png(1), mimetype="image/png")

        self._server = make_server(host, 0, app, threaded=True)
        self.base_url = f"http://{host}:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _search_with_hits(fake, tmp_path, hits):
    fake.routes[SEARCH] = lambda request: fake.page(hits)
    client = fake.client(tmp_path / "cache")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df = search_designs(drawing_png(0), client=client, limit=len(hits))
    return client, df, [str(w.message) for w in caught]


def test_hit_urls_to_other_local_services_and_metadata_addresses_are_not_fetched(fake, tmp_path, network_guard):
    internal = _ImageHost()
    try:
        hits = [fake.hit(0), fake.hit(1, url=f"{internal.base_url}/secret.png"),
                fake.hit(2, url="http://169.254.169.254/latest/meta-data/iam.png"),
                fake.hit(3, url="http://10.1.2.3/x.png"), fake.hit(4, url="file:///etc/passwd")]
        client, df, messages = _search_with_hits(fake, tmp_path, hits)
        with client:
            assert len(df) == 5  # the results are all there
            assert internal.calls == []  # another port of this machine: never asked
            assert network_guard.violations == []  # 169.254.169.254 and 10.1.2.3: no connection tried
            text = " ".join(messages)
            assert "local or private address (127.0.0.1)" in text
            assert "local or private address (169.254.169.254)" in text
            assert "/img/0.png" in " ".join(fake.calls)  # the client's own (sandbox-like) origin works
    finally:
        internal.stop()


def test_a_redirect_to_another_host_is_refused(fake, tmp_path):
    other = _ImageHost(host="127.0.0.2")  # loopback too, so only the redirect rule can refuse it
    fake.routes["/redirect/0.png"] = lambda request: Response(
        "", status=302, headers={"Location": f"{other.base_url}/internal.png"})
    try:
        client, df, messages = _search_with_hits(fake, tmp_path, [fake.hit(0, url=f"{fake.base_url}/redirect/0.png")])
        with client:
            assert len(df) == 1 and "/redirect/0.png" in fake.calls
            assert other.calls == []
            assert "redirected to another host (http://127.0.0.2" in " ".join(messages)
    finally:
        other.stop()


def test_a_failed_image_is_remembered_not_refetched_on_every_render(fake, tmp_path):
    store = ThumbnailStore(tmp_path / "thumbs")
    client = fake.client(tmp_path / "c")  # while open, a client of the fake trusts its loopback origin
    url = f"{fake.base_url}/missing/7.png?sig=1"
    fake.routes["/missing/7.png"] = lambda request: Response("gone", status=404)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(5):  # a report renders each thumbnail several times
            assert store.load([("pid-7", url)]) == [store.placeholder()]
    client.close()
    assert fake.calls.count("/missing/7.png") == 1
    assert "HTTP 404 (failed less than" in str(caught[-1].message)


def test_store_writes_do_not_rescan_the_folder(tmp_path, monkeypatch):
    import os

    store = ThumbnailStore(tmp_path / "thumbs", size=32)
    png = drawing_png(2, size=64)
    scans = []
    real_scandir = os.scandir
    monkeypatch.setattr(os, "scandir", lambda path: scans.append(path) or real_scandir(path))
    for i in range(40):
        store.put(f"p{i}", f"https://img.example/{i}.png", png)
    assert len(scans) <= 1  # counted once, then kept up to date (it was one full scan per write)
    assert store.info()["files"] == 40


def test_store_evicts_in_batches_down_below_the_cap(tmp_path):
    png = drawing_png(3, size=64)
    one = len(ThumbnailStore(tmp_path / "probe", size=32).put("p", "https://img.example/p.png", png))
    store = ThumbnailStore(tmp_path / "thumbs", size=32, max_bytes=10 * one)
    for i in range(25):
        store.put(f"p{i}", f"https://img.example/{i}.png", png)
    info = store.info()
    assert info["bytes"] <= 10 * one and info["files"] >= 5


# --- 10. CSV exports neutralise formulas; 11. terminal tables neutralise bidi controls ---------------

FORMULAS = ['=HYPERLINK("http://evil.example","Click")', "@SUM(1+1)*cmd|' /C calc'!A0",
            "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "\tTabbed", "\rReturn"]


def test_cli_search_csv_neutralises_formula_cells(fake, tmp_path, monkeypatch):
    hits = [fake.hit(i, title=title) for i, title in enumerate(FORMULAS)]
    fake.routes[SEARCH] = lambda request: fake.page(hits)
    monkeypatch.setenv("PATSNAP_BASE_URL", fake.base_url)
    monkeypatch.setenv("PATSNAP_API_KEY", "sk-fake-key-for-the-fake-server")
    monkeypatch.setenv("PATSNAP_CACHE_DIR", str(tmp_path / "cache"))
    query = tmp_path / "q.png"
    query.write_bytes(drawing_png(0))
    out = tmp_path / "hits.csv"
    assert main(["search", str(query), "--limit", str(len(hits)), "--out", str(out)]) == 0
    with open(out, newline="", encoding="utf-8") as f:
        titles = [row["title"] for row in csv.DictReader(f)]
    assert titles == ["'" + title for title in FORMULAS]
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
               for row in csv.reader(open(out, newline="", encoding="utf-8")) for cell in row)


def test_terminal_tables_neutralise_bidi_overrides():
    df = pd.DataFrame({"rank": [1], "title": ["Chair \u202egnp.exe\u2066x\u2069 \u200f"]})
    text = format_table(df, ["rank", "title"])
    assert not any(ch in text for ch in "\u202e\u2066\u2069\u200f") and "gnp.exe" in text

