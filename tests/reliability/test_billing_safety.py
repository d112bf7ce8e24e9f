"""Issue 15: money never leaks at the edges -- unwritable caches, identical calls at once, odd file names.

Counts come from the sandbox's ledger (what the server billed), never from the client's own counters.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import textwrap
import threading
import warnings
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from patsnap_pandas import CacheWarning, search_designs
from patsnap_pandas.jobs.batch import search_each
from tests.helpers import SEARCH, UPLOAD, distinct_png, ledger_counts

ROOT = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def unwritable_folder(folder: Path):
    """A cache folder nothing can be written into (made immutable as root, read-only otherwise).

    Where neither works (a container without the capability), the folder sits under a
    regular file instead: every write there fails too.
    """
    folder.mkdir(parents=True)
    undo = None
    if os.geteuid() == 0:
        if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode == 0:
            undo = ["chattr", "-i", str(folder)]
    else:
        folder.chmod(0o555)
    probe = folder / "probe"
    try:
        probe.write_bytes(b"")
        probe.unlink()
        writable = True
    except OSError:
        writable = False
    if writable:  # no way to protect it here: use a path whose parent is a file
        blocker = folder.parent / "a-file"
        blocker.write_bytes(b"")
        folder = blocker / "cache"
    try:
        yield folder
    finally:
        if undo:
            subprocess.run(undo, check=True)
        elif not writable or os.geteuid() != 0:
            with contextlib.suppress(OSError):
                Path(folder).chmod(0o755)


def test_unwritable_cache_folder_bills_each_image_once_and_keeps_every_result(sandboxes, clients, catalogue,
                                                                                tmp_path):
    server = sandboxes()
    with unwritable_folder(tmp_path / "ro-cache") as folder:
        client = clients(server, cache_dir=folder)
        ten = catalogue.head(10)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            first = search_each(ten, "photo", limit=3, progress=False, client=client, thumbnails=False)
            again = search_each(ten, "photo", limit=3, progress=False, client=client, thumbnails=False)
    for out in (first, again):
        assert out.attrs["batch"]["ok"] == 10 and (out["status"] == "ok").all()
    counts = ledger_counts(server)
    assert counts[(UPLOAD, True)] == 10 and counts[(SEARCH, True)] == 10
    assert sum(counts.values()) == 20  # nothing else billed, nothing failed
    cache_warnings = [str(w.message) for w in caught if issubclass(w.category, CacheWarning)]
    assert len(cache_warnings) == 1  # one for the folder, whichever part met it first (issue 21)
    assert str(folder) in cache_warnings[0] and "kept in memory" in cache_warnings[0]


def test_eight_threads_on_one_image_make_one_upload_and_one_search(sandboxes, clients, catalogue):
    server = sandboxes(latency=0.2)  # long enough for all eight to be in flight together
    client = clients(server)
    png = catalogue["photo"][0]
    start = threading.Barrier(8)
    frames, errors = [], []

    def run():
        start.wait()
        try:
            frames.append(search_designs(png, client=client, limit=5, thumbnails=False))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(frames) == 8
    assert all(df["patent_id"].tolist() == frames[0]["patent_id"].tolist() for df in frames)
    counts = ledger_counts(server)
    assert counts[(UPLOAD, True)] == 1 and counts[(SEARCH, True)] == 1 and sum(counts.values()) == 2


def test_a_lookup_that_misses_keeps_what_another_process_stored_meanwhile(sandboxes, clients, catalogue,
                                                                          monkeypatch):
    """requests-cache deletes the answer of a response its filter refuses, and the "504 Not Cached"
    of a missed look-up was one: an answer another process stored between that miss and the delete
    was thrown away and the search paid again (the rare 21st search of four processes on 20 images)."""
    server = sandboxes()
    other, this = clients(server, "shared"), clients(server, "shared")  # two processes' clients, one folder
    png = catalogue["photo"][3]
    cache = this._pipeline.session.cache
    look_up, stored = cache.get_response, []

    def miss_while_the_other_searches(key, default=None):
        found = look_up(key, default)
        if found is None and not stored:  # the search is not cached yet: the other client searches now
            stored.append(search_designs(png, client=other, limit=3, thumbnails=False))
        return found

    monkeypatch.setattr(cache, "get_response", miss_while_the_other_searches)
    df = search_designs(png, client=this, limit=3, thumbnails=False)
    assert len(stored) == 1 and df["patent_id"].tolist() == stored[0]["patent_id"].tolist()
    counts = ledger_counts(server)
    assert counts[(UPLOAD, True)] == 1 and counts[(SEARCH, True)] == 1, counts


_WORKER = textwrap.dedent("""
    import sys
    from pathlib import Path
    import pandas as pd
    from patsnap_pandas import PatsnapClient
    from patsnap_pandas.jobs.batch import search_each

    base_url, api_key, cache_dir, folder = sys.argv[1:5]
    paths = sorted(str(p) for p in Path(folder).glob("*.png"))
    with PatsnapClient(base_url=base_url, api_key=api_key, cache_dir=cache_dir) as client:
        out = search_each(pd.DataFrame({"photo": paths}), "photo", limit=3, max_workers=4,
                          progress=False, client=client, thumbnails=False)
    print(out.attrs["batch"]["ok"])
