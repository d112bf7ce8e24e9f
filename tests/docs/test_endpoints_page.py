"""The examples of docs/endpoints.md run as printed (against the sandbox, in a folder with the sample drawings)."""

from __future__ import annotations

import doctest
import re
import shutil
from pathlib import Path

PAGE = Path(__file__).resolve().parents[2] / "docs" / "endpoints.md"
BLOCK = re.compile(r"^```pycon\n(.*?)^```", re.M | re.S)


def test_the_page_examples_run_as_printed(doctest_samples, tmp_path, monkeypatch):
    for path in doctest_samples.iterdir():
        shutil.copyfile(path, tmp_path / path.name)
    monkeypatch.chdir(tmp_path)
    blocks = BLOCK.findall(PAGE.read_text(encoding="utf-8"))
    assert len(blocks) >= 3, "docs/endpoints.md lost its examples"
    parser = doctest.DocTestParser()
    test = parser.get_doctest("\n".join(blocks), {}, "docs/endpoints.md", str(PAGE), 0)
    assert len(test.examples) >= 15
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    out: list[str] = []
    result = runner.run(test, out=out.append)
    assert result.failed == 0, "".join(out)
