"""Fictional but realistic bibliographic data for the generated sandbox corpus.

Publication numbers follow each authority's format as PatSnap writes them,
titles are in the authority's language, assignees come from a fixed pool of
30 companies (so analysts see repeats) that each make a few product kinds and file
under spellings of their names as offices write them (:func:`name_variant`), dates spread over 2010-2025 and
legal statuses are consistent with the dates. All draws come from the `rng`
passed in, so the result is a pure function of the seed.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass

from .. import codes

# Authority -> (weight, language). CN dominates design filings, as in reality.
AUTHORITIES: dict[str, tuple[float, str]] = {
    "CN": (0.34, "zh"),
    "US": (0.22, "en"),
    "EM": (0.14, "en"),
    "JP": (0.11, "ja"),
    "KR": (0.11, "ko"),
    "HK": (0.08, "zh"),
}

# Product kind -> titles by language (a few synonyms each, like real filings).
TITLES: dict[str, dict[str, tuple[str, ...]]] = {
    "bottle": {"en": ("Bottle", "Water bottle", "Beverage bottle"), "zh": ("瓶子", "饮料瓶", "水瓶"), "ja": ("瓶", "飲料用ボトル"), "ko": ("병", "음료병")},
    "chair": {"en": ("Chair", "Dining chair", "Armchair"), "zh": ("椅子", "餐椅", "扶手椅"), "ja": ("椅子", "肘掛椅子"), "ko": ("의자", "팔걸이의자")},
    "lamp": {"en": ("Lamp", "Desk lamp", "Table lamp"), "zh": ("台灯", "灯具", "照明灯"), "ja": ("照明器具", "卓上スタンド"), "ko": ("조명등", "스탠드")},
    "watch": {"en": ("Watch", "Wristwatch", "Smart watch"), "zh": ("手表", "智能手表", "腕表"), "ja": ("腕時計", "スマートウォッチ"), "ko": ("손목시계", "스마트 워치")},
    "phone": {"en": ("Mobile phone", "Smartphone", "Cellular phone"), "zh": ("手机", "智能手机", "移动电话"), "ja": ("携帯電話機", "スマートフォン"), "ko": ("휴대전화기", "스마트폰")},
    "cup": {"en": ("Cup", "Mug", "Drinking cup"), "zh": ("杯子", "马克杯", "水杯"), "ja": ("カップ", "マグカップ"), "ko": ("컵", "머그컵")},
    "shoe": {"en": ("Shoe", "Footwear", "Shoe upper"), "zh": ("鞋", "运动鞋", "鞋子"), "ja": ("靴", "運動靴"), "ko": ("신발", "운동화")},
    "car": {"en": ("Car", "Vehicle", "Automobile"), "zh": ("汽车", "轿车", "车辆"), "ja": ("自動車", "乗用自動車"), "ko": ("자동차", "승용차")},
    "toothbrush": {"en": ("Toothbrush", "Electric toothbrush"), "zh": ("牙刷", "电动牙刷"), "ja": ("歯ブラシ", "電動歯ブラシ"), "ko": ("칫솔", "전동칫솔")},
    "glasses": {"en": ("Eyeglasses", "Spectacle frame", "Sunglasses"), "zh": ("眼镜", "眼镜架", "太阳镜"), "ja": ("眼鏡", "眼鏡フレーム"), "ko": ("안경", "안경테")},
    "bag": {"en": ("Handbag", "Bag", "Tote bag"), "zh": ("手提包", "包", "挎包"), "ja": ("ハンドバッグ", "鞄"), "ko": ("핸드백", "가방")},
    "bicycle": {"en": ("Bicycle", "Electric bicycle"), "zh": ("自行车", "电动自行车"), "ja": ("自転車", "電動アシスト自転車"), "ko": ("자전거", "전기자전거")},
    "fan": {"en": ("Fan", "Electric fan", "Floor fan"), "zh": ("风扇", "电风扇", "落地扇"), "ja": ("扇風機", "送風機"), "ko": ("선풍기", "송풍기")},
    "laptop": {"en": ("Laptop computer", "Notebook computer"), "zh": ("笔记本电脑", "便携式计算机"), "ja": ("ノートパソコン", "携帯用計算機"), "ko": ("노트북 컴퓨터", "휴대용 컴퓨터")},
    "wheel": {"en": ("Wheel", "Vehicle wheel", "Wheel rim"), "zh": ("车轮", "轮毂", "汽车轮毂"), "ja": ("車両用ホイール", "ホイール"), "ko": ("차량용 휠", "휠")},
    "kettle": {"en": ("Kettle", "Electric kettle"), "zh": ("水壶", "电热水壶"), "ja": ("電気ケトル", "やかん"), "ko": ("주전자", "전기주전자")},
}

@dataclass(frozen=True)
class Company:
    """A fictional owner: its registered ``name`` (the generator's truth of who owns a design), its ``home``
    office, the product kinds it makes (``draw.TEMPLATES`` keys), and its name in the other script, if any
    (the Latin name of an Asian company, or the Chinese, Japanese or Korean name of one that files at home)."""

    name: str
    home: str
    kinds: tuple[str, ...]
    other: str | None = None


# 30 fictional companies: each makes a few product kinds that fit its name and leans to its home office.
OWNERS: tuple[Company, ...] = (
    Company("Northwind Industrial Design Co., Ltd.", "US", ("chair", "lamp", "bottle")),
    Company("Aurora Home Products GmbH", "EM", ("kettle", "cup", "fan")),
    Company("Bluefjord Housewares AB", "EM", ("cup", "bottle", "kettle")),
    Company("Cascade Mobility Inc.", "US", ("bicycle", "wheel")),
    Company("Granite Peak Outdoor LLC", "US", ("bottle", "bag", "shoe")),
    Company("Helix Consumer Electronics Corp.", "US", ("phone", "laptop", "watch")),
    Company("Lumen & Line Lighting S.r.l.", "EM", ("lamp",)),
    Company("Meridian Timepieces SA", "EM", ("watch",)),
    Company("Orchard Kitchenware Ltd.", "EM", ("kettle", "cup")),
    Company("Pinecrest Furniture Company", "US", ("chair",)),
    Company("Quartzline Devices Inc.", "US", ("phone", "laptop")),
    Company("Sable Motors Corporation", "US", ("car", "wheel")),
    Company("Tidewater Footwear Co.", "US", ("shoe", "bag")),
    Company("Vantage Optics GmbH", "EM", ("glasses",)),
    Company("深圳市星河智能科技有限公司", "CN", ("phone", "watch", "laptop"), "Shenzhen Xinghe Intelligent Technology Co., Ltd."),
    Company("广州市美家家居用品有限公司", "CN", ("cup", "bottle", "kettle", "fan"), "Guangzhou Meijia Household Products Co., Ltd."),
    Company("浙江远航车业股份有限公司", "CN", ("bicycle", "wheel", "car"), "Zhejiang Yuanhang Vehicle Industry Co., Ltd."),
    Company("东莞市明辉照明电器有限公司", "CN", ("lamp", "fan"), "Dongguan Minghui Lighting Electric Appliance Co., Ltd."),
    Company("宁波海蓝塑料制品有限公司", "CN", ("bottle", "cup", "toothbrush"), "Ningbo Hailan Plastic Products Co., Ltd."),
    Company("杭州青禾电子科技有限公司", "CN", ("toothbrush", "phone", "fan"), "Hangzhou Qinghe Electronic Technology Co., Ltd."),
    Company("佛山市雅座家具制造有限公司", "CN", ("chair",), "Foshan Yazuo Furniture Manufacturing Co., Ltd."),
    Company("香港恒达实业有限公司", "HK", ("bag", "glasses", "watch"), "Hang Tat Industrial Co., Limited"),
    Company("Kowloon Bright Trading Ltd.", "HK", ("glasses", "bag", "shoe"), "九龍明亮貿易有限公司"),
    Company("株式会社ミドリ工業", "JP", ("kettle", "toothbrush", "cup"), "Midori Kogyo Co., Ltd."),
    Company("Sakura Precision Co., Ltd.", "JP", ("watch", "glasses"), "株式会社サクラ精密"),
    Company("株式会社アオバ電機", "JP", ("fan", "lamp", "kettle"), "Aoba Denki Co., Ltd."),
    Company("주식회사 한빛전자", "KR", ("phone", "laptop", "watch"), "Hanbit Electronics Co., Ltd."),
    Company("Daehan Motors Co., Ltd.", "KR", ("car", "wheel"), "대한모터스 주식회사"),
    Company("주식회사 누리생활", "KR", ("cup", "bottle", "toothbrush", "chair"), "Nuri Living Co., Ltd."),
    Company("Solvay Street Design Studio BV", "EM", ("chair", "lamp", "bag")),
)
#: Each company by its registered name.
OWNER_BY_NAME: dict[str, Company] = {c.name: c for c in OWNERS}
#: (registered name, home office) of every company (licensees of the legal histories are drawn from it).
COMPANIES: tuple[tuple[str, str], ...] = tuple((c.name, c.home) for c in OWNERS)
#: The office each generated family leans to, in the order of the draw that once picked a random owner:
#: drawn as before, so the rest of the corpus (numbers, dates, drawings) stays as it was.
LEANING: tuple[str, ...] = ("US", "EM", "EM", "US", "US", "US", "EM", "EM", "EM", "US", "US", "US", "US", "EM", "CN",
                            "CN", "CN", "CN", "CN", "CN", "CN", "HK", "HK", "JP", "JP", "JP", "KR", "KR", "KR", "EM")
_SCRIPT = {"CN": "zh", "HK": "zh", "JP": "ja", "KR": "ko"}  # the script an office's register writes names in


def _script(name: str) -> str:
    if any("\uac00" <= ch <= "\ud7af" for ch in name):
        return "ko"
    if any("\u3040" <= ch <= "\u30ff" for ch in name) or "株式会社" in name:
        return "ja"
    return "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in name) else "en"


def makers(kind: str) -> tuple[Company, ...]:
    """The companies that make ``kind``.

    Examples
    --------
    >>> [c.name for c in makers("bicycle")]
    ['Cascade Mobility Inc.', '浙江远航车业股份有限公司']
    """
    return tuple(c for c in OWNERS if kind in c.kinds)


def pick_owner(kind: str, leaning: str, rng: random.Random, exclude: tuple[str, ...] = ()) -> Company:
    """A maker of ``kind`` (one whose home is ``leaning`` four times as likely), not one of ``exclude``."""
    pool = [c for c in makers(kind) if c.name not in exclude] or [c for c in OWNERS if c.name not in exclude]
    return rng.choices(pool, weights=[4 if c.home == leaning else 1 for c in pool])[0]


def filed_name(company: Company, authority: str) -> str:
    """The name a company files under at ``authority``: its name in the office's script when it has one, else
    its Latin name (a Chinese company files in the US under its English name)."""
    names = [company.name] + ([company.other] if company.other else [])
    script = _SCRIPT.get(authority, "en")
    same = [n for n in names if _script(n) == script]
    if same:
        return same[0]
    latin = [n for n in names if _script(n) == "en"]
    return latin[0] if latin else company.name


_LATIN_FORMS: tuple[tuple[str, tuple[str, ...]], ...] = ((" Co., Ltd.", (" Co., Ltd.", " Co. Ltd.", " Company Limited", " CO LTD", "")),
                (", Limited", (", Limited", " Ltd.", "")),
                (" Co., Limited", (" Co., Limited", " Co., Ltd.", " Company Limited", "")),
                (" Corporation", (" Corporation", " Corp.", " Corp", "")),
                (" Corp.", (" Corp.", " Corporation", " CORP", "")),
                (" Inc.", (" Inc.", " Inc", ", Inc.", " Incorporated", "")),
                (" LLC", (" LLC", ", L.L.C.", " L.L.C.", "")),
                (" GmbH", (" GmbH", " GMBH", "")),
                (" S.r.l.", (" S.r.l.", " SRL", " s.r.l.", "")),
                (" SA", (" SA", " S.A.", "")),
                (" AB", (" AB", " A.B.", "")),
                (" BV", (" BV", " B.V.", "")),
                (" Ltd.", (" Ltd.", " Ltd", " Limited", "")),
                (" Company", (" Company", " Co.", " Co", "")),
                (" Co.", (" Co.", " Company", " Co", "")))
_CJK_FORMS: tuple[tuple[str, tuple[str, ...]], ...] = (("股份有限公司", ("股份有限公司", "")), ("有限公司", ("有限公司", "")),
              ("株式会社", ("株式会社", "(株)")), ("주식회사", ("주식회사", "(주)")))


def name_variant(name: str, rng: random.Random) -> str:
    """A spelling of ``name`` as offices and applicants write it: mostly as registered, else another legal
    form, none, capitals, or the legal form moved (ミドリ工業株式会社).

    Examples
    --------
    >>> sorted({name_variant("Meridian Timepieces SA", random.Random(i)) for i in range(40)})
    ['MERIDIAN TIMEPIECES', 'MERIDIAN TIMEPIECES S.A.', 'MERIDIAN TIMEPIECES SA', 'Meridian Timepieces', 'Meridian Timepieces S.A.', 'Meridian Timepieces SA']
    >>> sorted({name_variant("株式会社ミドリ工業", random.Random(i)) for i in range(40)})
    ['(株)ミドリ工業', 'ミドリ工業 株式会社', 'ミドリ工業株式会社', '株式会社ミドリ工業']
    """
    if rng.random() < 0.5:
        return name
    if _script(name) == "en":
        for form, variants in _LATIN_FORMS:
            if name.endswith(form):
                name = name[: -len(form)] + rng.choice(variants)
                break
        return name.upper() if rng.random() < 0.25 else name
    for form, variants in _CJK_FORMS:
        if name.endswith(form):
            return name[: -len(form)] + rng.choice(variants)
        if name.startswith(form):
            core = name[len(form):].strip()
            return rng.choice((f"{core}{form}", f"{core} {form}", f"{rng.choice(variants)}{core}"))
    return name


# Given and family names per language for inventors.
NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "en": (("Emma", "Liam", "Olivia", "Noah", "Ava", "Lucas", "Mia", "Ethan", "Sofia", "Jonas", "Clara", "Matteo"),
           ("Miller", "Novak", "Garcia", "Schmidt", "Rossi", "Dubois", "Larsen", "Walsh", "Keller", "Moreau", "Brooks", "Varga")),
    "zh": (("伟", "芳", "娜", "敏", "静", "磊", "洋", "婷", "杰", "欣怡", "子轩", "浩然"),
           ("王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙")),
    "ja": (("翔太", "美咲", "大輔", "陽菜", "健", "結衣", "拓海", "葵"),
           ("佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村")),
    "ko": (("민준", "서연", "지훈", "하은", "도윤", "수빈", "현우", "지민"),
           ("김", "이", "박", "최", "정", "강", "조", "윤")),
}

# Legal status code -> the simple legal status it implies (codes.SIMPLE_LEGAL_STATUS keys).
SIMPLE_FOR_LEGAL: dict[int, int] = {
    1: 2, 2: 2, 3: 1, 8: 0, 11: 0, 13: 0, 14: 0, 15: 0, 16: 0, 21: 1, 22: 0, 23: 1, 24: 0, 30: 0,
    222: 221, 223: 221, 224: 220, 225: 0,
}
assert set(SIMPLE_FOR_LEGAL) == set(codes.LEGAL_STATUS)
assert set(SIMPLE_FOR_LEGAL.values()) <= set(codes.SIMPLE_LEGAL_STATUS)

AS_OF = dt.date(2025, 6, 30)  # the corpus' "today": fixed, so statuses do not drift
FIRST_APPLY = dt.date(2010, 1, 1)
LAST_APPLY = dt.date(2024, 10, 31)
TERM_YEARS = {"CN": 10, "US": 14, "EM": 25, "JP": 20, "KR": 20, "HK": 25}  # CN/US terms as of filing before 2021/2015


# Fictional agencies (patent attorneys' firms) by authority, for P012's agents.
AGENCIES: dict[str, tuple[str, ...]] = {
    "CN": ("北京华信知识产权代理有限公司", "深圳市前海专利事务所", "上海东方专利商标代理有限公司"),
    "US": ("Harbor & Vale LLP", "Kestrel IP Law PC", "Brightwater Patent Group"),
    "EM": ("Lindqvist & Moreau Rechtsanwälte", "Fjord IP Partners", "Studio Legale Ponti"),
    "JP": ("特許業務法人みなと国際特許事務所", "Tokiwa Patent Firm"),
    "KR": ("특허법인 한결", "Namsan IP Law Firm"),
    "HK": ("Victoria Harbour IP Agency Ltd.", "九龍知識產權代理有限公司"),
}


def representatives(authority: str, rng: random.Random) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(agents, examiners) of a generated design: one agency of its office, one examiner (none for EM/HK,
    whose designs are registered without substantive examination)."""
    agents = (rng.choice(AGENCIES.get(authority, AGENCIES["US"])),)
    if authority in ("EM", "HK"):
        return agents, ()
    return agents, (person(AUTHORITIES.get(authority, (0.0, "en"))[1], rng),)


def pick_authority(rng: random.Random) -> str:
    names = list(AUTHORITIES)
    return rng.choices(names, weights=[AUTHORITIES[a][0] for a in names])[0]


def new_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def title_for(kind: str, authority: str, rng: random.Random) -> tuple[str, str]:
    lang = AUTHORITIES[authority][1]
    return rng.choice(TITLES[kind][lang]), lang


def person(lang: str, rng: random.Random) -> str:
    given, family = NAMES[lang]
    if lang in ("zh", "ja", "ko"):
        return rng.choice(family) + rng.choice(given)
    return f"{rng.choice(given)} {rng.choice(family)}"


def _random_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def numbers(authority: str, apply_date: dt.date, serial: int, rng: random.Random) -> tuple[str, str]:
    """(publication number, application number) in the authority's format.

    `serial` is unique within the corpus, so numbers never collide.
    """
    y = apply_date.year
    if authority == "CN":
        # CN design grant: CN30 + 7 digits + S; application YYYY30 + 7 digits . check digit
        return f"CN30{(5_000_000 + serial * 7919) % 10**7:07d}S", f"CN{y}30{serial * 131 % 10**7:07d}.{rng.randrange(10)}"
    if authority == "US":
        # US design patents: D6xx,xxx around 2010 to D1,0xx,xxx around 2024, by grant year
        base = 615_000 + int((y - 2010) * 29_000)
        return f"USD{base + serial}S", f"US29{(380_000 + (y - 2010) * 24_000 + serial) % 10**6:06d}"
    if authority == "EM":
        reg = f"{(1_600_000 + (y - 2010) * 560_000 + serial * 37) % 10**9:09d}"
        return f"EM{reg}-{rng.randrange(1, 6):04d}", f"EM{reg}"
    if authority == "JP":
        return f"JP{1_390_000 + (y - 2010) * 30_000 + serial}S", f"JP{y}{serial % 10**6:06d}"
    if authority == "KR":
        return f"KR30{(serial * 1237 + y) % 10**7:07d}0000", f"KR30{y}{serial % 10**7:07d}"
    if authority == "HK":
        return f"HK0{(1_500_000 + (y - 2010) * 250_000 + serial) % 10**7:07d}S", f"HK{y}{serial % 10**7:07d}.{rng.randrange(10)}"
    raise ValueError(f"authority={authority!r}: allowed {sorted(AUTHORITIES)}")


def dates_and_status(authority: str, rng: random.Random,
                     apply_date: dt.date | None = None) -> tuple[dt.date, dt.date, dt.date | None, int, int]:
    """(apply, publication, grant or None, legal_status, simple_legal_status); ``apply_date`` drawn unless given."""
    if apply_date is None:
        apply_date = _random_date(rng, FIRST_APPLY, LAST_APPLY)
    delay = {"CN": (120, 300), "US": (300, 900), "EM": (20, 120), "JP": (200, 450), "KR": (150, 400), "HK": (60, 240)}[authority]
    publication = apply_date + dt.timedelta(days=rng.randint(*delay))
    if publication > AS_OF:
        publication = AS_OF - dt.timedelta(days=rng.randrange(30))
        publication = max(publication, apply_date + dt.timedelta(days=10))
    pending = authority in ("JP", "KR", "EM") and rng.random() < 0.06
    if pending:
        status = rng.choice((1, 2))
        return apply_date, publication, None, status, SIMPLE_FOR_LEGAL[status]
    if rng.random() < 0.03:  # refused or withdrawn after publication of the application
        status = rng.choice((11, 13, 30))
        return apply_date, publication, None, status, SIMPLE_FOR_LEGAL[status]
    grant = publication  # designs are published on registration/grant
    expiry = dt.date(apply_date.year + TERM_YEARS[authority], apply_date.month, min(apply_date.day, 28))
    if expiry <= AS_OF:
        status = 15
    else:
        status = rng.choices((3, 16, 22, 23, 14, 21), weights=(82, 8, 4, 2, 2, 2))[0]
    return apply_date, publication, grant, status, SIMPLE_FOR_LEGAL[status]
