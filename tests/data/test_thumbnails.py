"""ThumbnailStore over real HTTP: the sandbox's hit images, plus a small recording server."""

from __future__ import annotations

import contextlib
import io
import os
import socket
import threading
import time
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from PIL import Image

from patsnap_pandas import config, errors
from patsnap_pandas.frame.schema import hits_to_frame
from patsnap_pandas.sandbox import start_sandbox
from patsnap_pandas.store.disk_index import EVICT_TO
from patsnap_pandas.store.safe_fetch import distrust_origin, trust_origin
from patsnap_pandas.store.thumbnails import ThumbnailStore, ThumbnailWarning

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


# --- helpers -------------------------------------------------------------------------


def search_hits(sandbox, limit: int = 8) -> list[dict]:
    """Hits of one search made with plain requests (upload a query image, then search by its URL)."""
    auth = {"Authorization": f"Bearer {sandbox.credentials.api_key}"}
    buf = io.BytesIO()
    Image.new("L", (64, 64), 255).save(buf, "PNG")
    r = requests.post(f"{sandbox.base_url}/image-search/image-upload", headers=auth,
                      files={"image": ("q.png", buf.getvalue(), "image/png")}, timeout=30)
    r.raise_for_status()
    url = r.json()["data"]["url"]
    r = requests.get(f"{sandbox.base_url}/image-search/search-id", headers=auth,
                     params={"url": url, "limit": limit}, timeout=30)
    r.raise_for_status()
    hits = r.json()["data"]["patent_messages"]
    assert len(hits) == limit
    return hits


def pairs_of(hits: list[dict]) -> list[tuple[str, str]]:
    return [(h["patent_id"], h["url"]) for h in hits]


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(PNG_SIGNATURE)
    im = Image.open(io.BytesIO(data))
    assert im.format == "PNG"
    return im.size


def stored_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.png"))


@contextlib.contextmanager
def trusted(base_url: str):
    """Let stores fetch from a loopback server, as a client of it would (local addresses are refused otherwise)."""
    trust_origin(base_url)
    try:
        yield
    finally:
        distrust_origin(base_url)


@pytest.fixture(scope="module")
def sandbox():
    with start_sandbox(corpus_size=40) as sb, trusted(sb.base_url):
        yield sb


class _Recorder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: lets the client reuse connections

    def do_GET(self):
        server = self.server
        with server.lock:
            server.active += 1
            server.max_active = max(server.max_active, server.active)
            server.requests.append((self.path, dict(self.headers), self.client_address[1]))
        try:
            time.sleep(server.delay)
            if self.path.startswith("/redirect"):
                self.send_response(302)
                self.send_header("Location", "/img/after-redirect.png")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = server.png
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Set-Cookie", "session=abc; Path=/")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        finally:
            with server.lock:
                server.active -= 1

    def log_message(self, *args):
        pass


