"""PatSnap code tables: plain data, shared by the client and the sandbox.

Sources: ../shared/reference/patsnap-api.md (the developer portal's tables).
Nothing here imports anything of the package; nothing here does I/O.
"""

from __future__ import annotations

# --- legal status (P009 `legal_status`) -------------------------------------
LEGAL_STATUS: dict[int, str] = {
    1: "published",
    2: "substantive examination",
    3: "granted",
    8: "avoidance of double grant",
    11: "withdrawn",
    13: "rejected",
    14: "fully revoked",
    15: "expired",
    16: "annual fee unpaid",
    21: "rights restored",
    22: "rights terminated",
    23: "partially invalidated",
    24: "application terminated",
    30: "abandoned",
    222: "PCT international publication",
    223: "PCT entered designated state (within period)",
    224: "PCT entered designated state (period expired)",
    225: "PCT did not enter designated state",
}

# Extra spellings users type for legal-status names (lower case).
LEGAL_STATUS_ALIASES: dict[str, int] = {
    "disclosure": 1,
    "publication": 1,
    "examination": 2,
    "examining": 2,  # P013's label
    "substantive review": 2,
    "under examination": 2,
    "grant": 3,
    "authorization": 3,
    "authorized": 3,
    "active": 3,
    "withdrawal": 11,
    "rejection": 13,
    "revoked": 14,
    "invalidated": 14,
    "full cancellation": 14,
    "expiration": 15,
    "lapsed": 16,
    "unpaid annual fee": 16,
    "restored": 21,
    "restoration of rights": 21,
    "terminated": 22,
    "termination of rights": 22,
    "partial invalidation": 23,
    "abandonment": 30,
}

# --- simple legal status (P009 `simple_legal_status`, P041 labels) ----------
SIMPLE_LEGAL_STATUS: dict[int, str] = {
    0: "inactive",
    1: "active",
    2: "pending",
    220: "PCT designated stage expired",
    221: "PCT designated stage",
    999: "undetermined",
}

# --- sort fields and orders (P009 `field`, `order`) --------------------------
SORT_FIELDS: dict[str, str] = {
    "APD": "application date",
    "PBD": "publication date",
    "ISD": "issue (grant) date",
}
SORT_ORDERS: tuple[str, ...] = ("desc", "asc")

# --- paging limits -----------------------------------------------------------
LIMIT_MIN, LIMIT_MAX, LIMIT_DEFAULT = 1, 100, 10
OFFSET_MIN, OFFSET_MAX = 0, 1000
UPLOAD_MAX_BYTES = 4096 * 1024  # P010: JPG or PNG, at most 4096 KB
UPLOAD_URL_LIFETIME_S = 32400  # P010 `expire`: 9 hours
IMAGE_URL_LIFETIME_S = 32400  # hit image URLs: 9 hours
SEARCH_ID_LIFETIME_S = 1200  # fetch results within 20 minutes
TOKEN_LIFETIME_S = 1800  # client-credentials token: 30 minutes

# --- error codes -------------------------------------------------------------
# code -> (meaning as PatSnap documents it, kind). The kind names the client's
# exception family; the client maps kinds to classes in errors.py.
ERROR_CODES: dict[int, tuple[str, str]] = {
    68300004: ("Invalid parameter!", "invalid_parameter"),
    68300005: ("Search api failure!", "service_unavailable"),
    68300006: ("Analytic basic access error!", "permission"),
    68300007: ("Bad request!", "bad_request"),
    68300008: ("Service error, please try again later!", "service_unavailable"),
    68300010: ("The file does not comply with upload specifications!", "upload_rejected"),
    67200000: ("Server internal error!", "service_unavailable"),
    67200001: ("API call exceeds the total limit set by the platform!", "quota"),
    67200002: ("Quota exceeds the limit!", "rate_limit"),
    67200003: ("Access token expired or authentication error!", "authentication"),
    67200004: ("No permission or API package quota has exceeded the limit!", "quota"),
    67200005: ("Insufficient balance, call failed!", "quota"),
    67200006: ("This client has expired and call failed!", "authentication"),
    67200007: ("API call exceeds the daily limit!", "quota"),
    67200008: ("The apikey parameter is missing!", "authentication"),
    67200009: ("The apikey does not match the access token!", "authentication"),
}

