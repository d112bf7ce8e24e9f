"""thumbnail_grid: escaping, embedding, layout and argument checks."""

from __future__ import annotations

import base64
import html
import re

import pytest

from patsnap_pandas.frame.grids import CAPTION_MAX_CHARS, ThumbnailGrid, thumbnail_grid
from tests.helpers import Inspector, assert_self_contained_html, hit, jpeg, make_frame, png, sample_frame, thumbs

XSS_TITLE = "<img src=x onerror=alert(1)>"
XSS_PN = '"><svg onload=alert(1)>'


def test_grid_embeds_every_thumbnail_as_data_uri_and_shows_captions():
    df = sample_frame(6)
    images = thumbs(6)
    grid = thumbnail_grid(df, images)
    assert isinstance(grid, ThumbnailGrid)
    assert grid._repr_html_() == grid.html
    assert len(grid) == 6
    page = assert_self_contained_html(grid.html)
    srcs = [a["src"] for a in page.named("img")]
    assert len(srcs) == 6
    # same bytes, same order, right MIME type
    for src, data in zip(srcs, images):
        mime = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
        assert src == f"data:{mime};base64," + base64.b64encode(data).decode()
    text = "".join(page.text)
    assert "0.950" in text and "0.700" in text  # score to 3 decimals
    for pn in df["patent_pn"]:
        assert pn in text
    assert [a["alt"] for a in page.named("img")] == list(df["patent_pn"])
    assert "http://" not in grid.html and "https://" not in grid.html


def test_hostile_title_and_number_are_escaped():
    df = make_frame([hit(1, 0.9, title=XSS_TITLE, patent_pn=XSS_PN)])
    grid = thumbnail_grid(df, [png()])
    assert XSS_TITLE not in grid.html
    assert XSS_PN not in grid.html
    assert html.escape(XSS_TITLE, quote=True) in grid.html
    assert html.escape(XSS_PN, quote=True) in grid.html
    page = assert_self_contained_html(grid.html)
    assert page.named("svg") == []
    assert len(page.named("img")) == 1  # only the thumbnail, not the injected one
    # the tooltip carries the full title, as an attribute value and not as markup
    assert any(a.get("title") == f"title: {XSS_TITLE}" for a in page.named("div"))


def test_javascript_image_url_is_never_used():
    row = hit(1, 0.9) | {"image_url": "javascript:alert(1)"}
    df = make_frame([row])
    grid = thumbnail_grid(df, [None], caption=("score", "patent_pn"))
    assert "javascript:" not in grid.html
    assert_self_contained_html(grid.html)
    # even when the user asks to caption it, it is text, never a link or source
    shown = thumbnail_grid(df, [None], caption=("image_url",))
    page = assert_self_contained_html(shown.html)
    assert "javascript:alert(1)" in "".join(page.text)
    assert page.named("a") == [] and page.named("img") == []


def test_long_text_is_truncated_with_ellipsis_full_text_in_tooltip_up_to_a_limit():
    medium = "Chair " * 30  # 180 chars
    huge = "x" * 20000
    df = make_frame([hit(1, 0.9) | {"title": medium}, hit(2, 0.8) | {"title": huge}])
    grid = thumbnail_grid(df, None)
    page = Inspector(grid.html)
    shown = [t for t in page.text if t.startswith("Chair") or t.startswith("xxx")]
    assert len(shown) == 2
    assert all(len(t) <= CAPTION_MAX_CHARS and t.endswith("\u2026") for t in shown)
    titles = [a["title"] for a in page.named("div") if (a.get("title") or "").startswith("title:")]
    assert titles[0] == "title: " + medium
    assert huge not in grid.html
    assert len(grid.html) < 10000


def test_rtl_emoji_and_cjk_are_preserved_with_dir_auto():
    titles = ["كرسي مكتب", "椅子（办公用）", "Chair 🪑👩‍💻", "의자"]
    df = make_frame([hit(i + 1, 0.9 - i / 10) | {"title": t} for i, t in enumerate(titles)])
    grid = thumbnail_grid(df, thumbs(4))
    for t in titles:
        assert t in grid.html
    page = Inspector(grid.html)
    captions = [a for a in page.named("div") if "title" in (a.get("title") or "")]
    assert captions and all(a.get("dir") == "auto" for a in captions)


