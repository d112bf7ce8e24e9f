"""SearchPanel driven in plain Python: widget values set, buttons clicked, real HTTP to the sandbox."""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import re

import ipywidgets as W
import pandas as pd
import pytest
from PIL import Image

import patsnap_pandas as pp
from patsnap_pandas import FilterError, PatsnapClient, SearchFilters, SearchPanel
from patsnap_pandas.frame import links, words
from patsnap_pandas.frame.words import SANDBOX_BANNER
from patsnap_pandas.widgets import COMMON_AUTHORITIES, PanelState
from tests.helpers import FAST, SMALL_CORPUS_SIZE, tiff_bytes, upload_value

CHART = re.compile(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


def cards(panel: SearchPanel) -> list[W.VBox]:
    return list(panel.card_box.children)


def card_texts(panel: SearchPanel) -> list[str]:
    return [card.children[0].value for card in cards(panel)]


def visible_html(panel: SearchPanel) -> list[str]:
    """The values of every HTML widget of the panel that is on screen (not in a hidden box)."""
    found = []

    def walk(widget):
        layout = getattr(widget, "layout", None)
        if layout is not None and layout.display == "none":
            return
        if isinstance(widget, W.HTML):
            found.append(widget.value)
        for child in getattr(widget, "children", ()):
            walk(child)

    walk(panel.widget)
    return found


def shown_count(panel: SearchPanel, text: str) -> int:
    """How often ``text`` (escaped as shown) appears on screen."""
    return sum(value.count(html.escape(text)) for value in visible_html(panel))


def chart_image(panel: SearchPanel) -> Image.Image:
    match = CHART.search(panel.chart.value)
    assert match, panel.chart.value[:200]
    image = Image.open(io.BytesIO(base64.b64decode(match.group(1))))
    image.load()
    return image


def billed(sandbox) -> int:
    return sandbox.ledger.billed()


def searched(panel: SearchPanel, png: bytes, **values) -> SearchPanel:
    """Upload ``png`` through the FileUpload widget, set widget values, click Search."""
    panel.upload.value = upload_value(png, "query.png", "image/png")
    for name, value in values.items():
        getattr(panel, name).value = value
    panel.search_button.click()
    assert panel.state.last_error is None, panel.state.last_error
    return panel


# --- the happy path, with a client of its own (PatsnapClient.sandbox()) ---------------------------

def test_search_fills_cards_chart_and_status(tmp_path, query_png, query_design):
    with PatsnapClient.sandbox(corpus_size=SMALL_CORPUS_SIZE, **FAST) as client:
        ledger = client.sandbox_server.ledger
        panel = SearchPanel(client, export_dir=tmp_path)
        assert SANDBOX_BANNER in panel.status.value  # the words of every sandbox table and report
        assert "This session: 0 billed API calls, 0 answers from the cache (not billed)." in panel.status.value
        assert panel.search_button.disabled  # no image yet
        assert panel.results_box.layout.display == "none"

        panel.upload.value = upload_value(query_png, "chair <1>.png", "image/png")
        assert not panel.search_button.disabled and panel.hint.value == ""
        assert "data:image/png;base64," in panel.preview.value
        assert "chair &lt;1&gt;.png" in panel.preview.value  # file names are escaped
        panel.country.value = (query_design.authority,)
        panel.limit.value = 5
        assert len(ledger) == 0  # choosing an image and filters costs nothing

        panel.search_button.click()

        df = panel.results
        assert isinstance(df, pd.DataFrame) and len(df) == 5
        assert df["rank"].tolist() == [1, 2, 3, 4, 5]
        assert set(df["authority"]) == {query_design.authority}
        assert df.iloc[0]["patent_pn"] == query_design.patent_pn and df.iloc[0]["score"] >= 0.99
        assert df.attrs["filters"] == {"country": query_design.authority}
        assert df.attrs["query"] == "chair <1>.png" and df.attrs["source"] == "sandbox"
        assert {"relevance", "note"} <= set(df.columns) and df["relevance"].isna().all()
        assert [e.endpoint for e in ledger] == ["/image-search/image-upload", "/image-search/search-id"]
        # the cards: one per hit, thumbnail >= 160 px, score, number, title, authority name; escaped
        assert panel.results_box.layout.display == "flex" and len(cards(panel)) == 5
        first = card_texts(panel)[0]
        assert 'class="psp-thumb" src="data:image/png;base64,' in first
        assert f"<b>{html.escape(query_design.patent_pn)}</b>" in first and "1.000" in first
        assert html.escape(df.iloc[0]["title"]) in first
        assert words.authority_name(query_design.authority) in first
        assert re.search(r"\.psp-card \.psp-thumb \{ width: (\d+)px; height: \1px", panel.css.value)
        assert int(re.search(r"\.psp-thumb \{ width: (\d+)px", panel.css.value).group(1)) >= 160
        assert all("<script" not in text.lower() for text in card_texts(panel))
        # the chart: score_chart_png, embedded
        chart = chart_image(panel)
        assert chart.format == "PNG" and chart.width == 760
        assert 'alt="Top 5 similarity scores"' in panel.chart.value
        # the status line, in plain words
        assert "Found 5 hits of" in panel.status.value
        assert "This session: 2 billed API calls, 0 answers from the cache" in panel.status.value
        assert client.usage.billed_calls == 2
        assert not panel.more_button.disabled and not panel.export_button.disabled

        # the same search again: served by the cache, zero billed calls
        panel.search_button.click()
        assert len(ledger) == 2
        assert "(from the cache: no billed call)" in panel.status.value
        hits = client.usage.cache_hits
        # one cache hit: the answer is found by the image's content, so no upload is even looked up
        assert hits >= 1 and f"2 billed API calls, {hits} answer" in panel.status.value
        panel.close()


# --- words for people: each message as the user sees it ----------------------------------------------

def test_nothing_red_before_the_user_acts(client, sandbox):
    panel = SearchPanel(client)
    assert not any("psp-msg-error" in value or "#b00020" in value for value in visible_html(panel))
    assert panel.search_button.disabled
    assert panel.hint.value == ('<span class="psp-msg-hint">Choose an image file or paste an image URL '
                                "to search.</span>")
    assert "disabled" not in " ".join(visible_html(panel)).lower()
    assert panel.export_button.disabled and panel.export_button.tooltip == "Nothing to export yet: search first."


def test_dates_in_the_wrong_order_say_so_with_the_labels_once_next_to_the_field(client, sandbox, query_png):
    panel = SearchPanel(client, image=query_png)
    panel.apply_start.value = dt.date(2022, 6, 1)
    panel.apply_end.value = dt.date(2020, 1, 1)
    message = "Applied from is after Applied to."
    assert panel.apply_msg.value == f'<span class="psp-msg-error">{message}</span>'
    assert shown_count(panel, message) == 1  # once, next to the dates: not repeated under the buttons
    assert "apply_start_time" not in " ".join(visible_html(panel))
    assert panel.more_filters.selected_index == 0  # the section holding the message is open
    assert panel.search_button.disabled and "Correct the field marked in red" in panel.hint.value
    panel.public_start.value = dt.date(2024, 1, 2)
    panel.public_end.value = dt.date(2024, 1, 1)
    assert "Published from is after Published to." in panel.public_msg.value
    panel.apply_end.value = panel.public_end.value = None
    assert panel.apply_msg.value == panel.public_msg.value == "" and not panel.search_button.disabled
    assert billed(sandbox) == 0


def test_locarno_message_uses_the_label_and_says_what_to_write(client, sandbox, query_png):
    panel = SearchPanel(client, image=query_png)
    panel.loc.value = "06-01 AMD <b>"
    expected = ("Locarno class: unexpected 'AMD'; write Locarno codes such as 06-01, joined with AND, OR or NOT. "
                "Did you mean 'AND'?")
    assert html.escape(expected) in panel.loc_msg.value and "psp-msg-error" in panel.loc_msg.value
    assert shown_count(panel, expected) == 1 and "loc=" not in " ".join(visible_html(panel))
    assert panel.search_button.disabled
    panel.loc.value = "(1-1 or 01-2) and not 2-3"
    assert "&#10003;" in panel.loc_msg.value and "(01-01 OR 01-02) AND NOT 02-03" in panel.loc_msg.value
    assert not panel.search_button.disabled
    panel.loc.value = "33-01"
    assert "Locarno class: class 33 of &#x27;33-01&#x27; does not exist;" in panel.loc_msg.value


def test_unknown_authority_is_said_next_to_the_country_box(client, sandbox, query_png):
    panel = SearchPanel(client, image=query_png)
    panel.country_other.value = "XX"
    assert panel.country_msg.value == ('<span class="psp-msg-error">Authority: &#x27;XX&#x27; is not an '
                                       "authority code.</span>")
    panel.country_other.value = "Germny"
    assert "Did you mean &#x27;DE&#x27;?" in panel.country_msg.value
    panel.country_other.value = "nz, sg"
    assert panel.country_msg.value == "" and panel.filters().country == "NZ,SG"


def test_a_bad_file_says_in_one_sentence_which_formats_work(client, sandbox):
    panel = SearchPanel(client)
    xml = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>' * 300
    panel.upload.value = upload_value(xml, "drawing.xml", "text/xml")
    sentence = "drawing.xml is not an image the panel can read: choose a JPG, PNG, TIFF, WEBP, BMP or GIF file."
    assert panel.image_msg.value == f'<span class="psp-msg-error">{sentence}</span>'
    assert shown_count(panel, sentence) == 1
    everything = " ".join(visible_html(panel))
    assert "bytes starting" not in everything and "numpy" not in everything and "image=" not in everything
    assert panel.search_button.disabled and billed(sandbox) == 0
    for fmt in ("WEBP", "BMP", "GIF"):  # the formats the sentence names all work
        out = io.BytesIO()
        Image.new("RGB", (64, 48), "white").save(out, format=fmt)
        panel.upload.value = upload_value(out.getvalue(), f"q.{fmt.lower()}", f"image/{fmt.lower()}")
        assert panel.image_msg.value == "" and not panel.search_button.disabled, fmt


def test_a_url_that_is_not_http_says_what_the_box_takes(client, sandbox):
    panel = SearchPanel(client)
    panel.url.value = "ftp://example.com/a.png"
    assert panel.url_msg.value == ('<span class="psp-msg-error">Image URL: paste a link that starts with https:// '
                                   "or http://, or choose a file instead.</span>")
    assert panel.search_button.disabled


def test_a_click_on_search_with_a_bad_field_points_at_the_field(client, sandbox, query_png):
    panel = SearchPanel(client, image=query_png)
    panel.loc.value = "01-01 AND"
    panel.search_button.click()  # possible from Python (the browser's button is disabled)
    assert panel.state.last_error == "Search was not started: correct the field marked in red."
    assert isinstance(panel.state.last_exception, FilterError)
    assert panel.results is None and billed(sandbox) == 0
    assert shown_count(panel, "a code or '(' is missing after 'AND'") == 1


# --- no call without a click ---------------------------------------------------------------------------

def test_changing_filters_makes_no_call(client, sandbox, query_png):
    panel = searched(SearchPanel(client), query_png, limit=4)
    before = billed(sandbox)
    assert before == 2 and panel.results is not None
    results = panel.results

    panel.loc.value = "06-01"
    panel.country.value = ("CN", "US")
    panel.country_other.value = "NZ"
    panel.legal_status.value = (3, 2)
    panel.simple_legal_status.value = (1,)
    panel.assignees.value = "Acme"
    panel.main_field.value = "chair"
    panel.apply_start.value = dt.date(2010, 1, 1)
    panel.public_end.value = dt.date(2030, 1, 1)
    panel.limit.value = 50
    panel.sort_field.value = "PBD"
    panel.sort_order.value = "asc"
    panel.url.value = "https://example.com/not-fetched.png"

    assert billed(sandbox) == before  # per the sandbox ledger: nothing was called
    assert panel.results is results
    assert panel.filters() == SearchFilters(
        loc="06-01", country="CN,US,NZ", legal_status="3,2", simple_legal_status="1", assignees="Acme",
        main_field="chair", apply_start_time="20100101", public_end_time="20300101", field="PBD", order="asc")


def test_min_score_text_filter_and_order_change_the_cards_without_a_call(client, sandbox, query_png):
    panel = searched(SearchPanel(client), query_png, limit=20)
    df = panel.results
    calls = billed(sandbox)
    scores = sorted(df["score"].tolist(), reverse=True)
    threshold = round((scores[4] + scores[5]) / 2, 2)
    expected = int((df["score"] >= threshold).sum())
    assert 0 < expected < 20

    panel.min_score.value = threshold
    assert len(panel.shown) == expected and len(cards(panel)) == expected
    assert (panel.shown["score"] >= threshold).all()
    assert f"Showing <b>{expected}</b> of 20 fetched hits" in panel.summary.value
    assert len(panel.results) == 20  # results keep every fetched hit

    panel.min_score.value = 0.0
    wanted = df.iloc[11]["patent_pn"]
    panel.text_filter.value = wanted.lower()
    assert panel.shown["patent_pn"].tolist() == [wanted] and len(cards(panel)) == 1
    assert 'alt="Top 1 similarity scores"' in panel.chart.value
    panel.text_filter.value = "no such text anywhere"
    assert len(panel.shown) == 0 and "No hits to show" in panel.cards_note.value and panel.chart.value == ""
    assert panel.export_button.disabled and "no hit passes" in panel.export_msg.value
    panel.text_filter.value = ""

    panel.order.value = 1  # application date, newest first
    dates = panel.shown["apdt"].astype("Int64").tolist()
    assert dates == sorted(dates, reverse=True) and len(cards(panel)) == 20
    assert pd.Series(dates).nunique() > 5
    first_card = card_texts(panel)[0]
    assert html.escape(panel.shown.iloc[0]["patent_pn"]) in first_card
    panel.order.value = 2  # oldest first
    assert panel.shown["apdt"].astype("Int64").tolist() == sorted(dates)
    panel.order.value = 0
    assert panel.shown["score"].tolist() == sorted(df["score"].tolist(), reverse=True)

    assert billed(sandbox) == calls


# --- load more ---------------------------------------------------------------------------------------

def test_load_more_uses_the_search_id_and_appends(client, sandbox, query_png):
    panel = searched(SearchPanel(client), query_png, limit=8)
    first = panel.results
    search_id = first.attrs["search_id"]
    sandbox.ledger.clear()

    panel.more_button.click()

    df = panel.results
    assert panel.state.last_error is None
    assert len(df) == 16 and df["rank"].tolist() == list(range(1, 17))
    assert df["patent_id"].is_unique
    assert df.iloc[:8]["patent_id"].tolist() == first["patent_id"].tolist()
    assert set(df["search_id"]) == {search_id}
    assert [(e.endpoint, e.params.get("search_id"), e.params.get("offset")) for e in sandbox.ledger] == [
        ("/image-search/results", search_id, "8")]
    assert len(panel.state.thumbnails) == 16 and len(cards(panel)) == 16
    assert "Loaded 8 more hits" in panel.status.value

    # fetch everything: Load more is disabled once the total is reached
    panel.limit.value = 100
    panel.more_button.click()
    assert len(panel.results) == panel.results.attrs["total"] == SMALL_CORPUS_SIZE
    assert panel.more_button.disabled and not panel.search_button.disabled


def test_load_more_after_the_search_id_expired_runs_the_search_again(client, sandbox, query_png):
    panel = searched(SearchPanel(client), query_png, limit=5)
    sandbox.configure(search_id_lifetime=0.001)
    panel.more_button.click()
    assert panel.state.last_error is None
    assert len(panel.results) == 10 and panel.results["patent_id"].is_unique
    assert any("had expired" in note for note in panel.state.notes)
    # in words: what happened and what it means, no search id and no parameter name
    assert "The search had expired (PatSnap keeps a search 20 minutes), so it was run again" in panel.status.value
    assert "search id" not in panel.status.value
    assert not any(sid in panel.status.value for sid in panel.results["search_id"].unique())


def test_load_more_that_reaches_the_last_hit_says_so_in_words(client, sandbox, query_png):
    """Fewer hits than asked: the status line says why in a sentence, not "Note: n=10 but 3 more hits were returned"."""
    total = SMALL_CORPUS_SIZE
    panel = searched(SearchPanel(client), query_png, limit=100)
    panel.limit.value = 100
    panel.state.results = panel.results.head(total - 3).copy()  # as if all but the last 3 were fetched
    panel.state.thumbnails = panel.state.thumbnails[:total - 3]
    panel.more_button.click()
    status = panel.status.value
    assert panel.state.last_error is None and len(panel.results) == total
    assert f"Loaded 3 more hits (100 asked): every one of the {total} matching designs is fetched now." in status
    assert "n=" not in status and "Note:" not in status and "total_search_result_count" not in status
    assert panel.state.notes == []


# --- comparison view and marks ---------------------------------------------------------------------------

def test_a_card_opens_the_comparison_with_every_field_and_the_public_record(client, sandbox, query_png):
    panel = searched(SearchPanel(client), query_png, limit=10, country=("US",))
    calls = billed(sandbox)
    card = cards(panel)[2]
    card.children[1].click()  # the card's "Compare with query" button

    row = panel.shown.iloc[2]
    assert panel.state.open_row == panel.shown.index[2]
    assert panel.compare_box.layout.display == "flex" and panel.card_box.layout.display == "none"
    body = panel.compare.value
    query_img, hit_img = re.findall(r'<img src="(data:image/png;base64,[^"]+)"', body)
    with Image.open(io.BytesIO(base64.b64decode(query_img.split(",", 1)[1]))) as im:
        assert max(im.size) > 256  # the query at large size, not the form's small preview
    import requests

    with Image.open(io.BytesIO(requests.get(row["image_url"], timeout=20).content)) as original:
        native = original.size
    with Image.open(io.BytesIO(base64.b64decode(hit_img.split(",", 1)[1]))) as im:
        assert max(im.size) == min(max(native), 512)  # fetched large (the card has 256 px at most)
    assert "Query: query.png" in body
    for column in row.index:
        if column not in ("search_id", "query", "relevance", "note", "marked_by", "marked_at"):
            label = words.COLUMN_LABELS[column]  # every field of a hit has a label for people
            assert f'<th scope="row">{html.escape(label)}</th>' in body, column
    assert words.loc_in_words(row["loc"][0]) in html.unescape(body)
    link = links.public_record_url(row["patent_pn"], "US")
    assert link and f'href="{html.escape(link)}"' in body and 'rel="noopener noreferrer"' in body
    # previous / next walk the cards in their order
    panel.next_button.click()
    assert panel.state.open_row == panel.shown.index[3]
    panel.prev_button.click()
    panel.prev_button.click()
    assert panel.state.open_row == panel.shown.index[1]
    panel.back_button.click()
    assert panel.state.open_row is None and panel.card_box.layout.display == "flex"
    assert billed(sandbox) == calls  # looking is free


def test_add_owners_button_says_its_cost_then_the_comparison_and_exports_carry_owner_and_status(client, sandbox,
                                                                                                   query_png, tmp_path):
    """The enrich button: hidden before a search; its billed calls said beside it; afterwards the comparison
    leads with owner, legal status and in force (no PatSnap id, no signed link in view), and exports carry them."""
    panel = SearchPanel(client, export_dir=tmp_path)
    assert panel.enrich_view.box.layout.display == "none"
    searched(panel, query_png, limit=10, country=("US",))
    assert panel.enrich_view.box.layout.display == "flex" and not panel.enrich_button.disabled
    assert ("Owners and legal status of the 10 shown hits: 2 billed calls (1 P011 bibliography batch, "
            "1 P041 legal-status batch).") in panel.enrich_offer.value
    panel.open_hit(0)
    body = panel.compare.value
    row = panel.results.loc[panel.state.open_row]
    seen = body.split("<details")[0]  # what shows before the closed Identifiers toggle is opened
    assert row["patent_id"] not in seen and row["image_url"] not in html.unescape(seen) and "signature=" not in seen
    assert row["patent_id"] in body.split("<details")[1]  # one click away
    assert body.count(html.escape("not looked up yet: use \u201cAdd owners and legal status\u201d")) == 1  # once

    calls = billed(sandbox)
    panel.enrich_button.click()
    assert billed(sandbox) - calls == 2 and panel.state.last_error is None
    assert "Added owners and legal status to 10 hits (2 billed calls)" in panel.status.value
    assert panel.enrich_button.disabled and "shown for every hit" in panel.enrich_offer.value
    row = panel.results.loc[panel.state.open_row]
    body = html.unescape(panel.compare.value)
    assert f"<th scope=\"row\">Owner</th><td>{row['assignees']}</td>" in body
    assert f"<th scope=\"row\">Legal status</th><td>{row['simple_legal_status']}</td>" in body
    assert f'<th scope="row">In force</th><td><span class="psp-state psp-state-{row["in_force"].replace(" ", "-")}">' \
        in body
    assert "not looked up yet" not in body and row["patent_id"] not in body.split("<details")[0]
    assert all(row["assignees"].split("; ")[0] in card for card in card_texts(panel)[:1])  # the cards name them too

    panel.export_button.click()  # the report carries owners and states
    page = html.unescape(panel.state.last_report.read_text(encoding="utf-8").replace("<wbr>", ""))
    assert row["assignees"] in page and row["in_force"] in page
    panel.export_format.value = "xlsx"
    panel.export_button.click()
    sheet = pd.read_excel(panel.state.last_report, sheet_name="Hits", header=None).astype(str)
    header = next(i for i in range(len(sheet)) if "Number" in sheet.iloc[i].tolist())
    columns = sheet.iloc[header].tolist()
    assert {"Assignees", "Legal status", "In force"} <= set(columns)
    assert set(sheet.iloc[header + 1:, columns.index("In force")]) <= {"in force", "pending", "lapsed", "expired",
                                                                      "unknown", "nan"}


def test_marks_go_into_results_and_survive_load_more_and_a_new_search(client, sandbox, query_png, tmp_path):
    panel = searched(SearchPanel(client, export_dir=tmp_path), query_png, limit=5)
    panel.state.reviewer = "Ana Li"
    panel.state.clock = lambda: dt.datetime(2026, 12, 7, 9, 30, tzinfo=dt.timezone.utc)
    panel.open_hit(1)
    pid = panel.results.loc[panel.state.open_row, "patent_id"]
    panel.relevance.value = "relevant"
    panel.note.value = "  same handle, <b>bold</b>  "
    df = panel.results
    marked = df[df["patent_id"] == pid]
    assert marked["relevance"].tolist() == ["relevant"] and marked["note"].tolist() == ["same handle, <b>bold</b>"]
    assert df["relevance"].notna().sum() == 1
    assert ('marked <b>relevant</b> with a note by Ana Li, <span class="psp-nowrap">2026-12-07 09:30 UTC</span>; '
            "1 hit marked in all") in panel.mark_msg.value
    card = card_texts(panel)[1]
    assert '<span class="psp-mark psp-mark-relevant">relevant</span>' in card
    panel.mark(3, "not relevant")
    assert panel.results.loc[panel.shown.index[3], "relevance"] == "not relevant"
    with pytest.raises(ValueError, match=r"relevance='maybe' is not valid"):
        panel.mark(0, "maybe")

    panel.more_button.click()  # Load more keeps the marks
    assert len(panel.results) == 10 and panel.results["relevance"].notna().sum() == 2
    panel.legal_status.value = (3,)  # a new search of the same image keeps them where the hit is found again
    panel.legal_status.value = ()
    panel.limit.value = 10
    panel.search_button.click()
    assert panel.results.set_index("patent_id").loc[pid, "relevance"] == "relevant"

    panel.open_hit(int(panel.results.index[panel.results["patent_id"] == pid][0]) if False else 0)
    panel.open_hit(list(panel.shown.index).index(panel.results.index[panel.results["patent_id"] == pid][0]))
    assert panel.relevance.value == "relevant" and panel.note.value == "same handle, <b>bold</b>"
    panel.clear_mark.click()
    assert pd.isna(panel.results.set_index("patent_id").loc[pid, "relevance"])
    assert panel.relevance.value is None and panel.note.value == ""

    # another query image: its marks start empty
    panel.mark(0, "unsure")
    other = panel.results.iloc[5]["image_url"]
    panel.url.value = other
    panel.search_button.click()
    assert panel.results["relevance"].isna().all()


# --- export ---------------------------------------------------------------------------------------------

def test_export_is_disabled_with_a_reason_when_there_is_nothing_to_export(client, sandbox, query_png, tmp_path):
    panel = searched(SearchPanel(client, export_dir=tmp_path), query_png, limit=5)
    assert not panel.export_button.disabled
    panel.export_include.value = "marked"
    assert panel.export_button.disabled
    assert panel.export_msg.value == ('<span class="psp-msg-hint">No marked hits yet: open a hit to mark it, '
                                      "or export all shown hits.</span>")
    panel.export_include.value = "relevant"
    panel.mark(0, "unsure")
    assert panel.export_button.disabled and "No hit is marked relevant yet" in panel.export_msg.value
    panel.mark(0, "relevant")
    assert not panel.export_button.disabled and panel.export_msg.value == ""


def test_default_export_folder_is_documents_not_the_working_folder(client, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DOCUMENTS_DIR", str(tmp_path / "docs"))
    monkeypatch.chdir(tmp_path)
    panel = SearchPanel(client)
    assert panel.export_dir == tmp_path / "docs" / "patsnap-reports"
    assert panel.export_folder.value == str(tmp_path / "docs" / "patsnap-reports")
    monkeypatch.setenv("HOME", str(tmp_path))  # under the home folder it reads as ~/...
    panel = SearchPanel(client)
    assert panel.export_folder.value == "~/docs/patsnap-reports"
    assert panel.export_dir == tmp_path / "docs" / "patsnap-reports"
    panel.export_folder.value = str(tmp_path / "chosen")
    assert panel.export_dir == tmp_path / "chosen"


# --- failures keep the panel usable ------------------------------------------------------------------

def test_quota_error_is_shown_and_the_panel_stays_usable(client, sandbox, query_png):
    panel = searched(SearchPanel(client), query_png, limit=5)
    results = panel.results
    sandbox.configure(quota=0, quota_code=67200007)  # daily limit reached: not retryable

    panel.country.value = ("US",)  # a new search (not in the cache)
    panel.search_button.click()

    assert panel.results is results and len(cards(panel)) == 5  # previous results kept
    assert panel.state.busy is False
    assert not panel.search_button.disabled and not panel.more_button.disabled
    assert not panel.export_button.disabled
    assert panel.search_button.description == "Search"
    error = panel.state.last_error
    assert error.startswith("Search failed: API call exceeds the daily limit!")
    assert "67200007" in error and "quota" in error.lower()
    assert shown_count(panel, error) == 1 and "Traceback" not in panel.status.value
    assert "Search did not complete; the results shown are unchanged." in panel.status.value

    panel.more_button.click()
    assert panel.state.last_error.startswith("Load more failed:") and panel.results is results

    sandbox.configure(quota=None)
    panel.search_button.click()
    assert panel.state.last_error is None and "psp-msg-error" not in panel.status.value
    assert set(panel.results["authority"]) == {"US"}


def test_busy_state_while_a_call_runs(client, sandbox, query_png):
    panel = SearchPanel(client)
    panel.set_image(query_png, "q.png")
    sandbox.configure(latency=0.2)
    seen = []
    panel.status.observe(lambda change: seen.append(
        (change["new"], panel.search_button.disabled, panel.search_button.description,
         panel.more_button.disabled, panel.export_button.disabled)), names="value")

    panel.search_button.click()

    busy = [s for s in seen if "Searching\u2026" in s[0]]
    assert busy and all(s[1:] == (True, "Searching\u2026", True, True) for s in busy)
    assert not panel.search_button.disabled and panel.search_button.description == "Search"
    assert "Found" in panel.status.value


def test_unexpected_error_is_reported_and_the_panel_recovers(client, sandbox, query_png, monkeypatch):
    panel = searched(SearchPanel(client), query_png, limit=3)
    results = panel.results

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("patsnap_pandas.widgets.actions.load_thumbnails", broken)
    panel.more_button.click()
    assert panel.state.last_error == "Load more failed unexpectedly: RuntimeError: disk on fire"
    assert isinstance(panel.state.last_exception, RuntimeError)
    assert panel.results is results and not panel.more_button.disabled


# --- image input ------------------------------------------------------------------------------------

def test_tiff_upload_is_previewed_and_searched(client, sandbox, query_png, query_design):
    panel = SearchPanel(client)
    panel.upload.value = upload_value(tiff_bytes(query_png), "drawing.tif", "image/tiff")
    assert panel.state.query_name == "drawing.tif"
    assert "data:image/png;base64," in panel.preview.value  # browsers show no TIFF: converted
    panel.search_button.click()
    assert panel.state.last_error is None
    assert panel.results.iloc[0]["patent_pn"] == query_design.patent_pn


def test_url_query_is_searched_without_upload(client, sandbox, query_png):
    panel = searched(SearchPanel(client), query_png, limit=3)
    url = panel.results.iloc[1]["image_url"]  # an image URL the sandbox handed out
    expected_id = panel.results.iloc[1]["patent_id"]
    sandbox.ledger.clear()

    panel.url.value = url
    assert not panel.search_button.disabled
    assert f'src="{html.escape(url)}"' in panel.preview.value
    panel.search_button.click()

    assert panel.state.last_error is None
    assert [e.endpoint for e in sandbox.ledger] == ["/image-search/search-id"]
    assert panel.results.attrs["query_url"] == url
    # first the design itself, or its registration in another office (the same drawing, the same score)
    office = sandbox.corpus.owner_truth.office_families
    assert office[panel.results.iloc[0]["patent_id"]] == office[expected_id]

    # choosing a file afterwards makes the file the query again
    panel.upload.value = upload_value(query_png, "again.png", "image/png")
    assert panel.url.value == "" and "again.png" in panel.preview.value


# --- construction ------------------------------------------------------------------------------------

def test_initial_filters_fill_the_widgets(client, sandbox):
    panel = SearchPanel(client, limit=25, loc=["1-1", "1-2"], country="cn, nz", legal_status="granted",
                        simple_legal_status=["active", 2], apply_start_time="2020-01-31",
                        public_end_time=dt.date(2024, 12, 31), assignees=" Acme  Corp ", main_field="lamp",
                        field="pbd", order="ascending")
    assert panel.loc.value == "(01-01 OR 01-02)"
    assert panel.country.value == ("CN",) and panel.country_other.value == "NZ"
    assert panel.legal_status.value == (3,) and panel.simple_legal_status.value == (1, 2)
    assert panel.apply_start.value == dt.date(2020, 1, 31) and panel.public_end.value == dt.date(2024, 12, 31)
    assert panel.assignees.value == "Acme Corp" and panel.main_field.value == "lamp"
    assert (panel.sort_field.value, panel.sort_order.value, panel.limit.value) == ("PBD", "asc", 25)
    assert panel.more_filters.selected_index == 0  # filters set in the "more" section are shown
    assert panel.filters() == SearchFilters(loc="(01-01 OR 01-02)", country="CN,NZ", legal_status=3,
                                            simple_legal_status="1,2", apply_start_time="20200131",
                                            public_end_time="20241231", assignees="Acme Corp",
                                            main_field="lamp", field="PBD", order="asc")
    assert isinstance(panel.state, PanelState) and panel.results is None and panel.shown is None
    assert set(COMMON_AUTHORITIES) <= set(pp.codes.AUTHORITIES)
    assert SearchPanel(client).more_filters.selected_index is None  # closed when nothing is set there
    assert billed(sandbox) == 0


def test_bad_arguments_fail_at_construction(client):
    with pytest.raises(FilterError, match=r"country='XX' is not valid"):
        SearchPanel(client, country="XX")
    with pytest.raises(FilterError, match=r"'colour' is not a search filter"):
        SearchPanel(client, colour="red")
    with pytest.raises(ValueError, match=r"limit=0 is not valid.*1 to 100"):
        SearchPanel(client, limit=0)
    with pytest.raises(ValueError, match=r"client='sk-123' is not valid"):
        SearchPanel("sk-123")


def test_without_credentials_the_panel_opens_and_says_how_to_set_them(query_png):
    panel = pp.panel()  # the test session has no PATSNAP_* variables
    assert panel.client is None
    assert "Not connected" in panel.status.value
    for words in ("PATSNAP_CLIENT_ID", "PATSNAP_CLIENT_SECRET", "PATSNAP_API_KEY", "PatsnapClient.sandbox()"):
        assert words in panel.status.value
    assert "psp-msg-error" not in panel.status.value  # not red before the user acts
    panel.set_image(query_png, "q.png")
    assert not panel.search_button.disabled  # Search looks for credentials again when clicked
    panel.search_button.click()
    assert "PATSNAP_API_KEY" in panel.state.last_error and panel.results is None
    assert not panel.search_button.disabled


def test_panel_displays_as_its_root_widget(client, sandbox):
    panel = pp.panel(client, country="JP")
    assert isinstance(panel, SearchPanel) and panel.country.value == ("JP",)
    bundle = panel._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == panel.widget.model_id
    assert "SearchPanel: no results" in repr(panel)
    assert sandbox.credentials.client_secret not in repr(panel)
    assert pp.widgets.SearchPanel is pp.SearchPanel


# --- export: HTML, Excel, PDF of all or marked hits, saved and offered as a download ------------------------

DOWNLOAD = re.compile(r'<a class="psp-download" download="([^"]+)" href="data:([^;]+);base64,([A-Za-z0-9+/=]+)">')


def downloaded(panel: SearchPanel) -> tuple[str, str, bytes]:
    match = DOWNLOAD.search(panel.export_msg.value)
    assert match, panel.export_msg.value[:300]
    return match.group(1), match.group(2), base64.b64decode(match.group(3))


def test_export_excel_of_marked_hits_reads_back_with_read_triage(client, sandbox, query_png, tmp_path):
    panel = searched(SearchPanel(client, export_dir=tmp_path / "chosen"), query_png, limit=8)
    calls = billed(sandbox)
    panel.mark(2, "relevant", note="same silhouette")
    pn = panel.shown.iloc[2]["patent_pn"]
    panel.export_format.value = "xlsx"
    panel.export_include.value = "marked"

    panel.export_button.click()

    assert panel.state.last_error is None, panel.state.last_error
    path = panel.state.last_report
    assert path.parent == (tmp_path / "chosen").resolve() and path.suffix == ".xlsx" and path.exists()
    name, mime, data = downloaded(panel)
    assert name == path.name and mime == "application/octet-stream" and data == path.read_bytes()
    assert html.escape(str(path)) in panel.export_msg.value
    assert f"Excel report saved to {path}." in panel.status.value
    triage = pp.read_triage(path)
    assert len(triage) == 1
    assert triage.iloc[0]["patent_pn"] == pn
    assert triage.iloc[0]["relevance"] == "relevant" and triage.iloc[0]["note"] == "same silhouette"
    assert billed(sandbox) == calls  # exporting makes no call
    panel.export_button.click()  # a second export never overwrites the first
    assert panel.state.last_report != path and path.exists()


def test_export_html_has_the_local_filters_in_its_provenance(client, sandbox, query_png, tmp_path):
    panel = searched(SearchPanel(client, export_dir=tmp_path), query_png, limit=10)
    panel.min_score.value = 0.5
    panel.text_filter.value = panel.results.iloc[0]["patent_pn"]
    panel.export_button.click()
    assert panel.state.last_error is None, panel.state.last_error
    name, mime, data = downloaded(panel)
    text = data.decode("utf-8")
    assert mime == "application/octet-stream" and name.endswith(".html")  # saved, never rendered
    assert "Minimum score (set in the panel)" in text and "0.50" in text
    assert "Text filter (set in the panel)" in text and html.escape(panel.results.iloc[0]["patent_pn"]) in text
    assert html.escape(panel.results.iloc[1]["patent_pn"]) not in text  # only the shown hit
    assert SANDBOX_BANNER in text and "<script" not in text.lower()


def test_export_word_with_the_marks_as_comments(client, sandbox, query_png, tmp_path):
    import docx

    panel = searched(SearchPanel(client, export_dir=tmp_path), query_png, limit=4)
    panel.mark(1, "unsure", note="check the legs")
    assert ("Word", "docx") in panel.export_format.options
    panel.export_format.value = "docx"
    panel.export_button.click()
    assert panel.state.last_error is None, panel.state.last_error
    name, mime, data = downloaded(panel)
    assert name.endswith(".docx") and mime == "application/octet-stream"
    assert f"Word report saved to {panel.state.last_report}." in panel.status.value
    document = docx.Document(io.BytesIO(data))
    assert [c.text for c in document.comments] == ["unsure: check the legs"]
    assert document.sections[0].header.paragraphs[0].text == SANDBOX_BANNER


def test_export_pdf_of_all_shown_hits(client, sandbox, query_png, tmp_path):
    panel = searched(SearchPanel(client, export_dir=tmp_path), query_png, limit=3)
    panel.export_format.value = "pdf"
    panel.export_button.click()
    assert panel.state.last_error is None, panel.state.last_error
    name, mime, data = downloaded(panel)
    assert data.startswith(b"%PDF") and name.endswith(".pdf")