# Codes worth retrying with backoff (transient by PatSnap's own description).
RETRYABLE_CODES: frozenset[int] = frozenset({68300005, 68300008, 67200000, 67200002})

# Which code the sandbox answers for an unknown or expired search id. PatSnap
# does not document this [open]; the client also recognises the message.
SEARCH_EXPIRED_CODE = 68300007
SEARCH_EXPIRED_MESSAGE = "The search_id is unknown or has expired"

# P062 (overnight batch) [doc: paths, urls <= 10, window, billing per image; open: the names of the
# threshold parameter and of the statuses, the codes of an unknown or unfinished task]. Service time is UTC+8.
BATCH_CREATE_PATH = "/search/patent/image-search/single-batch-create"
BATCH_RESULT_PATH = "/search/patent/image-search/single-batch-result"
SERVICE_UTC_OFFSET_H = 8  # PatSnap's service time: UTC+8 (China Standard Time)
BATCH_WINDOW_OPENS = (22, 0)  # tasks run once a day between 22:00 ...
BATCH_WINDOW_CLOSES = (8, 0)  # ... and 08:00 service time; results after 08:00
BATCH_THRESHOLD_PARAM = "threshold"  # optional similarity threshold 0..1 (with limit, the smaller applies)
BATCH_HITS_MAX = 100  # up to 100 hits per query image
BATCH_STATUSES: dict[str, str] = {
    "WAITING": "waiting for the service window (22:00-08:00 service time)",
    "RUNNING": "running in the service window; results after 08:00 service time",
    "FINISHED": "finished: results can be fetched",
}
BATCH_IMAGE_STATUSES: dict[str, str] = {"SUCCESS": "searched", "FAILED": "the query image could not be read "
                                        "when the job ran (its URL had expired or pointed to no image)"}
BATCH_UNKNOWN_CODE = 68300004  # an unknown task_id: Invalid parameter
BATCH_NOT_READY_CODE = 68300007  # a task not finished yet: Bad request, the message says when
BATCH_NOT_READY_MESSAGE = "The task has not finished"

# --- Locarno classes (design classification; `loc` filter, hit `loc` codes) ----
# Class headings of the Locarno Classification (WIPO, 14th edition), shortened
# where the official heading is a long list; used to say "26-05 (Lighting apparatus)".
LOCARNO_CLASSES: dict[int, str] = {
    1: "Foodstuffs",
    2: "Clothing and haberdashery",
    3: "Travel goods, cases, parasols and personal belongings",
    4: "Brushware",
    5: "Textile piece goods and sheet material",
    6: "Furnishing",
    7: "Household goods",
    8: "Tools and hardware",
    9: "Packages and containers",
    10: "Clocks, watches and measuring instruments",
    11: "Articles of adornment",
    12: "Means of transport or hoisting",
    13: "Equipment for electricity",
    14: "Recording, telecommunication or data processing equipment",
    15: "Machines",
    16: "Photographic, cinematographic and optical apparatus",
    17: "Musical instruments",
    18: "Printing and office machinery",
    19: "Stationery, office equipment, artists' and teaching materials",
    20: "Sales and advertising equipment, signs",
    21: "Games, toys, tents and sports goods",
    22: "Arms, pyrotechnics, hunting, fishing and pest-killing articles",
    23: "Fluid distribution, sanitary, heating, ventilation and air-conditioning equipment",
    24: "Medical and laboratory equipment",
    25: "Building units and construction elements",
    26: "Lighting apparatus",
    27: "Tobacco and smokers' supplies",
    28: "Pharmaceutical and cosmetic products, toilet articles",
    29: "Fire, accident-prevention and rescue equipment",
    30: "Articles for the care and handling of animals",
    31: "Machines and appliances for preparing food or drink",
    32: "Graphic symbols and logos, surface patterns, ornamentation",
    99: "Miscellaneous",
}