""")


@pytest.mark.slow  # four processes: left out of `make test-fast`, run by `make test` and CI
def test_four_processes_on_the_same_twenty_images_share_one_cache_folder(sandboxes, corpus, tmp_path):
    server = sandboxes(latency=0.05)
    images = tmp_path / "images"
    images.mkdir()
    for i in range(20):
        (images / f"img-{i:02d}.png").write_bytes(distinct_png(corpus, i))
    script = tmp_path / "worker.py"
    script.write_text(_WORKER)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [sys.executable, str(script), server.base_url, server.credentials.api_key, str(tmp_path / "shared"),
            str(images)]
    procs = [subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for _ in range(4)]
    results = [proc.communicate(timeout=300) for proc in procs]
    assert [proc.returncode for proc in procs] == [0] * 4, [err[-2000:] for _, err in results]
    assert [out.strip() for out, _ in results] == ["20"] * 4  # every process got all its results
    counts = ledger_counts(server)
    searches = [(e.params.get("url"), e.time) for e in server.ledger.entries() if e.endpoint == SEARCH]
    seen = Counter(url for url, _ in searches)
    dups = sorted((url[-30:], t) for url, t in searches if seen[url] > 1)
    assert counts[(UPLOAD, True)] == 20 and counts[(SEARCH, True)] == 20 and sum(counts.values()) == 40, dups


def test_a_file_name_that_is_not_utf8_searches_and_builds_the_frame(sandboxes, clients, catalogue, tmp_path):
    server = sandboxes()
    client = clients(server)
    folder = os.fsencode(tmp_path)
    name = os.path.join(folder, b"caf\xe9-\xff.png")  # Latin-1 bytes: not valid UTF-8
    with open(name, "wb") as f:
        f.write(catalogue["photo"][3])
    path = os.fsdecode(name)  # what os.listdir gives: lone surrogates
    for _ in range(2):  # the second time from the cache
        df = search_designs(path, client=client, limit=4)
        assert len(df) == 4 and df.attrs["query"] == "caf\ufffd-\ufffd.png"
        df.to_parquet(tmp_path / "hits.parquet")  # pyarrow refuses lone surrogates
        assert pd.read_parquet(tmp_path / "hits.parquet")["query"].tolist() == ["caf\ufffd-\ufffd.png"] * 4
    counts = ledger_counts(server)
    assert counts == Counter({(UPLOAD, True): 1, (SEARCH, True): 1})


def test_duplicate_catalogue_column_names_get_a_clear_error(clients, sandboxes, catalogue):
    from patsnap_pandas import InvalidInputError

    server = sandboxes()
    client = clients(server)
    doubled = pd.concat([catalogue.head(2)[["photo"]], catalogue.head(2)[["photo"]]], axis=1)
    with pytest.raises(InvalidInputError, match=r"duplicate column names \['photo'\]"):
        search_each(doubled, "photo", client=client, progress=False)
    assert len(server.ledger) == 0
