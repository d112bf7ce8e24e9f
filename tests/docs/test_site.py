"""The documentation site builds with `mkdocs build --strict`, offline, and references nothing external."""

from __future__ import annotations

import html
import re
import subprocess
import sys
from pathlib import Path

import pytest

# minutes: left out of `make test-fast`, run by `make test` and CI (one xdist worker runs the notebooks and the
# site: SAME_WORKER in the root conftest.py)
pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
# Resources a page loads (not links a reader may follow): scripts, stylesheets, fonts, images.
EXTERNAL_RESOURCE = re.compile(
    r"""<(?:script|img|iframe|source)\b[^>]*\bsrc=["']?(?:https?:)?//"""
    r"""|<link\b[^>]*\bhref=["']?(?:https?:)?//"""
    r"""|url\(\s*["']?(?:https?:)?//""", re.I)


@pytest.fixture(scope="module")
def site(tmp_path_factory, offline_env, executed_notebook, notebooks_hook) -> Path:
    """The site, built with the notebooks the session executed (tests/docs/conftest.py), not executing them
    again. Any attempt to fetch something (fonts, inventories, social cards) fails the build (offline_env)."""
    out = tmp_path_factory.mktemp("site")
    for name in notebooks_hook.NOTEBOOKS.values():
        executed_notebook(ROOT / "notebooks" / name)
    env = {**offline_env, notebooks_hook.EXECUTED_ENV: str(executed_notebook.folder)}
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stdout}\n{result.stderr}"
    assert "WARNING" not in result.stderr, result.stderr
    return out


def test_every_page_is_built(site):
    for page in sorted((ROOT / "docs").glob("*.md")):
        name = "index.html" if page.stem == "index" else f"{page.stem}/index.html"
        assert (site / name).is_file(), f"docs/{page.name} was not built"


def test_nothing_external_is_loaded(site):
    offenders = []
    for path in sorted(site.rglob("*")):
        if path.suffix in (".html", ".css", ".js") and path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            for match in EXTERNAL_RESOURCE.finditer(text):
                offenders.append(f"{path.relative_to(site)}: {text[match.start():match.start() + 120]!r}")
    assert offenders == []


def test_api_reference_is_generated_from_the_docstrings(site):
    html = (site / "api" / "index.html").read_text(encoding="utf-8")
    for name in ("patsnap_pandas.jobs.search.search_designs", "patsnap_pandas.api.client.PatsnapClient",
                 "patsnap_pandas.api.filters.SearchFilters", "patsnap_pandas.accessor.PatsnapAccessor",
                 "patsnap_pandas.jobs.batch.search_each", "patsnap_pandas.errors.PatsnapError",
                 "patsnap_pandas.sandbox.server.start_sandbox"):
        assert f'id="{name}"' in html, f"{name} is missing from the API reference"
    assert "Examples" in html


def test_notebooks_are_shown_executed(site):
    """Notebooks 01-03 are pages of the site, with their outputs (tables, charts), run at build time."""
    for name in ("01_quickstart", "02_competitor_analysis", "03_report"):
        html = (site / "notebooks" / name / "index.html").read_text(encoding="utf-8")
        assert 'class="nb-notebook"' in html, name
        assert "data:image/png;base64," in html, f"{name}: no chart or image output"
        assert 'class="dataframe' in html, f"{name}: no table output"
        assert "Traceback" not in html and "/tmp/" not in html, name
    quickstart = (site / "notebooks" / "01_quickstart" / "index.html").read_text(encoding="utf-8")
    assert "billed calls for the repeated search: 0" in quickstart


def test_the_site_shows_the_notebooks_the_session_executed(site, executed_notebook):
    """The site build executed no notebook: its pages show the outputs of the session's one run (the
    search id of each run is new)."""
    import nbformat  # imported where used: its jsonschema costs every worker 1.5 s of CPU at collection

    nb = nbformat.read(executed_notebook.folder / "01_quickstart.ipynb", as_version=4)
    attrs = next(output["data"]["text/plain"] for cell in nb.cells if cell.cell_type == "code"
                 for output in cell.get("outputs", []) if "'search_id'" in output.get("data", {}).get("text/plain", ""))
    search_id = re.search(r"'search_id': '([^']+)'", attrs).group(1)
    quickstart = (site / "notebooks" / "01_quickstart" / "index.html").read_text(encoding="utf-8")
    assert search_id in html.unescape(quickstart)


def test_a_missing_or_stale_executed_notebook_fails_the_build(notebooks_hook, tmp_path):
    import nbformat
    from mkdocs.exceptions import PluginError

    notebook = ROOT / "notebooks" / "01_quickstart.ipynb"
    with pytest.raises(PluginError, match="no executed copy of notebooks/01_quickstart.ipynb"):
        notebooks_hook._executed_copy(notebook, tmp_path)
    stale = nbformat.read(notebook, as_version=4)
    stale.metadata[notebooks_hook.SOURCE_KEY] = "0" * 64
    nbformat.write(stale, tmp_path / notebook.name)
    with pytest.raises(PluginError, match="executed from other notebook content"):
        notebooks_hook._executed_copy(notebook, tmp_path)
