"""SearchPanel with several views of one product: strip, messages, search with all views, matched view.

Driven as a user would (FileUpload values set, buttons clicked), over real HTTP to the sandbox.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re

import ipywidgets as W
import pytest
from PIL import Image

from patsnap_pandas import InvalidInputError, SearchPanel
from patsnap_pandas.jobs.views import MAX_VIEWS
from patsnap_pandas.widgets.query_input import ORDER_HINT
from tests.helpers import tiff_bytes


def files_value(*files: tuple[bytes, str]) -> tuple[dict, ...]:
    """What the browser's FileUpload (multiple) sends for several chosen files."""
    return tuple({"name": name, "type": "image/png", "size": len(data), "content": memoryview(data),
                  "last_modified": dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)} for data, name in files)


@pytest.fixture
def views(corpus, query_design) -> list[bytes]:
    """Three views of one product: the drawings of the query design (repeated when it has fewer)."""
    keys = query_design.image_keys
    return [corpus.image_png(keys[k % len(keys)]) for k in range(3)]


def strip_items(panel: SearchPanel) -> list[W.VBox]:
    return list(panel.views_box.children)


def test_several_files_make_a_numbered_strip_with_the_order_hint(client, sandbox, views):
    panel = SearchPanel(client)
    assert panel.upload.multiple
    panel.upload.value = files_value((views[0], "front.png"), (views[1], "side <2>.png"), (views[2], "top.png"))
    assert [v.name for v in panel.state.views] == ["front.png", "side <2>.png", "top.png"]
    assert panel.views_box.layout.display == "flex" and panel.preview.value == ""
    items = strip_items(panel)
    assert len(items) == 3
    texts = [item.children[0].value for item in items]
    assert [re.search(r"View \d of 3", t).group(0) for t in texts] == ["View 1 of 3", "View 2 of 3", "View 3 of 3"]
    assert "side &lt;2&gt;.png" in texts[1] and "side <2>" not in texts[1]  # names escaped
    assert all(t.count("data:image/png;base64,") == 1 for t in texts)
    assert [item.children[1].description for item in items] == ["Remove"] * 3
    assert html.escape(ORDER_HINT) in panel.views_hint.value and "view 1" in ORDER_HINT
    assert not panel.search_button.disabled and panel.state.image_error is None
    assert len(sandbox.ledger) == 0  # choosing views costs nothing


def test_remove_button_takes_a_view_out_and_one_view_looks_as_before(client, views):
    panel = SearchPanel(client)
    panel.upload.value = files_value((views[0], "front.png"), (views[1], "side.png"), (views[2], "top.png"))
    strip_items(panel)[1].children[1].click()  # "Remove" under view 2
    assert [v.name for v in panel.state.views] == ["front.png", "top.png"]
    assert "View 2 of 2" in strip_items(panel)[1].children[0].value
    strip_items(panel)[0].children[1].click()
    assert [v.name for v in panel.state.views] == ["top.png"]
    assert panel.views_box.layout.display == "none" and panel.views_hint.value == ""
    assert "top.png" in panel.preview.value and "data:image/png;base64," in panel.preview.value  # the old preview
    with pytest.raises(InvalidInputError, match=r"number=3 is not valid: the query has 1 view"):
        panel.remove_view(3)


def test_a_file_that_is_not_an_image_is_left_out_with_a_sentence(client, views):
    panel = SearchPanel(client)
    panel.upload.value = files_value((views[0], "front.png"), (b"<xml/>", "notes.xml"), (views[1], "side.png"))
    assert [v.name for v in panel.state.views] == ["front.png", "side.png"]
    assert "notes.xml is not an image the panel can read" in panel.image_msg.value
    assert panel.image_msg.value.count("psp-msg-error") == 1
    assert not panel.search_button.disabled  # the two readable views can be searched


def test_over_the_limit_the_first_views_are_kept_and_it_says_so(client, views):
    panel = SearchPanel(client)
    panel.upload.value = files_value(*[(views[i % 3], f"v{i}.png") for i in range(MAX_VIEWS + 2)])
    assert len(panel.state.views) == MAX_VIEWS and panel.state.views[-1].name == f"v{MAX_VIEWS - 1}.png"
    assert (f"You chose {MAX_VIEWS + 2} files, but a search takes at most {MAX_VIEWS} views of one product: "
            f"the first {MAX_VIEWS} are kept.") in panel.image_msg.value


def test_several_urls_make_a_strip_and_a_bad_one_is_named(client, sandbox):
    panel = SearchPanel(client)
    panel.url.value = "https://a.example/front.png https://a.example/side.png"
    assert len(strip_items(panel)) == 2 and "https://a.example/side.png" in strip_items(panel)[1].children[0].value
    strip_items(panel)[0].children[1].click()
    assert panel.url.value == "https://a.example/side.png" and panel.views_box.layout.display == "none"
    panel.url.value = "https://a.example/front.png www.example.com/side.png"
    assert "www.example.com/side.png does not start with https:// or http://" in panel.url_msg.value
    assert panel.search_button.disabled
    panel.url.value = " ".join(f"https://a.example/{i}.png" for i in range(MAX_VIEWS + 1))
    assert f"{MAX_VIEWS + 1} URLs, but a search takes at most {MAX_VIEWS} views" in panel.url_msg.value
    assert len(sandbox.ledger) == 0  # nothing was fetched or searched


