"""Acceptance on the sandbox: owner names folded as the generator spelled them, families recovered from real hits.

The generator's truth (``corpus.owner_truth``) says which registered company each spelling stands for and which
designs are one design registered in several offices; nothing of it is served over the API. The alias table here
is what an analyst writes: one row per company's name in each script (its Latin and its CJK name), nothing more.
"""

from __future__ import annotations

import itertools
from collections import defaultdict

import pytest

from patsnap_pandas import search_designs
from patsnap_pandas.frame.owners import canonical_owner, owner_key
from patsnap_pandas.sandbox import metadata
from tests.helpers import design_png

#: The analyst's alias table of the sandbox's companies: the registered name and the other-script name.
ALIASES = {name: company.name for company in metadata.OWNERS for name in (company.name, company.other) if name}


def test_every_spelling_of_one_owner_folds_to_one_and_no_two_owners_merge(corpus):
    truth = corpus.owner_truth
    spellings = {a for d in corpus.designs for a in d.assignees + d.applicants}
    assert len(spellings) > 100  # the generator made many spellings of its 30 companies
    by_owner: dict[str, set[str]] = defaultdict(set)
    for spelled in spellings:
        by_owner[truth.names[spelled]].add(canonical_owner(spelled, ALIASES))
    assert all(len(shown) == 1 for shown in by_owner.values()), {o: s for o, s in by_owner.items() if len(s) > 1}
    shown = [next(iter(s)) for s in by_owner.values()]
    assert len(set(shown)) == len(by_owner)  # no two companies under one name

    # without aliases: every spelling in one script folds to one key, and no key is shared by two companies
    keys: dict[str, set[str]] = defaultdict(set)
    for spelled in spellings:
        keys[owner_key(spelled)].add(truth.names[spelled])
    assert all(len(owners) == 1 for owners in keys.values())
    per_owner = defaultdict(set)
    for key, owners in keys.items():
        per_owner[next(iter(owners))].add(key)
    assert all(len(k) <= 2 for k in per_owner.values())  # at most its Latin and its CJK name


def test_owners_of_real_hits_count_each_company_once(client, corpus):
    hits = search_designs(design_png(corpus, 0), client=client, limit=100).patsnap.enrich(["assignees"])
    table = hits.patsnap.owners(ALIASES)
    truth = corpus.owner_truth
    expected = {name for pid in hits["patent_id"] for name in truth.owners[pid]}
    assert set(table.index) == expected  # the registered names, as the alias table names the groups
    raw = {n for v in hits["assignees"] for n in v.split("; ")}
    assert len(raw) > len(expected)  # the hits spell them in more ways than there are owners
    assert int(table["hits"].sum()) == sum(len(truth.owners[p]) for p in hits["patent_id"])
    assert set(itertools.chain.from_iterable(table["names"])) == raw


def _pairs(ids: list[str], labels: list) -> set[tuple[str, str]]:
    return {tuple(sorted((ids[i], ids[j]))) for i, j in itertools.combinations(range(len(labels)), 2)
            if labels[i] == labels[j]}


@pytest.mark.slow  # families over the real drawings' hits: about 11 s
def test_families_over_real_hits_recover_the_generators_families(client, corpus, capsys):
    truth = corpus.owner_truth
    multi = [i for i, d in enumerate(corpus.designs)
             if sum(truth.office_families[x.patent_id] == truth.office_families[d.patent_id] for x in corpus.designs) > 1]
    queries = multi[::4][:12]  # designs registered in several offices, of several kinds
    found: set[tuple[str, str]] = set()
    true: set[tuple[str, str]] = set()
    hits = 0
    for i in queries:  # each search on its own: a hit's image is the one that search served
        rows = search_designs(design_png(corpus, i), client=client, limit=60).patsnap.enrich(["assignees"],
                                                                                              client=client)
        grouped = rows.patsnap.with_families(ALIASES)  # P009 hits name no owner: enrich() gave the bibliography's
        ids = list(grouped["patent_id"])
        found |= _pairs(ids, list(grouped["family"]))
        true |= _pairs(ids, [truth.office_families[p] for p in ids])
        hits += len(grouped)
        table = grouped.patsnap.families(ALIASES)
        assert len(table) == grouped["family"].nunique() and all(len(set(o)) == len(o) for o in table["offices"])
    precision = len(found & true) / len(found)
    recall = len(found & true) / len(true)
    with capsys.disabled():
        print(f"\nfamilies over {hits} hits of {len(queries)} searches: {len(true)} true pairs, "
              f"{len(found)} found; precision {precision:.3f}, recall {recall:.3f}")
    assert len(true) >= 20
    assert precision >= 0.95 and recall >= 0.95


def test_reports_count_owners_once_and_their_designs(client, corpus, tmp_path):
    from openpyxl import load_workbook

    from patsnap_pandas.frame.families import DESIGNS_NOTE
    from patsnap_pandas.report import build_report, render_html, write_excel

    multi = next(i for i, d in enumerate(corpus.designs)
                 if sum(corpus.owner_truth.office_families[x.patent_id] == corpus.owner_truth.office_families[d.patent_id]
                        for x in corpus.designs) > 1)
    hits = search_designs(design_png(corpus, multi), client=client, limit=60).patsnap.enrich(["assignees"],
                                                                                              client=client)
    report = build_report(hits)
    rows = report.by_assignee
    truth = corpus.owner_truth
    spelled = {n for v in hits["assignees"] for n in v.split("; ")}
    assert len(rows) == len({owner_key(n) for n in spelled}) < len(spelled)  # spellings folded, no aliases
    assert all(r.families is not None and 1 <= r.families <= r.hits for r in rows)
    assert any(r.families < r.hits for r in rows)  # a design registered in two offices counted once
    keys = {p: {owner_key(n) for n in v.split("; ")} for p, v in zip(hits["patent_id"], hits["assignees"], strict=True)}
    for r in rows:  # the generator's multi-office families of each owner's hits
        assert r.families == len({truth.office_families[p] for p, k in keys.items() if owner_key(r.name) in k}), r.name
    html = render_html(report)
    assert '<th class="num">Designs</th>' in html and "PatSnap gives no design family data" in html
    path = write_excel(report, tmp_path / "report.xlsx")
    cells = [str(c.value) for row in load_workbook(path)["Summary"].iter_rows() for c in row if c.value is not None]
    assert "Designs" in cells and DESIGNS_NOTE in cells


def test_an_alias_table_given_once_carries_to_summary_report_and_landscape(client, corpus, tmp_path):
    """with_families(aliases) writes canonical_owner; the summary, the report's owner table and the landscape
    then name the groups of that alias table without being given it again."""
    hits = search_designs(design_png(corpus, 0), client=client, limit=40).patsnap.enrich(["assignees"])
    grouped = hits.patsnap.with_families({name: "One Group" for name in ALIASES})  # every company joined
    assert set(grouped["canonical_owner"]) == {"One Group"}
    assert list(grouped.patsnap.summary()["assignee"].index) == ["One Group"]
    assert list(grouped.patsnap.timeline().columns) == ["One Group"]
    from patsnap_pandas.report import build_report

    assert [row.name for row in build_report(grouped).by_assignee] == ["One Group"]
