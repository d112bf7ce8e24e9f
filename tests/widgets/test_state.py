"""PanelState alone: its traits, their observers and its actions, with no widget made and nothing drawn.

Every test here fails if a widget is created (``no_widgets``): the state is the panel's
logic, testable without a browser. Calls go over real HTTP to the sandbox; billed calls
are counted from its ledger.
"""

from __future__ import annotations

import datetime as dt

import ipywidgets as W
import pandas as pd
import pytest
from traitlets import TraitError

from patsnap_pandas import FilterError, InvalidInputError, PatsnapError, SearchFilters
from patsnap_pandas.widgets.export import display_path
from patsnap_pandas.widgets.state import CARD_ORDERS, PanelState


@pytest.fixture(autouse=True)
def no_widgets(monkeypatch):
    """Any widget made during the test fails it (ipywidgets' Widget.__init__ opens the widget's comm)."""
    def refuse(self, *args, **kwargs):
        raise AssertionError(f"a {type(self).__name__} widget was made: the state draws nothing")

    monkeypatch.setattr(W.Widget, "open", refuse)


def events(state: PanelState, *names: str) -> list[tuple[str, object]]:
    """Every change of the traits ``names``, in order, as (name, new value)."""
    seen: list[tuple[str, object]] = []
    state.observe(lambda change: seen.append((change["name"], change["new"])), names=list(names))
    return seen


def searched(client, png: bytes, **traits) -> PanelState:
    state = PanelState(client=client, **traits)
    state.set_image(png, "query.png")
    state.search()
    assert state.last_error is None, state.last_error
    return state


def test_the_fixture_refuses_widgets():
    with pytest.raises(AssertionError, match="a Button widget was made"):
        W.Button()


def test_setting_a_filter_trait_checks_it_and_sets_its_message(client, sandbox):
    state = PanelState(client=client)
    assert state.field_errors == {}
    assert state.search_blocker() == "Choose an image file or paste an image URL to search."
    seen = events(state, "field_errors")

    state.loc = "06-01 AMD"
    assert state.field_errors == {"loc": "Locarno class: unexpected 'AMD'; write Locarno codes such as 06-01, "
                                         "joined with AND, OR or NOT. Did you mean 'AND'?"}
    state.apply_start, state.apply_end = dt.date(2022, 6, 1), dt.date(2020, 1, 1)
    assert state.field_errors["apply"] == "Applied from is after Applied to."
    state.country_other = "Germny"
    assert state.field_errors["country"].endswith("Did you mean 'DE'?")
    state.query_url = "https://a.example/1.png www.example.com/2.png"
    assert state.field_errors["url"] == ("Image URL: www.example.com/2.png does not start with https:// or http://; "
                                         "separate several URLs with spaces.")
    assert set(seen[-1][1]) == {"loc", "apply", "country", "url"}  # observers are told of each change
    assert state.search_blocker() == "Correct the field marked in red to search."
    with pytest.raises(FilterError):
        state.filters()

    state.loc, state.apply_end, state.country_other = "(1-1 or 01-2)", None, "nz"
    state.query_url = "https://a.example/1.png"
    assert state.field_errors == {} and seen[-1] == ("field_errors", {})
    assert state.search_blocker() is None
    assert state.filters() == SearchFilters(loc="(01-01 OR 01-02)", apply_start_time="20220601", country="NZ")
    assert sandbox.ledger.billed() == 0


def test_traits_are_typed(client):
    state = PanelState(client=client)
    for name, bad in (("limit", 0), ("limit", 101), ("min_score", 1.5), ("order", len(CARD_ORDERS)),
                      ("export_format", "doc"), ("export_include", "some"), ("sort_order", "up"),
                      ("apply_start", "2020-01-01"), ("client", "sk-123"), ("marks", {"a": "relevant"}),
                      ("field_errors", {"loc": 3}), ("results", [{"patent_id": "a"}]), ("views", [b"png"])):
        with pytest.raises(TraitError):
            setattr(state, name, bad)