def test_search_uses_all_views_in_order_and_the_comparison_shows_view_1(client, sandbox, views, query_design):
    panel = SearchPanel(client, limit=5)
    panel.upload.value = files_value((views[0], "front.png"), (tiff_bytes(views[1]), "side.tif"),
                                     (views[2], "top.png"))
    panel.search_button.click()
    assert panel.state.last_error is None, panel.state.last_error
    df = panel.results
    assert df.attrs["views"] == ["front.png", "side.tif", "top.png"] and df.attrs["endpoint_version"] == "P061"
    searches = [e.endpoint for e in sandbox.ledger if "upload" not in e.endpoint]
    assert len(searches) == 1  # one multi-image call for the three views
    assert df.iloc[0]["patent_pn"] == query_design.patent_pn
    assert "for 3 views of one product." in panel.summary.value
    assert "searched together in one multi-image search" in panel.summary.value
    assert panel.more_button.layout.display == "none"  # no search id to continue
    panel.open_hit(0)
    page = panel.compare.value
    # P061 does not say which view matched: all views stand beside the hit, none singled out
    assert "All 3 views, scored together" in page and "does not say which view matched" in page
    assert '<th scope="row">Matched view</th>' not in page  # not known: no empty row
    grid = re.search(r'<div class="psp-allviews">(.*?)</div>', page, re.S).group(1)
    assert grid.count("<figure") == 3 and "psp-on" not in page and "Matched view" not in page
    assert [f"view {i}" for i in (1, 2, 3)] == re.findall(r"view \d(?=</figcaption>)", grid)


def test_fused_search_puts_the_matched_view_beside_the_hit(client, sandbox, corpus, query_design):
    other = corpus.designs[3]
    pictures = [(corpus.image_png(d.image_keys[0]), name) for d, name in
                ((other, "a.png"), (query_design, "b.png"), (other, "c.png"), (other, "d.png"),
                 (query_design, "e.png"))]
    panel = SearchPanel(client, limit=5)
    panel.upload.value = files_value(*pictures)
    panel.search_button.click()
    assert panel.state.last_error is None, panel.state.last_error
    df = panel.results
    assert df.attrs["endpoint_version"].endswith("+fusion") and len(df.attrs["views"]) == 5
    assert "best score over the views" in panel.summary.value
    for position in range(len(panel.shown)):
        panel.open_hit(position)
        row = panel.shown.iloc[position]
        n = int(row["matched_view"])
        assert f"Matched view {n} of 5: {df.attrs['views'][n - 1]}" in panel.compare.value
        assert '<th scope="row">Matched view</th>' in panel.compare.value
        assert '<th scope="row">Score of view 1</th>' in panel.compare.value
        small = re.search(r'<div class="psp-others">(.*?)</div>', panel.compare.value, re.S).group(1)
        assert small.count("<figure") == 5 and small.count('class="psp-on"') == 1
    card = panel.card_box.children[0].children[0].value
    assert re.search(r"matched view \d", card)


def test_set_image_with_a_list_and_one_image_search_unchanged(client, sandbox, views, query_png):
    panel = SearchPanel(client, image=[views[0], views[1]])
    assert len(panel.state.views) == 2 and panel.state.query_bytes == views[0]
    panel.set_image(query_png)
    assert len(panel.state.views) == 1 and panel.views_box.layout.display == "none"
    panel.search_button.click()
    df = panel.results
    assert "views" not in df.attrs or len(df.attrs.get("views") or ()) <= 1
    assert df.attrs["endpoint_version"].startswith("P009")  # one image: the plain search, as before
    assert "matched_view" not in df.columns
    panel.open_hit(0)
    assert "Query: image" in panel.compare.value and "psp-others" not in panel.compare.value
    assert "matched view" not in panel.card_box.children[0].children[0].value
    with pytest.raises(InvalidInputError, match=r"image=\[\] is not valid"):
        panel.set_image([])


def test_export_of_a_three_view_search_has_the_strip(client, views, tmp_path):
    panel = SearchPanel(client, limit=5, export_dir=tmp_path)
    panel.upload.value = files_value((views[0], "front.png"), (views[1], "side.png"), (views[2], "top.png"))
    panel.search_button.click()
    panel.export_button.click()
    assert panel.state.last_error is None, panel.state.last_error
    page = panel.state.last_report.read_text(encoding="utf-8")
    assert '<ol class="strip">' in page and page.count("View 1 of 3") >= 1
    assert "front.png" in page and "side.png" in page and "top.png" in page


def test_strip_thumbnails_are_the_chosen_images(client, views):
    import base64

    panel = SearchPanel(client)
    panel.upload.value = files_value((views[0], "front.png"), (views[2], "top.png"))

    for item, data in zip(strip_items(panel), (views[0], views[2]), strict=True):
        src = re.search(r'src="data:image/png;base64,([^"]+)"', item.children[0].value).group(1)
        with Image.open(io.BytesIO(base64.b64decode(src))) as shown, Image.open(io.BytesIO(data)) as chosen:
            assert shown.size[0] / shown.size[1] == pytest.approx(chosen.size[0] / chosen.size[1], rel=0.02)
