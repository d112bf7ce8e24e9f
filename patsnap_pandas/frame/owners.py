"""One canonical owner per hit: the spellings of one company folded together, groups joined by an alias table.

The owner of a hit is what :mod:`patsnap_pandas.frame.parties` decides (the enriched
``assignees``, else ``current_assignee``, else ``original_assignee``); this module only
says which of those names are the same owner. Two names are the same owner when their
:func:`owner_key` is the same: Unicode width and case folded, punctuation and spaces
dropped, and legal forms left out (Co., Ltd., Inc., Corp., GmbH, S.A., S.r.l., BV, AB,
LLC, Company, 有限公司, 股份有限公司, 株式会社, 주식회사, ...). What no spelling rule can
know (a group and its subsidiaries, a company's Latin and CJK names) an alias table says:
a dict ``{name: group}`` or a CSV file with the two columns ``name`` and ``group``.

The name shown for an owner is the alias table's group name when one applies, else the
spelling of that owner met most often in the frame (the first met on a tie). The raw
names stay in the frame's own columns.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"current_assignee": ["Acme Co., Ltd.", "ACME CO LTD", "Acme Co., Ltd.", None, "Beta GmbH"]})
>>> owner_series(df).tolist()
['Acme Co., Ltd.', 'Acme Co., Ltd.', 'Acme Co., Ltd.', '', 'Beta GmbH']
>>> owner_key("深圳市星河智能科技有限公司"), owner_key("Shenzhen Xinghe Intelligent Technology Co., Ltd.")
('深圳市星河智能科技', 'shenzhen xinghe intelligent technology')
>>> canonical_owner("Shenzhen Xinghe Intelligent Technology Co Ltd", {"深圳市星河智能科技有限公司": "Xinghe Group",
...                                                                "Shenzhen Xinghe Intelligent Technology": "Xinghe Group"})
'Xinghe Group'
"""

from __future__ import annotations

import collections
import csv
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from .._validate import invalid
from . import parties
from .format import format_value, is_missing

__all__ = ["LEGAL_FORMS", "Aliases", "alias_table", "canonical_owner", "owner_key", "owner_lists", "owner_series",
           "owner_table", "raw_owner_names"]

#: What ``aliases=`` accepts: a dict ``{name: group}``, a CSV path (columns ``name``, ``group``) or None.
Aliases = Mapping[str, str] | str | Path | None

#: Legal forms left out of a Latin name when they end it (compared after case folding, dots removed).
#: "Group" and "Holdings" are not among them: a group and its subsidiaries are joined by an alias table.
LEGAL_FORMS: frozenset[str] = frozenset({
    "co", "company", "companies", "corp", "corporation", "inc", "incorporated", "ltd", "limited", "llc", "llp",
    "lp", "plc", "gmbh", "mbh", "ag", "kg", "ohg", "ug", "se", "sa", "sas", "sarl", "srl", "spa", "sl", "bv", "nv",
    "ab", "as", "asa", "aps", "oy", "oyj", "kk", "pty", "pte", "bhd", "sdn", "pvt", "kft", "zrt", "sro", "doo",
    "cv",
})
#: CJK legal forms, longest first: dropped at either end of a name (株式会社ミドリ / ミドリ株式会社).
CJK_FORMS: tuple[str, ...] = (
    "股份有限公司", "有限责任公司", "有限責任公司", "集团有限公司", "集團有限公司", "有限公司", "株式会社", "株式會社",
    "有限会社", "合同会社", "주식회사", "유한회사", "(株)", "(주)", "㈱", "㈜", "公司", "會社",
)
_PUNCT = re.compile(r"[^\w&]+", re.UNICODE)


def _strip_cjk(text: str) -> str:
    changed = True
    while changed and text not in CJK_FORMS:
        changed = False
        for form in CJK_FORMS:
            if text.endswith(form) and len(text) > len(form):
                text, changed = text[: -len(form)].strip(), True
            elif text.startswith(form) and len(text) > len(form):
                text, changed = text[len(form):].strip(), True
    return text


def _strip_latin(tokens: list[str]) -> list[str]:
    while len(tokens) > 1 and tokens[-1] in LEGAL_FORMS:
        tokens = tokens[:-1]
    return tokens