def test_set_filters_fills_the_form_traits(client):
    state = PanelState(client=client)
    state.set_filters(SearchFilters.from_kwargs(loc="6-1", country="cn, nz", legal_status="granted",
                                                apply_start_time="2020-01-31", field="pbd", order="asc").to_params())
    assert (state.loc, state.country, state.country_other, state.legal_status) == ("06-01", ("CN",), "NZ", (3,))
    assert (state.apply_start, state.sort_field, state.sort_order) == (dt.date(2020, 1, 31), "PBD", "asc")
    assert state.filters() == SearchFilters(loc="06-01", country="CN,NZ", legal_status=3,
                                            apply_start_time="20200131", field="PBD", order="asc")
    assert state.field_errors == {}


def test_choosing_files_and_urls_and_removing_views(client, sandbox, query_png):
    state = PanelState(client=client)
    state.query_url = "https://a.example/1.png"
    state.choose_files([(query_png, "front.png"), (b"<xml/>", "notes.xml"), (query_png, "side.png")])
    assert [v.name for v in state.views] == ["front.png", "side.png"] and state.query_url == ""
    assert state.image_error == ("notes.xml is not an image the panel can read: choose a JPG, PNG, TIFF, WEBP, "
                                 "BMP or GIF file.")
    assert state.query_name == "front.png" and state.query_bytes == query_png
    assert state.query_thumb.startswith(b"\x89PNG")
    assert state.search_blocker() is None  # the readable views can be searched
    state.remove_view(1)
    assert [v.name for v in state.views] == ["side.png"] and state.image_error is None
    with pytest.raises(InvalidInputError, match=r"number=2 is not valid: the query has 1 view"):
        state.remove_view(2)

    state.set_image(["https://a.example/1.png", "https://a.example/2.png"])
    assert state.query_url == "https://a.example/1.png https://a.example/2.png"
    assert state.query() == (["https://a.example/1.png", "https://a.example/2.png"], None)
    state.remove_view(1)
    assert state.query_url == "https://a.example/2.png" and state.query() == ("https://a.example/2.png", None)
    with pytest.raises(InvalidInputError, match=r"image=\[\] is not valid"):
        state.set_image([])
    assert len(sandbox.ledger) == 0  # choosing costs nothing


def test_search_fills_results_and_counts_with_busy_first(client, sandbox, query_png, query_design):
    state = PanelState(client=client, limit=5)
    state.set_image(query_png, "query.png")
    seen = events(state, "busy", "message", "results", "shown")

    state.search()

    assert state.last_error is None, state.last_error
    df = state.results
    assert len(df) == 5 and len(state.thumbnails) == 5 and df.iloc[0]["patent_pn"] == query_design.patent_pn
    assert df.attrs["query"] == "query.png" and df["relevance"].isna().all()
    assert state.shown.index.tolist() == [0, 1, 2, 3, 4] and state.search_count == 1
    assert state.message == f"Found 5 hits of {df.attrs['total']} matching designs."
    assert sandbox.ledger.billed() == 2 and client.usage.billed_calls == 2
    # busy first (the views disable their buttons), then the status says so; at the end the buttons and
    # the status line first, then the results (as the panel drew them before the state had traits)
    assert seen[:2] == [("busy", True), ("message", "Searching\u2026")]
    assert seen[2:4] == [("busy", False), ("message", state.message)]
    assert sorted(name for name, _ in seen[4:]) == ["results", "shown"]

    state.search()  # the same search again: the cache answers
    assert state.message.endswith("(from the cache: no billed call).") and sandbox.ledger.billed() == 2
    assert state.search_count == 2


