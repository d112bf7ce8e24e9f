"""Browser tests share the process's one Chromium (the session fixture ``chromium``): a test file that starts its own
sync Playwright fails whenever another file on the same xdist worker started the shared one first, as CI found."""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
SHARED = TESTS / "widgets" / "browser.py"


def test_only_the_shared_chromium_starts_playwright():
    starters = [str(p.relative_to(TESTS)) for p in TESTS.rglob("*.py")
                if p not in (SHARED, Path(__file__).resolve()) and "sync_playwright(" in p.read_text(encoding="utf-8")]
    assert starters == [], f"use the `chromium` fixture (tests/conftest.py) instead of sync_playwright() in {starters}"
    assert "sync_playwright(" in SHARED.read_text(encoding="utf-8")
