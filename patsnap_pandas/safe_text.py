"""Text and numbers from the API made safe for where they go: records, XML, HTML, terminals, spreadsheets.

The ground floor of the package (no pandas at import): the parser of PatSnap's answers
(:mod:`~patsnap_pandas.api.models`) uses it as well as every writer.

* :func:`xml_safe`: lone surrogates and the characters XML 1.0 cannot hold (C0 controls
  but tab, line feed and carriage return; U+FFFE, U+FFFF) replaced by U+FFFD. Every
  answer passes through it when it is parsed, and the Excel writer uses it again for
  text it did not get from an answer (titles, notes typed by hand).
* :func:`display_safe`: :func:`xml_safe`, and the bidirectional embeddings, overrides
  and isolates (U+202A-U+202E, U+2066-U+2069, which can make text show in another order
  than it is stored, e.g. ``"gnp.exe"`` shown as ``"exe.png"``) replaced by U+FFFD: for
  HTML (reports, thumbnail grids, the panel). Records keep what PatSnap sent.
* :func:`terminal_safe`: every control character (escape sequences) and every bidi
  control, the marks included, replaced by U+FFFD: for terminals.
* :func:`break_runs`: a long run of text without spaces cut into pieces at which a
  line may break (a grapheme is never cut).
* :func:`valid_score`: a similarity score inside 0..1, or None.
* :func:`neutralise_formula`: a cell that a spreadsheet would run as a formula gets a
  leading apostrophe, so it shows as text (:mod:`patsnap_pandas.frame.csv_file` applies it to a frame).
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

from ._validate import check_int

__all__ = ["FORMULA_PREFIXES", "XML_ILLEGAL", "SCORE_TOLERANCE", "xml_safe", "display_safe", "terminal_safe",
           "break_runs", "valid_score", "neutralise_formula"]

#: First characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection), with their
#: full-width and small forms (East Asian input methods type them) and the minus sign.
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r", "\n",
                                     "\uff1d", "\uff0b", "\uff0d", "\uff20",   # ＝ ＋ － ＠
                                     "\ufe66", "\ufe62", "\ufe63", "\ufe6b",   # ﹦ ﹢ ﹣ ﹫
                                     "\u2212")                                 # − minus sign
_FORMULA_CHARS = "".join(p for p in FORMULA_PREFIXES if p not in "\t\r\n")
# Spaces (any Unicode white space) and invisible characters a spreadsheet may skip before a formula:
# zero-width space, non-joiner, joiner, word joiner, byte order mark, soft hyphen, Mongolian vowel separator.
_FORMULA_AFTER_BLANKS = re.compile(r"[\s\u200b-\u200d\u2060\ufeff\u00ad\u180e]*[" + re.escape(_FORMULA_CHARS) + "]")

#: What XML 1.0 cannot hold (and what UTF-8 cannot encode: lone surrogates). Tab, LF and CR are allowed.
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# The explicit bidi formatting characters: embeddings and overrides (U+202A-U+202E), isolates (U+2066-U+2069).
_BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
_UNSAFE_FOR_DISPLAY = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff" + _BIDI_CONTROLS + "]")
# C0/C1 controls, and the bidi embeddings, overrides, isolates and marks (U+061C, U+200E/F).
_UNSAFE_FOR_TERMINALS = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u061c\u200e\u200f" + _BIDI_CONTROLS + "]")

#: ZWJ and variation selectors: a grapheme goes on after them (or they belong to the one before).
GLYPH_JOINERS = frozenset({"\u200d", "\ufe0e", "\ufe0f"})
# Emoji skin-tone modifiers and tag characters (subdivision flags), low surrogates: part of the one before.
_MODIFIERS = re.compile("[\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f\udc00-\udfff]")
_RUN = re.compile(r"\S+")

#: A score this far outside 0..1 is rounding noise and clipped silently; further out it is no score.
SCORE_TOLERANCE = 1e-6


def xml_safe(text: str) -> str:
    """``text`` with lone surrogates and XML-illegal control characters replaced by U+FFFD.

    Examples
    --------
    >>> xml_safe("\\u6905\\ud840"), xml_safe("Lamp\\x00\\x1b[31m"), xml_safe("tab\\tand\\nline")
    ('\\u6905\\ufffd', 'Lamp\\ufffd\\ufffd[31m', 'tab\\tand\\nline')
    """
    return XML_ILLEGAL.sub("\ufffd", text)


def display_safe(text: str) -> str:
    """:func:`xml_safe`, and the bidi embeddings, overrides and isolates replaced by U+FFFD (for HTML).

    The marks (U+200E, U+200F, U+061C) stay: right-to-left text needs them, and they cannot
    turn a run of text around.

    Examples
    --------
    >>> display_safe("Chair \\u202egnp.exe"), display_safe("\\u05db\\u05d9\\u200f 1")
    ('Chair \\ufffdgnp.exe', '\\u05db\\u05d9\\u200f 1')
    """
    return _UNSAFE_FOR_DISPLAY.sub("\ufffd", text)


def terminal_safe(text: str) -> str:
    """``text`` with terminal control characters and bidi controls replaced by U+FFFD.

    Examples
    --------
    >>> terminal_safe("Chair\\u202etxt.exe"), terminal_safe("Lamp\\x1b[31m red")
    ('Chair\\ufffdtxt.exe', 'Lamp\\ufffd[31m red')
    """
    return _UNSAFE_FOR_TERMINALS.sub("\ufffd", text)


def break_runs(text: str, every: int = 10, longer_than: int = 30) -> list[str]:
    """``text`` in pieces: each run of more than ``longer_than`` non-space characters cut every ``every``.

    A line may break between two pieces (a writer puts a break opportunity there, e.g.
    ``<wbr>``); joined, the pieces are ``text``. Words up to ``longer_than`` characters stay
    whole; a cut never separates a combining mark, a joiner, a variation selector or an
    emoji modifier from its character. Text without long runs is one piece.

    Examples
    --------
    >>> break_runs("short words stay whole")
    ['short words stay whole']
    >>> break_runs("see " + "x" * 7, every=3, longer_than=5)
    ['see xxx', 'xxx', 'x']
    """
    every = check_int(every, "every", 1)
    longer_than = check_int(longer_than, "longer_than", every)  # runs are cut only when longer than a piece
    pieces: list[str] = []
    start = 0
    for run in _RUN.finditer(text):
        if run.end() - run.start() <= longer_than:
            continue
        cut = _grapheme_boundary(text, run.start() + every, run.end())
        while cut < run.end():
            pieces.append(text[start:cut])
            start = cut
            cut = _grapheme_boundary(text, cut + every, run.end())
    pieces.append(text[start:])
    return pieces


def _grapheme_boundary(text: str, cut: int, end: int) -> int:
    """The first index at or after ``cut`` (up to ``end``) that does not split a grapheme."""
    while cut < end and (text[cut] in GLYPH_JOINERS or text[cut - 1] == "\u200d"
                         or unicodedata.combining(text[cut]) or _MODIFIERS.match(text[cut])):
        cut += 1
    return cut


def valid_score(value: Any) -> float | None:
    """A similarity score as a float in 0..1, or None when ``value`` is none (missing, not finite, outside).

    Scores within :data:`SCORE_TOLERANCE` of the range (rounding) are clipped into it.

    Examples
    --------
    >>> valid_score(0.93), valid_score(1.0000000001), valid_score("0.5")
    (0.93, 1.0, 0.5)
    >>> valid_score(1e308), valid_score(float("-inf")), valid_score(float("nan")), valid_score(-0.2)
    (None, None, None, None)
    """
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if not math.isfinite(number) or not -SCORE_TOLERANCE <= number <= 1 + SCORE_TOLERANCE:
        return None
    return min(max(number, 0.0), 1.0)


def neutralise_formula(value: Any) -> Any:
    """``value`` with a leading ``'`` when it is text a spreadsheet would run as a formula.

    That is text starting with one of :data:`FORMULA_PREFIXES` (tab, carriage return and line
    feed included), or with ``= + - @`` (or their full-width or small forms) after white space
    or invisible characters (zero-width space, joiners, byte order mark). Anything else
    (numbers, missing values, harmless text) comes back unchanged.

    Examples
    --------
    >>> neutralise_formula('=HYPERLINK("http://x.example","Click")')
    '\\'=HYPERLINK("http://x.example","Click")'
    >>> neutralise_formula("-2+3+cmd|' /C calc'!A0"), neutralise_formula("Chair"), neutralise_formula(-2)
    ("'-2+3+cmd|' /C calc'!A0", 'Chair', -2)
    >>> [neutralise_formula(v) for v in ("\\n=1+1", "  =1+1", "\\uff1d1+1", "\\u200b=1+1", " Chair")]
    ["'\\n=1+1", "'  =1+1", "'\\uff1d1+1", "'\\u200b=1+1", ' Chair']
    """
    if isinstance(value, str) and (value.startswith(FORMULA_PREFIXES) or _FORMULA_AFTER_BLANKS.match(value)):
        return "'" + value
    return value


