"""mkdocs hook: notebooks 01-03 and 05 executed at build time and shown as pages of the site.

Each notebook of :data:`NOTEBOOKS` runs top to bottom in a fresh kernel of the
interpreter that runs mkdocs (nbclient), in an empty temporary folder, with no
PatSnap credentials and no sandbox-corpus setting in its environment, so it always
shows the offline sandbox's generated designs and bills nothing. nbconvert's
``basic`` template turns the executed notebook into HTML (images embedded as data
URIs, no script, no external resource), which replaces the content of a generated
page ``notebooks/<name>.md``. A notebook that fails fails the build.

The HTML is kept in memory per notebook content, so ``mkdocs serve`` re-executes a
notebook only when it changed.

With :data:`EXECUTED_ENV` set to a folder, the build executes nothing: it shows the
executed copies of the notebooks in that folder, which :func:`execute` wrote (the
test suite runs each notebook once, for tests/docs/test_notebooks.py and for the site
build of tests/docs/test_site.py). A copy that is missing, or was executed from other
notebook content, fails the build.
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
    "notebooks/05_clearance.md": "05_clearance.ipynb",
    "notebooks/06_watch.md": "06_watch.ipynb",
}
#: never passed to the kernel: the docs always show the sandbox, never an account
HIDDEN = ("PATSNAP_CLIENT_ID", "PATSNAP_CLIENT_SECRET", "PATSNAP_API_KEY", "PATSNAP_BASE_URL",
          "PATSNAP_SANDBOX_CORPUS", "MPLBACKEND")
CELL_TIMEOUT_S = 300
#: a folder of executed notebooks to show instead of executing them (see the module's docstring)
EXECUTED_ENV = "PATSNAP_DOCS_EXECUTED_NOTEBOOKS"
#: where an executed copy records the digest of the notebook it was executed from
SOURCE_KEY = "patsnap_source_sha256"
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


def kernel_env(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The notebook kernel's environment: ``environ`` (default: this process's) without :data:`HIDDEN`,
    with loopback never sent through a proxy (the sandbox listens on 127.0.0.1)."""
    env = {k: v for k, v in (os.environ if environ is None else environ).items() if k not in HIDDEN}
    for name in ("NO_PROXY", "no_proxy"):
        env[name] = ",".join(filter(None, (env.get(name, ""), "127.0.0.1", "localhost")))
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"  # no debugger notice on stderr
    return env


def execute(path: Path, out: Path | None = None, *, env: dict[str, str] | None = None, **client_options):
    """Run the notebook at ``path`` top to bottom in a fresh kernel, in an empty temporary folder.

    ``client_options`` go to nbclient's ``NotebookClient`` (default ``kernel_name="python3"``). A failing
    cell raises (with the cell's traceback). ``out``: also write the executed notebook there, recording
    the digest of ``path``'s content (what a build with :data:`EXECUTED_ENV` checks). Returns the notebook.
    """
    import nbformat
    from nbclient import NotebookClient

    data = path.read_bytes()
    nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    if "km" not in client_options:  # a kernel manager of the caller's brings its own kernel
        client_options.setdefault("kernel_name", "python3")
    with tempfile.TemporaryDirectory(prefix="patsnap-docs-notebook-") as folder:
        NotebookClient(nb, timeout=CELL_TIMEOUT_S, resources={"metadata": {"path": folder}}, **client_options).execute(
            env=kernel_env(env), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # kernel start-up notices
    if out is not None:
        nb.metadata[SOURCE_KEY] = hashlib.sha256(data).hexdigest()
        nbformat.write(nb, out)
    return nb


def _executed_copy(path: Path, folder: Path):
    """The executed copy of the notebook ``path`` in ``folder``; raises when missing or stale."""
    import nbformat
    from mkdocs.exceptions import PluginError

    copy = folder / path.name
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if not copy.is_file():
        raise PluginError(f"{EXECUTED_ENV}={str(folder)!r}: no executed copy of notebooks/{path.name} there")
    nb = nbformat.read(copy, as_version=4)
    if nb.metadata.get(SOURCE_KEY) != digest:
        raise PluginError(f"{EXECUTED_ENV}={str(folder)!r}: {path.name} there was executed from other notebook content")
    return nb


def render(path: Path) -> str:
    """The executed notebook as an HTML fragment (memoised by the notebook's content)."""
    from nbconvert import HTMLExporter

    key = hashlib.sha256(path.read_bytes()).hexdigest()
    if key not in _rendered:
        executed = os.environ.get(EXECUTED_ENV)
        nb = _executed_copy(path, Path(executed)) if executed else execute(path)
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
