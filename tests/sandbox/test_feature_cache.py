"""The on-disk feature cache of the sandbox index: reused by a second load, rebuilt when the corpus or the
feature code changes or when its file is damaged, computed once when several loads race, and kept by
the test suite between runs."""

from __future__ import annotations

import os
import threading
import types
from pathlib import Path

import numpy as np
import pytest

from patsnap_pandas.sandbox import features
from patsnap_pandas.sandbox import index as index_mod
from patsnap_pandas.sandbox.corpus import generated_corpus, source_digest
from patsnap_pandas.sandbox.index import ImageIndex, features_version

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def small(tmp_path):
    """A small generated corpus and its cache folder (nothing cached yet)."""
    return generated_corpus(12, seed=4, cache_dir=tmp_path), tmp_path


def test_a_second_load_reads_the_cache(small):
    corpus, cache = small
    first = ImageIndex(corpus, cache_dir=cache)
    second = ImageIndex(corpus, cache_dir=cache)
    assert (first.from_cache, first.computed) == (False, len(corpus.image_keys))
    assert (second.from_cache, second.computed) == (True, 0)
    assert np.array_equal(second.features, first.features)
    assert first.cache_file.name == f"{corpus.fingerprint}-{features_version()}.npz"


def test_another_corpus_is_computed_anew(small):
    corpus, cache = small
    ImageIndex(corpus, cache_dir=cache)
    other = ImageIndex(generated_corpus(12, seed=5, cache_dir=cache), cache_dir=cache)
    assert (other.from_cache, other.computed) == (False, len(other.keys))


def test_other_feature_code_is_computed_anew(small, monkeypatch):
    corpus, cache = small
    first = ImageIndex(corpus, cache_dir=cache)
    monkeypatch.setattr(index_mod, "features_version", lambda: features.DESCRIPTOR_VERSION + "-edited")
    edited = ImageIndex(corpus, cache_dir=cache)
    assert (edited.from_cache, edited.computed) == (False, len(corpus.image_keys))
    assert edited.cache_file != first.cache_file and first.cache_file.is_file()


def test_the_code_version_follows_the_source(tmp_path):
    """An edited module (same version string) gives another digest: the feature and drawing code's versions."""
    module = types.ModuleType("drawing")
    module.__file__ = str(tmp_path / "drawing.py")
    Path(module.__file__).write_text("LINE = 2\n")
    before = source_digest("g1", module)
    Path(module.__file__).write_text("LINE = 3\n")
    assert source_digest("g1", module) != before
    assert source_digest("g1", types.ModuleType("frozen")) == source_digest("g1")  # no source: the version alone
    assert features_version() == f"{features.DESCRIPTOR_VERSION}-{source_digest(features.DESCRIPTOR_VERSION, features)[:12]}"


def _damage(path: Path, how: str, keys: list[str]) -> None:
    good = path.read_bytes()
    dim = len(np.load(path)["features"][0])
    if how == "empty":
        path.write_bytes(b"")
    elif how == "truncated":
        path.write_bytes(good[: len(good) // 2])
    elif how == "garbage":
        path.write_bytes(b"PK\x03\x04 not a zip at all")
    elif how == "narrow":  # features of another width
        np.savez(path, features=np.ones((len(keys), dim - 1), np.float32), keys=np.array(keys))
    elif how == "other keys":
        np.savez(path, features=np.ones((len(keys), dim), np.float32), keys=np.array([k + "x" for k in keys]))
    elif how == "not finite":
        np.savez(path, features=np.full((len(keys), dim), np.nan, np.float32), keys=np.array(keys))
    elif how == "objects":  # a pickled array: never loaded (allow_pickle=False)
        np.savez(path, features=np.array([object()] * len(keys)), keys=np.array(keys))
    elif how == "missing member":
        np.savez(path, keys=np.array(keys))


@pytest.mark.parametrize("how", ["empty", "truncated", "garbage", "narrow", "other keys", "not finite", "objects",
                                 "missing member"])
def test_a_damaged_cache_file_is_rebuilt(small, how):
    corpus, cache = small
    first = ImageIndex(corpus, cache_dir=cache)
    _damage(first.cache_file, how, first.keys)
    rebuilt = ImageIndex(corpus, cache_dir=cache)
    assert (rebuilt.from_cache, rebuilt.computed) == (False, len(corpus.image_keys))
    assert np.array_equal(rebuilt.features, first.features)
    again = ImageIndex(corpus, cache_dir=cache)  # and the file is whole again
    assert (again.from_cache, again.computed) == (True, 0)


def test_a_damaged_fingerprint_file_is_recomputed(tmp_path):
    first = generated_corpus(12, seed=4, cache_dir=tmp_path)
    for text in ("", "{not json", "[1, 2]", '{"fingerprint": 3}'):
        for path in (tmp_path / "corpus").glob("*.json"):
            path.write_text(text)
        assert generated_corpus(12, seed=4, cache_dir=tmp_path).fingerprint == first.fingerprint


def test_loads_that_race_compute_once(small):
    corpus, cache = small
    start = threading.Barrier(3)
    made: list[ImageIndex] = []

    def load() -> None:
        start.wait()
        made.append(ImageIndex(corpus, cache_dir=cache))

    threads = [threading.Thread(target=load) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(index.computed for index in made) == [0, 0, len(corpus.image_keys)]
    assert all(np.array_equal(index.features, made[0].features) for index in made)


def test_a_cache_folder_that_cannot_be_written_only_costs_the_time(small):
    corpus, cache = small
    (cache / "features").write_text("a file where the folder should be")
    index = ImageIndex(corpus, cache_dir=cache)
    assert (index.from_cache, index.computed) == (False, len(corpus.image_keys))


def test_the_suite_keeps_its_sandbox_cache_between_runs(tmp_path_factory):
    """The tests' sandbox cache is a folder of this checkout, not the session's temp folder: the features
    of the 600 generated designs and of the real drawings are computed by the first run only."""
    folder = Path(os.environ["PATSNAP_SANDBOX_CACHE_DIR"])
    assert folder == ROOT / ".pytest_cache" / "patsnap-sandbox"
    assert not folder.is_relative_to(tmp_path_factory.getbasetemp())
