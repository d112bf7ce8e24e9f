"""No secret anywhere after a full workflow: cache files, logs, reprs, errors, reports, CLI, notebook.

One sandbox accepts fixed, recognisable credentials (client id + secret, and an
``sk-`` API key); everything the package offers is then used with them once:
search, more, enrich, batch, thumbnails, HTML and Excel reports, the panel (search,
load more, export), errors of several kinds, the command line with the credentials in
the environment, and the quickstart notebook in a real kernel. Every trace that run
left (files, DEBUG logs of the package and of urllib3 / requests-cache, reprs,
messages, warnings, the notebook's outputs) is then searched for every secret: the
client id, the client secret, every token the server issued and the API key, raw and
as the Basic-auth header carries them.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import logging
import os
import secrets
import sys
import warnings
import zipfile
from pathlib import Path
from urllib.parse import quote

import pandas as pd
import pytest

from patsnap_pandas import PatsnapClient, PatsnapError, SearchPanel, search_designs
from patsnap_pandas.cli import main as cli
from patsnap_pandas.sandbox import start_sandbox
from tests.helpers import FAST

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "cidRELIAB" + secrets.token_hex(10)
CLIENT_SECRET = "csecRELIAB" + secrets.token_hex(16)
API_KEY = "sk-RELIAB" + secrets.token_hex(20)
WRONG_SECRET = "wrongRELIAB" + secrets.token_hex(16)
WRONG_KEY = "sk-wrongRELIAB" + secrets.token_hex(16)
NOTEBOOK = ROOT / "notebooks" / "01_quickstart.ipynb"
KERNEL = "patsnap-pandas-security-tests"


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name} {record.levelname} {record.getMessage()}")
        if record.exc_info and record.exc_info[1] is not None:
            self.lines.append(logging.Formatter().formatException(record.exc_info))
        if record.exc_text:
            self.lines.append(record.exc_text)


@contextlib.contextmanager
def _debug_logs():
    """Every log record of the process at DEBUG (urllib3's request lines included)."""
    handler = _Collect()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler.lines
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def _error_text(action) -> str:
    try:
        action()
    except (PatsnapError, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}\n{exc!r}\n{getattr(exc, 'message', '')}"
    raise AssertionError(f"{action} did not fail")


def _cli(argv: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(argv)
    return code, out.getvalue() + err.getvalue()


def _run_notebook(env: dict[str, str], kernels: Path) -> dict:
    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient

    spec = kernels / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "patsnap-pandas (security tests)", "language": "python"}))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    km = AsyncKernelManager(kernel_name=KERNEL, kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels)]))
    NotebookClient(nb, km=km, timeout=300, allow_errors=False,
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute(env=env)
    return nb


@pytest.fixture(scope="module")
def traces(tmp_path_factory):
    """Run the whole workflow with the fixed credentials; return (secrets, {surface: [texts]}, files root)."""
    root = tmp_path_factory.mktemp("secrets-workflow")
    found: dict[str, list[str]] = {"repr": [], "error": [], "cli": [], "warning": [], "html": []}
    with start_sandbox(corpus_size=600, client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                       api_key=API_KEY) as server, _debug_logs() as logs, \
            warnings.catch_warnings(record=True) as caught, pytest.MonkeyPatch.context() as mp:
        warnings.simplefilter("always")
        corpus = server.corpus
        png = [corpus.image_png(corpus.designs[i].image_keys[0]) for i in (8, 9, 10, 11)]
        client = PatsnapClient(base_url=server.base_url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                               cache_dir=root / "client-cache", **FAST)
        key_client = PatsnapClient(base_url=server.base_url, api_key=API_KEY, cache_dir=root / "key-cache",
                                   **FAST)

        # the library, both schemes
        df = search_designs(png[0], client=client, limit=12)
        more = df.patsnap.more(12)
        rich = df.patsnap.enrich(legal_status=True)
        catalogue = pd.DataFrame({"sku": ["A", "B", "C"], "photo": [png[1], png[2], df["image_url"].iloc[3]]})
        batch = catalogue.patsnap.search_each("photo", limit=3, client=client, label_column="sku", progress=False)
        by_key = search_designs(png[3], client=key_client, limit=5).patsnap.enrich(legal_status=True)
        search_designs(png[3], client=key_client, max_results=10, apply_start_time="2099-01-01")  # warns
        grid = rich.patsnap.thumbnails()
        rich.patsnap.to_html(root / "report.html")
        rich.patsnap.to_excel(root / "hits.xlsx")
        batch.patsnap.to_html(root / "batch.html")
        batch.patsnap.to_excel(root / "batch.xlsx")
        panel = SearchPanel(client, image=png[1], limit=5, export_dir=root / "panel")
        panel.search_button.click()
        panel.more_button.click()
        panel.export_button.click()
        assert panel.state.last_error is None

        # errors of several kinds, from the server and from the network
        dead = PatsnapClient(base_url="http://127.0.0.1:9", client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                             cache_dir=root / "dead-cache", max_retries=1, backoff_factor=0.001)
        wrong = PatsnapClient(base_url=server.base_url, client_id=CLIENT_ID, client_secret=WRONG_SECRET,
                              cache_dir=root / "wrong-cache", **FAST)
        wrong_key = PatsnapClient(base_url=server.base_url, api_key=WRONG_KEY, cache_dir=root / "wrong-cache",
                                  **FAST)
        found["error"] += [
            _error_text(lambda: wrong.create_search(df.attrs["query_url"])),
            _error_text(lambda: wrong_key.legal_status(["x"])),
            _error_text(lambda: client.create_search("http://127.0.0.1:1/elsewhere.png?apikey=" + CLIENT_ID)),
            _error_text(lambda: dead.bibliography(["x"])),
            _error_text(lambda: search_designs(png[0], client=wrong, limit=3)),
            _error_text(lambda: PatsnapClient(base_url=server.base_url, client_id=CLIENT_ID)),
        ]
        bad_panel = SearchPanel(wrong, image=png[0])
        bad_panel.search_button.click()
        assert bad_panel.state.last_error

        # the command line, credentials from the environment
        (root / "q.png").write_bytes(png[2])
        pd.DataFrame({"photo": ["q.png"]}).to_csv(root / "catalogue.csv", index=False)
        mp.setenv("PATSNAP_BASE_URL", server.base_url)
        mp.setenv("PATSNAP_CLIENT_ID", CLIENT_ID)
        mp.setenv("PATSNAP_CLIENT_SECRET", CLIENT_SECRET)
        mp.setenv("PATSNAP_CACHE_DIR", str(root / "cli-cache"))
        runs = [_cli(["search", str(root / "q.png"), "--limit", "5"]),
                _cli(["search", str(root / "q.png"), "--limit", "5", "--out", str(root / "cli.html")]),
                _cli(["batch", str(root / "catalogue.csv"), "--image-column", "photo", "--out",
                      str(root / "cli.xlsx")]),
                _cli(["cache", "info", "--json"])]
        mp.setenv("PATSNAP_CLIENT_SECRET", WRONG_SECRET)
        runs.append(_cli(["search", str(root / "q.png"), "--limit", "5", "--no-cache"]))
        assert [code for code, _ in runs] == [0, 0, 0, 0, 1], runs
        found["cli"] += [text for _, text in runs]
        for name in ("PATSNAP_BASE_URL", "PATSNAP_CLIENT_ID", "PATSNAP_CLIENT_SECRET", "PATSNAP_CACHE_DIR"):
            mp.delenv(name)

        # the quickstart notebook in a kernel, with the account in its environment
        env = {k: v for k, v in os.environ.items() if not k.startswith("PATSNAP_")}
        env.pop("MPLBACKEND", None)
        env.update(PATSNAP_BASE_URL=server.base_url, PATSNAP_CLIENT_ID=CLIENT_ID,
                   PATSNAP_CLIENT_SECRET=CLIENT_SECRET, PATSNAP_CACHE_DIR=str(root / "notebook-cache"),
                   PYDEVD_DISABLE_FILE_VALIDATION="1")
        nb = _run_notebook(env, root / "kernels")
        (root / "executed.ipynb").write_text(json.dumps(nb), encoding="utf-8")
        assert "Using your PatSnap account" in json.dumps(nb)

        # reprs and displays of everything a user looks at
        for obj in (client, key_client, dead, wrong, client.usage, client._pipeline.auth, key_client._pipeline.auth, panel,
                    bad_panel, grid):
            found["repr"] += [repr(obj), str(obj)]
        for frame in (df, more, rich, batch, by_key, panel.results):
            found["repr"] += [repr(frame), frame.to_string(), frame.to_html(), json.dumps(frame.attrs)]
        found["repr"] += [json.dumps(client.cache_info()), json.dumps(key_client.cache_info())]
        found["html"] += [grid.html, grid._repr_html_()]
        for p in (panel, bad_panel):
            found["html"] += [w.value for w in p._widgets if hasattr(w, "value") and isinstance(w.value, str)]
        tokens = list(server.app.auth._tokens)
        for c in (client, key_client, dead, wrong, wrong_key):
            c.close()
    found["warning"] = [str(w.message) for w in caught]
    found["log"] = logs
    issued = tokens
    assert len(issued) >= 3  # the library's client, the CLI's and the notebook's
    return issued, found, root


def _secrets(tokens: list[str]) -> dict[str, str]:
    named = {"client id": CLIENT_ID, "client secret": CLIENT_SECRET, "API key": API_KEY,
             "wrong secret": WRONG_SECRET, "wrong API key": WRONG_KEY}
    named.update({f"token {i}": t for i, t in enumerate(tokens)})
    forms = {}
    for name, value in named.items():
        forms[name] = value
        forms[f"{name} (URL-quoted)"] = quote(value, safe="")
        forms[f"{name} (middle part)"] = value[len(value) // 4: len(value) // 4 + 12]
    for secret, label in ((CLIENT_SECRET, "secret"), (WRONG_SECRET, "wrong secret")):
        basic = base64.b64encode(f"{CLIENT_ID}:{secret}".encode()).decode()
        forms[f"Basic header ({label})"] = basic
        forms[f"Basic header ({label}, part)"] = basic[8:28]
    return forms


def _leaks(text: str, forms: dict[str, str]) -> list[str]:
    return [name for name, value in forms.items() if value and value in text]


def _file_texts(root: Path) -> dict[str, str]:
    """Every file under ``root`` as text; zip members (xlsx) and SQLite caches unpacked."""
    texts = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        texts[str(path.relative_to(root))] = data.decode("latin-1")
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as z:
                for name in z.namelist():
                    texts[f"{path.relative_to(root)}!{name}"] = z.read(name).decode("latin-1")
    return texts


def _cached_responses(root: Path) -> dict[str, str]:
    """Each response stored by requests-cache, decoded through the library (request headers included)."""
    from requests_cache import SQLiteCache

    texts = {}
    for db in root.rglob("http_cache.sqlite"):
        backend = SQLiteCache(db)
        try:
            for response in backend.responses.values():
                request = response.request
                texts[f"{db.parent.name}:{response.url}"] = "\n".join(
                    [response.url, str(request.url), repr(dict(request.headers)), repr(dict(response.headers)),
                     response.content.decode("utf-8", "replace")])
        finally:
            backend.close()
    return texts


@pytest.mark.slow  # the whole workflow, a notebook kernel and the CLI: run by `make test` and CI
def test_the_workflow_left_files_to_check(traces):
    _, _, root = traces
    names = {p.name for p in root.rglob("*") if p.is_file()}
    assert {"http_cache.sqlite", "uploads.sqlite", "report.html", "hits.xlsx", "batch.html", "cli.html",
            "cli.xlsx", "executed.ipynb"} <= names
    assert any(p.suffix == ".png" for p in (root / "client-cache" / "thumbnails").rglob("*"))
    assert len(_cached_responses(root)) >= 10
    raw = _file_texts(root)
    assert "patent_messages" in raw["client-cache/http_cache.sqlite"]  # the raw scan sees the answers


@pytest.mark.slow  # the whole workflow, a notebook kernel and the CLI: run by `make test` and CI
@pytest.mark.parametrize("surface", ["files", "cache", "log", "repr", "html", "error", "cli", "warning",
                                     "notebook"])
def test_no_secret_in(traces, surface):
    tokens, found, root = traces
    forms = _secrets(tokens)
    if surface == "files":
        texts = _file_texts(root)
    elif surface == "cache":
        texts = _cached_responses(root)
    elif surface == "notebook":
        nb = json.loads((root / "executed.ipynb").read_text(encoding="utf-8"))
        texts = {f"cell {i}": json.dumps(cell.get("outputs", [])) for i, cell in enumerate(nb["cells"])}
    else:
        texts = dict(enumerate(found[surface]))
    assert texts  # something was there to check
    leaks = {where: _leaks(text, forms) for where, text in texts.items()}
    assert {where: names for where, names in leaks.items() if names} == {}


@pytest.mark.slow  # the whole workflow, a notebook kernel and the CLI: run by `make test` and CI
def test_the_logs_were_really_at_debug(traces):
    _, found, _ = traces
    logs = "\n".join(found["log"])
    assert "urllib3.connectionpool DEBUG" in logs  # request lines, with their query strings
    assert "/image-search/search-id?" in logs and "apikey=" in logs  # the id is masked, not absent


def test_the_scan_finds_a_planted_secret(tmp_path):
    forms = _secrets(["tok" + secrets.token_hex(12)])
    (tmp_path / "plain.txt").write_text(f"x={CLIENT_SECRET[:-1]}")  # a cut secret is still found...
    with zipfile.ZipFile(tmp_path / "book.xlsx", "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/sharedStrings.xml", f"<t>{API_KEY}</t>")  # ...and so is a compressed one
    texts = _file_texts(tmp_path)
    assert _leaks(texts["plain.txt"], forms) == ["client secret (middle part)"]
    assert "API key" in _leaks(texts["book.xlsx!xl/sharedStrings.xml"], forms)
    assert _leaks(base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode(), forms)
