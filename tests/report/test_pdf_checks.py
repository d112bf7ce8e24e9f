"""The PDF checks of tests/helpers.py find what they look for: a word over another, a word past the page's
right margin, each page's own text (the fit tests read a 200-page report through one poppler call per file)."""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.backends.backend_pdf import PdfPages

from tests.helpers import pdf_pages, pdf_text, words_misplaced


def _two_pages(path, second_words):
    with PdfPages(path) as pdf:
        fig = plt.figure(figsize=(8.27, 11.69))
        fig.text(0.1, 0.9, "alone")
        fig.text(0.1, 0.5, "alpha")
        fig.text(0.108, 0.5, "bravo")  # drawn over alpha
        fig.text(0.5, 0.502, "charlie")  # on the same line, clear of both
        fig.text(0.985, 0.3, "zulu")  # past the right margin
        pdf.savefig(fig)
        plt.close(fig)
        fig = plt.figure(figsize=(8.27, 11.69))
        for i, word in enumerate(second_words):
            fig.text(0.1, 0.9 - 0.05 * i, word)
        pdf.savefig(fig)
        plt.close(fig)


def test_a_word_over_another_and_one_past_the_margin_are_found_on_their_page_only(tmp_path):
    path = tmp_path / "two.pdf"
    _two_pages(path, ["clean", "page"])
    assert pdf_pages(path) == 2
    found = words_misplaced(path, 1)
    assert "alpha over bravo" in found and any(word.startswith("z") for word in found)
    assert not any("alone" in w or "charlie" in w for w in found)
    assert words_misplaced(path, 2) == []


def test_each_pages_text_is_its_own_and_a_file_written_again_is_read_again(tmp_path):
    path = tmp_path / "two.pdf"
    _two_pages(path, ["first", "version"])
    assert "alpha" in pdf_text(path, 1) and "version" not in pdf_text(path, 1)
    assert "version" in pdf_text(path, 2) and pdf_text(path, 1, 2) == pdf_text(path, 1) + pdf_text(path, 2)
    _two_pages(path, ["second", "edition", "longer"])
    assert "edition" in pdf_text(path, 2) and "version" not in pdf_text(path, 2)
