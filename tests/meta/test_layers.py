"""The house's layers are kept: import-linter's contracts pass, and they bite when a module crosses a layer.

The contracts live in pyproject.toml (``[tool.importlinter]``); docs/architecture.md draws them.
The second test copies the package, adds one module that imports upwards, and shows the check fails
naming it: a contract that cannot fail would keep nothing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")



def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(cwd)}  # the package of ``cwd``, not the installed one
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)


def test_the_layers_of_the_house_are_contracts():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    layers = next(c for c in config["contracts"] if c["type"] == "layers")
    flat = [name.strip() for layer in layers["layers"] for name in layer.split("|")]
    # report/widgets/cli/accessor above jobs, jobs above api, api above store, store above the ground floor
    order = ["cli", "widgets", "accessor", "report", "jobs", "api", "store", "_html", "safe_text", "codes"]
    assert [name for name in flat if name in order] == order
    assert layers["exhaustive"] is True and layers["containers"] == ["patsnap_pandas"]
    forbidden = {c["name"]: c for c in config["contracts"] if c["type"] == "forbidden"}
    frame = next(c for c in forbidden.values() if c["source_modules"] == ["patsnap_pandas.frame"])
    assert {"patsnap_pandas.store", "requests"} <= set(frame["forbidden_modules"])   # frame: the ground floor only
    sandbox = next(c for c in forbidden.values() if c["source_modules"] == ["patsnap_pandas.sandbox"])
    assert sandbox["forbidden_modules"] == ["patsnap_pandas.*"]                        # but codes


def test_the_contracts_are_kept():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(("module", "imports", "broken"), [
    ("store/_upwards.py", "from ..jobs import search", "The house"),           # store may not know the jobs
    ("frame/_upwards.py", "from ..store import budget", "frame stands on the ground floor"),
    ("api/_upwards.py", "import pandas", "never import pandas"),
    ("sandbox/_upwards.py", "from .. import config", "The sandbox is a separate server"),
])
def test_a_module_that_crosses_a_layer_fails_the_check(tmp_path, module, imports, broken):
    shutil.copytree(ROOT / "patsnap_pandas", tmp_path / "patsnap_pandas",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "patsnap_pandas" / module).write_text(f'"""Crosses a layer on purpose."""\n\n{imports}\n')
    result = _lint_imports(tmp_path)
    assert result.returncode != 0
    assert broken in result.stdout and "_upwards" in result.stdout, result.stdout[-3000:]
