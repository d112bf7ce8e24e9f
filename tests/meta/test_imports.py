"""Where a name is imported from: the module that defines it, never the package root, never an old path.

The package is 0.x: when a module moved (the house as folders, issue 22), its names
were not left importable from where they used to live. So a module's ``__all__``
names only what the module defines (a package's ``__init__`` is its public face and
may gather), no module but the root has a module ``__getattr__``, and no module
imports from the package root, which only names the public API
(docs/architecture.md: "the package root is not a dependency").
"""

from __future__ import annotations

import ast
from pathlib import Path

import patsnap_pandas

PACKAGE = Path(patsnap_pandas.__file__).parent
MODULES = sorted(PACKAGE.rglob("*.py"))


def _defined(tree: ast.Module) -> set[str]:
    """The names a module binds at its top level by a def, a class or an assignment (also under if/try)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return names


def _all(tree: ast.Module) -> list[str]:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            return list(ast.literal_eval(node.value))
    return []


def test_a_module_exports_only_what_it_defines():
    wrong = []
    for path in MODULES:
        if path.name == "__init__.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        defined = _defined(tree)
        wrong += [f"{path.relative_to(PACKAGE)}: {name}" for name in _all(tree) if name not in defined]
    assert not wrong, "names exported from a module that only imports them (import them from their module):\n" + \
        "\n".join(wrong)


def test_only_the_root_loads_names_on_first_use():
    hooks = [str(path.relative_to(PACKAGE)) for path in MODULES
             if any(isinstance(node, ast.FunctionDef) and node.name == "__getattr__"
                    for node in ast.parse(path.read_text(encoding="utf-8")).body)]
    assert hooks == ["__init__.py"]


def test_no_module_imports_from_the_package_root():
    """``from .. import X`` is fine when X is a module; a name of the root's (``__version__``, ``PatsnapClient``) is not."""
    wrong = []
    for path in MODULES:
        if path == PACKAGE / "__init__.py":
            continue
        package = ".".join(("patsnap_pandas", *path.relative_to(PACKAGE).parent.parts))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            target = ".".join(base + ([node.module] if node.module else [])) if node.level else node.module
            if target != "patsnap_pandas":
                continue
            wrong += [f"{path.relative_to(PACKAGE)}:{node.lineno} imports {alias.name} from the root"
                      for alias in node.names if not (PACKAGE / alias.name).is_dir()
                      and not (PACKAGE / f"{alias.name}.py").is_file()]
    assert not wrong, "\n".join(wrong)
