"""The guard itself: loopback passes, anything else is refused and fails the test."""

import socket

import pytest


def test_loopback_connection_is_allowed():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    try:
        client = socket.create_connection(server.getsockname(), timeout=2)
        client.close()
    finally:
        server.close()


@pytest.mark.parametrize("address", [("93.184.216.34", 80), ("10.0.0.1", 80), ("192.168.1.1", 443)])
def test_non_loopback_connect_is_refused(address, network_guard):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(ConnectionRefusedError, match="not loopback"):
            sock.connect(address)
    finally:
        sock.close()
    assert network_guard.violations == [f"connect {address!r}"]
    network_guard.violations.clear()  # recorded as expected; do not fail this test


def test_name_lookup_off_loopback_is_refused(network_guard):
    with pytest.raises(ConnectionRefusedError):
        socket.getaddrinfo("example.com", 443)
    assert network_guard.violations
    network_guard.violations.clear()


def test_guard_records_violation_even_when_swallowed(network_guard):
    guard = type(network_guard)()  # a NetworkGuard of its own (the root conftest.py's class)
    try:
        guard.check(socket.AF_INET, ("8.8.8.8", 53), "connect")
    except ConnectionRefusedError:
        pass
    assert guard.violations == ["connect ('8.8.8.8', 53)"]