def test_local_tools_set_shown_and_close_the_open_hit_it_leaves_out(client, sandbox, query_png):
    state = searched(client, query_png, limit=10)
    calls = sandbox.ledger.billed()
    state.order = 1  # application date, newest first
    dates = state.shown["apdt"].astype("Int64").tolist()
    assert dates == sorted(dates, reverse=True) and len(state.shown) == 10
    state.open_hit(0)
    assert state.open_row == state.shown.index[0]
    state.step(+1)
    assert state.open_row == state.shown.index[1]
    state.step(-1)
    state.step(-1)  # nothing before the first card
    assert state.open_row == state.shown.index[0]
    wanted = state.results.loc[state.shown.index[2], "patent_pn"]
    state.text_filter = wanted.lower()
    assert state.shown["patent_pn"].tolist() == [wanted] and state.open_row is None  # filtered out: closed
    state.open_hit(0)
    state.close_hit()
    assert state.open_row is None
    state.text_filter, state.min_score = "", 0.99
    assert (state.shown["score"] >= 0.99).all() and len(state.results) == 10
    assert state.local_filter_notes() == {"Minimum score (set in the panel)": "0.99",
                                          "Sort order": "application date, newest first, as the panel shows them"}
    with pytest.raises(InvalidInputError, match=rf"row=99 is not valid: the panel shows {len(state.shown)} hits"):
        state.open_hit(99)
    assert sandbox.ledger.billed() == calls  # looking is free


def test_marks_sync_into_results_and_shown_and_follow_the_query(client, sandbox, query_png):
    state = searched(client, query_png, limit=5)
    seen = events(state, "marks")
    state.mark(1, "relevant", note="  same legs ")
    pid = state.shown.iloc[1]["patent_id"]
    assert state.marks == {pid: ("relevant", "same legs")} and seen == [("marks", state.marks)]
    assert state.results.set_index("patent_id").loc[pid, ["relevance", "note"]].tolist() == ["relevant", "same legs"]
    assert state.shown.set_index("patent_id").loc[pid, "relevance"] == "relevant"  # shown follows the marks
    assert state.mark_of(int(state.shown.index[1])) == ("relevant", "same legs")
    state.mark(1, "unsure")  # note=None keeps the note
    assert state.marks == {pid: ("unsure", "same legs")}
    with pytest.raises(InvalidInputError, match=r"relevance='maybe' is not valid"):
        state.mark(0, "maybe")

    state.load_more()  # Load more keeps them
    assert len(state.results) == 10 and state.results.set_index("patent_id").loc[pid, "relevance"] == "unsure"
    state.limit = 10
    state.search()  # a new search of the same query keeps them where the hit is found again
    assert state.results.set_index("patent_id").loc[pid, "relevance"] == "unsure"
    state.mark(0, None, note="")  # no mark and no note: gone
    state.mark(0, "relevant")
    other = state.results.iloc[5]["image_url"]
    state.query_url = other  # another query image: its marks start empty
    state.search()
    assert state.last_error is None and state.marks == {} and state.results["relevance"].isna().all()


def test_a_failed_action_is_said_and_keeps_the_results(client, sandbox, query_png):
    state = searched(client, query_png, limit=5)
    results = state.results
    sandbox.configure(quota=0, quota_code=67200007)
    state.country = ("US",)  # a new search (not in the cache)
    state.search()
    assert state.results is results and state.busy is False
    assert state.last_error.startswith("Search failed: API call exceeds the daily limit!")
    assert "67200007" in state.last_error and isinstance(state.last_exception, PatsnapError)
    assert state.message == "Search did not complete; the results shown are unchanged."
    state.loc = "01-01 AND"
    state.search()  # a bad field: not started
    assert state.last_error == "Search was not started: correct the field marked in red."
    assert isinstance(state.last_exception, FilterError) and state.results is results


def test_without_credentials_search_says_which_variables_to_set(query_png):
    state = PanelState()  # the test session has no PATSNAP_* variables
    assert state.find_client() is None and "PATSNAP_API_KEY" in state.credentials_help
    state.set_image(query_png, "q.png")
    assert state.search_blocker() is None  # Search looks for credentials again when clicked
    state.search()
    assert "PATSNAP_API_KEY" in state.last_error and state.results is None and not state.busy


