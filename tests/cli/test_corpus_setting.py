"""One setting chooses the sandbox's corpus: --sandbox-corpus DIR, else PATSNAP_SANDBOX_CORPUS, else generated."""

from __future__ import annotations

import pytest

from patsnap_pandas import PatsnapClient, samples
from patsnap_pandas.cli import main as cli
from tests.helpers import error_lines

DESIGNS = [("D900001", "Desk lamp", "ACME Lighting (US)"), ("D900002", "Armchair", "ACME Furniture (US)")]
SAMPLE_OF = {0: "desk-lamp", 1: "armchair"}


@pytest.fixture(scope="module")
def corpus_folder(tmp_path_factory, write_corpus_folder):
    """A two-design folder in the manifest format: a lamp and a chair (the package's sample drawings)."""
    root = tmp_path_factory.mktemp("my-drawings")
    return write_corpus_folder(root, DESIGNS, lambda k: samples.image(SAMPLE_OF[k]).read_bytes())


def test_the_client_takes_the_folder_from_the_environment(corpus_folder, monkeypatch):
    monkeypatch.setenv("PATSNAP_SANDBOX_CORPUS", str(corpus_folder))
    with PatsnapClient.sandbox() as client:
        assert [d.patent_pn for d in client.sandbox_server.corpus.designs] == ["USD900001S", "USD900002S"]
    with PatsnapClient.sandbox(corpus="generated") as client:  # an argument wins over the environment
        assert len(client.sandbox_server.corpus.designs) == 600


def test_a_folder_without_manifest_is_refused_before_the_server_starts(tmp_path, monkeypatch):
    from patsnap_pandas import InvalidInputError

    with pytest.raises(InvalidInputError, match=r"corpus='.*' is not valid: no manifest.csv in that folder"):
        PatsnapClient.sandbox(corpus=tmp_path)
    monkeypatch.setenv("PATSNAP_SANDBOX_CORPUS", str(tmp_path))
    with pytest.raises(InvalidInputError, match=r"PATSNAP_SANDBOX_CORPUS='.*' is not valid: no manifest.csv"):
        PatsnapClient.sandbox()


def test_search_serves_the_folder_of_the_setting(corpus_folder, monkeypatch, capsys):
    monkeypatch.setenv("PATSNAP_SANDBOX_CORPUS", str(corpus_folder))
    assert cli.main(["search", str(samples.image("armchair")), "--sandbox", "--limit", "2"]) == 0
    captured = capsys.readouterr()
    assert f"drawings from {corpus_folder}" in captured.err
    first = next(line for line in captured.out.splitlines() if line.strip().startswith("1 "))
    assert "USD900002S" in first  # the chair drawing finds the chair


def test_sandbox_corpus_flag_wins_over_the_environment(corpus_folder, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATSNAP_SANDBOX_CORPUS", str(tmp_path))  # not a corpus: never read
    assert cli.main(["search", str(samples.image("desk-lamp")), "--sandbox", "--sandbox-corpus",
                     str(corpus_folder), "--limit", "1"]) == 0
    assert "USD900001S" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["demo"], ["sandbox"]], ids=["demo", "sandbox"])
def test_demo_and_sandbox_name_the_bad_setting(argv, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATSNAP_SANDBOX_CORPUS", str(tmp_path))
    assert cli.main(argv) == 2
    line, = error_lines(capsys.readouterr().err)
    assert f"PATSNAP_SANDBOX_CORPUS={tmp_path}: no manifest.csv in that folder" in line


def test_demo_serves_the_folder_given_by_the_flag(corpus_folder, capsys):
    assert cli.main(["demo", "--sandbox-corpus", str(corpus_folder), "--limit", "2"]) == 0
    out = capsys.readouterr().out
    assert f"Data source: 2 designs (2 drawings) from the folder {corpus_folder}" in out
    assert "Next (make install first" in out
