"""The sandbox's clock: service time (UTC+8), set by a knob, advanced by tests, read by expiries and dates."""

from __future__ import annotations

import datetime as dt

import pytest
import requests

from patsnap_pandas.sandbox.clock import SERVICE_TZ
from tests.helpers import SMALL_CORPUS_SIZE, png_bytes


@pytest.mark.patsnap_sandbox(now="2026-12-07 15:00")
def test_the_now_knob_sets_service_time_and_the_clock_runs_on(sandbox):
    now = sandbox.now
    assert now.tzinfo is not None and now.utcoffset() == dt.timedelta(hours=8)
    start = dt.datetime(2026, 12, 7, 15, 0, tzinfo=SERVICE_TZ)
    assert start <= now < start + dt.timedelta(minutes=5)
    assert sandbox.today == dt.date(2026, 12, 7)  # the date follows the clock once set
    sandbox.advance(hours=17)
    assert sandbox.now >= dt.datetime(2026, 12, 8, 8, 0, tzinfo=SERVICE_TZ)
    assert sandbox.today == dt.date(2026, 12, 8)
    status = requests.get(sandbox.base_url + "/_sandbox/status", timeout=10).json()
    assert status["now"].startswith("2026-12-08T08:0") and status["now"].endswith("+08:00")
    assert status["today"] == "2026-12-08"


def test_a_reset_puts_the_clock_back_on_real_time(patsnap_sandboxes):
    from patsnap_pandas.testing import reset_sandbox

    server = patsnap_sandboxes.shared(corpus_size=SMALL_CORPUS_SIZE)
    reset_sandbox(server, now="2030-01-01 00:00")
    assert server.now.year == 2030 and server.clock.is_set
    reset_sandbox(server)
    assert not server.clock.is_set
    assert abs(server.now.timestamp() - dt.datetime.now(dt.timezone.utc).timestamp()) < 60


@pytest.mark.patsnap_sandbox(now="2026-12-07 15:00", today="2026-01-31")
def test_the_today_knob_wins_over_the_clock(sandbox):
    assert sandbox.today == dt.date(2026, 1, 31)


@pytest.mark.patsnap_sandbox(now="2026-12-07 15:00")
def test_uploaded_image_urls_expire_after_nine_hours_of_sandbox_time(sandbox, corpus):
    key = sandbox.credentials.api_key
    headers = {"Authorization": f"Bearer {key}"}
    data = png_bytes(corpus.image(corpus.designs[0].image_keys[0]))
    answer = requests.post(sandbox.base_url + "/image-search/image-upload", headers=headers,
                           files={"image": ("q.png", data, "image/png")}, timeout=20).json()
    url = answer["data"]["url"]
    assert answer["data"]["expire"] == 32400
    assert requests.get(url, timeout=10).status_code == 200
    sandbox.advance(hours=8, minutes=59)
    assert requests.get(url, timeout=10).status_code == 200
    sandbox.advance(minutes=2)
    assert requests.get(url, timeout=10).status_code == 403  # the signature's expiry passed on the sandbox clock
    search = requests.get(sandbox.base_url + "/image-search/search-id", headers=headers,
                          params={"url": url}, timeout=20).json()
    assert search["error_code"] == 68300004 and "expired" in search["error_msg"]


@pytest.mark.parametrize("bad", ["tea time", "2026-13-01 10:00", True])
def test_a_bad_now_is_refused_naming_the_knob(patsnap_sandbox_factory, bad):
    with pytest.raises(ValueError, match="now="):
        patsnap_sandbox_factory(corpus_size=SMALL_CORPUS_SIZE, now=bad)


@pytest.mark.patsnap_sandbox(now="2026-12-07 15:00")
def test_a_remembered_upload_the_sandbox_clock_expired_is_uploaded_anew_once(sandbox, corpus, client):
    from patsnap_pandas import search_designs

    data = png_bytes(corpus.image(corpus.designs[3].image_keys[0]))
    search_designs(data, client=client, limit=3, thumbnails=False)
    sandbox.advance(hours=10)  # the upload memo (real time) still holds the URL; the sandbox's clock expired it
    for endpoint in ("P009", "P060"):
        hits = search_designs(data, client=client, limit=5, endpoint=endpoint, thumbnails=False)
        assert len(hits) == 5
    calls = [entry.endpoint.rsplit("/", 1)[-1] for entry in sandbox.ledger]
    assert calls == ["image-upload", "search-id", "search-id", "image-upload", "search-id", "image-single"]
    assert [entry.ok for entry in sandbox.ledger] == [True, True, False, True, True, True]


@pytest.mark.slow  # the sandbox command in subprocesses: about 2.5 s
def test_the_sandbox_command_sets_the_clock_and_refuses_a_bad_batch_time(shared_sandbox):
    import os
    import subprocess
    import sys

    from tests.helpers import SUBPROCESS_TIMEOUT_S

    process = subprocess.Popen(
        [sys.executable, "-m", "patsnap_pandas.cli", "sandbox", "--port", "0", "--corpus-size", str(SMALL_CORPUS_SIZE),
         "--now", "2026-12-07 15:00", "--batch-runs-at", "immediately"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ))
    try:
        line = ""
        while "http://" not in line:
            line = process.stdout.readline()
            assert line, process.stderr.read()
        base_url = line.split(" on ", 1)[1].strip()
        from patsnap_pandas.testing import wait_until

        status = wait_until(lambda: requests.get(base_url + "/_sandbox/status", timeout=10).json(),
                            timeout=SUBPROCESS_TIMEOUT_S)
        assert status["now"].startswith("2026-12-07T15:0") and status["today"] == "2026-12-07"
    finally:
        process.terminate()
        process.wait(SUBPROCESS_TIMEOUT_S)
    bad = subprocess.run([sys.executable, "-m", "patsnap_pandas.cli", "sandbox", "--port", "0", "--batch-runs-at",
                          "never"], capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT_S)
    assert bad.returncode == 2 and "batch_runs_at='never'" in bad.stderr and "'HH:MM'" in bad.stderr
