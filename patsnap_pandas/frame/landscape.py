"""The landscape of a search or a catalogue batch: who files what, where and when, and where the risk sits.

Tables computed from a result frame (``search_designs``, ``enrich``) or a batch frame
(``search_each``), no HTTP:

* :func:`timeline`: filings per year (or quarter) per owner, owners by count, periods ascending;
* :func:`owner_classes`: owner x Locarno class ("06 Furnishing");
* :func:`office_years`: office (by name, "China") x year;
* :func:`risk_matrix`: product x owner, the best score of the owner's designs against each product;
* :func:`top_risks`: the (product, owner) pairs with the highest best score, with the hit behind each;
* :func:`landscape`: all of them and the charts (:mod:`.landscape_charts`) as one :class:`Landscape`.

What is counted: a *design*, once. Where the frame has a ``family`` column (the same
design registered in several offices, see ``df.patsnap.families()``) a family counts
once per owner and period; otherwise each patent number counts once (a design matched
by several products of a catalogue is still one filing). The office x year table counts
each office's registration (a family filed in China and the US is in both rows).
The owner of a hit is its canonical owner (one per hit); hits no field names an owner
for are counted under :data:`~patsnap_pandas.frame.parties.NO_OWNER`. Dates and owners
come from ``enrich()`` (``apply_date``, ``assignees``, ``loc``) or the hit's own fields.

Examples
--------
>>> hits = pd.DataFrame({"patent_id": ["a", "b", "c"], "patent_pn": ["CN1S", "US2S", "CN3S"],
...                      "score": [0.9, 0.8, 0.7], "authority": ["CN", "US", "CN"],
...                      "assignees": ["Acme", "Acme", "Beta"], "loc": ["26-05", "26-05", "06-01"],
...                      "apply_date": pd.to_datetime(["2019-03-01", "2021-05-02", "2021-07-09"])})
>>> timeline(hits)
owner  Acme  Beta
Year
2019      1     0
2020      0     0
2021      1     1
>>> owner_classes(hits).columns.tolist()
['26 Lighting apparatus', '06 Furnishing']
>>> office_years(hits).index.tolist()
['China', 'United States']
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import numpy as np
import pandas as pd

from .._validate import check_choice, check_flag, check_frame, check_optional_int
from ..codes import LOCARNO_CLASSES
from . import parties, words
from .format import format_value, is_missing
from .owners import Aliases, owner_lists

__all__ = ["DATE_CHOICES", "FREQUENCIES", "NO_CLASS", "NO_DATE", "NO_OFFICE", "OTHER_OWNERS", "Landscape", "landscape",
           "office_years", "owner_classes", "owners_of", "risk_matrix", "timeline", "top_risks"]

#: The periods of a timeline.
FREQUENCIES: tuple[str, ...] = ("year", "quarter")
#: Which date of a hit places it in time: filing (``"applied"``, the default), publication or grant.
DATE_CHOICES: tuple[str, ...] = tuple(parties.DATE_FIELDS)
#: The column that sums the owners beyond the ``top`` ones.
OTHER_OWNERS = "other owners"
#: A hit without a Locarno code, in words.
NO_CLASS = "class not given"
#: A hit without the date asked for, in words (notes say how many the timeline leaves out).
NO_DATE = "date not given"
#: A hit whose office the frame does not give.
NO_OFFICE = "office not given"
_LOC_CLASS = re.compile(r"^\s*(\d{1,2})(?:\D|$)")


# --- what each hit is: owner, unit counted, date, office, classes ---------------------------------------


def owners_of(df: pd.DataFrame, aliases: Aliases = None) -> pd.Series:
    """The canonical owners of every hit as a list (co-owners each), ``[NO_OWNER]`` where no field names one.

    Owners are folded by :func:`patsnap_pandas.frame.owners.owner_lists` (spellings, legal forms,
    the ``aliases`` table: a dict ``{name: group}`` or a CSV path).

    Examples
    --------
    >>> owners_of(pd.DataFrame({"current_assignee": ["Acme Ltd; ACME LIMITED; Beta AB", None]})).tolist()
    [['Acme Ltd', 'Beta AB'], ['owner not given by PatSnap']]
    """
    return owner_lists(df, aliases).map(lambda names: list(names) or [parties.NO_OWNER])


def _hits(df: pd.DataFrame) -> pd.DataFrame:
    """The rows that are hits (a batch's "no_hits" and "error" rows are not)."""
    check_frame(df, ("patent_pn",))
    keep = df["patent_id"].notna() if "patent_id" in df.columns else df["patent_pn"].notna()
    return df[keep.to_numpy()].reset_index(drop=True)  # positions: a concatenated frame may repeat labels


def _units(df: pd.DataFrame) -> pd.Series:
    """What counts as one design: the family where the frame has one, else the patent number."""
    number = df["patent_pn"].astype("object")
    if "family" in df.columns:
        family = df["family"].astype("object")
        known = family.notna() & (family.astype(str).str.strip() != "")  # "" is no family (frame.families)
        return family.where(known, number).astype(str)
    return number.astype(str)


def _periods(df: pd.DataFrame, date: str, freq: str) -> pd.Series:
    """The year (int) or quarter (``pd.Period``) of each hit's date; NA where the hit has none."""
    rows = df[[c for c in parties.DATE_FIELDS[date] if c in df.columns]].to_dict("records")
    days = [parties.date_of(r, date) for r in rows]
    stamps = pd.to_datetime(pd.Series(days, index=df.index, dtype="object"))
    if freq == "year":
        return stamps.dt.year.astype("Int64")
    return stamps.dt.to_period("Q")


def _class_labels(value: Any) -> list[str]:
    """The Locarno classes of one ``loc`` cell, each as ``"06 Furnishing"``; [NO_CLASS] when none."""
    if is_missing(value):
        return [NO_CLASS]
    found: dict[str, None] = {}
    for part in re.split(r"[;,]", format_value(value)):
        m = _LOC_CLASS.match(part)
        if m:
            number = int(m.group(1))
            found[f"{number:02d} {LOCARNO_CLASSES.get(number, 'unknown class')}"] = None
    return list(found) or [NO_CLASS]


def _offices(hits: pd.DataFrame) -> list[str]:
    """The office of each hit by name ("China"); :data:`NO_OFFICE` where the frame does not say."""
    if "authority" not in hits.columns:
        return [NO_OFFICE] * len(hits)
    return [NO_OFFICE if is_missing(c) else words.authority_name(str(c)) or NO_OFFICE for c in hits["authority"]]


def _facts(df: pd.DataFrame, aliases: Aliases, **columns: Any) -> pd.DataFrame:
    """One row per hit and owner (a co-owned design is each co-owner's): ``owner``, ``unit`` and ``columns``."""
    hits = _hits(df)
    facts = pd.DataFrame({"owner": owners_of(hits, aliases), "unit": _units(hits), **columns}, index=hits.index)
    return facts.explode("owner")


def _count(facts: pd.DataFrame, rows: str, cols: str) -> pd.DataFrame:
    """Distinct designs per (rows, cols) cell, a wide table of ints (0 where none)."""
    if facts.empty:
        return pd.DataFrame(dtype="int64")
    return facts.drop_duplicates([rows, cols, "unit"]).pivot_table(
        index=rows, columns=cols, values="unit", aggfunc="count", fill_value=0).astype("int64")


def _ranked(labels: Any, totals: Any) -> list[Any]:
    """``labels`` by their total, most first, then by name; "not given" last (it is no owner, class or office)."""
    unknown = (parties.NO_OWNER, NO_CLASS, NO_OFFICE)
    return sorted(labels, key=lambda k: (k in unknown, -float(totals.get(k, 0)), str(k)))


def _rank_rows(table: pd.DataFrame, totals: pd.Series) -> pd.DataFrame:
    """Rows by their total, most first, then by name."""
    return table.loc[_ranked(table.index, totals)]


def _label(table: pd.DataFrame, df: pd.DataFrame, index: str, columns: str, notes: list[str]) -> pd.DataFrame:
    table.index.name, table.columns.name = index, columns
    table.attrs = {"source": df.attrs.get("source"), "notes": notes}
    return table


def _check_top(top: Any) -> int | None:
    return check_optional_int(top, "top", 1)


# --- the tables ---------------------------------------------------------------------------------------------


def timeline(df: pd.DataFrame, *, freq: str = "year", date: str = "applied", top: int | None = None,
             aliases: Aliases = None) -> pd.DataFrame:
    """Filings per period per owner: rows the periods (ascending, gaps as 0), columns the owners by count.

    Parameters
    ----------
    df : a result or batch frame (enriched for owners and dates).
    freq : ``"year"`` (rows are ints) or ``"quarter"`` (rows ``"2021 Q3"``).
    date : ``"applied"`` (filing, default), ``"published"`` or ``"granted"``.
    top : keep the ``top`` owners with the most filings and sum the rest in :data:`OTHER_OWNERS`.
    aliases : owner name -> canonical owner (groups and subsidiaries).

    Returns
    -------
    DataFrame of ints; ``attrs["notes"]`` says how many designs had no date (left out).

    Examples
    --------
    >>> hits = pd.DataFrame({"patent_pn": ["A1", "A2", "B1"], "owner": ["Acme", "Acme", "Beta"],
    ...                      "apdt": [20210105, 20210720, None]})
    >>> table = timeline(hits, freq="quarter")
    >>> table.to_dict("index"), table.attrs["notes"]
    ({'2021 Q1': {'Acme': 1}, '2021 Q2': {'Acme': 0}, '2021 Q3': {'Acme': 1}}, ['1 design without a filing date is not in the timeline.'])
    """
    check_choice(freq, "freq", FREQUENCIES, what="period")
    check_choice(date, "date", DATE_CHOICES, what="date")
    top = _check_top(top)
    facts = _facts(df, aliases, period=_periods(_hits(df), date, freq))
    undated = facts[facts["period"].isna()]["unit"].nunique()
    noun = {"applied": "filing", "published": "publication", "granted": "grant"}[date]
    notes = ([f"{undated} design{'s' if undated != 1 else ''} without a {noun} date "
              f"{'are' if undated != 1 else 'is'} not in the timeline."] if undated else [])
    dated = facts[facts["period"].notna()].copy()
    dated["period"] = dated.groupby("unit")["period"].transform("min")  # a family: the year of its first filing
    table = _count(dated, "period", "owner")
    if not table.empty:
        full = (range(int(table.index.min()), int(table.index.max()) + 1) if freq == "year"
                else pd.period_range(table.index.min(), table.index.max(), freq="Q"))
        table = table.reindex(list(full), fill_value=0)
        totals = dated.drop_duplicates(["owner", "unit"])["owner"].value_counts()
        table = table[_ranked(table.columns, totals)]
        if top is not None and table.shape[1] > top:
            rest = dated[~dated["owner"].isin(table.columns[:top])]
            other = rest.drop_duplicates(["period", "unit"]).groupby("period")["unit"].count()
            table = table.iloc[:, :top].assign(**{OTHER_OWNERS: other.reindex(table.index, fill_value=0)})
        if freq == "quarter":
            table.index = [f"{p.year} Q{p.quarter}" for p in table.index]
    return _label(table, df, "Year" if freq == "year" else "Quarter", "owner", notes)


def owner_classes(df: pd.DataFrame, *, top: int | None = None,
                  aliases: Aliases = None) -> pd.DataFrame:
    """Designs per owner and Locarno class: rows owners by count, columns classes (``"26 Lighting apparatus"``).

    A design in two classes counts in both. ``top`` keeps the owners with the most designs.

    Examples
    --------
    >>> hits = pd.DataFrame({"patent_pn": ["A1", "A2", "B1"], "owner": ["Acme", "Acme", "Beta"],
    ...                      "loc": ["26-05; 06-01", "26-03", None]})
    >>> owner_classes(hits).to_dict("index")
    {'Acme': {'26 Lighting apparatus': 2, '06 Furnishing': 1, 'class not given': 0}, 'Beta': {'26 Lighting apparatus': 0, '06 Furnishing': 0, 'class not given': 1}}
    """
    top = _check_top(top)
    hits = _hits(df)
    classes = hits["loc"].map(_class_labels) if "loc" in hits.columns else [[NO_CLASS]] * len(hits)
    facts = _facts(df, aliases, **{"class": classes}).explode("class")
    table = _count(facts, "owner", "class")
    if not table.empty:
        owners = facts.drop_duplicates(["owner", "unit"])["owner"].value_counts()
        classes = facts.drop_duplicates(["class", "unit"])["class"].value_counts()
        table = _rank_rows(table, owners)
        table = table[_ranked(table.columns, classes)]
        table = table.head(top) if top is not None else table
    return _label(table, df, "owner", "Locarno class", [])


def office_years(df: pd.DataFrame, *, date: str = "applied") -> pd.DataFrame:
    """Designs per office and year: rows offices by name (most first), columns years ascending (gaps as 0).

    Examples
    --------
    >>> hits = pd.DataFrame({"patent_pn": ["CN1", "US1", "CN2"], "authority": ["CN", "US", "CN"],
    ...                      "apdt": [20190101, 20210101, 20210301]})
    >>> office_years(hits).to_dict("index")
    {'China': {2019: 1, 2020: 0, 2021: 1}, 'United States': {2019: 0, 2020: 0, 2021: 1}}
    """
    check_choice(date, "date", DATE_CHOICES, what="date")
    hits = _hits(df)
    facts = pd.DataFrame({"unit": _units(hits), "year": _periods(hits, date, "year")}, index=hits.index)
    facts["office"] = _offices(hits)
    facts = facts[facts["year"].notna()]
    table = _count(facts, "office", "year")
    if not table.empty:
        table = table.reindex(columns=list(range(int(table.columns.min()), int(table.columns.max()) + 1)),
                              fill_value=0)
        table = _rank_rows(table, facts.drop_duplicates(["office", "unit"])["office"].value_counts())
    return _label(table, df, "office", "Year", [])


def _products(hits: pd.DataFrame, df: pd.DataFrame) -> pd.Series:
    """The product (the batch's query label, else the search's query) of each hit."""
    if "query_index" in hits.columns and "query" in hits.columns:
        return hits["query"].astype("object").map(lambda q: format_value(q) or "(no label)")
    name = format_value(df.attrs.get("query")) or "query image"
    return pd.Series(name, index=hits.index, dtype="object")


def _pairs(df: pd.DataFrame, aliases: Aliases) -> pd.DataFrame:
    """The best hit of every (product, owner) pair, best score first."""
    hits = _hits(df)
    scores = pd.to_numeric(hits["score"], errors="coerce") if "score" in hits.columns else np.nan
    facts = _facts(df, aliases, product=_products(hits, df), best_score=scores,
                   patent_pn=hits["patent_pn"].astype("object"),
                   title=hits["title"].astype("object") if "title" in hits.columns else "", office=_offices(hits))
    facts = facts[["product", "owner", "best_score", "patent_pn", "title", "office"]]
    facts = facts[facts["best_score"].notna()]
    return (facts.sort_values(["best_score", "product", "owner"], ascending=[False, True, True], kind="stable")
            .drop_duplicates(["product", "owner"]).reset_index(drop=True))


def risk_matrix(df: pd.DataFrame, *, top: int | None = None,
                aliases: Aliases = None) -> pd.DataFrame:
    """Product x owner: the best score of the owner's designs against each product (NaN where none matched).

    Products (rows) and owners (columns) are sorted by their best score, highest first; ``top``
    keeps the owners with the highest best score. A single search is one product (its query).

    Examples
    --------
    >>> hits = pd.DataFrame({"patent_id": ["1", "2", "3"], "patent_pn": ["A1", "B1", "A2"],
    ...                      "query_index": [0, 0, 1], "query": ["lamp", "lamp", "chair"],
    ...                      "owner": ["Acme", "Beta", "Acme"], "score": [0.71, 0.93, 0.88]})
    >>> risk_matrix(hits)
    owner    Beta  Acme
    product
    lamp     0.93  0.71
    chair     NaN  0.88
    """
    top = _check_top(top)
    pairs = _pairs(df, aliases)
    if pairs.empty:
        return _label(pd.DataFrame(dtype="float64"), df, "product", "owner", [])
    table = pairs.pivot_table(index="product", columns="owner", values="best_score", aggfunc="max")
    products = table.max(axis=1).sort_values(ascending=False, kind="stable").index
    owners = _ranked(table.columns, table.max())
    table = table.loc[products, owners[:top] if top is not None else owners]
    return _label(table, df, "product", "owner", [])


def top_risks(df: pd.DataFrame, n: int = 10, *, aliases: Aliases = None) -> pd.DataFrame:
    """The ``n`` (product, owner) pairs with the highest best score, each with its hit.

    Columns: ``product``, ``owner``, ``best_score``, ``patent_pn``, ``title``, ``office`` (by name).

    Examples
    --------
    >>> hits = pd.DataFrame({"patent_pn": ["A1", "B1", "A2"], "query_index": [0, 0, 1],
    ...                      "query": ["lamp", "lamp", "chair"], "owner": ["Acme", "Beta", "Acme"],
    ...                      "score": [0.71, 0.93, 0.88], "authority": ["CN", "US", "CN"]})
    >>> top_risks(hits, 2)[["product", "owner", "best_score", "office"]].values.tolist()
    [['lamp', 'Beta', 0.93, 'United States'], ['chair', 'Acme', 0.88, 'China']]
    """
    n = check_optional_int(n, "n", 1) or 10
    table = _pairs(df, aliases).head(n)
    table.attrs = {"source": df.attrs.get("source"), "notes": []}
    return table


# --- all together -------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Landscape:
    """The landscape tables of a frame and its two charts (PNG); shows itself in a notebook.

    Attributes
    ----------
    timeline, owner_classes, office_years, risk_matrix, top_risks : DataFrame
        As the functions of the same names make them.
    timeline_png, heatmap_png : bytes or None
        The timeline chart (filings per year of the top owners) and the heat map of the
        risk matrix; None when there is nothing to draw (no dates; no scores).
    notes : list of str
        What a reader must know (designs left out for lack of a date, owners not given...).
    sandbox : bool
        Made from sandbox data (charts and reports say so).

    Examples
    --------
    >>> hits = pd.DataFrame({"patent_pn": ["A1"], "owner": ["Acme"], "score": [0.9], "apdt": [20200101]})
    >>> land = landscape(hits, charts=False)
    >>> land.batch, land.notes, "<table" in land._repr_html_()
    (False, [], True)
    """

    timeline: pd.DataFrame
    owner_classes: pd.DataFrame
    office_years: pd.DataFrame
    risk_matrix: pd.DataFrame
    top_risks: pd.DataFrame
    timeline_png: bytes | None
    heatmap_png: bytes | None
    notes: list[str]
    sandbox: bool

    @property
    def batch(self) -> bool:
        """Several products (a catalogue): the risk matrix has more than one row."""
        return len(self.risk_matrix) > 1

    def _repr_html_(self) -> str:
        from .landscape_charts import landscape_html

        return landscape_html(self)


def landscape(df: pd.DataFrame, *, top: int = 8, freq: str = "year", date: str = "applied",
              aliases: Aliases = None, charts: bool = True, width_px: int = 900) -> Landscape:
    """Every landscape table of ``df`` and (``charts=True``) the timeline chart and the risk heat map.

    ``top`` owners are shown in the timeline and the heat map (the tables keep every owner,
    except the timeline, whose other owners are summed in :data:`OTHER_OWNERS`).

    Examples
    --------
    >>> hits = pd.DataFrame({"patent_pn": ["A1", "B1"], "owner": ["Acme", "Beta"], "score": [0.9, 0.8],
    ...                      "apdt": [20200101, 20210101], "authority": ["CN", "US"], "loc": ["26-05", "26-05"]})
    >>> land = landscape(hits, charts=False)
    >>> land.timeline.columns.tolist(), land.risk_matrix.shape, land.timeline_png is None
    (['Acme', 'Beta'], (1, 2), True)
    """
    from . import landscape_charts

    top = check_optional_int(top, "top", 1, 50) or 8
    charts = check_flag(charts, "charts")
    hits = _hits(df)
    table = timeline(df, freq=freq, date=date, top=top, aliases=aliases)
    matrix = risk_matrix(df, aliases=aliases)
    notes = list(table.attrs.get("notes", []))
    if len(hits) and parties.owner_column(hits).isna().all():
        notes.append(parties.NO_OWNERS_SENTENCE + " df.patsnap.enrich() adds the owners, dates and classes.")
    timeline_png = heatmap_png = None
    if charts:
        timeline_png = landscape_charts.timeline_png(table, width_px=width_px) if not table.empty else None
        heatmap_png = (landscape_charts.heatmap_png(matrix, top=top, width_px=width_px)
                       if not matrix.empty else None)
    return Landscape(timeline=table, owner_classes=owner_classes(df, aliases=aliases),
                     office_years=office_years(df, date=date), risk_matrix=matrix,
                     top_risks=top_risks(df, 10, aliases=aliases), timeline_png=timeline_png,
                     heatmap_png=heatmap_png, notes=notes, sandbox=words.is_sandbox(df))