# --- authorities (P009 `country`) --------------------------------------------
# WIPO ST.3 codes of patent offices PatSnap covers, plus the regional offices.
AUTHORITIES: dict[str, str] = {
    "AP": "ARIPO", "AR": "Argentina", "AT": "Austria", "AU": "Australia",
    "BA": "Bosnia and Herzegovina", "BE": "Belgium", "BG": "Bulgaria", "BR": "Brazil",
    "BY": "Belarus", "CA": "Canada", "CH": "Switzerland", "CL": "Chile", "CN": "China",
    "CO": "Colombia", "CR": "Costa Rica", "CU": "Cuba", "CY": "Cyprus",
    "CZ": "Czech Republic", "DE": "Germany", "DK": "Denmark", "DZ": "Algeria",
    "EA": "Eurasian Patent Organization", "EC": "Ecuador", "EE": "Estonia", "EG": "Egypt",
    "EM": "EUIPO (EU designs)", "EP": "European Patent Office", "ES": "Spain",
    "FI": "Finland", "FR": "France", "GB": "United Kingdom", "GC": "Gulf Cooperation Council",
    "GE": "Georgia", "GR": "Greece", "GT": "Guatemala", "HK": "Hong Kong", "HR": "Croatia",
    "HU": "Hungary", "ID": "Indonesia", "IE": "Ireland", "IL": "Israel", "IN": "India",
    "IS": "Iceland", "IT": "Italy", "JO": "Jordan", "JP": "Japan", "KE": "Kenya",
    "KR": "South Korea", "KZ": "Kazakhstan", "LT": "Lithuania", "LU": "Luxembourg",
    "LV": "Latvia", "MA": "Morocco", "MC": "Monaco", "MD": "Moldova", "ME": "Montenegro",
    "MN": "Mongolia", "MO": "Macao", "MT": "Malta", "MX": "Mexico", "MY": "Malaysia",
    "NL": "Netherlands", "NO": "Norway", "NZ": "New Zealand", "OA": "OAPI", "PA": "Panama",
    "PE": "Peru", "PH": "Philippines", "PL": "Poland", "PT": "Portugal", "RO": "Romania",
    "RS": "Serbia", "RU": "Russia", "SA": "Saudi Arabia", "SE": "Sweden", "SG": "Singapore",
    "SI": "Slovenia", "SK": "Slovakia", "SM": "San Marino", "SV": "El Salvador",
    "TH": "Thailand", "TN": "Tunisia", "TR": "Turkey", "TW": "Taiwan", "UA": "Ukraine",
    "US": "United States", "UY": "Uruguay", "UZ": "Uzbekistan", "VN": "Vietnam",
    "WO": "WIPO (PCT / Hague)", "ZA": "South Africa",
}

#: Other codes for the same office: "EU" for EUIPO's EM; "DM", the code some databases give Hague
#: registrations (PatSnap's authority list has WO, "WIPO (PCT / Hague)").
AUTHORITY_ALIASES: dict[str, str] = {"EU": "EM", "DM": "WO"}

# --- newer image-search endpoints (P060 one image, P061 up to four) -----------
# Source: ../shared/reference/patsnap-api.md, "Newer image-search endpoints".
#: ``model`` -> (patent type it searches, what it does).
IMAGE_MODELS: dict[int, tuple[str, str]] = {
    1: ("D", "smart recommendation: predicts the LOC of the (first) image and re-ranks with it"),
    2: ("D", "plain image search"),
    3: ("U", "shape only"),
    4: ("U", "shape and colour"),
}
#: ``patent_type`` -> what it is, and the model used when none is given (the recommended one).
PATENT_TYPES: dict[str, str] = {"D": "design", "U": "utility model"}
DEFAULT_MODEL: dict[str, int] = {"D": 1, "U": 4}
#: ``lang``: the language of the titles returned.
IMAGE_LANGS: tuple[str, ...] = ("original", "cn", "en")
#: ``field`` of P060/P061: SCORE (the default) plus the P009 date fields.
IMAGE_SORT_FIELDS: dict[str, str] = {"SCORE": "similarity score", **SORT_FIELDS}
#: P060/P061 ``legal_status``: the P009 table plus the finer withdrawn/abandoned codes.
LEGAL_STATUS_EXTENDED: dict[int, str] = {
    **LEGAL_STATUS,
    12: "withdrawn (undetermined)",
    17: "deemed withdrawn",
    18: "voluntarily withdrawn",
    19: "deemed abandoned",
    20: "voluntarily abandoned",
    25: "abandoned (undetermined)",
}
#: The boolean (0/1) options of P060/P061.
IMAGE_FLAGS: tuple[str, ...] = (
    "is_https", "return_img_id", "pre_filter", "stemming", "include_machine_translation", "score_expansion",
)
MULTI_IMAGE_MAX = 4  # P061: 1..4 images of one product
BATCH_IMAGE_MAX = 10  # P062: up to 10 query image URLs per job


