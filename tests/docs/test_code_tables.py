"""The tables the docs restate from codes.py, errors.py and config.py match them exactly."""

from __future__ import annotations

import pytest

from tests.docs import codetables

EXPECTED_BLOCKS = {
    "filters.md": {"filter_names", "authorities", "legal_status", "simple_legal_status", "sort_fields", "limits"},
    "errors.md": {"error_codes"},
    "credentials.md": {"settings"},
    "clearance.md": {"design_terms", "status_effects"},
}


@pytest.mark.parametrize("page", sorted(EXPECTED_BLOCKS))
def test_page_has_its_generated_tables(page):
    names = {name for name, _ in codetables.blocks((codetables.DOCS / page).read_text(encoding="utf-8"))}
    assert names == EXPECTED_BLOCKS[page]


@pytest.mark.parametrize("page", sorted(p.name for p in codetables.DOCS.glob("*.md")))
def test_generated_tables_are_up_to_date(page):
    text = (codetables.DOCS / page).read_text(encoding="utf-8")
    for name, body in codetables.blocks(text):
        assert name in codetables.GENERATORS, f"docs/{page}: unknown generated block {name!r}"
        assert body == codetables.GENERATORS[name](), (
            f"docs/{page}: the {name} table differs from the code; "
            "rewrite it with `.venv/bin/python -m tests.docs.codetables`")


def test_every_code_is_in_the_docs():
    filters_page = (codetables.DOCS / "filters.md").read_text(encoding="utf-8")
    errors_page = (codetables.DOCS / "errors.md").read_text(encoding="utf-8")
    from patsnap_pandas import codes

    for code in codes.LEGAL_STATUS:
        assert f"| {code} | `{codes.LEGAL_STATUS[code]}` |" in filters_page
    for code in codes.AUTHORITIES:
        assert f"`{code}`" in filters_page
    for code in codes.ERROR_CODES:
        assert f"| {code} |" in errors_page
