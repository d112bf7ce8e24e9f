"""The light install: ``import patsnap_pandas`` loads no optional part, and a missing extra is named.

Each check runs a fresh Python in a subprocess (``sys.modules`` of this test process is
full of everything the other tests imported). A missing extra is made real by a
meta-path finder that hides its modules from the import system, as if they were not
installed; the searches in those subprocesses talk HTTP to their own sandbox on 127.0.0.1.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import pickle
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from patsnap_pandas import InvalidInputError, MissingExtraError
from patsnap_pandas._extras import DISTRIBUTIONS, EXTRAS, extra_for, require

TIMEOUT_S = 300
#: Every extra's modules, and IPython (which ipywidgets brings): hidden to play "core install only".
OPTIONAL_MODULES = ("IPython", *(module for modules in EXTRAS.values() for module in modules))
#: What must not load with the package. Not redis: when it is installed, requests-cache itself
#: imports it (requests_cache.backends imports every backend whose client library is there).
NOT_LOADED = tuple(module for module in OPTIONAL_MODULES if extra_for(module) != "redis")

#: Prepended to a subprocess's script: hide the modules named in HIDDEN, as if not installed.
BLOCKER = textwrap.dedent("""
    import importlib.abc, sys

    class Hide(importlib.abc.MetaPathFinder):
        def __init__(self, names):
            self.names = set(names)

        def find_spec(self, name, path=None, target=None):
            if name.partition(".")[0] in self.names:
                raise ModuleNotFoundError(f"No module named {name!r} (hidden by the test)", name=name)
            return None

    hide = Hide(HIDDEN)
    sys.meta_path.insert(0, hide)
