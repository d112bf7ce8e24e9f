"""Fixtures of the command-line tests: a shared sandbox, query images, a runner for subprocesses.

Most tests call ``cli.main(argv)`` in-process (start-up is paid once); a few run the
real command in a subprocess, end to end.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from patsnap_pandas.sandbox import start_sandbox
from tests.helpers import DEFAULT_CORPUS_SIZE

QUERY_DESIGN = 74


@pytest.fixture(scope="session")
def sandbox():
    """A generated-corpus sandbox for tests that use PATSNAP_* credentials (no --sandbox).

    Starting it first also fills the sandbox feature cache that the subprocesses' own
    ``--sandbox`` servers then load (PATSNAP_SANDBOX_CACHE_DIR is shared).
    """
    with start_sandbox(corpus_size=DEFAULT_CORPUS_SIZE) as server:
        yield server


@pytest.fixture(scope="session")
def design(sandbox):
    return sandbox.corpus.designs[QUERY_DESIGN]


@pytest.fixture
def query_png(sandbox, design, tmp_path) -> Path:
    """A PNG file of ``design``'s main view, exactly as the sandbox corpus holds it."""
    path = tmp_path / "query.png"
    path.write_bytes(sandbox.corpus.image_png(design.image_keys[0]))
    return path


@pytest.fixture
def env_account(sandbox, tmp_path, monkeypatch):
    """PATSNAP_* settings pointing at the shared sandbox, with a cache folder of this test."""
    monkeypatch.setenv("PATSNAP_BASE_URL", sandbox.base_url)
    monkeypatch.setenv("PATSNAP_API_KEY", sandbox.credentials.api_key)
    monkeypatch.setenv("PATSNAP_CACHE_DIR", str(tmp_path / "client-cache"))
    return sandbox


@pytest.fixture
def no_credentials(monkeypatch):
    for name in ("PATSNAP_CLIENT_ID", "PATSNAP_CLIENT_SECRET", "PATSNAP_API_KEY", "PATSNAP_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


SUBSET_PATENTS = ("USD0907292-20210105", "USD0917866-20210504", "USD0923318-20210629", "USD0938702-20211221")


@pytest.fixture(scope="session")
def real_subset(real_designs, tmp_path_factory) -> Path:
    """A real-designs-format folder of 4 patents (3 shoes, 1 razor): copied from ../shared (620 KB; a link
    leading out of a corpus folder is refused), quick to index."""
    folder = tmp_path_factory.mktemp("real-subset")
    lines = (real_designs / "manifest.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [lines[0]] + [line for line in lines[1:] if line.startswith(SUBSET_PATENTS)]
    (folder / "manifest.csv").write_text("".join(kept), encoding="utf-8")
    for name in SUBSET_PATENTS:
        shutil.copytree(real_designs / name, folder / name)
    return folder


