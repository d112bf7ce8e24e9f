"""Issue 15: one retry loop under the rate limit, HTTP 429 with Retry-After, and Ctrl-C during a batch.

Times come from the sandbox's ledger (when each billed call arrived).
"""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from patsnap_pandas import BatchInterrupted, RateLimitError, ServiceUnavailableError
from patsnap_pandas.testing import wait_until
from tests.helpers import SEARCH, UPLOAD, distinct_png

ROOT = Path(__file__).resolve().parents[2]


def _gaps(server, endpoint):
    times = [e.time for e in server.ledger.entries() if e.endpoint == endpoint]
    return [b - a for a, b in zip(times, times[1:])]


@pytest.mark.slow  # waits out a real rate limit: left out of `make test-fast`, run by `make test` and CI
def test_every_retry_passes_the_rate_limit(sandboxes, clients):
    server = sandboxes(failure_rate=1.0, failure_kinds=(503,))
    client = clients(server, rate_limit=1, max_retries=4)
    with pytest.raises(ServiceUnavailableError, match="Gave up after 4 retries"):
        client.create_search(server.base_url + "/no-such-image.png", limit=5)
    gaps = _gaps(server, SEARCH)
    assert len(gaps) == 4  # 5 attempts, all billed and all in the ledger
    # at most one call per second (urllib3 used to fire all 5 in 10 ms), measured where the calls arrive: each
    # gap carries the network's jitter under load, the span from first to last only twice (a first call that
    # arrived 0.23 s late made a span of 3.77 s on a machine running five test processes on two cores)
    assert min(gaps) >= 0.5 and sum(gaps) >= 3.5
    assert client.usage.requests["search"] == 5 and client.usage.retries == 4


def test_http_429_waits_as_long_as_retry_after_says(sandboxes, clients):
    server = sandboxes(throttle_rate=1.0, retry_after=2)
    client = clients(server, max_retries=1)
    with pytest.raises(RateLimitError):
        client.create_search(server.base_url + "/no-such-image.png", limit=5)
    entries = [e for e in server.ledger.entries() if e.endpoint == SEARCH]
    assert [e.http_status for e in entries] == [429, 429]
    assert entries[1].time - entries[0].time >= 2.0
    usage = client.usage.as_dict()
    assert usage["throttled"] == 2 and usage["throttled_wait_s"] >= 2.0
    assert "throttled=2 (waited 2" in repr(client.usage)


def test_a_throttled_call_succeeds_on_the_next_attempt(sandboxes, clients, catalogue):
    server = sandboxes(throttle_rate=0.5, retry_after=1, seed=3)
    client = clients(server, max_retries=5)
    uploaded = client.upload_image(catalogue["photo"][0], "q.png")
    page = client.create_search(uploaded.url, limit=3)
    assert len(page.hits) == 3
    statuses = [e.http_status for e in server.ledger.entries()]
    assert statuses.count(200) == 2 and client.usage.throttled == statuses.count(429)


_BATCH = """
import sys
from patsnap_pandas.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.slow  # a batch in a subprocess, interrupted: left out of `make test-fast`, run by `make test` and CI
def test_ctrl_c_stops_a_rate_limited_batch_at_once_and_says_a_rerun_continues(sandboxes, corpus, tmp_path):
    server = sandboxes()
    rows = []
    for i in range(30):
        path = tmp_path / f"img-{i:02d}.png"
        path.write_bytes(distinct_png(corpus, i))
        rows.append({"photo": path.name})
    catalogue = tmp_path / "catalogue.csv"
    with open(catalogue, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["photo"])
        writer.writeheader()
        writer.writerows(rows)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PATSNAP_BASE_URL": server.base_url,
           "PATSNAP_API_KEY": server.credentials.api_key, "PATSNAP_CACHE_DIR": str(tmp_path / "cache")}
    script = tmp_path / "run.py"
    script.write_text(_BATCH)
    args = [sys.executable, str(script), "batch", str(catalogue), "--image-column", "photo", "--workers", "16",
            "--rate-limit", "1", "--no-progress", "--out", str(tmp_path / "out.csv")]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    wait_until(lambda: len(server.ledger) >= 3, timeout=120, interval=0.05)
    assert len(server.ledger) >= 3, proc.stderr.read() if proc.poll() is not None else "no calls"
    signalled = time.time()
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)
    exited = time.time()
    assert proc.returncode == 130
    # Typically well under a second (the acceptance figure is 2 s); the bound leaves room for a loaded
    # machine while still failing the old behaviour, which finished every rate-limit sleep (16+ s here).
    assert exited - signalled < 10.0  # 5.7 s seen at load 20
    late = [e for e in server.ledger.entries() if e.time > signalled + 0.05]  # 50 ms: a call already on the wire
    assert late == []
    assert "Run the same batch again to continue" in stderr and "cached" in stderr
    billed_before = len(server.ledger)
    assert billed_before < 60  # stopped long before the end (2 calls per image)

    # The re-run continues: what finished comes from the cache, nothing is uploaded twice.
    args = args[:args.index("--rate-limit")] + ["--no-progress", "--out", str(tmp_path / "out.csv")]
    done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    uploads = [e for e in server.ledger.entries() if e.endpoint == UPLOAD and e.ok]
    assert len(uploads) == 30  # each image once over both runs


def test_batch_interrupted_is_a_keyboard_interrupt_that_says_what_to_do():
    err = BatchInterrupted(finished=4, total=9)
    assert isinstance(err, KeyboardInterrupt)
    assert str(err).startswith("Interrupted: 4 of 9 images were searched and are cached")
