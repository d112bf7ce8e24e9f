"""Why it matched: the reasons per hit (frame.why), the overlay on pixels (frame.overlay), and the reports.

The overlay's tolerance: a copy of a drawing shifted by up to a fifth of the canvas and scaled by
0.5 to 1.6 (the drawing staying whole on the canvas) is laid back on the original within 2 px (every corner of the canvas mapped by the found
transform lands within 2 px of where the true transform puts it, on a 256 px canvas).
"""

from __future__ import annotations

import html
import io
import re

import docx
import numpy as np
import openpyxl
import pandas as pd
import pytest
from PIL import Image, ImageOps

from patsnap_pandas import search_designs
from patsnap_pandas.frame import overlay as ov
from patsnap_pandas.frame.why import why_frame
from patsnap_pandas.report import build_report, render_html, write_docx, write_excel, write_pdf
from tests.helpers import design_png, drawing_png, pdf_text, png_bytes

CANVAS = 256
TOLERANCE_PX = 2.0


def _ink(data: bytes) -> np.ndarray:
    return ov.foreground(np.asarray(Image.open(io.BytesIO(data)).convert("L"), dtype=np.float64))


def _moved(data: bytes, scale: float, dx: float, dy: float, *, invert: bool = False) -> bytes:
    """``data`` drawn scaled by ``scale`` and shifted by (dx, dy) on a same-size white canvas."""
    im = Image.open(io.BytesIO(data)).convert("L")
    inverse = (1 / scale, 0, -dx / scale, 0, 1 / scale, -dy / scale)
    out = im.transform(im.size, Image.Transform.AFFINE, inverse, Image.Resampling.BILINEAR, fillcolor=255)
    return png_bytes(ImageOps.invert(out) if invert else out)


# --- the overlay, on pixels ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [0, 2, 5, 7])
def test_an_identical_image_aligns_exactly(kind):
    data = drawing_png(kind, CANVAS)
    result = ov.overlay(data, data)
    assert result.transform == ov.Transform() and result.transform.is_identity
    assert np.array_equal(result.hit, result.query) and result.overlap == 1.0
    blend = np.asarray(Image.open(io.BytesIO(result.png)).convert("RGB"))
    expected = ov._paint(result.query, result.query)
    assert np.array_equal(blend, expected)
    # where there is ink both colours multiply: darker than either alone; paper stays white
    assert (blend[result.query == 0] == 255).all()


def test_a_real_drawing_aligns_with_itself(corpus):
    data = design_png(corpus, 5)
    assert ov.overlay(data, data).transform.is_identity