def owner_key(name: Any) -> str:
    """The key two spellings of one owner share: case, width, punctuation, spaces and legal forms folded.

    Examples
    --------
    >>> owner_key("Lumen & Line Lighting S.r.l."), owner_key("LUMEN AND LINE LIGHTING SRL")
    ('lumen line lighting', 'lumen line lighting')
    >>> owner_key("주식회사 한빛전자"), owner_key("한빛전자 주식회사"), owner_key("株式会社ミドリ工業")
    ('한빛전자', '한빛전자', 'ミドリ工業')
    >>> owner_key("Meridian Timepieces S.A.") == owner_key("meridian timepieces sa") != owner_key("Meridian")
    True
    """
    text = unicodedata.normalize("NFKC", str(name)).casefold().strip()
    text = _strip_cjk(text)
    text = re.sub(r"(?<=\w)\.(?=\w)", "", text)  # S.r.l. -> srl, S.A. -> sa
    text = text.replace("&", " and ")
    tokens = [t for t in _PUNCT.sub(" ", text).split() if t]
    tokens = [t for t in tokens if t != "and"] if len(tokens) > 2 else tokens
    tokens = _strip_latin(tokens)
    key = " ".join(tokens)
    stripped = _strip_cjk(key)
    return stripped if stripped else key


def _read_alias_csv(path: Path) -> dict[str, str]:
    allowed = "a dict {name: group} or a CSV file with the columns 'name' and 'group'"
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            fields = [f.strip().casefold() for f in reader.fieldnames or []]
            if "name" not in fields or "group" not in fields:
                raise invalid("aliases", str(path), f"the CSV file has the columns {fields}, not 'name' and 'group'",
                              allowed)
            rows = [{k.strip().casefold(): (v or "") for k, v in row.items() if k is not None} for row in reader]
    except OSError as exc:
        raise invalid("aliases", str(path), f"the file cannot be read ({exc.strerror or exc})", allowed) from None
    return {row["name"].strip(): row["group"].strip() for row in rows if row["name"].strip() and row["group"].strip()}


def alias_table(aliases: Aliases) -> dict[str, str]:
    """The alias table as ``{owner_key(name): group name}`` from a dict, a CSV path or None.

    Examples
    --------
    >>> alias_table({"Helix Consumer Electronics Corp.": "Helix"})
    {'helix consumer electronics': 'Helix'}
    >>> alias_table(42)
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.InvalidInputError: aliases=42 is not valid: not a dict or a CSV path. Allowed: a dict {name: group} or a CSV file with the columns 'name' and 'group'.
    """
    allowed = "a dict {name: group} or a CSV file with the columns 'name' and 'group'"
    if aliases is None:
        return {}
    if isinstance(aliases, (str, Path)):
        table: Mapping[Any, Any] = _read_alias_csv(Path(aliases))
    elif isinstance(aliases, Mapping):
        table = aliases
    else:
        raise invalid("aliases", aliases, "not a dict or a CSV path", allowed)
    out: dict[str, str] = {}
    for name, group in table.items():
        if not isinstance(name, str) or not isinstance(group, str) or not name.strip() or not group.strip():
            raise invalid("aliases", {name: group}, "every name and group must be non-empty text", allowed)
        out[owner_key(name)] = " ".join(group.split())
    for key, group in list(out.items()):  # a group named as a name elsewhere: follow it (a few steps, no loops)
        for _ in range(5):
            nxt = out.get(owner_key(group))
            if nxt is None or nxt == group:
                break
            group = nxt
        out[key] = group
    return out


def _group_key(name: str, table: Mapping[str, str]) -> tuple[str, str | None]:
    """(grouping key, alias group name or None) of one raw name."""
    key = owner_key(name)
    group = table.get(key)
    if group is not None:
        return "alias:" + owner_key(group), group
    return key, None


def canonical_owner(name: Any, aliases: Aliases = None) -> str:
    """The display name of one owner's name on its own: its alias group when the table names one, else the
    name with its spaces tidied (``""`` for no name). Within a frame, :func:`owner_series` shows the
    spelling met most often instead.

    Examples
    --------
    >>> canonical_owner("  Helix  Consumer Electronics Corp. ", {"HELIX CONSUMER ELECTRONICS": "Helix"})
    'Helix'
    >>> canonical_owner("Aurora Home Products GmbH"), canonical_owner(None)
    ('Aurora Home Products GmbH', '')
    """
    if name is None or (not isinstance(name, str) and pd.isna(name)):
        return ""
    text = " ".join(str(name).split())
    if not text:
        return ""
    _, group = _group_key(text, alias_table(aliases))
    return group if group is not None else text


