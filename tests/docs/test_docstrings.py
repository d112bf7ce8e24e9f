"""Every public function and class has a numpy-style docstring with an example that runs.

"Public" = the functions and classes named in the ``__all__`` of a module of
patsnap_pandas (and of patsnap_pandas.sandbox), plus the public methods of the
classes users call most, plus the command line's ``main``. The examples
themselves run as doctests (``--doctest-modules`` over patsnap_pandas, in the
pytest configuration); this test makes sure they exist and are not skipped.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import patsnap_pandas

PACKAGE_DIR = Path(patsnap_pandas.__file__).parent
#: Classes whose public methods need an example of their own.
METHOD_CLASSES = ("patsnap_pandas.api.client.PatsnapClient", "patsnap_pandas.api.filters.SearchFilters",
                  "patsnap_pandas.accessor.PatsnapAccessor")
EXTRA = ("patsnap_pandas.cli.main.main",)
EXAMPLES = re.compile(r"^\s*Examples\n\s*-{8,}\n(?P<body>.*)", re.M | re.S)


def _modules():
    names = ["patsnap_pandas"]
    names += [m.name for m in pkgutil.walk_packages([str(PACKAGE_DIR)], "patsnap_pandas.")
              if not m.name.rsplit(".", 1)[-1].startswith("_")]
    return [importlib.import_module(name) for name in names]


def _resolve(path: str):
    module, _, name = path.rpartition(".")
    try:
        return getattr(importlib.import_module(module), name)
    except ImportError:
        owner, _, cls = module.rpartition(".")
        return getattr(getattr(importlib.import_module(owner), cls), name)


def _public_objects() -> dict[str, object]:
    found: dict[int, tuple[str, object]] = {}
    for module in _modules():
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if inspect.isclass(obj) or inspect.isfunction(obj):
                found.setdefault(id(obj), (f"{obj.__module__}.{obj.__qualname__}", obj))
    for path in METHOD_CLASSES:
        cls = _resolve(path)
        for name, member in vars(cls).items():
            if name.startswith("_"):
                continue
            func = member.__func__ if isinstance(member, (classmethod, staticmethod)) else member
            if inspect.isfunction(func):
                found.setdefault(id(func), (f"{path}.{name}", func))
    for path in EXTRA:
        obj = _resolve(path)
        found.setdefault(id(obj), (path, obj))
    return dict(sorted(found.values()))


PUBLIC = _public_objects()


def test_the_public_api_is_found():
    for name in ("patsnap_pandas.jobs.search.search_designs", "patsnap_pandas.api.client.PatsnapClient",
                 "patsnap_pandas.api.client.PatsnapClient.create_search", "patsnap_pandas.errors.FilterError",
                 "patsnap_pandas.sandbox.server.start_sandbox"):
        assert name in PUBLIC
    assert len(PUBLIC) > 80


@pytest.mark.parametrize("name", list(PUBLIC))
def test_has_a_docstring_with_a_running_example(name):
    doc = inspect.getdoc(PUBLIC[name])
    assert doc, f"{name} has no docstring"
    match = EXAMPLES.search(doc)
    assert match, f"{name}: the docstring has no numpy-style 'Examples' section"
    body = match.group("body")
    assert ">>> " in body, f"{name}: the Examples section has no >>> example"
    assert "+SKIP" not in body, f"{name}: the example is skipped (doctest: +SKIP); make it run"


def test_no_docstring_example_is_skipped():
    offenders = [f"{path.relative_to(PACKAGE_DIR.parent)}:{i}"
                 for path in sorted(PACKAGE_DIR.rglob("*.py"))
                 for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
                 if "doctest:" in line and "+SKIP" in line]
    assert offenders == [], "skipped doctests (the test suite allows no skipped test): " + ", ".join(offenders)


def _docstrings(path: Path):
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            doc = ast.get_docstring(node, clean=True)
            if doc:
                yield getattr(node, "name", path.stem), doc


def test_examples_sit_in_an_examples_section():
    """A ``>>>`` line before the 'Examples' heading renders as a nested quote in the API pages."""
    offenders = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        for name, doc in _docstrings(path):
            first_example = doc.find("\n>>> ") if not doc.startswith(">>> ") else 0
            if first_example < 0:
                continue
            heading = EXAMPLES.search(doc)
            if heading is None or heading.start() > first_example:
                offenders.append(f"{path.relative_to(PACKAGE_DIR.parent)}: {name}")
    assert offenders == [], "put the >>> examples under a numpy 'Examples' heading: " + ", ".join(offenders)
