"""mkdocs hook: notebooks 01-03 executed at build time and shown as pages of the site.

Each notebook of :data:`NOTEBOOKS` runs top to bottom in a fresh kernel of the
interpreter that runs mkdocs (nbclient), in an empty temporary folder, with no
PatSnap credentials and no sandbox-corpus setting in its environment, so it always
shows the offline sandbox's generated designs and bills nothing. nbconvert's
``basic`` template turns the executed notebook into HTML (images embedded as data
URIs, no script, no external resource), which replaces the content of a generated
page ``notebooks/<name>.md``. A notebook that fails fails the build.

The HTML is kept in memory per notebook content, so ``mkdocs serve`` re-executes a
notebook only when it changed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: page in the site -> notebook in notebooks/
NOTEBOOKS = {
    "notebooks/01_quickstart.md": "01_quickstart.ipynb",
    "notebooks/02_competitor_analysis.md": "02_competitor_analysis.ipynb",
    "notebooks/03_report.md": "03_report.ipynb",
}
#: never passed to the kernel: the docs always show the sandbox, never an account
HIDDEN = ("PATSNAP_CLIENT_ID", "PATSNAP_CLIENT_SECRET", "PATSNAP_API_KEY", "PATSNAP_BASE_URL",
          "PATSNAP_SANDBOX_CORPUS", "MPLBACKEND")
CELL_TIMEOUT_S = 300
STYLE = """<style>
.nb-notebook .cell { margin: 0 0 0.8em 0; max-width: 100%; }
.nb-notebook pre { overflow-x: auto; max-width: 100%; margin: 0.3em 0; }
.nb-notebook .output_subarea { overflow-x: auto; max-width: 100%; }
.nb-notebook .output_text pre { padding: 0.4em 0.6em; background: var(--md-code-bg-color); }
.nb-notebook table.dataframe { border-collapse: collapse; border: none; font-size: 0.68rem; margin: 0.3em 0; }
.nb-notebook table.dataframe th, .nb-notebook table.dataframe td { padding: 0.15em 0.5em; border: none;
  border-bottom: 1px solid var(--md-default-fg-color--lightest); white-space: nowrap; text-align: right; }
.nb-notebook .output_png img, .nb-notebook .output_html img { max-width: 100%; height: auto; }
.nb-notebook .output_stderr { display: none; }
</style>"""

_rendered: dict[str, str] = {}


def _title(path: Path) -> str:
    import nbformat

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return path.stem


def render(path: Path) -> str:
    """The executed notebook as an HTML fragment (memoised by the notebook's content)."""
    import nbformat
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    data = path.read_bytes()
    key = hashlib.sha256(data).hexdigest()
    if key not in _rendered:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
        env = {k: v for k, v in os.environ.items() if k not in HIDDEN}
        for name in ("NO_PROXY", "no_proxy"):  # the sandbox is on loopback: never through a proxy
            env[name] = ",".join(filter(None, (env.get(name, ""), "127.0.0.1", "localhost")))
        with tempfile.TemporaryDirectory(prefix="patsnap-docs-notebook-") as folder:
            NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                           resources={"metadata": {"path": folder}}).execute(
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # kernel start-up notices; cell
                # errors still fail the build (with the cell's traceback)
        exporter = HTMLExporter(template_name="basic", exclude_input_prompt=True, exclude_output_prompt=True)
        body, _ = exporter.from_notebook_node(nb)
        _rendered[key] = f'{STYLE}\n<div class="nb-notebook">\n{body}\n</div>'
    return _rendered[key]


def on_files(files, config):  # noqa: ARG001 - mkdocs hook signature
    from mkdocs.structure.files import File

    for uri, name in NOTEBOOKS.items():
        notebook = ROOT / "notebooks" / name
        content = (f"# {_title(notebook)}\n\nThis page is `notebooks/{name}`, executed when the site was built "
                   "(against the offline sandbox).\n")
        files.append(File.generated(config, uri, content=content))
    return files


def on_page_content(html: str, page, config, files) -> str:  # noqa: ARG001 - mkdocs hook signature
    name = NOTEBOOKS.get(page.file.src_uri)
    if name is None:
        return html
    note = (f'<p><em>This page is <code>notebooks/{name}</code>, executed when the site was built, against '
            "the offline sandbox (generated designs, not PatSnap data). Run it yourself with "
            f"<code>jupyter lab notebooks/{name}</code>.</em></p>")
    return note + render(ROOT / "notebooks" / name)
