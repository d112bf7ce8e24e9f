"""The tables of the docs that restate code: generated from codes.py, errors.py, config.py and the term rules.

A docs page holds each generated table between two markers::

    <!-- generated:legal_status -->
    | code | name | ...
    <!-- /generated:legal_status -->

``tests/docs/test_code_tables.py`` fails when a table differs from what this module
generates now; rewrite them with::

    .venv/bin/python -m tests.docs.codetables
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

from patsnap_pandas import codes, config, errors
from patsnap_pandas.api.filters import FILTER_NAMES
from patsnap_pandas.frame import term_rules, terms

DOCS = Path(__file__).resolve().parents[2] / "docs"
BLOCK = re.compile(r"(<!-- generated:(?P<name>[a-z_]+) -->\n)(?P<body>.*?)(<!-- /generated:(?P=name) -->)", re.S)


def _table(header: tuple[str, ...], rows: list[tuple]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell).replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def legal_status() -> str:
    aliases: dict[int, list[str]] = {}
    for alias, code in codes.LEGAL_STATUS_ALIASES.items():
        aliases.setdefault(code, []).append(alias)
    return _table(("code", "name", "also accepted"), [
        (code, f"`{name}`", ", ".join(f"`{a}`" for a in aliases.get(code, [])))
        for code, name in codes.LEGAL_STATUS.items()])


def simple_legal_status() -> str:
    return _table(("code", "name"), [(code, f"`{name}`") for code, name in codes.SIMPLE_LEGAL_STATUS.items()])


def sort_fields() -> str:
    rows = [("`score`", "similarity score (the default; not sent to the API)")]
    rows += [(f"`{code}`", label) for code, label in codes.SORT_FIELDS.items()]
    return _table(("field", "sorts by"), rows)


def authorities() -> str:
    items = list(codes.AUTHORITIES.items())
    half = (len(items) + 1) // 2
    rows = []
    for i in range(half):
        left = items[i]
        right = items[i + half] if i + half < len(items) else ("", "")
        rows.append((f"`{left[0]}`", left[1], f"`{right[0]}`" if right[0] else "", right[1]))
    return _table(("code", "authority", "code", "authority"), rows)


def limits() -> str:
    return _table(("what", "allowed"), [
        ("`limit` (hits per call)", f"{codes.LIMIT_MIN}..{codes.LIMIT_MAX}, default {codes.LIMIT_DEFAULT}"),
        ("`offset` (results paging)", f"{codes.OFFSET_MIN}..{codes.OFFSET_MAX}"),
        ("hits one search can serve", f"{codes.OFFSET_MAX + codes.LIMIT_MAX} (last page at offset {codes.OFFSET_MAX})"),
        ("upload size", f"{codes.UPLOAD_MAX_BYTES // 1024} KB, JPG or PNG"),
        ("uploaded and hit image URLs live", f"{codes.IMAGE_URL_LIFETIME_S // 3600} hours"),
        ("a search id lives", f"{codes.SEARCH_ID_LIFETIME_S // 60} minutes"),
        ("a client-credentials token lives", f"{codes.TOKEN_LIFETIME_S // 60} minutes"),
    ])


def filter_names() -> str:
    return ", ".join(f"`{name}`" for name in FILTER_NAMES) + "\n"


def error_codes() -> str:
    rows = []
    for code, (meaning, _kind) in codes.ERROR_CODES.items():
        cls = errors.error_class(code)
        retried = "yes, with backoff" if code in codes.RETRYABLE_CODES else "no"
        if code == 67200003:
            retried = "token refreshed once"
        rows.append((code, meaning, f"`{cls.__name__}`", retried))
    return _table(("code", "PatSnap's meaning", "exception", "retried"), rows)


def settings() -> str:
    rows = []
    for name, setting in config.SETTINGS.items():
        default = "" if setting.default is None else f"`{setting.default}`"
        rows.append((f"`{setting.env}`", f"`{name}`", setting.help, default))
    return _table(("environment variable", "argument", "meaning", "default"), rows)


def _open_points(rule: term_rules.Rule) -> str:
    points = ["🟡 which date decides the change: the filing date, assumed"] if rule.assumed else []
    if rule.minimum:
        points.append("a minimum: the national maximum needs `designation=`")
    if "🟡" in rule.renewal.note:  # the annual-fee anchors (renewal.assumed), the EU deadline switch
        points.append(rule.renewal.note)
    return "<br>".join(points) or "—"


def design_terms() -> str:
    rows = []
    for code, rule in term_rules.RULES.items():
        least = "at least " if rule.minimum else ""
        change = "—"
        if rule.changed and rule.before:
            when = (f"term ended before {rule.changed.isoformat()}" if rule.decided_by == "running"
                    else f"filed before {rule.changed.isoformat()}")
            change = f"{when}: {rule.before.words()} ({rule.before.cite})"
        renewal = rule.renewal.words() + (f"; grace: {rule.renewal.grace}" if rule.renewal.grace else "")
        sources = " ".join(f"[{i}]({url})" for i, url in enumerate(rule.sources, 1))
        rows.append((f"`{code}` {rule.right}", f"{least}{rule.term.words()} ({rule.term.cite})", change, renewal,
                     "<br>".join(rule.notes) or "—", _open_points(rule), sources))
    return _table(("office", "term", "rule before the change", "renewal", "special cases", "open points", "sources"),
                  rows)


def status_effects() -> str:
    rows = [(code, f"`{codes.LEGAL_STATUS_EXTENDED[code]}`", terms.STATUS_EFFECT[code])
            for code in sorted(codes.LEGAL_STATUS_EXTENDED)]
    rows += [("", f"`{name}` (simple status)", terms.STATUS_EFFECT[name.lower()])
             for name in codes.SIMPLE_LEGAL_STATUS.values()]
    return _table(("code", "legal status", "the right is"), rows)


GENERATORS: dict[str, Callable[[], str]] = {
    "legal_status": legal_status,
    "simple_legal_status": simple_legal_status,
    "sort_fields": sort_fields,
    "authorities": authorities,
    "limits": limits,
    "filter_names": filter_names,
    "error_codes": error_codes,
    "settings": settings,
    "design_terms": design_terms,
    "status_effects": status_effects,
}


def blocks(text: str) -> list[tuple[str, str]]:
    """(name, body) of every generated block of a page."""
    return [(m.group("name"), m.group("body")) for m in BLOCK.finditer(text)]


def regenerate(text: str) -> str:
    """The page with every generated block rewritten."""
    return BLOCK.sub(lambda m: m.group(1) + GENERATORS[m.group("name")]() + m.group(4), text)


def main() -> int:
    for page in sorted(DOCS.glob("*.md")):
        text = page.read_text(encoding="utf-8")
        new = regenerate(text)
        if new != text:
            page.write_text(new, encoding="utf-8")
            print(f"rewrote the generated tables of {page.relative_to(DOCS.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
