"""`patsnap-pandas sandbox` and `demo` as subprocesses."""

from __future__ import annotations

import os
import re
import selectors
import signal
import subprocess
import sys
import time

import pytest
import requests

from patsnap_pandas.testing import wait_until
from tests.helpers import DEFAULT_CORPUS_SIZE

# Generous on purpose: the 3 s start-up target is measured in bench/sandbox_bench.py,
# not asserted here (test machines are noisy).
TOKEN_DEADLINE_S = 60.0


def read_banner(process: subprocess.Popen, deadline: float) -> dict:
    """Base URL and credentials from the first lines the sandbox prints."""
    found: dict = {}
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    patterns = {
        "base_url": r"on (http://\S+)",
        "client_id": r"client id\s+(\S+)",
        "client_secret": r"client secret\s+(\S+)",
        "api_key": r"API key\s+(sk-\S+)",
    }
    while len(found) < len(patterns) and time.monotonic() < deadline:
        if not selector.select(timeout=0.05):
            continue
        line = process.stdout.readline()
        if not line:
            break
        for name, pattern in patterns.items():
            match = re.search(pattern, line)
            if match and name not in found:
                found[name] = match.group(1)
    selector.close()
    return found


@pytest.mark.slow  # the sandbox command in a subprocess: about 3 s
def test_cli_sandbox_starts_and_answers_a_token_request(sandbox):
    # `sandbox` (session fixture) warms the corpus and feature caches of this test session
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "patsnap_pandas.cli", "sandbox", "--port", "0", "--corpus-size", str(DEFAULT_CORPUS_SIZE)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    try:
        deadline = started + TOKEN_DEADLINE_S
        banner = read_banner(process, deadline)
        assert set(banner) == {"base_url", "client_id", "client_secret", "api_key"}, banner
        assert banner["base_url"].startswith("http://127.0.0.1:")
        def token_answer():
            try:
                return requests.post(
                    banner["base_url"] + "/oauth/token",
                    auth=(banner["client_id"], banner["client_secret"]),
                    data={"grant_type": "client_credentials"},
                    timeout=1,
                )
            except requests.ConnectionError:
                return None

        answered = wait_until(token_answer, timeout=max(0.0, deadline - time.monotonic()), interval=0.05)
        assert answered is not None and answered.status_code == 200, f"no token answer within {TOKEN_DEADLINE_S} s"
        assert answered.json()["token_type"] == "BearerToken"
        # the API key it printed works once the corpus is ready
        response = requests.get(
            banner["base_url"] + "/basic-patent-data/simple-legal-status",
            params={"patent_id": sandbox.corpus.designs[0].patent_id},
            headers={"Authorization": f"Bearer {banner['api_key']}"},
            timeout=60,
        )
        assert response.json()["data"][0]["pn"] == sandbox.corpus.designs[0].patent_pn
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()
    assert process.returncode == 0


@pytest.mark.slow  # the sandbox command in a subprocess: about 3 s
def test_cli_sandbox_fault_flags_are_applied(sandbox):
    process = subprocess.Popen(
        [
            sys.executable, "-m", "patsnap_pandas.cli", "sandbox", "--corpus-size", str(DEFAULT_CORPUS_SIZE),
            "--quota", "1", "--quota-code", "67200007", "--api-key", "sk-fixed-for-test",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        banner = read_banner(process, time.monotonic() + 60)  # a deadline, not a timing assert: a loaded machine starts slowly
        assert banner["api_key"] == "sk-fixed-for-test"
        headers = {"Authorization": "Bearer sk-fixed-for-test"}
        url = banner["base_url"] + "/basic-patent-data/simple-legal-status"
        codes = [requests.get(url, params={"patent_id": "x"}, headers=headers, timeout=60).json()["error_code"] for _ in range(2)]
        assert codes == [0, 67200007]
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
        process.stderr.close()


def test_cli_rejects_bad_fault_values():
    result = subprocess.run(
        [sys.executable, "-m", "patsnap_pandas.cli", "sandbox", "--failure-rate", "2"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "failure_rate" in result.stderr
