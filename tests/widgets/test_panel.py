"""SearchPanel driven in plain Python: widget values set, buttons clicked, real HTTP to the sandbox."""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import re

import pandas as pd
import pytest
from PIL import Image

import patsnap_pandas as pp
from patsnap_pandas import FilterError, PatsnapClient, SearchFilters, SearchPanel
from patsnap_pandas.widgets import COMMON_AUTHORITIES, PanelState

from .conftest import CORPUS_SIZE, FAST, tiff_bytes, upload_value

CELL = re.compile(r'<figure class="psg-[0-9a-f]+-cell"')
CHART = re.compile(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


def cells(panel: SearchPanel) -> int:
    return len(CELL.findall(panel.grid.value))


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

def test_search_with_a_sandbox_client_fills_results_grid_chart_and_status(tmp_path, query_png, query_design):
    with PatsnapClient.sandbox(corpus_size=CORPUS_SIZE, **FAST) as client:
        ledger = client.sandbox_server.ledger
        panel = SearchPanel(client, export_dir=tmp_path)
        assert "offline sandbox" in panel.title.value
        assert panel.search_button.disabled  # no image yet
        assert "Choose an image file" in panel.problem.value

        panel.upload.value = upload_value(query_png, "chair <1>.png", "image/png")
        assert not panel.search_button.disabled and panel.problem.value == ""
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
        assert df.iloc[0]["patent_pn"] == query_design.patent_pn
        assert df.iloc[0]["score"] >= 0.99
        assert df.attrs["filters"] == {"country": query_design.authority}
        assert df.attrs["query"] == "chair <1>.png"
        assert df.attrs["total"] >= 5 and df.attrs["search_id"]
        assert panel.client is client
        assert [e.endpoint for e in ledger] == ["/image-search/image-upload", "/image-search/search-id"]
        # the grid: one cell per hit, patent numbers shown, every text escaped
        assert cells(panel) == 5
        for pn in df["patent_pn"]:
            assert html.escape(pn) in panel.grid.value
        assert "<script" not in panel.grid.value.lower()
        # the chart: a real PNG embedded as a data URI
        chart = chart_image(panel)
        assert chart.format == "PNG" and chart.width > 300 and chart.height > 150
        assert 'alt="Top 5 similarity scores"' in panel.chart.value
        # the status line: calls and cache hits of this session, no error
        assert "Found 5 hits" in panel.status.value
        assert f"{client.usage.billed_calls} billed" in panel.status.value
        assert client.usage.billed_calls == 2
        assert "Last error" not in panel.status.value
        assert not panel.more_button.disabled and not panel.export_button.disabled

        # the same search again: served by the cache, zero billed calls
        panel.search_button.click()
        assert len(ledger) == 2
        assert "from the cache" in panel.status.value
        assert f"{client.usage.cache_hits} cache hits" in panel.status.value and client.usage.cache_hits >= 2
        panel.close()


# --- validation, and no call without a click --------------------------------------------------------

def test_invalid_loc_disables_search_and_says_why(client, sandbox, query_png):
    panel = SearchPanel(client)
    panel.set_image(query_png, "q.png")
    assert not panel.search_button.disabled

    panel.loc.value = "01-01 AND <b>"
    assert panel.search_button.disabled
    assert "loc=" in panel.problem.value and "Search is disabled" in panel.problem.value
    assert "&lt;b&gt;" in panel.loc_check.value and "<b>" not in panel.loc_check.value
    assert "&#10007;" in panel.loc_check.value
    assert panel.state.filter_error.startswith("loc='01-01 AND <b>' is not valid")

    panel.loc.value = "(1-1 or 01-2) and not 2-3"
    assert not panel.search_button.disabled and panel.problem.value == ""
    assert "&#10003; (01-01 OR 01-02) AND NOT 02-03" in panel.loc_check.value

    panel.apply_start.value = dt.date(2021, 5, 1)
    panel.apply_end.value = dt.date(2020, 1, 1)
    assert panel.search_button.disabled and "apply_start_time" in panel.problem.value
    panel.apply_end.value = None
    panel.country_other.value = "XX"
    assert panel.search_button.disabled and "unknown authority 'XX'" in panel.state.filter_error
    assert "unknown authority &#x27;XX&#x27;" in panel.problem.value
    panel.country_other.value = "nz, sg"
    assert not panel.search_button.disabled
    assert panel.filters().country == "NZ,SG"

    # a click on the disabled button (possible from Python) explains and calls nothing
    panel.loc.value = "01-01 AND"
    panel.search_button.click()
    assert panel.state.last_error.startswith("Search was not started: loc=")
    assert panel.results is None and billed(sandbox) == 0


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


def test_min_score_and_text_filter_narrow_the_shown_hits_without_a_call(client, sandbox, query_png):
    panel = searched(SearchPanel(client), query_png, limit=20)
    df = panel.results
    calls = billed(sandbox)
    scores = sorted(df["score"].tolist(), reverse=True)
    threshold = round((scores[4] + scores[5]) / 2, 2)
    expected = int((df["score"] >= threshold).sum())
    assert 0 < expected < 20

    panel.min_score.value = threshold
    assert len(panel.shown) == expected and cells(panel) == expected
    assert (panel.shown["score"] >= threshold).all()
    assert f"Showing <b>{expected}</b> of 20 fetched hits" in panel.summary.value
    assert len(panel.results) == 20  # results keep every fetched hit

    panel.min_score.value = 0.0
    wanted = df.iloc[11]["patent_pn"]
    panel.text_filter.value = wanted.lower()
    assert panel.shown["patent_pn"].tolist() == [wanted] and cells(panel) == 1
    assert 'alt="Top 1 similarity scores"' in panel.chart.value
    panel.text_filter.value = "no such text anywhere"
    assert len(panel.shown) == 0 and "No hits to show." in panel.grid.value and panel.chart.value == ""
    panel.text_filter.value = ""
    assert len(panel.shown) == 20

    assert billed(sandbox) == calls


# --- load more, export -----------------------------------------------------------------------------

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
    assert len(panel.state.thumbnails) == 16 and cells(panel) == 16
    assert "Loaded 8 more hits" in panel.status.value

    # fetch everything: Load more is disabled once the total is reached
    panel.limit.value = 100
    panel.more_button.click()
    assert len(panel.results) == panel.results.attrs["total"] == CORPUS_SIZE
    assert panel.more_button.disabled and not panel.search_button.disabled


def test_load_more_after_the_search_id_expired_runs_the_search_again(client, sandbox, query_png):
    panel = searched(SearchPanel(client), query_png, limit=5)
    sandbox.configure(search_id_lifetime=0.001)
    panel.more_button.click()
    assert panel.state.last_error is None
    assert len(panel.results) == 10 and panel.results["patent_id"].is_unique
    assert any("had expired" in note for note in panel.state.notes)
    assert "Note: search id" in panel.status.value


def test_export_writes_the_shown_hits_to_an_html_report(client, sandbox, query_png, tmp_path):
    panel = searched(SearchPanel(client, export_dir=tmp_path / "reports"), query_png, limit=6)
    calls = billed(sandbox)
    panel.text_filter.value = panel.results.iloc[0]["patent_pn"]

    panel.export_button.click()

    path = panel.state.last_report
    assert path is not None and path.parent == (tmp_path / "reports").resolve() and path.exists()
    text = path.read_text(encoding="utf-8")
    assert html.escape(panel.results.iloc[0]["patent_pn"]) in text
    assert html.escape(panel.results.iloc[1]["patent_pn"]) not in text  # only the shown hit
    assert "<script" not in text.lower() and "Query image" in text
    assert html.escape(str(path)) in panel.status.value and html.escape(str(path)) in panel.report_link.value
    assert billed(sandbox) == calls
    panel.export_button.click()  # a second export never overwrites the first
    assert panel.state.last_report != path and path.exists()


# --- failures keep the panel usable ------------------------------------------------------------------

def test_quota_error_is_shown_and_the_panel_stays_usable(client, sandbox, query_png):
    panel = searched(SearchPanel(client), query_png, limit=5)
    results = panel.results
    sandbox.configure(quota=0, quota_code=67200007)  # daily limit reached: not retryable

    panel.country.value = ("US",)  # a new search (not in the cache)
    panel.search_button.click()

    assert panel.results is results and cells(panel) == 5  # previous results kept
    assert panel.state.busy is False
    assert not panel.search_button.disabled and not panel.more_button.disabled
    assert not panel.export_button.disabled
    assert panel.search_button.description == "Search"
    error = panel.state.last_error
    assert error.startswith("Search failed: API call exceeds the daily limit!")
    assert "67200007" in error and "quota" in error.lower()
    assert "Last error: Search failed" in panel.status.value
    assert "Traceback" not in panel.status.value

    panel.more_button.click()
    assert panel.state.last_error.startswith("Load more failed:") and panel.results is results

    sandbox.configure(quota=None)
    panel.search_button.click()
    assert panel.state.last_error is None and "Last error" not in panel.status.value
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

    monkeypatch.setattr("patsnap_pandas.widgets.load_thumbnails", broken)
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


def test_unreadable_file_disables_search(client, sandbox):
    panel = SearchPanel(client)
    panel.upload.value = upload_value(b"not an image at all", "notes.png", "image/png")
    assert panel.search_button.disabled
    assert "The file &#x27;notes.png&#x27; cannot be used" in panel.problem.value
    assert billed(sandbox) == 0


def test_url_query_is_searched_without_upload(client, sandbox, query_png):
    panel = searched(SearchPanel(client), query_png, limit=3)
    url = panel.results.iloc[1]["image_url"]  # an image URL the sandbox handed out
    expected = panel.results.iloc[1]["patent_pn"]
    sandbox.ledger.clear()

    panel.url.value = "ftp://example.com/a.png"
    assert panel.search_button.disabled and "is not an http(s) URL" in panel.problem.value
    panel.url.value = url
    assert not panel.search_button.disabled
    assert f'src="{html.escape(url)}"' in panel.preview.value
    panel.search_button.click()

    assert panel.state.last_error is None
    assert [e.endpoint for e in sandbox.ledger] == ["/image-search/search-id"]
    assert panel.results.attrs["query_url"] == url and panel.results.iloc[0]["patent_pn"] == expected

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
    assert panel.filters() == SearchFilters(loc="(01-01 OR 01-02)", country="CN,NZ", legal_status=3,
                                            simple_legal_status="1,2", apply_start_time="20200131",
                                            public_end_time="20241231", assignees="Acme Corp",
                                            main_field="lamp", field="PBD", order="asc")
    assert isinstance(panel.state, PanelState) and panel.results is None and panel.shown is None
    assert set(COMMON_AUTHORITIES) <= set(pp.codes.AUTHORITIES)
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
    assert "no PatSnap credentials" in panel.title.value
    for words in ("PATSNAP_CLIENT_ID", "PATSNAP_CLIENT_SECRET", "PATSNAP_API_KEY", "PatsnapClient.sandbox()"):
        assert words in panel.status.value
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
