"""The panel's code stays in small parts: a state and views, none of them a new 1,000-line class.

Limits (issue 22): no module of ``patsnap_pandas/widgets`` over 700 lines, no class over
400, no function over 60 (ruff's C901 limit of 12 is checked by ``make lint``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import patsnap_pandas.widgets

WIDGETS = Path(patsnap_pandas.widgets.__file__).parent
LIMITS = {"module": 700, ast.ClassDef: 400, ast.FunctionDef: 60, ast.AsyncFunctionDef: 60}


def too_long(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    found = []
    if len(text.splitlines()) > LIMITS["module"]:
        found.append(f"{path.name}: {len(text.splitlines())} lines")
    for node in ast.walk(ast.parse(text)):
        limit = LIMITS.get(type(node))
        if limit is not None and node.end_lineno - node.lineno + 1 > limit:
            found.append(f"{path.name}:{node.lineno} {node.name}: {node.end_lineno - node.lineno + 1} lines")
    return found


def test_no_module_class_or_function_of_the_panel_is_too_long():
    modules = sorted(WIDGETS.glob("*.py"))
    assert len(modules) >= 10  # the state and its views, each in a module of its own
    assert [problem for path in modules for problem in too_long(path)] == []


def test_the_measure_finds_a_long_function(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(61))
    (tmp_path / "long.py").write_text(f"def f():\n{body}\n")
    assert too_long(tmp_path / "long.py") == ["long.py:1 f: 62 lines"]