# --- fuller records, legal events, numbers (P012, P013, P069) -----------------
# Source: ../shared/reference/patsnap-api.md, "Fuller records, legal events, numbers, usage".
#: P011/P012/P013/P041: at most this many comma-separated ``patent_id`` or ``patent_number`` values a call.
ID_BATCH_MAX = 100
#: P069 number search: ``limit`` 1..1000, default 10.
NUMBER_SEARCH_LIMIT_MAX, NUMBER_SEARCH_LIMIT_DEFAULT = 1000, 10
#: P013 ``legal_status`` labels: the English name PatSnap writes for each legal status code. PatSnap's
#: portal documents only "Published, Examining, Granted, ..."; the rest is as a third-party wrapper of
#: PatSnap's API lists them [seen], so a client should also accept other spellings.
LEGAL_STATUS_LABELS: dict[int, str] = {
    1: "Published",
    2: "Examining",
    3: "Granted",
    8: "Double",
    11: "Withdrawn",
    12: "Withdrawn-Undetermined",
    13: "Rejected",
    14: "Revoked",
    15: "Expired",
    16: "Non-Payment",
    17: "Withdrawn-Deemed",
    18: "Withdrawn-Voluntarily",
    19: "Abandoned-Deemed",
    20: "Abandoned-Voluntarily",
    21: "Restoration",
    22: "Ceased",
    23: "P-Revoked",
    24: "Discontinuation",
    25: "Abandoned-Undetermined",
    30: "Abandoned",
    222: "PCT published",
    223: "PCT entering(designated period)",
    224: "PCT entering(designated expiration)",
    225: "PCT unentered",
}
#: P013 ``event_status``: the kinds of legal event PatSnap names (same provenance as the labels above).
EVENT_STATUS: tuple[str, ...] = (
    "Transfer", "License", "Pledge", "Trust", "Opposition", "Re-examination", "Customs", "Litigation",
    "Preservation", "Invalid-procedure", "Oral-procedure", "Declassification", "Double application",
)
#: How each billable endpoint is billed: "result" = per patent or hit returned, "call" = per call, "image" = per
#: query image sent (P062's create; its result fetch is not billed) [doc/open:
#: P011/P041 per result are documented, the rest is assumed].
BILLING: dict[str, str] = {
    "/image-search/image-upload": "call",
    "/image-search/search-id": "call",
    "/image-search/results": "call",
    "/basic-patent-data/simple-bibliography": "result",
    "/basic-patent-data/simple-legal-status": "result",
    "/basic-patent-data/bibliography": "result",
    "/basic-patent-data/legal-status": "result",
    "/search/patent/image-single": "call",
    "/search/patent/image-multiple": "call",
    "/search/patent/patent-search-pn": "call",
    BATCH_CREATE_PATH: "image",  # P062: per query image URL of the job [doc]
}


# What each filter is called where people read it (panel labels, messages, reports).
FILTER_LABELS: dict[str, str] = {
    "loc": "Locarno class",
    "assignees": "Assignee",
    "legal_status": "Legal status",
    "country": "Authority",
    "simple_legal_status": "Status",
    "main_field": "Keyword",
    "apply_start_time": "Applied from",
    "apply_end_time": "Applied to",
    "public_start_time": "Published from",
    "public_end_time": "Published to",
    "field": "Sort by",
    "order": "Sort order",
}