def test_export_writes_the_shown_hits_and_says_why_it_cannot(client, sandbox, query_png, tmp_path):
    state = PanelState(client=client, limit=5, export_folder=str(tmp_path))
    assert state.export_blocker() == "Nothing to export yet: search first."
    state.set_image(query_png, "q.png")
    state.search()
    calls = sandbox.ledger.billed()
    state.export_include = "relevant"
    assert state.export_blocker() == ("No hit is marked relevant yet: open a hit to mark it, or export all "
                                      "shown hits.")
    state.mark(2, "relevant")
    assert state.export_blocker() is None

    state.export()

    assert state.last_error is None, state.last_error
    path = state.last_report
    assert path.parent == tmp_path.resolve() and path.suffix == ".html" and path.exists()
    assert f'download="{path.name}"' in state.export_html
    assert state.message == f"HTML report saved to {display_path(path)}."
    page = path.read_text(encoding="utf-8")
    assert state.shown.iloc[2]["patent_pn"] in page and state.shown.iloc[0]["patent_pn"] not in page
    assert sandbox.ledger.billed() == calls  # exporting makes no call
    state.text_filter = "no such text anywhere"
    assert state.export_blocker() == "Nothing to export: no hit passes the minimum score and text filter."


def test_marks_in_the_panel_record_who_and_when_and_are_kept_in_the_history(client, query_png):
    state = searched(client, query_png, limit=10, reviewer="Ana Li")
    state.clock = lambda: dt.datetime(2026, 12, 7, 9, 30, tzinfo=dt.timezone.utc)
    state.mark(0, "relevant", "same legs")
    state.reviewer = "Bo Chen"
    state.clock = lambda: dt.datetime(2026, 12, 8, 16, 5, tzinfo=dt.timezone.utc)
    state.mark(1, "unsure")
    state.mark(0, None, "")  # cleared: no mark, nobody named beside it
    first, second = (state.results.loc[state.shown.index[i]] for i in (0, 1))
    assert first[["relevance", "marked_by"]].isna().all()
    assert second[["relevance", "marked_by", "marked_at"]].tolist() == ["unsure", "Bo Chen", "2026-12-08T16:05:00Z"]
    history = state.results.patsnap.mark_history(client=client)
    assert history[["patent_pn", "relevance", "marked_by", "marked_at"]].values.tolist() == [
        [first["patent_pn"], "relevant", "Ana Li", "2026-12-07T09:30:00Z"],
        [second["patent_pn"], "unsure", "Bo Chen", "2026-12-08T16:05:00Z"],
        [first["patent_pn"], pd.NA, "Bo Chen", "2026-12-08T16:05:00Z"]]
    state.load_more()  # the stamps stay with their hits
    assert state.results.loc[state.shown.index[1], "marked_by"] == "Bo Chen"
    with pytest.raises(InvalidInputError, match=r"^reviewer='bell\\x07' is not valid: holds a control character"):
        state.reviewer = "bell\x07"


def test_export_counts_say_what_was_fetched_and_shown_with_one_order_line(client, query_png, tmp_path):
    state = searched(client, query_png, limit=20, export_folder=str(tmp_path))
    state.min_score = float(state.results["score"].sort_values(ascending=False).iloc[3])
    state.order = 1
    assert len(state.shown) == 4 and len(state.results) == 20
    state.export()
    assert state.last_error is None, state.last_error
    page = " ".join(state.last_report.read_text(encoding="utf-8").replace("<wbr>", "").split())
    assert "<th>Hits in this report</th><td>4 of 20 fetched (16 left out by the filters listed below)</td>" in page
    assert page.count("<th>Sort order</th>") == 1 and "<th>Order</th>" not in page
    assert "<th>Sort order</th><td>application date, newest first, as the panel shows them</td>" in page
    state.mark(0, "relevant")
    state.export_include = "relevant"
    state.export()
    page = " ".join(state.last_report.read_text(encoding="utf-8").replace("<wbr>", "").split())
    assert ("<th>Hits in this report</th><td>1 of 20 fetched (16 left out by the filters listed below; of the 4 "
            "left, only hits marked relevant)</td>") in page


