"""Owner normalisation on its own (frame layer, no sandbox): spellings folded, aliases, the display name, bad input."""

from __future__ import annotations

import pandas as pd
import pytest

from patsnap_pandas.errors import InvalidInputError
from patsnap_pandas.frame.owners import alias_table, canonical_owner, owner_key, owner_lists, owner_series

SAME = [
    ("Northwind Industrial Design Co., Ltd.", "NORTHWIND INDUSTRIAL DESIGN CO LTD", "Northwind Industrial Design"),
    ("Lumen & Line Lighting S.r.l.", "Lumen and Line Lighting SRL", "LUMEN & LINE LIGHTING"),
    ("Meridian Timepieces SA", "Meridian Timepieces S.A.", "meridian  timepieces"),
    ("Bluefjord Housewares AB", "Bluefjord Housewares A.B.", "Bluefjord Housewares"),
    ("Pinecrest Furniture Company", "Pinecrest Furniture Co.", "Pinecrest Furniture Inc."),
    ("Aurora Home Products GmbH", "Aurora Home Products GmbH & Co. KG", "AURORA HOME PRODUCTS"),
    ("深圳市星河智能科技有限公司", "深圳市星河智能科技股份有限公司", "深圳市星河智能科技"),
    ("株式会社ミドリ工業", "ミドリ工業株式会社", "ミドリ工業"),
    ("주식회사 한빛전자", "한빛전자 주식회사", "(주)한빛전자"),
    ("Ｓａｋｕｒａ Ｐｒｅｃｉｓｉｏｎ Ｃｏ．， Ｌｔｄ．", "Sakura Precision Co., Ltd.", "sakura precision"),
]
DIFFERENT = [
    ("Helix Consumer Electronics Corp.", "Helix Devices Corp."),
    ("Daehan Motors Co., Ltd.", "Sable Motors Corporation"),
    ("深圳市星河智能科技有限公司", "杭州青禾电子科技有限公司"),
    ("Xinghe Group", "Xinghe Co., Ltd."),  # a group and a company are one owner only by an alias
]


@pytest.mark.parametrize("names", SAME)
def test_spellings_of_one_owner_share_a_key(names):
    assert len({owner_key(n) for n in names}) == 1, [owner_key(n) for n in names]


@pytest.mark.parametrize("pair", DIFFERENT)
def test_different_owners_keep_different_keys(pair):
    assert owner_key(pair[0]) != owner_key(pair[1])


def test_a_name_that_is_only_a_legal_form_is_kept():
    assert owner_key("Company") == "company"
    assert owner_key("有限公司") == "有限公司"


def test_display_name_is_the_most_frequent_spelling_and_raw_names_stay():
    df = pd.DataFrame({
        "current_assignee": ["ACME LTD", "Acme Ltd.", "Acme Ltd.", None, "Beta AB", "Acme Limited"],
        "original_assignee": [None, None, None, "Gamma Inc", None, None],
    })
    owners = owner_series(df)
    assert owners.tolist() == ["Acme Ltd.", "Acme Ltd.", "Acme Ltd.", "Gamma Inc", "Beta AB", "Acme Ltd."]
    assert owners.index.equals(df.index) and owners.name == "owner"
    assert df["current_assignee"].iloc[0] == "ACME LTD"  # nothing of the frame is rewritten


def test_no_owner_is_an_empty_name():
    df = pd.DataFrame({"title": ["Lamp", "Chair"]}, index=[7, 9])
    assert owner_series(df).tolist() == ["", ""]
    assert owner_series(df).index.tolist() == [7, 9]


def test_enriched_assignees_win_over_the_hit_fields_as_parties_decides():
    df = pd.DataFrame({"assignees": [["Acme Ltd"], None], "current_assignee": ["Old Name Inc", "Beta AB"]})
    assert owner_series(df).tolist() == ["Acme Ltd", "Beta AB"]


def test_co_owners_listed_once_each_in_order():
    df = pd.DataFrame({"current_assignee": ["Acme Ltd; ACME LIMITED; Beta AB", "Beta A.B."]})
    assert owner_lists(df).tolist() == [["Acme Ltd", "Beta AB"], ["Beta AB"]]
    assert owner_series(df).tolist() == ["Acme Ltd; Beta AB", "Beta AB"]


def test_alias_dict_joins_latin_and_cjk_names_under_the_group_name():
    df = pd.DataFrame({"current_assignee": ["深圳市星河智能科技有限公司", "Shenzhen Xinghe Intelligent Technology Co., Ltd.",
                                            "SHENZHEN XINGHE INTELLIGENT TECHNOLOGY CO LTD", "Other Ltd"]})
    aliases = {"深圳市星河智能科技": "Xinghe", "Shenzhen Xinghe Intelligent Technology Co Ltd": "Xinghe"}
    assert owner_series(df, aliases).tolist() == ["Xinghe", "Xinghe", "Xinghe", "Other Ltd"]
    assert canonical_owner("深圳市星河智能科技股份有限公司", aliases) == "Xinghe"


def test_alias_csv_with_subsidiaries_and_chained_groups(tmp_path):
    path = tmp_path / "aliases.csv"
    path.write_text("Name,Group\nHelix Devices Corp.,Helix Consumer Electronics\n"
                    "Helix Consumer Electronics Corp,Helix Group\n", encoding="utf-8")
    assert alias_table(path) == {"helix devices": "Helix Group", "helix consumer electronics": "Helix Group"}
    df = pd.DataFrame({"current_assignee": ["Helix Devices Corp.", "HELIX CONSUMER ELECTRONICS CORP."]})
    assert owner_series(df, str(path)).tolist() == ["Helix Group", "Helix Group"]


@pytest.mark.parametrize("bad, message", [
    (42, r"aliases=42 is not valid: not a dict or a CSV path\. Allowed: a dict \{name: group\} or a CSV file"),
    (["Acme"], r"aliases=\['Acme'\] is not valid: not a dict or a CSV path"),
    ({"Acme": 3}, r"aliases=\{'Acme': 3\} is not valid: every name and group must be non-empty text"),
    ({"": "Acme"}, r"is not valid: every name and group must be non-empty text"),
])
def test_bad_aliases_are_refused_naming_parameter_value_and_allowed(bad, message):
    with pytest.raises(InvalidInputError, match=message):
        owner_series(pd.DataFrame({"current_assignee": ["Acme"]}), bad)


def test_csv_without_the_two_columns_is_refused(tmp_path):
    path = tmp_path / "aliases.csv"
    path.write_text("company,parent\nA,B\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"aliases='.*aliases\.csv' is not valid: the CSV file has the columns "
                                                r"\['company', 'parent'\], not 'name' and 'group'\. Allowed"):
        owner_series(pd.DataFrame({"current_assignee": ["A"]}), path)
    with pytest.raises(InvalidInputError, match=r"the file cannot be read"):
        owner_series(pd.DataFrame({"current_assignee": ["A"]}), tmp_path / "missing.csv")
