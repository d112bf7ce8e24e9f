"""Watch lists on the sandbox: new designs between two weekly runs, nothing billed twice, marks carried forward."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from patsnap_pandas import Watch
from patsnap_pandas.errors import BudgetExceededError, InvalidInputError
from patsnap_pandas.frame.marks import mark
from patsnap_pandas.jobs.watch import WatchImagesMissingError
from tests.helpers import WATCH_PUBLISHED, WATCH_T0, WATCH_T1, ledger_counts

UPLOAD, SEARCH = "/image-search/image-upload", "/image-search/search-id"


def _watch(products, **options) -> Watch:
    return Watch("our products", {name: path for name, path in products.items()}, limit=10, **options)


def _new(hits: pd.DataFrame) -> set[tuple[str, str]]:
    return {(q, pn) for q, pn, new in zip(hits["query"], hits["patent_pn"], hits["new"], strict=True) if new}


def test_the_second_weeks_new_rows_are_exactly_the_designs_published_in_between(sandbox, make_client, products,
                                                                                   fresh_designs):
    client = make_client()
    watch = _watch(products).save(client=client)
    first = Watch.load("our products", client=client).run(client=client, as_of=WATCH_T0)
    assert first["new"].all() and len(first) == 30
    assert not set(first["patent_pn"]) & {pn for pns in fresh_designs.values() for pn in pns}  # not published yet
    assert (first["first_seen"] == WATCH_T0).all() and (first["last_seen"] == WATCH_T0).all()
    assert ledger_counts(sandbox) == {(UPLOAD, True): 3, (SEARCH, True): 3}

    best = first.groupby("query").head(1)["patent_pn"].tolist()            # counsel marks each product's best hit
    watch.mark(mark(first, best, relevance="relevant", note="same outline"), client=client)

    sandbox.configure(today=WATCH_T1)                                        # a week later
    second = watch.run(client=client, as_of=WATCH_T1)
    assert _new(second) == {(product, pn) for product, pns in fresh_designs.items() for pn in pns}
    assert ledger_counts(sandbox) == {(UPLOAD, True): 3, (SEARCH, True): 6}  # three searches anew; uploads reused
    kept = second[~second["new"]]
    assert (kept["first_seen"] == WATCH_T0).all() and (second["last_seen"] == WATCH_T1).all()
    assert (second[second["new"]]["first_seen"] == WATCH_T1).all()
    marked = second[second["patent_pn"].isin(best)]
    assert len(marked) == 3 and (marked["relevance"] == "relevant").all() and (marked["note"] == "same outline").all()
    assert second[~second["patent_pn"].isin(best)]["relevance"].isna().all()

    third = watch.run(client=client, as_of=WATCH_T1)                        # again the same day
    assert ledger_counts(sandbox) == {(UPLOAD, True): 3, (SEARCH, True): 6}  # nothing billed
    assert not third["new"].any() and set(third["patent_pn"]) == set(second["patent_pn"])
    assert (third[third["patent_pn"].isin(best)]["relevance"] == "relevant").all()

    history = watch.history(client=client)
    assert history[["day", "billed_calls", "hits", "new", "outcome"]].values.tolist() == [
        [WATCH_T0, 6, 30, 30, "done"], [WATCH_T1, 3, 30, 6, "done"], [WATCH_T1, 0, 30, 0, "done"]]
    assert WATCH_PUBLISHED < WATCH_T1


def test_a_design_is_new_again_after_a_run_without_it_when_not_reported_once(sandbox, make_client, products,
                                                                               fresh_designs):
    client = make_client()
    watch = _watch(products, report_once=False).save(client=client)
    first = watch.run(client=client, as_of=WATCH_T0)
    sandbox.configure(today=WATCH_T1)
    second = watch.run(client=client, as_of=WATCH_T1)      # the fresh designs push others out of the top 10
    pushed_out = set(first["patent_pn"]) - set(second["patent_pn"])
    assert pushed_out
    fresh = {pn for pns in fresh_designs.values() for pn in pns}
    sandbox.configure(published={pn: "2027-01-01" for pn in fresh})  # withdrawn again: the others come back
    third = watch.run(client=client, as_of="2026-12-14")
    assert set(third[third["new"]]["patent_pn"]) == pushed_out     # seen before, but not in the last run
    assert not set(third["patent_pn"]) & fresh


def test_a_run_stopped_midway_resumes_billing_only_the_products_not_finished(sandbox, make_client, products):
    sandbox.configure(today=WATCH_T0)
    watch = _watch(products).save(client=make_client())
    with pytest.raises(BudgetExceededError):                               # two products' calls, not three
        watch.run(client=make_client(budget="4/day"), as_of=WATCH_T0)
    assert ledger_counts(sandbox) == {(UPLOAD, True): 2, (SEARCH, True): 2}
    client = make_client()                                                   # the same cache folder, no budget
    assert watch.history(client=client)["outcome"].tolist() == ["stopped: BudgetExceededError"]
    hits = watch.run(client=client, as_of=WATCH_T0)
    assert ledger_counts(sandbox) == {(UPLOAD, True): 3, (SEARCH, True): 3}  # only the third product
    assert len(hits) == 30 and hits["new"].all()
    assert watch.history(client=client)[["billed_calls", "new", "outcome"]].values.tolist()[-1] == [2, 30, "done"]


def test_a_watch_whose_images_are_gone_says_which_before_any_call(sandbox, make_client, products):
    client = make_client()
    watch = _watch(products).save(client=client)
    products["L-200"].unlink()
    with pytest.raises(WatchImagesMissingError, match=r"L-200: .*L-200\.png") as caught:
        watch.run(client=client)
    assert list(caught.value.missing) == ["L-200"] and len(sandbox.ledger.entries()) == 0


def test_watches_are_kept_in_the_store_listed_and_removed(make_client, products):
    client = make_client()
    _watch(products, markets=["CN", "us"], loc="06-01").save(client=client)
    other = make_client()                                                    # another process, the same folder
    assert Watch.names(client=other) == ["our products"]
    loaded = Watch.load("our products", client=other)
    assert loaded.filters == {"country": "CN,US", "loc": "06-01"} or loaded.filters == {"loc": "06-01", "country": "CN,US"}
    assert [p.name for p in loaded.products] == ["C-100", "L-200", "S-300"]
    assert Watch.remove("our products", client=other) and Watch.names(client=client) == []
    with pytest.raises(InvalidInputError, match="no such watch"):
        Watch.load("our products", client=client)


@pytest.mark.parametrize(("products", "options", "message"), [
    ({}, {}, "products="),
    ({"C-100": ["a.png"] * 5}, {}, "5 views"),
    ({"C-100": "no-such-file.png"}, {}, "no such file"),
    ("PLACEHOLDER", {"limit": 0}, "limit=0"),
    ("PLACEHOLDER", {"contry": "CN"}, "Did you mean 'country'"),
    ("PLACEHOLDER", {"markets": "CN", "country": "US"}, "markets= and country="),
    ("PLACEHOLDER", {"markets": ["Mars"]}, r"^markets=\['Mars'\] is not valid: 'Mars' is not an authority code"),
])
def test_bad_definitions_are_refused_by_name(products, options, message, request, tmp_path):
    if products == "PLACEHOLDER":
        image = tmp_path / "p.png"
        image.write_bytes(b"not read here")
        products = {"C-100": image}
    with pytest.raises(InvalidInputError, match=message):
        Watch("w", products, **options)


def test_a_catalogue_frame_gives_one_product_a_row(products):
    catalogue = pd.DataFrame({"sku": list(products), "photo": [str(p) for p in products.values()]})
    watch = Watch("catalogue", catalogue, image_column="photo", label_column="sku")
    assert [(p.name, p.views) for p in watch.products] == [(k, (str(v.resolve()),)) for k, v in products.items()]


def test_who_marked_and_when_travel_with_the_mark(sandbox, make_client, products):
    client = make_client()
    watch = _watch({"C-100": products["C-100"]}).save(client=client)
    first = watch.run(client=client, as_of=WATCH_T0)
    marked = mark(first, [first["patent_pn"].iloc[0]], relevance="unsure", note="check the legs")
    marked["marked_by"] = pd.array(["J. Counsel"] + [None] * (len(marked) - 1), dtype="string")
    marked["marked_at"] = pd.array(["2026-12-01T09:30:00Z"] + [None] * (len(marked) - 1), dtype="string")
    assert watch.mark(marked, client=client) == 1
    second = watch.run(client=client, as_of=WATCH_T1)
    row = second[second["patent_pn"] == first["patent_pn"].iloc[0]].iloc[0]
    assert (row["relevance"], row["note"], row["marked_by"], row["marked_at"]) == (
        "unsure", "check the legs", "J. Counsel", "2026-12-01T09:30:00Z")
    assert second["marked_by"].notna().sum() == 1


def test_a_watch_changed_the_same_day_searches_again_with_its_new_settings(sandbox, make_client, products):
    client = make_client()
    sandbox.configure(today=WATCH_T0)
    first = _watch({"C-100": products["C-100"]}).save(client=client).run(client=client, as_of=WATCH_T0)
    changed = Watch("our products", {"C-100": products["C-100"]}, limit=15).save(client=client)
    again = changed.run(client=client, as_of=WATCH_T0)
    assert len(first) == 10 and len(again) == 15                         # not last search's 10 kept hits
    assert int(again["new"].sum()) == 5                                 # the 10 were reported already
    assert ledger_counts(sandbox) == {(UPLOAD, True): 1, (SEARCH, True): 2}


def test_a_watch_saved_in_a_sandbox_clients_temporary_folder_says_it_lasts_this_session_only(products, tmp_path):
    from patsnap_pandas import PatsnapClient
    from patsnap_pandas.errors import CacheWarning

    with PatsnapClient.sandbox(corpus_size=60) as client:
        with pytest.warns(CacheWarning, match=r"'our products' is kept in this sandbox client's temporary folder.*cache_dir="):
            _watch(products).save(client=client)
        assert Watch.names(client=client) == ["our products"]  # kept all the same, for this session
    with PatsnapClient.sandbox(corpus_size=60, cache_dir=tmp_path / "store") as client, warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)  # a folder of the user's: no warning, and it lasts
        _watch(products).save(client=client)
    with PatsnapClient.sandbox(corpus_size=60, cache_dir=tmp_path / "store") as client:
        assert Watch.names(client=client) == ["our products"]