@pytest.fixture
def recorder():
    """A loopback image server that records requests, their headers and concurrency."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.daemon_threads = True
    server.lock = threading.Lock()
    server.active = server.max_active = 0
    server.requests = []
    server.delay = 0.0
    buf = io.BytesIO()
    Image.new("RGB", (600, 300), (200, 30, 30)).save(buf, "PNG")
    server.png = buf.getvalue()
    server.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    with trusted(server.base_url):
        yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


def thumbnail_warnings(record) -> list:
    # pytest.warns records every warning, also those of the in-process sandbox's threads
    return [w for w in record if issubclass(w.category, ThumbnailWarning)]


@contextlib.contextmanager
def no_thumbnail_warnings():
    """Fail on any ThumbnailWarning (recorded, not turned into errors: filters are process-wide
    and the in-process server threads must not be affected)."""
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        yield
    thumbs = [str(w.message) for w in thumbnail_warnings(record)]
    assert not thumbs, thumbs


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- construction and keys -------------------------------------------------------------


def test_default_directory_is_in_the_cache_dir():
    store = ThumbnailStore()
    assert store.directory == config.cache_dir() / "thumbnails"
    assert not store.directory.exists() or store.directory.is_dir()  # created on first write only
    assert "ThumbnailStore(directory=" in repr(store)


@pytest.mark.parametrize("kwargs, fragment", [
    ({"size": 0}, "size=0 is not valid: out of range. Allowed: an integer >= 8."),
    ({"size": 12.5}, "size=12.5"),
    ({"max_bytes": -1}, "max_bytes=-1"),
    ({"max_workers": 0}, "max_workers=0"),
    ({"timeout": 0}, "timeout=0"),
])
def test_bad_arguments(tmp_path, kwargs, fragment):
    with pytest.raises(errors.InvalidInputError, match=fragment.replace(".", r"\.").replace("(", r"\(")):
        ThumbnailStore(tmp_path, **kwargs)


def test_bad_items(tmp_path):
    store = ThumbnailStore(tmp_path)
    with pytest.raises(errors.InvalidInputError, match=r"items\[1\]=.*expected a \(patent_id, image_url\) pair"):
        store.fetch([("p", None), ("just one",)])
    with pytest.raises(errors.InvalidInputError, match="expected"):
        store.fetch("http://127.0.0.1/x.png")


def test_key_ignores_the_query_string_but_not_patent_or_size(tmp_path):
    store = ThumbnailStore(tmp_path, size=64)
    a = store.key("p1", "http://127.0.0.1:5/files/designs/p1/0.png?expires=1&signature=aa")
    assert a == store.key("p1", "http://127.0.0.1:5/files/designs/p1/0.png?expires=2&signature=bb")
    assert a == store.key("p1", "HTTP://127.0.0.1:5/files/designs/p1/0.png#frag")
    assert a != store.key("p2", "http://127.0.0.1:5/files/designs/p1/0.png")
    assert a != store.key("p1", "http://127.0.0.1:5/files/designs/p1/1.png")
    assert a != ThumbnailStore(tmp_path, size=128).key("p1", "http://127.0.0.1:5/files/designs/p1/0.png")
    assert store.path("p1", "http://127.0.0.1:5/files/designs/p1/0.png").parent == tmp_path


def test_placeholder_is_a_png_of_the_thumbnail_size(tmp_path):
    store = ThumbnailStore(tmp_path, size=96)
    assert png_size(store.placeholder()) == (96, 96)
    assert store.placeholder() is store.placeholder()


# --- against the sandbox ---------------------------------------------------------------


def test_fetch_sandbox_hits_concurrently_and_cache_them(sandbox, tmp_path):
    hits = search_hits(sandbox, limit=12)
    store = ThumbnailStore(tmp_path / "thumbs", size=64, max_workers=4)
    with no_thumbnail_warnings():
        thumbs = store.fetch(pairs_of(hits))
    assert len(thumbs) == 12 and all(t is not None for t in thumbs)
    for data in thumbs:
        assert max(png_size(data)) == 64
    files = stored_files(store.directory)
    assert len(files) == len({store.key(pid, url) for pid, url in pairs_of(hits)})
    assert not list(store.directory.glob(".tmp-*"))
    assert store.info()["files"] == len(files) and store.info()["bytes"] == sum(f.stat().st_size for f in files)
    # the same images under other signatures (forged: the server would refuse them) come from disk
    forged = [(pid, url.split("?")[0] + "?expires=1&signature=forged") for pid, url in pairs_of(hits)]
    assert requests.get(forged[0][1], timeout=10).status_code == 403
    with no_thumbnail_warnings():
        assert store.fetch(forged) == thumbs
        # a result frame can be passed as it is
        df = hits_to_frame(hits, search_id="S", query="q")
        assert store.load(df) == thumbs
    store.close()


def test_thumbnails_survive_expired_image_urls(tmp_path, clock):
    directory = tmp_path / "thumbs"
    with start_sandbox(corpus_size=40, image_url_lifetime=2) as sb, trusted(sb.base_url):
        pairs = pairs_of(search_hits(sb, limit=6))
        with ThumbnailStore(directory, size=48) as store:
            first = store.fetch(pairs)
        assert all(first)
        clock.shift(5)  # the image URLs live 2 s, to a whole second and through it (the sandbox reads this clock)
        assert not any(requests.get(url, timeout=10).status_code == 200 for _, url in pairs), \
            "the sandbox's image URLs did not expire"
        # a fresh store on the same directory (as after a restart) renders them from disk
        with no_thumbnail_warnings():
            with ThumbnailStore(directory, size=48) as store:
                assert store.fetch(pairs) == first
                assert store.load(pairs) == first
        # without the disk cache the expired URLs fail: placeholders and one warning
        with ThumbnailStore(tmp_path / "empty", size=48) as cold:
            with pytest.warns(ThumbnailWarning) as record:
                loaded = cold.load(pairs)
        assert loaded == [cold.placeholder()] * len(pairs)
        record = thumbnail_warnings(record)
        assert len(record) == 1
        assert "6 of 6 thumbnails could not be loaded" in str(record[0].message)
        assert "HTTP 403" in str(record[0].message) or "HTTP 404" in str(record[0].message)


def test_failed_urls_give_placeholders_and_one_warning(sandbox, tmp_path):
    hits = search_hits(sandbox, limit=3)
    good = pairs_of(hits)
    pid = hits[0]["patent_id"]
    items = [
        good[0],
        (pid, f"{sandbox.base_url}/files/designs/{pid}/7.png?expires=1&signature=forged"),  # 403
        ("p-json", f"{sandbox.base_url}/_sandbox/status"),  # JSON, not an image
        ("p-none", None),  # no URL at all
        ("p-ftp", "ftp://127.0.0.1/x.png"),  # not http(s): never fetched
        ("p-down", f"http://127.0.0.1:{closed_port()}/x.png"),  # another local port: refused, never fetched
        good[1],
        good[2],
    ]
    store = ThumbnailStore(tmp_path, size=64, max_workers=3, timeout=5)
    with pytest.warns(ThumbnailWarning) as record:
        loaded = store.load(items)
    record = thumbnail_warnings(record)
    assert len(record) == 1, [str(w.message) for w in record]
    msg = str(record[0].message)
    assert record[0].filename == __file__  # the warning points at the caller
    assert msg.startswith("5 of 8 thumbnails could not be loaded")
    assert "HTTP 403" in msg and "no image URL" in msg and "and 2 more" in msg
    assert "signature=forged" not in msg  # query strings (signatures) stay out of messages
    placeholder = store.placeholder()
    assert [d == placeholder for d in loaded] == [False, True, True, True, True, True, False, False]
    with pytest.warns(ThumbnailWarning, match=r"5 of 8 thumbnails"):
        fetched = store.fetch(items)
    assert [d is None for d in fetched] == [False, True, True, True, True, True, False, False]
    assert len(stored_files(tmp_path)) == 3  # failures are never cached


def test_an_unwritable_directory_costs_the_cache_not_the_thumbnails(sandbox, tmp_path):
    pairs = pairs_of(search_hits(sandbox, limit=3))
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    store = ThumbnailStore(not_a_dir, size=32)
    with pytest.warns(ThumbnailWarning, match=r"thumbnails not cached in .*file: ") as record:
        out = store.fetch(pairs)
    assert len(thumbnail_warnings(record)) == 1
    assert all(out) and all(max(png_size(d)) == 32 for d in out)


def test_eviction_keeps_the_directory_under_max_bytes_lru(sandbox, tmp_path):
    pairs = pairs_of(search_hits(sandbox, limit=6))
    probe = ThumbnailStore(tmp_path / "probe", size=64)
    sizes = [len(d) for d in probe.fetch(pairs[:3])]
    a, b, c = pairs[:3]
    # Eviction goes down to EVICT_TO of the cap in one batch: a cap where A and C fit in that share.
    cap = int((sizes[0] + max(sizes[1], sizes[2])) / EVICT_TO) + 2  # + 2: no rounding below A + C
    assert sum(sizes) > cap  # the third thumbnail passes the cap
    store = ThumbnailStore(tmp_path / "small", size=64, max_bytes=cap)
    now = time.time()
    store.fetch([a])
    os.utime(store.path(*a), (now - 30, now - 30))  # used 30 s ago
    store.fetch([b])
    os.utime(store.path(*b), (now - 20, now - 20))  # used 20 s ago: after A
    store.fetch([a])  # a disk hit makes A the most recently used
    assert store.path(*a).stat().st_mtime > now - 20
    store.fetch([c])
    assert store.path(*a).exists() and store.path(*c).exists()
    assert not store.path(*b).exists()  # the least recently used went
    assert store.info()["bytes"] <= cap
    # a batch larger than the cap still returns every thumbnail, and the folder stays capped
    tiny = ThumbnailStore(tmp_path / "tiny", size=64, max_bytes=max(sizes) + 1)
    with no_thumbnail_warnings():
        out = tiny.fetch(pairs)
    assert all(out)
    assert tiny.info()["bytes"] <= max(sizes) + 1
    tiny.clear()
    assert tiny.info()["files"] == 0


def test_concurrent_callers_share_one_store(sandbox, tmp_path):
    pairs = pairs_of(search_hits(sandbox, limit=10))
    store = ThumbnailStore(tmp_path, size=32, max_workers=4)
    results: list = [None] * 4
    errors_seen: list = []

    def work(i):
        try:
            results[i] = store.fetch(pairs[i:] + pairs[:i])
        except Exception as exc:  # pragma: no cover - reported below
            errors_seen.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors_seen
    expected = store.fetch(pairs)
    for i, r in enumerate(results):
        assert r == expected[i:] + expected[:i]
    assert len(stored_files(tmp_path)) == 10
    assert not list(tmp_path.glob(".tmp-*"))


# --- connection reuse, concurrency, credentials (a recording loopback server) ---------------


def test_downloads_run_in_parallel_over_a_bounded_reused_pool(recorder, tmp_path):
    recorder.delay = 0.15
    items = [(f"p{i}", f"{recorder.base_url}/img/{i}.png?sig={i}") for i in range(16)]
    store = ThumbnailStore(tmp_path, size=50, max_workers=4)
    out = store.fetch(items)
    assert all(out) and {png_size(d) for d in out} == {(50, 25)}
    assert 2 <= recorder.max_active <= 4  # concurrent, and bounded by max_workers
    ports = {port for _, _, port in recorder.requests}
    assert len(ports) <= 4  # connections reused across downloads
    # a second batch reuses the same pooled connections
    store.fetch([(f"q{i}", f"{recorder.base_url}/img/q{i}.png") for i in range(8)])
    assert {port for _, _, port in recorder.requests} == ports
    store.close()


def test_no_credentials_or_cookies_are_sent(recorder, tmp_path, monkeypatch):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login alice password s3cret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    store = ThumbnailStore(tmp_path / "t", size=32)
    items = [("p1", f"{recorder.base_url}/img/1.png"), ("p2", f"{recorder.base_url}/redirect/2.png"),
             ("p3", f"{recorder.base_url}/img/3.png")]
    store.fetch(items[:1])
    out = store.fetch(items[1:])  # after the server set a cookie, and through a redirect
    assert all(out)
    paths = [p for p, _, _ in recorder.requests]
    assert "/img/after-redirect.png" in paths
    for _, headers, _ in recorder.requests:
        names = {k.lower() for k in headers}
        assert "authorization" not in names and "cookie" not in names
        assert headers.get("User-Agent", "").startswith("patsnap-pandas/")


# --- the byte total: opening a store never scans its folder (issue 21) ------------------------------

def _drawing(i: int) -> bytes:
    im = Image.new("L", (48, 48), 255)
    im.putpixel((i % 48, i // 48 % 48), 0)
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


def _bytes_in(folder: Path) -> int:
    """The bytes of the thumbnails in ``folder`` (os.listdir: not counted by ``folder_scans``)."""
    return sum(os.path.getsize(folder / name) for name in os.listdir(folder) if name.endswith(".png"))


@pytest.fixture
def folder_scans(monkeypatch):
    """``folder_scans(path)``: how many times ``os.scandir`` listed ``path`` since the fixture started."""
    listed: list[str] = []
    real = os.scandir

    def scandir(path="."):
        listed.append(os.fspath(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    return lambda path: listed.count(os.fspath(path))


def test_a_new_store_on_a_full_folder_writes_without_scanning_it(tmp_path, folder_scans):
    folder = tmp_path / "thumbs"
    first = ThumbnailStore(folder, size=32)
    for i in range(30):
        first.put(f"p{i}", f"https://img.example/{i}.png", _drawing(i))
    assert folder_scans(folder) == 1  # counted once: the folder had no byte total yet
    stored = _bytes_in(folder)

    second = ThumbnailStore(folder, size=32)  # a new process's store, e.g. for its first cached search
    png = second.put("q", "https://img.example/q.png", _drawing(99))
    second.put("q", "https://img.example/q.png", _drawing(99))  # written again: replaces, not adds
    assert folder_scans(folder) == 1  # opening and writing read the total from .size: no scan
    assert second._index.total == stored + len(png) == _bytes_in(folder)
    assert second.get("q", "https://img.example/q.png") == png and second.info()["files"] == 31


def test_a_folder_without_a_byte_total_is_counted_once_and_clear_starts_again(tmp_path, folder_scans):
    folder = tmp_path / "thumbs"
    folder.mkdir()
    for i in range(10):  # thumbnails left by an older version: no .size
        (folder / f"{i:064x}.png").write_bytes(_drawing(i))
    store = ThumbnailStore(folder, size=32)
    store.put("q", "https://img.example/q.png", _drawing(50))
    store.put("r", "https://img.example/r.png", _drawing(51))
    assert folder_scans(folder) == 1
    assert store._index.total == _bytes_in(folder)
    store.clear()
    png = store.put("s", "https://img.example/s.png", _drawing(52))
    assert store._index.total == len(png) and store.info() == {
        "directory": str(folder), "files": 1, "bytes": len(png), "max_bytes": store.max_bytes}


_WRITER = """
import io, sys
from PIL import Image
from patsnap_pandas.store.thumbnails import ThumbnailStore
store = ThumbnailStore(sys.argv[1], size=32, max_bytes=int(sys.argv[3]))
for i in range(40):
    im = Image.new("L", (48, 48), 255); im.putpixel((i, int(sys.argv[2])), 0)
    buf = io.BytesIO(); im.save(buf, "PNG")
    store.put(f"w{sys.argv[2]}-{i}", "https://img.example/x.png", buf.getvalue())
"""


@pytest.mark.slow  # several processes: about 3 s
def test_processes_writing_one_folder_keep_its_total_exact(tmp_path):
    import subprocess
    import sys

    from patsnap_pandas.store.disk_index import DiskIndex

    folder, cap = tmp_path / "thumbs", 9_000  # 3 x 40 thumbnails of ~100 bytes pass it: evictions meanwhile
    ThumbnailStore(folder, size=32).put("seed", "https://img.example/seed.png", _drawing(0))
    writers = [subprocess.Popen([sys.executable, "-c", _WRITER, str(folder), str(k), str(cap)]) for k in range(3)]
    assert [w.wait(timeout=120) for w in writers] == [0, 0, 0]
    assert DiskIndex(folder, cap).stored() == _bytes_in(folder) <= cap
