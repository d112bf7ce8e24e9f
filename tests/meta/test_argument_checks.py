"""Argument checks go through patsnap_pandas/_validate.py: no number, flag or type check written by hand.

A check written by hand drifts: the rate limit was checked three times with three
messages, ``True`` passed as a number here and not there, NaN slipped through a
``value > 0``. So the package's source is scanned (its syntax tree, not its text) for
what such a check looks like:

- ``raise ValueError(...)`` or ``raise TypeError(...)``: a bad argument raises
  ``InvalidInputError`` (``InvalidTypeError`` for a wrong type), best from a helper of
  ``_validate`` (``check_int``, ``check_number``, ``check_rate``, ``check_duration``,
  ``check_choice``, ``check_flag``, ``check_frame``, ``invalid``);
- an ``if`` that raises on ``isinstance(x, bool)`` (the bool-is-an-int trap of every
  number check) or on NaN and infinity (``math.isnan``, ``math.isfinite``, ``math.inf``):
  that is ``check_int`` / ``check_number`` / ``check_flag``.

The sandbox is left out: it is a separate server that imports nothing of the client
(not even ``_validate``), and its own checks speak for the server. What remains
allowed is listed in :data:`ALLOWED`, each with the reason.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import patsnap_pandas

PACKAGE = Path(patsnap_pandas.__file__).parent
SKIPPED = ("_validate.py", "sandbox")  # the helpers themselves; the separate server

#: (function, a word of the check) -> why the check may stay as it is. The function is its qualified name
#: (``Class.method``), so the entry survives a move of the function to another module.
ALLOWED: dict[tuple[str, str], str] = {
    ("_items", "a boolean is not a code"): "not a number check: a filter's codes refuse a bool with their own "
                                           "reason (FilterError, in the one shape, by filter_error)",
    ("budget_spec", "True/False"): "through invalid(): a budget's message names its text forms (500/day), "
                                   "which check_int's cannot",
    ("Answer.run", "expire"): "not an argument: PatSnap's answer to an upload (a ResponseFormatError)",
    ("_score", "score"): "not an argument: a hit's score in PatSnap's answer (a ResponseFormatError)",
    ("job_frames", "the job returned"): "not an argument: what a job function returned (a programming error)",
    ("PatsnapClient.__getstate__", "pickled"): "not an argument check: a client holding credentials is not pickled",
}


def _qualnames(tree: ast.Module) -> dict[int, str]:
    """id(node) -> the qualified name of the innermost function or class holding it ("" at module level)."""
    names: dict[int, str] = {}

    def visit(node: ast.AST, name: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = name
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                inner = f"{name}.{child.name}" if name else child.name
            names[id(child)] = inner
            visit(child, inner)

    visit(tree, "")
    return names


def _raises_builtin(node: ast.Raise) -> bool:
    exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
    return isinstance(exc, ast.Name) and exc.id in ("ValueError", "TypeError")


def _is_bool_isinstance(node: ast.AST) -> bool:
    """``isinstance(x, bool)``: how a number check keeps True out (bool among other types is a type check)."""
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "isinstance"
            and len(node.args) == 2 and isinstance(node.args[1], ast.Name) and node.args[1].id == "bool")


def _is_nan_or_inf(node: ast.AST) -> bool:
    """``math.isnan``, ``math.isinf``, ``math.isfinite``, ``math.inf``: a number's NaN and infinity, by hand."""
    return (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "math"
            and node.attr in ("isnan", "isinf", "isfinite", "inf"))


def hand_written_checks(source: str) -> Iterator[tuple[str, int, str, str]]:
    """(function, line, what, the check's source) of each hand-written check in ``source``."""
    tree = ast.parse(source)
    names = _qualnames(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and node.exc is not None and _raises_builtin(node):
            yield names.get(id(node), ""), node.lineno, "raise ValueError/TypeError", ast.get_source_segment(source, node) or ""
        elif isinstance(node, ast.If) and any(isinstance(s, ast.Raise) for s in node.body):
            parts = list(ast.walk(node.test))
            what = ("isinstance(..., bool)" if any(_is_bool_isinstance(p) for p in parts)
                    else "NaN/infinity" if any(_is_nan_or_inf(p) for p in parts) else None)
            if what:
                text = ast.get_source_segment(source, node.test) + "\n" + ast.get_source_segment(source, node.body[0])
                yield names.get(id(node), ""), node.lineno, what, text


def _allowed(function: str, text: str) -> bool:
    return any(function == name and word in text for name, word in ALLOWED)


def test_the_scan_finds_what_a_hand_written_check_looks_like():
    """The scan itself: each shape is found, and a check through _validate is not."""
    source = '''
def rate(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise InvalidInputError(f"rate={value!r}: expected calls per second > 0")

def age(value):
    if math.isnan(value):
        raise InvalidInputError("age is NaN")

def page(size):
    if size not in ("A4", "Letter"):
        raise ValueError(f"page_size={size!r}")

def fine(value, size):
    value = check_rate(value, "rate")
    if isinstance(value, bool):
        return None
    return check_choice(size, "page_size", ("A4", "Letter"))
'''
    found = [(function, what) for function, _, what, _ in hand_written_checks(source)]
    assert found == [("rate", "isinstance(..., bool)"), ("age", "NaN/infinity"), ("page", "raise ValueError/TypeError")]


def test_no_argument_check_is_written_by_hand_outside_validate():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] in SKIPPED:
            continue
        for function, line, what, text in hand_written_checks(path.read_text(encoding="utf-8")):
            if not _allowed(function, text):
                found.append(f"patsnap_pandas/{relative}:{line} in {function or 'the module'}: {what}")
    assert not found, ("checks written by hand; use (or add) a helper of patsnap_pandas/_validate.py, or give the "
                       "reason in ALLOWED:\n" + "\n".join(found))


def test_every_allowed_check_still_exists():
    """An entry whose check is gone (moved to _validate, say) leaves the list: it stays short and true."""
    checks = [(function, text) for path in PACKAGE.rglob("*.py") if path.relative_to(PACKAGE).parts[0] not in SKIPPED
              for function, _, _, text in hand_written_checks(path.read_text(encoding="utf-8"))]
    stale = [key for key in ALLOWED if not any(function == key[0] and key[1] in text for function, text in checks)]
    assert not stale, f"ALLOWED names checks that are no longer there: {stale}"
