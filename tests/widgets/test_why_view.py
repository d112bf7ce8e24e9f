"""The comparison view's "Why it matched": the sentence and the onion-skin slider, as state (no browser).

Driven as a user would (search, open a hit, move the slider) over real HTTP to the sandbox. The browser
rendering of the same box is measured with the comparison in tests/widgets/test_voila.py.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from patsnap_pandas import SearchPanel
from patsnap_pandas.frame.overlay import CAPTION
from patsnap_pandas.widgets.why_view import STEPS


def _opened(client, image, n: int = 4, at: int = 0) -> SearchPanel:
    panel = SearchPanel(client=client, limit=n)
    panel.state.choose_files([(image, "query.png")])
    panel.state.search()
    panel.open_hit(at)
    return panel


def test_the_open_hit_says_why_it_matched_and_shows_the_onion_skin(client, query_png):
    panel = _opened(client, query_png)
    why = panel.compare_view.why
    expected = panel.results.patsnap.why()["why"].iloc[0]
    assert why.box.layout.display == "flex"
    assert expected in why.sentence.value and "1st of 4" in why.sentence.value
    assert len(why.frames) == len(STEPS) and why.picture.value == why.frames[STEPS.index(0.5)]
    assert "a visual aid, not a legal test" in why.caption.value and CAPTION.split(":")[0] in why.caption.value
    # its own design is the best hit: the overlay aligns it on the query at (almost) the identity
    assert why.result is not None and abs(why.result.transform.scale - 1) < 0.05 and why.result.overlap > 0.5


def test_the_slider_goes_from_the_query_alone_to_the_hit_strongest(client, query_png):
    panel = _opened(client, query_png, at=1)
    why = panel.compare_view.why
    pictures = {}
    for value in (0.0, 0.5, 1.0):
        why.slider.value = value
        pictures[value] = why.picture.value
        assert why.picture.value == why.frames[STEPS.index(value)]
    assert len(set(pictures.values())) == 3
    first = np.asarray(Image.open(io.BytesIO(pictures[0.0])).convert("RGB"), dtype=int)
    assert (first[..., 2] >= first[..., 0]).all()  # the query alone: blue ink (or paper), no orange


def test_next_hit_redraws_and_back_hides_it(client, query_png):
    panel = _opened(client, query_png)
    why = panel.compare_view.why
    first, frames = panel.state.open_row, why.frames
    panel.compare_view.next_button.click()
    opened = panel.state.open_row
    assert opened != first and panel.results.patsnap.why().at[opened, "why"] in why.sentence.value
    # drawn again for the hit now open (its pictures may equal the first's: one design in two offices)
    assert why.frames and why.frames is not frames
    panel.compare_view.back_button.click()
    assert why.box.layout.display == "none"


def test_several_views_say_which_view_matched(client, corpus, query_design):
    keys = query_design.image_keys
    views = [(corpus.image_png(keys[k % len(keys)]), f"view-{k + 1}.png") for k in range(5)]
    panel = SearchPanel(client=client, limit=4)
    panel.state.choose_files(views)
    panel.state.search()  # five views: each searched, then fused; every hit knows its best view
    panel.open_hit(0)
    why = panel.compare_view.why
    view = int(panel.results["matched_view"].iloc[0])
    assert f"Matched best on view {view} of 5 (view-{view}.png)" in why.sentence.value
    assert why.frames and why.box.layout.display == "flex"


def test_p061_does_not_claim_a_matched_view(client, corpus, query_design):
    keys = query_design.image_keys
    panel = SearchPanel(client=client, limit=4)
    panel.state.choose_files([(corpus.image_png(keys[k % len(keys)]), f"view-{k + 1}.png") for k in range(3)])
    panel.state.search()  # three views: one P061 call, which scores them together
    panel.open_hit(0)
    assert panel.results.attrs["endpoint_version"] == "P061"
    assert "view" not in panel.compare_view.why.sentence.value.lower()