""")


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PATSNAP_") or k == "PATSNAP_SANDBOX_CACHE_DIR"}
    env["PATSNAP_CACHE_DIR"] = str(tmp_path / "cache")
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    return env


def _python(script: str, tmp_path: Path, *, hidden: tuple[str, ...] = (), env: dict | None = None,
            ) -> subprocess.CompletedProcess:
    code = (f"HIDDEN = {hidden!r}\n" + BLOCKER if hidden else "") + textwrap.dedent(script)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                          env=env or _env(tmp_path), timeout=TIMEOUT_S)


def _loaded(result: subprocess.CompletedProcess) -> set[str]:
    """Top-level names of the modules a run imported, from ``-X importtime`` lines on stderr."""
    names = re.findall(r"^import time:\s*\d+ \|\s*\d+ \|\s*(\S+)", result.stderr, flags=re.M)
    assert names, f"no import-time lines on stderr:\n{result.stderr[-2000:]}"
    return {name.partition(".")[0] for name in names}


def test_import_loads_no_optional_part(tmp_path):
    result = _python("""
        import sys
        import patsnap_pandas
        print(sorted(m for m in sys.modules if m.partition(".")[0] in OPTIONAL))
    """.replace("OPTIONAL", repr(set(NOT_LOADED))), tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_acceptance_one_liner_holds(tmp_path):
    code = "import patsnap_pandas, sys; assert 'IPython' not in sys.modules and 'matplotlib' not in sys.modules"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                            env=_env(tmp_path), timeout=TIMEOUT_S)
    assert result.returncode == 0, result.stderr


#: What the package's own root loads on first use only: the HTTP stack (the client, the search) and Pillow
#: (samples, images). Importing them made `import patsnap_pandas` cost 0.64 s more than `import pandas`.
NOT_LOADED_ON_IMPORT = ("requests", "requests_cache", "urllib3", "PIL", "patsnap_pandas.api.client",
                        "patsnap_pandas.jobs.search", "patsnap_pandas.frame.charts", "patsnap_pandas.frame.grids",
                        "patsnap_pandas.report")


def test_import_loads_neither_the_http_stack_nor_pillow(tmp_path):
    result = _python("""
        import sys
        import pandas as pd
        import patsnap_pandas
        print(sorted(m for m in NAMES if m in sys.modules))
        print(type(pd.DataFrame({"patent_pn": ["D1"]}).patsnap).__name__)  # the accessor is registered
    """.replace("NAMES", repr(NOT_LOADED_ON_IMPORT)), tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["[]", "PatsnapAccessor"]


def test_every_public_name_imports_as_before(tmp_path):
    """`from patsnap_pandas import X` for each X of __all__, the star-import, dir(): all complete."""
    result = _python("""
        import importlib, sys
        import patsnap_pandas
        names = list(patsnap_pandas.__all__)
        assert set(names) <= set(dir(patsnap_pandas)), set(names) - set(dir(patsnap_pandas))
        loaded = {}
        for name in names:
            exec(f"from patsnap_pandas import {name} as value", loaded)
            assert loaded["value"] is getattr(patsnap_pandas, name), name
        star = {}
        exec("from patsnap_pandas import *", star)
        assert set(names) <= set(star), set(names) - set(star)
        print(patsnap_pandas.samples is importlib.import_module("patsnap_pandas.samples"),
              patsnap_pandas.PatsnapClient.__module__, patsnap_pandas.search_designs.__module__,
              patsnap_pandas.read_triage.__module__, patsnap_pandas.SearchFilters.__module__,
              "requests_cache" in sys.modules)
    """, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "patsnap_pandas.api.client", "patsnap_pandas.jobs.search",
                                     "patsnap_pandas.frame.triage", "patsnap_pandas.api.filters", "True"]


def test_version_command_loads_no_optional_part(tmp_path):
    script = Path(sys.executable).with_name("patsnap-pandas")
    assert script.is_file(), "the console script is installed with the package (pip install -e .)"
    env = _env(tmp_path) | {"PYTHONPROFILEIMPORTTIME": "1"}
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True, cwd=tmp_path, env=env,
                            timeout=TIMEOUT_S)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "patsnap-pandas 0.1.0"
    loaded = _loaded(result)
    assert "patsnap_pandas" in loaded and "pandas" in loaded  # the lines are read right
    assert loaded.isdisjoint(NOT_LOADED), sorted(loaded & set(NOT_LOADED))


def test_lazy_names_load_on_first_use(tmp_path):
    result = _python("""
        import sys
        import patsnap_pandas
        assert "SearchPanel" in dir(patsnap_pandas) and "ipywidgets" not in sys.modules
        panel_class = patsnap_pandas.SearchPanel
        from patsnap_pandas.widgets import SearchPanel
        print(panel_class is SearchPanel, "ipywidgets" in sys.modules, patsnap_pandas.panel.__module__)
        assert {"SearchPanel", "panel"} <= set(patsnap_pandas.__all__)  # installed: star-import gives them too
        try:
            patsnap_pandas.no_such_name
        except AttributeError as exc:
            print(exc)
    """, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["True True patsnap_pandas.widgets.searchpanel",
                                          "module 'patsnap_pandas' has no attribute 'no_such_name'"]


def test_each_part_names_its_missing_extra(tmp_path):
    """On the core install alone: searches and thumbnail grids work; the panel, charts, reports say what to install."""
    result = _python("""
        import json
        from pathlib import Path

        import patsnap_pandas as pp
        from patsnap_pandas import PatsnapClient, samples, search_designs

        seen = {}

        def attempt(name, action):
            try:
                action()
            except ImportError as exc:
                seen[name] = [type(exc).__name__, str(exc), getattr(exc, "extra", None)]
            else:
                seen[name] = ["ok", "", None]

        with PatsnapClient.sandbox(corpus_size=60) as client:
            df = search_designs(samples.image("armchair"), client=client, limit=3)
            seen["search"] = ["ok", str(len(df)), None]
            attempt("grid", lambda: df.patsnap.thumbnails()._repr_html_())
            attempt("panel", lambda: pp.SearchPanel)
            star = {}
            exec("from patsnap_pandas import *", star)  # the core's names, without the panel's
            seen["star"] = ["ok", str({"search_designs", "MissingExtraError"} <= set(star) and "panel" not in star), None]
            attempt("plot_scores", lambda: df.patsnap.plot_scores())
            from patsnap_pandas.report import build_report, write_docx, write_excel, write_html, write_pdf
            attempt("build_report", lambda: build_report(df))
            Path("marks.xlsx").write_bytes(b"PK\\x05\\x06" + bytes(18))  # an empty zip: a workbook by its kind
            attempt("read_triage", lambda: pp.read_triage("marks.xlsx"))
            hide.names.discard("matplotlib")  # [reports] half there: charts, but no Excel; no [pdf]
            report = build_report(df)
            attempt("write_excel", lambda: write_excel(report, "r.xlsx"))
            attempt("write_pdf", lambda: write_pdf(report, "r.pdf"))
            attempt("write_docx", lambda: write_docx(report, "r.docx"))
            attempt("write_html", lambda: write_html(report, "r.html"))
        print(json.dumps(seen))
    """, tmp_path, hidden=OPTIONAL_MODULES)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.splitlines()[-1])
    assert seen.pop("search")[:2] == ["ok", "3"]
    assert seen.pop("grid")[0] == "ok"
    assert seen.pop("write_html")[0] == "ok"
    assert seen.pop("star")[:2] == ["ok", "True"]
    expected = {
        "panel": ("jupyter", "The search panel (SearchPanel, panel) needs the [jupyter] extra (ipywidgets is not "
                             'installed): pip install "patsnap-pandas[jupyter]"'),
        "plot_scores": ("reports", "Drawing charts (plot_scores, score_chart_png, gallery, reports) needs the "
                                   '[reports] extra (matplotlib is not installed): pip install "patsnap-pandas[reports]"'),
        "build_report": ("reports", "Drawing charts (plot_scores, score_chart_png, gallery, reports) needs the "
                                    '[reports] extra (matplotlib is not installed): pip install "patsnap-pandas[reports]"'),
        "read_triage": ("reports", "Reading an Excel report back (read_triage of a .xlsx file) needs the [reports] "
                                   'extra (openpyxl is not installed): pip install "patsnap-pandas[reports]"'),
        "write_excel": ("reports", "Writing Excel reports needs the [reports] extra (xlsxwriter is not installed): "
                                   'pip install "patsnap-pandas[reports]"'),
        "write_pdf": ("pdf", 'Writing PDF reports needs the [pdf] extra (weasyprint is not installed): '
                             'pip install "patsnap-pandas[pdf]"'),
        "write_docx": ("reports", "Writing Word reports needs the [reports] extra (python-docx is not installed): "
                                  'pip install "patsnap-pandas[reports]"'),
    }
    assert {name: (extra, message) for name, (kind, message, extra) in seen.items()
            if kind == "MissingExtraError"} == expected
    assert set(seen) == set(expected)


def test_cli_report_without_the_extra_names_it_before_searching(tmp_path):
    result = _python("""
        import sys
        from patsnap_pandas.cli import main as cli; from patsnap_pandas import samples
        sys.exit(cli.main(["search", str(samples.image("armchair")), "--sandbox", "--out", "hits.xlsx"]))
    """, tmp_path, hidden=OPTIONAL_MODULES)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines()[-1].endswith(
        'writing .xlsx files needs the [reports] extra (xlsxwriter is not installed): '
        'pip install "patsnap-pandas[reports]"')
    assert not (tmp_path / "hits.xlsx").exists()


def test_demo_runs_on_the_core_install(tmp_path):
    """`make demo` installs the core only: the demo needs no extra."""
    result = _python("""
        import sys
        from patsnap_pandas.cli import main as cli
        code = cli.main(["demo", "--limit", "3", "--corpus-size", "60", "--sandbox-corpus", "generated"])
        print("loaded:", sorted(m for m in sys.modules if m.partition(".")[0] in OPTIONAL))
        sys.exit(code)
    """.replace("OPTIONAL", repr(set(OPTIONAL_MODULES))), tmp_path, hidden=OPTIONAL_MODULES)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Same search again: 0 billed calls" in result.stdout
    assert result.stdout.rstrip().splitlines()[-1] == "loaded: []"


def test_a_broken_dependency_inside_an_extra_is_not_called_missing(tmp_path):
    """An installed extra whose own import fails says what failed, not "install the extra"."""
    fake = tmp_path / "site" / "xlsxwriter"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("import no_such_dependency_of_xlsxwriter\n")
    env = _env(tmp_path) | {"PYTHONPATH": str(tmp_path / "site")}
    result = _python("""
        from patsnap_pandas._extras import require
        try:
            require("xlsxwriter", "Writing Excel reports")
        except ImportError as exc:
            print(type(exc).__name__, exc.name)
    """, tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ModuleNotFoundError no_such_dependency_of_xlsxwriter"


def test_require_refuses_a_module_of_no_extra():
    with pytest.raises(InvalidInputError, match=r"^module='pandas' is not valid: belongs to no extra\. "
                                                r"Allowed: a module of an extra: ipywidgets, traitlets, matplotlib"):
        require("pandas", "anything")
    assert extra_for("weasyprint") == "pdf" and extra_for("redis.asyncio") == "redis" and extra_for("PIL") is None


def test_missing_extra_error_survives_pickling():
    err = MissingExtraError("pdf", feature="Writing PDF reports", module="weasyprint")
    back = pickle.loads(pickle.dumps(err))
    assert (type(back), str(back), back.extra, back.feature, back.name) == (
        MissingExtraError, str(err), "pdf", "Writing PDF reports", "weasyprint")


def _declared_extras() -> tuple[list[str], dict[str, set[str]]]:
    """(core requirement names, extra -> requirement names) from the installed package's metadata."""
    core: list[str] = []
    extras: dict[str, set[str]] = {}
    for requirement in importlib.metadata.requires("patsnap-pandas") or []:
        name = re.match(r"[A-Za-z0-9_.-]+", requirement).group(0).lower()
        marker = re.search(r'extra == "([\w-]+)"', requirement)
        if marker is None:
            core.append(name)
        else:
            extras.setdefault(marker.group(1), set()).add(name)
    return core, extras


def test_extras_table_matches_pyproject():
    """_extras.EXTRAS (what the messages name) and pyproject.toml's extras list the same modules."""
    core, declared = _declared_extras()
    for extra, modules in EXTRAS.items():
        assert declared[extra] == {DISTRIBUTIONS.get(m, m) for m in modules}, extra
    assert declared["all"] == {"patsnap-pandas"}  # [all] = the others, by reference
    assert set(core).isdisjoint(DISTRIBUTIONS.get(m, m) for modules in EXTRAS.values() for m in modules)
    assert {"test", "docs", "browser", "dev"} <= set(declared)