def owner_lists(df: pd.DataFrame, aliases: Aliases = None) -> pd.Series:
    """The canonical owners of every hit, as a list (co-owners in the order PatSnap names them, one entry per
    owner; ``[]`` when no field names one), index of ``df``.

    Examples
    --------
    >>> df = pd.DataFrame({"current_assignee": ["Acme Ltd; ACME LIMITED; Beta AB", "Beta A.B."]})
    >>> owner_lists(df).tolist()
    [['Acme Ltd', 'Beta AB'], ['Beta AB']]

    Without ``aliases``, a ``canonical_owner`` column (``df.patsnap.with_families(aliases)``) is the answer
    where it names an owner, so an alias table given once carries on to summaries, reports and the landscape:

    >>> df.assign(canonical_owner=["Acme Group; Beta AB", ""]).pipe(owner_lists).tolist()
    [['Acme Group', 'Beta AB'], ['Beta AB']]
    """
    table = alias_table(aliases)
    given = df["canonical_owner"] if aliases is None and "canonical_owner" in df.columns else None
    raw = [parties.owner_names(row) for row in _owner_rows(df)]
    counts: collections.Counter[tuple[str, str]] = collections.Counter()
    first: dict[str, int] = {}
    groups: dict[str, str] = {}
    keyed: list[list[str]] = []
    for names in raw:
        keys = []
        for name in names:
            key, group = _group_key(name, table)
            if group is not None:
                groups[key] = group
            counts[(key, name)] += 1
            first.setdefault(name, len(first))
            if key not in keys:
                keys.append(key)
        keyed.append(keys)
    best: dict[str, tuple[int, int, str]] = {}
    for (key, name), n in counts.items():
        rank = (-n, first[name], name)
        if key not in best or rank < best[key]:
            best[key] = rank
    display = {key: groups.get(key, rank[2]) for key, rank in best.items()}
    lists = [[display[k] for k in keys] for keys in keyed]
    if given is not None:
        named = [[n for n in format_value(v).split("; ") if n] if not is_missing(v) else [] for v in given]
        lists = [mine or folded for mine, folded in zip(named, lists, strict=True)]
    return pd.Series(lists, index=df.index, dtype=object)


def owner_series(df: pd.DataFrame, aliases: Aliases = None) -> pd.Series:
    """One canonical owner display name per hit (co-owners joined by ``"; "``; ``""`` when no owner is known).

    Parameters
    ----------
    df : DataFrame of hits with any of :data:`~patsnap_pandas.frame.parties.OWNER_FIELDS`.
    aliases : dict ``{name: group}``, path of a CSV file with the columns ``name`` and ``group``, or None.
        Names are matched by :func:`owner_key`, so one row covers every spelling of a name.

    Returns
    -------
    Series of str, index of ``df``, named ``"owner"``.

    Examples
    --------
    >>> df = pd.DataFrame({"original_assignee": ["株式会社アオバ電機", "アオバ電機株式会社", "Aoba Electric Co., Ltd."]})
    >>> owner_series(df).tolist()
    ['株式会社アオバ電機', '株式会社アオバ電機', 'Aoba Electric Co., Ltd.']
    >>> owner_series(df, {"Aoba Electric": "Aoba Electric", "アオバ電機": "Aoba Electric"}).tolist()
    ['Aoba Electric', 'Aoba Electric', 'Aoba Electric']
    """
    lists = owner_lists(df, aliases)
    return pd.Series(["; ".join(names) for names in lists], index=df.index, dtype=object, name="owner")


def _owner_rows(df: pd.DataFrame) -> list[dict[str, Any]]:
    present = [f for f in parties.OWNER_FIELDS if f in df.columns]
    if not present:
        return [{} for _ in range(len(df))]
    return df[present].to_dict("records")