# --- owners and legal status (the enrich button's action) ----------------------------------------------------

def test_add_owners_says_its_billed_calls_first_then_what_it_fetched_and_costs_nothing_when_cached(client, sandbox,
                                                                                                    query_png):
    from patsnap_pandas.widgets.enrich import offer_words

    state = searched(client, query_png, limit=10)
    state.clock = lambda: dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.timezone.utc)
    before = sandbox.ledger.billed()
    offer = offer_words(state)
    assert offer == ("Owners and legal status of the 10 shown hits: 2 billed calls (1 P011 bibliography batch, "
                     "1 P041 legal-status batch).")
    assert sandbox.ledger.billed() == before  # the offer asks the cache, not PatSnap
    state.add_owners()
    assert state.last_error is None, state.last_error
    assert sandbox.ledger.billed() - before == 2  # as said
    df = state.results
    assert df["assignees"].notna().all() and df["simple_legal_status"].notna().all()
    assert set(df["in_force"]) <= {"in force", "pending", "lapsed", "expired", "unknown"}
    counts = df["in_force"].value_counts()
    assert state.message == ("Added owners and legal status to 10 hits (2 billed calls): 10 name an owner; "
                             + ", ".join(f"{n} {s}" for s, n in counts.items()) + ".")
    assert offer_words(state) == "Owners and legal status are shown for every hit."
    assert state.enriched == df["patent_id"].tolist()

    state.search()  # the same search again: new results, and the look-up is cached, said before and after
    assert "assignees" not in state.results.columns and state.enriched == []
    assert offer_words(state) == ("Owners and legal status of the 10 shown hits: no billed call (PatSnap's answers "
                                  "are in the cache).")
    billed = sandbox.ledger.billed()
    state.add_owners()
    assert sandbox.ledger.billed() == billed
    assert state.message.startswith("Added owners and legal status to 10 hits (from the cache: no billed call)")


def test_add_owners_looks_up_the_shown_hits_only_and_keeps_what_the_search_gave(client, sandbox, query_png):
    from patsnap_pandas.widgets.enrich import offer_words, to_look_up

    state = searched(client, query_png, limit=10)
    state.results = state.results.assign(in_force=pd.array(["pending"] + [None] * 9, dtype="string"))
    state.min_score = float(state.results["score"].sort_values(ascending=False).iloc[2])
    assert len(state.shown) == 3
    first = state.results.at[0, "patent_id"]
    assert first not in to_look_up(state) and len(to_look_up(state)) == 2  # a job gave its in force: not asked
    state.add_owners()
    looked = state.results.loc[state.shown.index[1:]]
    assert looked["assignees"].notna().all() and state.results["assignees"].notna().sum() == 2
    assert state.results.at[0, "in_force"] == "pending"  # what the search (a job) gave is kept
    state.min_score = 0.0
    assert len(to_look_up(state)) == 7
    assert offer_words(state).startswith("Owners and legal status of 7 shown hits not looked up yet: 2 billed calls")


def test_add_owners_that_fails_keeps_the_results_and_says_why(client, sandbox, query_png):
    state = searched(client, query_png, limit=10)
    results = state.results
    sandbox.configure(quota=0, quota_code=67200007)  # from now on every billable call fails: the day's quota is spent
    state.add_owners()
    assert state.last_error.startswith("Add owners and legal status failed: ")
    assert state.results is results and state.enriched == [] and not state.busy
    assert state.message == "Add owners and legal status did not complete; the results shown are unchanged."


def test_add_owners_before_a_search_does_nothing_and_calls_nothing(client, sandbox):
    state = PanelState(client=client)
    state.add_owners()
    assert state.last_error is None and sandbox.ledger.billed() == 0
    assert state.message == "Owners and legal status are already shown for every hit."
