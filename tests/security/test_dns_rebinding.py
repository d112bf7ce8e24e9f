"""Issue 21: the thumbnail fetcher connects to the address it checked (DNS rebinding).

A host name that answers a public address to one lookup and 127.0.0.1 to the next
must not get an image fetched from this machine: the fetcher resolves once, checks
every address, and connects to one of those. The network stays loopback only: the
"public" address is a stand-in, mapped (below the check, above the test's network
guard) to a loopback server playing the public image host.
"""

from __future__ import annotations

import socket
import subprocess
import warnings

import pytest

from patsnap_pandas import imaging
from patsnap_pandas.store.thumbnails import ThumbnailStore, ThumbnailWarning
from tests.helpers import drawing_png

PUBLIC = "93.184.216.34"  # a public address (never connected to: mapped to a loopback stand-in)
NAME = "images.rebind.test"


class Rebinding:
    """A resolver scripted per name (e.g. public first, loopback after) and a map of PUBLIC to loopback."""

    def __init__(self, monkeypatch, answers: dict[str, list[str]]) -> None:
        self.answers, self.lookups, self.routes = {k: list(v) for k, v in answers.items()}, [], {}
        guarded_lookup, guarded_connect = socket.getaddrinfo, socket.socket.connect

        def getaddrinfo(host, port, *args, **kwargs):
            script = self.answers.get(host)
            if script is None:
                return guarded_lookup(host, port, *args, **kwargs)
            address = script.pop(0) if len(script) > 1 else script[0]
            self.lookups.append(address)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, int(port)))]

        def connect(sock, address):
            if isinstance(address, tuple) and address[0] == PUBLIC:
                address = ("127.0.0.1", self.routes[address[1]])  # the public host's stand-in
            return guarded_connect(sock, address)

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
        monkeypatch.setattr(socket.socket, "connect", connect)


def _fetch(store: ThumbnailStore, url: str) -> tuple[bytes | None, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        (data,) = store.fetch([("pid-1", url)])
    return data, [str(w.message) for w in caught if issubclass(w.category, ThumbnailWarning)]


def test_a_name_rebinding_to_loopback_after_the_check_gets_nothing_from_loopback(
        monkeypatch, image_host, tmp_path, network_guard):
    internal = image_host(drawing_png(3))  # a service on this machine, on the port the URL names
    public = image_host(drawing_png(5))    # the public image host the name first pointed to
    dns = Rebinding(monkeypatch, {NAME: [PUBLIC, "127.0.0.1"]})
    dns.routes[internal.port] = public.port
    with ThumbnailStore(tmp_path / "thumbs", size=64) as store:
        data, messages = _fetch(store, f"http://{NAME}:{internal.port}/secret.png?sig=1")
    assert internal.calls == []  # before: the second lookup answered 127.0.0.1 and the secret was fetched
    assert public.calls == ["/secret.png"] and public.hosts == [f"{NAME}:{internal.port}"]  # Host: the name
    assert data == imaging.thumbnail_png(drawing_png(5), 64) and messages == []
    assert dns.lookups == [PUBLIC]  # one lookup: the address checked is the address connected to
    assert network_guard.violations == []


def test_a_name_answering_loopback_to_the_connection_is_refused(monkeypatch, image_host, tmp_path, network_guard):
    internal = image_host(drawing_png(3))
    dns = Rebinding(monkeypatch, {NAME: ["127.0.0.1"]})
    with ThumbnailStore(tmp_path / "thumbs", size=64) as store:
        data, messages = _fetch(store, f"http://{NAME}:{internal.port}/secret.png")
        again, _ = _fetch(store, f"http://{NAME}:{internal.port}/secret.png")  # remembered: not asked again
    assert data is None and again is None and internal.calls == []
    assert messages == [f"1 of 1 thumbnails could not be loaded: pid-1 http://{NAME}:{internal.port}/secret.png: "
                        "points to a local or private address (127.0.0.1)"]
    assert dns.lookups == ["127.0.0.1"] and network_guard.violations == []


def test_through_a_proxy_the_name_is_checked_before_the_request(monkeypatch, image_host, tmp_path):
    proxy = image_host(drawing_png(3))  # would answer anything it is asked for
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    Rebinding(monkeypatch, {NAME: ["10.0.0.7"]})
    with ThumbnailStore(tmp_path / "thumbs", size=64) as store:
        data, messages = _fetch(store, f"http://{NAME}/intranet.png")
    assert data is None and proxy.calls == []
    assert "points to a local or private address (10.0.0.7)" in messages[0]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for NAME (openssl, as the system has it): (cert path, key path)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "2", "-subj", f"/CN={NAME}", "-addext", f"subjectAltName=DNS:{NAME}",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True, timeout=60)
    return cert, key


def test_https_to_the_checked_address_still_verifies_the_certificate_by_name(
        monkeypatch, image_host, tmp_path, certificate, network_guard):
    public = image_host(drawing_png(6), ssl_context=(str(certificate[0]), str(certificate[1])))
    other = "other.rebind.test"  # the same server under a name its certificate does not carry
    dns = Rebinding(monkeypatch, {NAME: [PUBLIC, "127.0.0.1"], other: [PUBLIC]})
    dns.routes[443] = public.port
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(certificate[0]))  # trust the test's certificate only
    with ThumbnailStore(tmp_path / "thumbs", size=64) as store:
        data, messages = _fetch(store, f"https://{NAME}/design.png")
        refused, problems = _fetch(store, f"https://{other}/design.png")
    assert data == imaging.thumbnail_png(drawing_png(6), 64) and messages == []
    assert public.hosts == [NAME]  # Host (and SNI) by name, the socket to the checked address
    assert dns.lookups[0] == PUBLIC and "127.0.0.1" not in dns.lookups
    assert refused is None and "SSLError" in problems[0]  # verified against the name, not the address
    assert network_guard.violations == []


def test_the_sandbox_own_loopback_images_still_load(sandbox, client, tmp_path):
    from patsnap_pandas import search_designs

    hits = search_designs(sandbox.corpus.image_png(sandbox.corpus.designs[0].image_keys[0]), client=client, limit=3,
                          thumbnails=False)
    with ThumbnailStore(tmp_path / "thumbs", size=64) as store:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            pngs = store.fetch(hits)
    assert all(png is not None and png.startswith(b"\x89PNG") for png in pngs)
