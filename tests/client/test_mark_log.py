"""The mark history in the cache folder when the folder misbehaves: a mark is never lost, a damaged file is named."""

from __future__ import annotations

import warnings

import pytest

from patsnap_pandas.errors import CacheError
from patsnap_pandas.store.local import LocalStore
from tests.helpers import read_only_file

ENTRY = {"patent_pn": "USD1S", "query": "chair.png", "relevance": "relevant", "note": "same legs",
         "marked_by": "Ana Li", "marked_at": "2026-12-07T09:30:00Z"}


def test_a_history_that_cannot_be_written_keeps_the_marks_in_memory_and_warns_once(tmp_path):
    log = LocalStore(tmp_path).mark_log()
    log.append([ENTRY])
    with read_only_file(tmp_path / "marks.sqlite"), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        log.append([{**ENTRY, "relevance": "unsure", "marked_at": "2026-12-08T10:00:00Z"}])
        log.append([{**ENTRY, "relevance": "not relevant", "marked_at": "2026-12-08T11:00:00Z"}])
        assert [e["relevance"] for e in log.read(["usd1s"])] == ["relevant", "unsure", "not relevant"]
    assert len([w for w in caught if "mark history" in str(w.message)]) == 1, [str(w.message) for w in caught]


def test_a_damaged_history_is_named_when_read_and_a_new_mark_is_still_kept(tmp_path):
    (tmp_path / "marks.sqlite").write_bytes(b"what a crash leaves behind" * 50)
    log = LocalStore(tmp_path).mark_log()
    with pytest.raises(CacheError, match="marks.sqlite"):
        log.read()
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        log.append([ENTRY])  # not lost: kept in memory, with a warning
    assert log._memory == [ENTRY]


def test_a_memory_store_keeps_the_history_for_the_clients_life(tmp_path):
    store = LocalStore(tmp_path, cache=False)
    store.mark_log().append([ENTRY])
    assert store.mark_log().read(["USD1S"]) == [ENTRY] and list(tmp_path.iterdir()) == []