@pytest.mark.parametrize(("kind", "scale", "dx", "dy"), [
    (0, 1.0, 20, -12), (1, 0.7, 30, 25), (2, 1.3, -40, -30), (5, 0.5, 60, 40), (7, 1.6, -80, -70),
    (3, 0.85, -51, 11),
])
def test_a_shifted_and_scaled_copy_aligns_within_two_pixels(kind, scale, dx, dy):
    query = _moved(drawing_png(kind, CANVAS), 0.55, 58, 58)  # in the middle, so that every copy stays whole
    hit = _moved(query, scale, dx, dy)
    found = ov.overlay(query, hit).transform
    # the hit is the query moved by (scale, dx, dy): the inverse lays it back
    true = ov.Transform(1 / scale, -dx / scale, -dy / scale)
    for x, y in ((0, 0), (CANVAS, 0), (0, CANVAS), (CANVAS, CANVAS), (CANVAS / 2, CANVAS / 2)):
        fx, fy = found.apply(x, y)
        tx, ty = true.apply(x, y)
        assert abs(fx - tx) <= TOLERANCE_PX * 2 and abs(fy - ty) <= TOLERANCE_PX * 2, (found, true, x, y)
    # and where the drawing is, within 2 px
    ys, xs = np.nonzero(_ink(hit) >= 0.5)
    for x, y in zip(xs[:: max(1, len(xs) // 50)] + 0.5, ys[:: max(1, len(ys) // 50)] + 0.5, strict=True):
        fx, fy = found.apply(x, y)
        tx, ty = true.apply(x, y)
        assert np.hypot(fx - tx, fy - ty) <= TOLERANCE_PX, (found, true)


def test_real_drawings_moved_and_reduced_align_within_a_few_pixels(real_designs):
    """Real USPTO drawings (up to 2,500 px, thin and broken lines, a "FIG. 1" label) are reduced to 512 px
    before aligning: weighting the ink by its strength keeps the lines that grow faint."""
    errors = []
    for path in sorted(real_designs.glob("*/*-D00001.TIF"))[:12]:
        im = Image.open(path).convert("L")
        w, h = im.size
        scale, dx, dy = 0.8, 0.06 * w, 0.05 * h
        moved = im.transform(im.size, Image.Transform.AFFINE, (1 / scale, 0, -dx / scale, 0, 1 / scale, -dy / scale),
                             Image.Resampling.BILINEAR, fillcolor=255)
        found = ov.overlay(png_bytes(im), png_bytes(moved)).transform
        k = ov.WORK_PX / max(w, h)  # the transform is in the reduced query's pixels
        true = ov.Transform(1 / scale, -dx / scale * k, -dy / scale * k)
        corners = ((0, 0), (w * k, 0), (0, h * k), (w * k, h * k))
        errors.append(max(np.hypot(*np.subtract(found.apply(x, y), true.apply(x, y))) for x, y in corners))
    assert len(errors) == 12 and np.median(errors) <= 2.0 and max(errors) <= 8.0, errors


def test_light_on_dark_is_found_as_well_as_dark_on_light():
    query = drawing_png(1, CANVAS)
    hit = _moved(query, 0.8, 15, 10, invert=True)  # a light drawing on a dark backdrop
    assert _ink(hit)[0, 0] == 0.0 and _ink(hit).max() == 1.0
    result = ov.overlay(query, hit)
    assert abs(result.transform.scale - 1 / 0.8) < 0.03 and result.overlap > 0.6


def test_images_of_other_sizes_land_on_the_query_canvas():
    query = drawing_png(2, CANVAS)
    small = png_bytes(Image.open(io.BytesIO(query)).resize((100, 100), Image.Resampling.LANCZOS))
    result = ov.overlay(query, small, size=120)
    assert result.hit.shape == result.query.shape == (CANVAS, CANVAS)
    assert abs(result.transform.scale - 2.56) < 0.08 and result.overlap > 0.6
    assert max(Image.open(io.BytesIO(result.png)).size) == 120


def test_a_blank_image_gives_the_identity_and_no_overlap():
    blank = png_bytes(Image.new("L", (64, 64), 255))
    result = ov.overlay(drawing_png(0, 64), blank)
    assert result.transform.is_identity and result.overlap == 0.0


def test_onion_frames_go_from_the_query_alone_to_the_hit_strongest():
    query = drawing_png(0, 128)
    result = ov.overlay(query, _moved(query, 0.9, 5, 5))
    first, middle, last = (np.asarray(Image.open(io.BytesIO(p)).convert("RGB")) for p in
                           ov.onion_frames(result, [0.0, 0.5, 1.0]))
    only_hit = (result.hit >= 0.9) & (result.query == 0)
    assert (first[only_hit] == 255).all()  # step 0: no hit ink
    assert (last[only_hit] == np.asarray(ov.HIT_RGB)).all()
    assert not np.array_equal(first, middle)


# --- the reasons, as columns and words ---------------------------------------------------------------


def _frame(scores, **columns) -> pd.DataFrame:
    n = len(scores)
    df = pd.DataFrame({"rank": range(1, n + 1), "patent_id": [f"p{i}" for i in range(n)],
                       "patent_pn": [f"US{i}S" for i in range(n)], "score": scores, **columns})
    return df


def test_places_gaps_and_ties():
    why = why_frame(_frame([0.91, 0.83, 0.83, 0.5, 0.499] + [0.1] * 15))
    assert why["score_place"].tolist()[:5] == [1, 2, 2, 4, 5]
    assert why["gap_to_next"].tolist()[:3] == pytest.approx([0.08, 0.0, 0.33])
    assert why["scored_hits"].iloc[0] == 20 and why["top_percent"].tolist()[:4] == [5, 10, 10, 20]
    assert why.loc[0, "why"] == "0.08 above the next hit; 1st of 20 (top 5 %)."
    assert why.loc[1, "why"] == "Level with the next hit; 2nd of 20 (top 10 %)."
    assert why.loc[3, "why"] == "Less than 0.01 above the next hit; 4th of 20 (top 20 %)."
    assert why.loc[19, "why"] == "The last hit fetched; 6th of 20."


def test_a_batch_counts_places_per_product_and_says_nothing_for_a_product_without_hits():
    df = pd.concat([_frame([0.9, 0.8]).assign(query_index=0, query="A"),
                    _frame([0.7, 0.95]).assign(query_index=1, query="B"),
                    pd.DataFrame({"query_index": [2], "query": ["C"], "patent_id": [None], "score": [np.nan]})],
                   ignore_index=True)
    why = why_frame(df)
    assert why["score_place"].tolist()[:4] == [1, 2, 2, 1]
    assert why.loc[4, "why"] == "" and pd.isna(why.loc[4, "score_place"])


def test_the_matched_view_and_the_predicted_class_are_named():
    df = _frame([0.9, 0.8, 0.7], matched_view=[2, 1, 2], loc=[["26-05"], ["26-05", "26-03"], ["06-01"]],
                loc_match=[True, True, False])
    df.attrs["views"] = ["front.png", "side.png"]
    why = why_frame(df)
    assert why["view_label"].tolist() == ["side.png", "front.png", "side.png"]
    assert why["predicted_loc"].tolist() == ["26-05"] * 3
    assert why.loc[0, "why"].startswith("Matched best on view 2 of 2 (side.png); in the query's predicted "
                                        "Locarno class 26-05; 0.10 above the next hit")
    assert "outside the query's predicted Locarno class 26-05" in why.loc[2, "why"]


def test_a_frame_without_scores_is_refused_by_the_accessor():
    with pytest.raises(AttributeError, match="design-search results"):
        pd.DataFrame({"sku": [1]}).patsnap.why()


def test_model_1_hits_say_whether_they_are_in_the_predicted_class(client, corpus):
    df = search_designs(design_png(corpus, 5), client=client, limit=12, model=1, thumbnails=False)
    why = df.patsnap.why()
    assert "loc_match" in df.columns and why["loc_match"].notna().all()
    predicted = why["predicted_loc"].iloc[0]
    assert isinstance(predicted, str) and re.fullmatch(r"\d\d-\d\d", predicted)
    for text, match in zip(why["why"], why["loc_match"], strict=True):
        assert (f"in the query's predicted locarno class {predicted}" in text.lower()) == bool(match)


def test_a_several_view_search_names_the_view_that_matched(client, corpus):
    keys = corpus.designs[5].image_keys
    views = [corpus.image_png(keys[k % len(keys)]) for k in range(5)]
    df = search_designs(views, client=client, limit=8, thumbnails=False)
    why = df.patsnap.why()
    for text, view in zip(why["why"], df["matched_view"], strict=True):
        assert text.startswith(f"Matched best on view {view} of 5")


# --- the reports ------------------------------------------------------------------------------------------


@pytest.fixture
def report(hits):
    return build_report(hits)


def test_each_card_has_its_sentence_and_overlay(report, hits):
    section = report.sections[0]
    sentences = hits.patsnap.why()["why"].tolist()
    assert [h.why for h in section.hits] == sentences
    assert all(h.overlay is not None and h.overlay[:4] == b"\x89PNG" for h in section.cards)
    assert max(Image.open(io.BytesIO(section.cards[0].overlay)).size) <= 280


def test_a_report_built_again_aligns_each_card_once_and_an_unreadable_picture_has_none(hits, monkeypatch):
    from patsnap_pandas.report import why

    why._MADE.clear()
    made = []
    monkeypatch.setattr(why, "overlay", lambda *a, **k: (made.append(1), ov.overlay(*a, **k))[1])
    cards = build_report(hits).sections[0].cards
    first = [h.overlay for h in cards]
    pictures = len({h.image for h in cards})  # a design registered in two offices shows one picture twice
    assert len(made) == pictures > 0 and all(png[:4] == b"\x89PNG" for png in first)
    assert [h.overlay for h in build_report(hits.copy()).sections[0].cards] == first and len(made) == pictures
    assert why._card_overlay(b"not a picture", b"nor this") is None
    assert why._card_overlay(b"not a picture", b"nor this") is None and len(made) == pictures + 1


def test_the_html_card_shows_the_sentence_and_the_overlay_as_a_visual_aid(report):
    page = render_html(report)
    cards = re.findall(r'<article class="card">.*?</article>', page, flags=re.S)
    assert len(cards) == len(report.sections[0].cards)
    for card, hit in zip(cards, report.sections[0].cards, strict=True):
        text = " ".join(html.unescape(re.sub(r"<[^>]+>", "", card)).split())
        assert "Why it matched" in text and hit.why in text
        assert re.search(r'<span class="nowrap">[^<]*\d\d-\d\d', card) or "Locarno" not in hit.why  # codes keep whole
        assert 'class="overlay"' in card and "a visual aid, not a legal test" in card


def test_the_pdf_shows_the_overlay_and_the_sentence(report, tmp_path):
    path = write_pdf(report, tmp_path / "why.pdf")
    text = " ".join(pdf_text(path, raw=True).split())  # -raw: the caption's lines in reading order, not beside the facts
    assert text.count("a visual aid, not a legal test") == len(report.sections[0].cards)
    assert "a visual aid, not a legal test" in text and "Why it matched" in text
    assert report.sections[0].cards[0].why.split(";")[0] in text


def test_excel_has_a_why_it_matched_column(report, tmp_path):
    sheet = openpyxl.load_workbook(write_excel(report, tmp_path / "why.xlsx"))["Hits"]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    at = next(i for i, r in enumerate(rows) if r and r[0] == "Image")
    col = rows[at].index("Why it matched")
    assert [r[col] for r in rows[at + 1:at + 1 + report.hit_count]] == [h.why for h in report.sections[0].hits]


def test_word_cards_show_the_sentence_and_the_overlay(report, tmp_path):
    document = docx.Document(str(write_docx(report, tmp_path / "why.docx")))
    text = "\n".join(p.text for t in document.tables for row in t.rows for c in row.cells for p in c.paragraphs)
    assert text.count("a visual aid, not a legal test") == len(report.sections[0].cards)
    assert report.sections[0].cards[0].why in text