def test_each_render_gets_its_own_css_prefix_and_styles_only_that_prefix():
    df = sample_frame(2)
    a, b = thumbnail_grid(df, thumbs(2)), thumbnail_grid(df, thumbs(2))
    assert a.prefix != b.prefix
    assert a.prefix not in b.html and b.prefix not in a.html
    style = re.search(r"<style>(.*?)</style>", a.html, re.S).group(1)
    selectors = re.findall(r"(?:^|})\s*([^{}@]+)\{", style)
    assert selectors
    for selector in selectors:
        for part in selector.split(","):
            assert part.strip().startswith("." + a.prefix), part


def test_columns_size_and_n_shape_the_grid():
    df = sample_frame(6)
    grid = thumbnail_grid(df, thumbs(6), n=4, columns=3, size=64)
    assert len(grid) == 4
    assert grid.html.count("<figure") == 4
    assert "grid-template-columns:repeat(3," in grid.html
    assert "width:64px;height:64px" in grid.html
    # n larger than the frame shows everything
    assert len(thumbnail_grid(df, thumbs(6), n=50)) == 6


def test_missing_images_get_a_placeholder_and_empty_frame_renders():
    df = sample_frame(3)
    grid = thumbnail_grid(df, [png(), None, jpeg()])
    page = assert_self_contained_html(grid.html)
    assert len(page.named("img")) == 2
    assert "no image" in grid.html
    empty = thumbnail_grid(df.iloc[0:0], [])
    assert len(empty) == 0 and "No hits" in empty.html


def test_custom_caption_columns_and_missing_values():
    df = make_frame([hit(1, 0.9, assignees="ACME; Foo"), hit(2, float("nan"), assignees=None)])
    grid = thumbnail_grid(df, None, caption=("rank", "assignees", "score"))
    text = "".join(Inspector(grid.html).text)
    assert "ACME; Foo" in text and "0.900" in text
    assert "nan" not in text.lower() and "<NA>" not in text


def test_save_writes_a_standalone_page(tmp_path):
    grid = thumbnail_grid(sample_frame(2), thumbs(2))
    out = grid.save(tmp_path / "grid.html")
    assert out == tmp_path / "grid.html"
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in text
    assert "Content-Security-Policy" in text
    assert grid.html in text
    assert_self_contained_html(text)


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"n": 0}, ["n=0", "integer >= 1"]),
        ({"n": 2.5}, ["n=2.5", "None or an integer"]),
        ({"columns": 0}, ["columns=0", "1 to 20"]),
        ({"columns": 21}, ["columns=21", "1 to 20"]),
        ({"size": 31}, ["size=31", "32 to 1024"]),
        ({"size": 2000}, ["size=2000", "32 to 1024"]),
        ({"caption": ("score", "nope")}, ["caption=", "'nope'", "not columns", "patent_pn"]),
        ({"caption": "title"}, ["caption='title'", "sequence of column names"]),
    ],
)
def test_argument_validation_names_parameter_value_and_allowed(kwargs, words):
    with pytest.raises(ValueError) as info:
        thumbnail_grid(sample_frame(2), thumbs(2), **kwargs)
    for word in words:
        assert word in str(info.value)


def test_input_validation_frame_and_images():
    df = sample_frame(3)
    with pytest.raises(ValueError, match=r"images has 2 item\(s\) but df has 3 row\(s\)"):
        thumbnail_grid(df, thumbs(2))
    with pytest.raises(ValueError, match=r"images\[1\] is not PNG or JPEG"):
        thumbnail_grid(df, [png(), b"GIF89a....", None])
    with pytest.raises(TypeError, match=r"images\[0\] must be PNG/JPEG bytes or None, got str"):
        thumbnail_grid(df, ["http://example.invalid/a.png", None, None])
    with pytest.raises(ValueError, match=r"^df is not a result frame: it lacks the columns \['patent_pn'\]"):
        thumbnail_grid(df.drop(columns=["patent_pn"]), thumbs(3), caption=("score",))
    with pytest.raises(TypeError, match=r"^df=list is not valid: expected a result frame"):
        thumbnail_grid([{"score": 1}], [None])
