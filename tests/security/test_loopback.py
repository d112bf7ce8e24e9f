"""The sandbox listens on loopback only: its socket, the kernel's socket table, and the CLI default."""

from __future__ import annotations

import ipaddress
import os
import re
import subprocess
import sys
from pathlib import Path

from patsnap_pandas import PatsnapClient
from patsnap_pandas.cli.main import build_parser
from patsnap_pandas.sandbox import start_sandbox
from patsnap_pandas.testing import wait_until

LISTEN = "0A"


def _listening(port: int) -> list[str]:
    """Addresses with a listening TCP socket on ``port``, from the kernel's tables (Linux /proc)."""
    found = []
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            local, state = fields[1], fields[3]
            address, port_hex = local.split(":")
            if state != LISTEN or int(port_hex, 16) != port:
                continue
            raw = bytes.fromhex(address)
            # /proc writes each 32-bit word in host (little-endian) order
            packed = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
            found.append(str(ipaddress.ip_address(packed)))
    return found


def _assert_loopback_only(port: int) -> None:
    if Path("/proc/net/tcp").exists():
        addresses = _listening(port)
        assert addresses, f"nothing listens on port {port}"
        assert all(ipaddress.ip_address(a).is_loopback for a in addresses), addresses


def test_start_sandbox_and_client_sandbox_bind_loopback():
    with start_sandbox(corpus_size=600, wait=False) as server:
        host, port = server._server.socket.getsockname()[:2]
        assert host == "127.0.0.1" and server.base_url == f"http://127.0.0.1:{port}"
        _assert_loopback_only(port)
    with PatsnapClient.sandbox(corpus_size=600, wait=False) as client:
        host, port = client.sandbox_server._server.socket.getsockname()[:2]
        assert host == "127.0.0.1"
        _assert_loopback_only(port)


def test_cli_sandbox_default_host_is_loopback(tmp_path):
    assert build_parser().parse_args(["sandbox"]).host == "127.0.0.1"
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "patsnap_pandas.cli", "sandbox", "--corpus-size", "60"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            cwd=tmp_path)
    try:
        first = proc.stdout.readline()
        match = re.search(r"on http://([^:/]+):(\d+)", first)
        assert match, first + proc.stderr.read() if proc.poll() is not None else first
        assert match.group(1) == "127.0.0.1"
        port = int(match.group(2))
        wait_until(lambda: _listening(port) or not Path("/proc/net/tcp").exists(), timeout=10, interval=0.05)
        _assert_loopback_only(port)
        rest = [proc.stdout.readline() for _ in range(5)]  # credentials, export line, then warning or loading
        assert any("loading corpus" in line for line in rest), rest
        assert not any("warning: listening on" in line for line in rest)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
