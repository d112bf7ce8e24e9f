"""Shared test fixtures. The autouse guard keeps every test on loopback."""

from __future__ import annotations

import ipaddress
import socket

import pytest

_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def _is_loopback(host) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    host = str(host).strip("[]")
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


class NetworkGuard:
    """Refuses, and records, any connection or name lookup off loopback."""

    def __init__(self) -> None:
        self.violations: list[str] = []

    def check(self, family, address, what: str) -> None:
        if family == getattr(socket, "AF_UNIX", object()):
            return
        host = address[0] if isinstance(address, tuple) else address
        if host is None or _is_loopback(host):
            return
        self.violations.append(f"{what} {address!r}")
        raise ConnectionRefusedError(f"test network guard: {what} to {address!r} is not loopback")


@pytest.fixture(autouse=True)
def network_guard(monkeypatch):
    guard = NetworkGuard()
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def connect(self, address):
        guard.check(self.family, address, "connect")
        return real_connect(self, address)

    def connect_ex(self, address):
        guard.check(self.family, address, "connect_ex")
        return real_connect_ex(self, address)

    def getaddrinfo(host, *args, **kwargs):
        guard.check(None, (host,), "getaddrinfo")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield guard
    if guard.violations:
        pytest.fail("test reached beyond loopback: " + "; ".join(guard.violations), pytrace=False)