def raw_owner_names(df: pd.DataFrame) -> pd.Series:
    """The owner's names of every hit as PatSnap spelled them (a list per row), index of ``df``.

    Examples
    --------
    >>> raw_owner_names(pd.DataFrame({"current_assignee": ["ACME LTD; Beta AB", None]})).tolist()
    [['ACME LTD', 'Beta AB'], []]
    """
    return pd.Series([parties.owner_names(row) for row in _owner_rows(df)], index=df.index, dtype=object)


def owner_table(df: pd.DataFrame, aliases: Aliases = None, family: pd.Series | None = None) -> pd.DataFrame:
    """One row per canonical owner: ``hits``, ``patents``, ``families`` (when ``family`` labels are given),
    ``best_score``, ``offices`` (most hits first) and ``names`` (the spellings seen, most frequent first).

    A co-owned hit counts for each of its owners; hits that name no owner are one row,
    :data:`~patsnap_pandas.frame.parties.NO_OWNER`. Sorted by hits, then best score (descending), then name;
    indexed by ``owner``.

    Examples
    --------
    >>> df = pd.DataFrame({"patent_id": ["a", "b", "c"], "authority": ["CN", "US", "US"], "score": [0.9, 0.8, 0.7],
    ...                    "current_assignee": ["Acme Co., Ltd.", "ACME CO LTD", "Beta GmbH"]})
    >>> table = owner_table(df, family=pd.Series(["a", "a", "c"]))
    >>> table[["hits", "families", "best_score", "offices", "names"]].reset_index().values.tolist()
    [['Acme Co., Ltd.', 2, 1, 0.9, ['CN', 'US'], ['Acme Co., Ltd.', 'ACME CO LTD']], ['Beta GmbH', 1, 1, 0.7, ['US'], ['Beta GmbH']]]
    """
    table = alias_table(aliases)  # read once (a CSV file), keyed: owner_lists and _pair_names take it as it is
    canonical = owner_lists(df, table)
    raw = raw_owner_names(df)
    scores = pd.to_numeric(df["score"], errors="coerce") if "score" in df.columns else pd.Series(float("nan"), index=df.index)
    rows: dict[str, dict[str, Any]] = {}
    for i, (names, spelled) in enumerate(zip(canonical, raw, strict=True)):
        pairs = _pair_names(names, spelled, table) or [(parties.NO_OWNER, "")]
        for owner, spelling in pairs:
            row = rows.setdefault(owner, {"hits": 0, "patents": set(), "families": set(), "scores": [],
                                          "offices": collections.Counter(), "names": collections.Counter()})
            row["hits"] += 1
            if "patent_id" in df.columns:
                row["patents"].add(df["patent_id"].iloc[i])
            if family is not None and family.iloc[i]:
                row["families"].add(family.iloc[i])
            row["scores"].append(scores.iloc[i])
            if "authority" in df.columns and isinstance(df["authority"].iloc[i], str):
                row["offices"][df["authority"].iloc[i]] += 1
            if spelling:
                row["names"][spelling] += 1
    out = pd.DataFrame([{
        "owner": owner, "hits": r["hits"], "patents": len(r["patents"]),
        **({"families": len(r["families"])} if family is not None else {}),
        "best_score": pd.Series(r["scores"], dtype="float64").max(),
        "offices": [o for o, _ in r["offices"].most_common()], "names": [n for n, _ in r["names"].most_common()],
    } for owner, r in rows.items()], columns=["owner", "hits", "patents", *(["families"] if family is not None else []),
                                               "best_score", "offices", "names"])
    out = out.sort_values(["hits", "best_score", "owner"], ascending=[False, False, True], kind="stable",
                          na_position="last")
    for column in ("hits", "patents", *(["families"] if family is not None else [])):
        out[column] = out[column].astype("int64")
    return out.set_index("owner")


def _pair_names(canonical: list[str], spelled: list[str], table: Mapping[str, str]) -> list[tuple[str, str]]:
    """Each canonical owner of a hit with the hit's spelling of it."""
    by_key: dict[str, str] = {}
    for name in spelled:
        by_key.setdefault(_group_key(name, table)[0], name)
    keyed = list(by_key.values())
    return [(owner, keyed[k] if k < len(keyed) else "") for k, owner in enumerate(canonical)]
