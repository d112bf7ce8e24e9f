"""Every ```python block of README.md and docs/*.md runs as printed, against the offline sandbox.

A block written as a session (``>>>`` prompts) runs as a doctest, so its printed
output is checked as well. A page's blocks run top to bottom in one namespace (as a reader would paste them into
one notebook), in a fresh, empty temporary folder, with no PatSnap credentials in the
environment. The only block that does not run is one whose first line is
:data:`CREDENTIALS_MARKER` (it needs a PatSnap account); nothing else skips a block.
"""

from __future__ import annotations

import doctest
import gc
import io
import textwrap
from pathlib import Path

import pytest

from tests.helpers import fenced_blocks

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
CREDENTIALS_MARKER = "# needs PatSnap credentials"

def python_blocks(text: str) -> list[tuple[int, str]]:
    """(line number, dedented code) of each ```python fenced block of a Markdown text."""
    return [(start, textwrap.dedent("\n".join(body))) for start, lang, body in fenced_blocks(text)
            if lang in ("python", "py")]


def needs_credentials(code: str) -> bool:
    return code.lstrip().startswith(CREDENTIALS_MARKER)


def run_as_doctest(code: str, namespace: dict, name: str) -> None:
    """A block written as a session (``>>>`` prompts): its printed output is checked too."""
    test = doctest.DocTestParser().get_doctest(code, namespace, name, name, 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report = io.StringIO()
    runner.run(test, out=report.write, clear_globs=False)
    namespace.update(test.globs)  # DocTest works on a copy: the page's next blocks see these names too
    if runner.failures:
        raise AssertionError(f"the session does not print what the page shows:\n{report.getvalue()}")


def test_python_blocks_are_found():
    """The extraction sees the pages' examples (a broken parser would make every page pass)."""
    counts = {page.name: len(python_blocks(page.read_text(encoding="utf-8"))) for page in PAGES}
    assert counts["README.md"] >= 1
    assert counts["getting-started.md"] >= 4 and counts["accessor.md"] >= 2
    assert sum(counts.values()) >= 40


def test_the_marker_is_only_used_where_an_account_is_needed():
    """A marked block must really need credentials: it reads them from the environment."""
    for page in PAGES:
        for line, code in python_blocks(page.read_text(encoding="utf-8")):
            if needs_credentials(code):
                assert "from_env" in code or "PATSNAP_" in code or "client_secret=" in code or "api_key=" in code, (
                    f"{page.name}:{line} is marked {CREDENTIALS_MARKER!r} but uses no credentials")


@pytest.mark.slow  # seconds a page (searches, reports, a PDF): run by `make test` and CI, like the notebooks
@pytest.mark.parametrize("page", [p for p in PAGES if python_blocks(p.read_text(encoding="utf-8"))],
                         ids=lambda p: p.name)
def test_page_examples_run_as_printed(page, tmp_path, monkeypatch):
    from patsnap_pandas import PatsnapClient

    monkeypatch.chdir(tmp_path)
    assert not any(tmp_path.iterdir())  # nothing is made for the examples
    namespace: dict = {"__name__": "__main__"}
    ran = 0
    try:
        for line, code in python_blocks(page.read_text(encoding="utf-8")):
            if needs_credentials(code):
                continue
            try:
                if code.lstrip().startswith(">>>"):
                    run_as_doctest(code, namespace, f"{page.name}:{line}")
                else:
                    exec(compile(code, f"{page.name}:{line}", "exec"), namespace)
            except Exception as exc:  # noqa: BLE001 - name the block that failed
                pytest.fail(f"{page.relative_to(ROOT)}, the python block at line {line} failed: "
                            f"{type(exc).__name__}: {exc}\n\n{code}", pytrace=False)
            ran += 1
    finally:
        for value in list(namespace.values()):
            if isinstance(value, PatsnapClient):
                value.close()
        namespace.clear()
        gc.collect()
        import matplotlib.pyplot as plt

        plt.close("all")
    assert ran >= 1, f"{page.name}: every python block is marked {CREDENTIALS_MARKER!r}"
