"""The panel's messages in words for people: labels instead of parameter names, one sentence each.

:class:`~patsnap_pandas.errors.FilterError` carries which filter(s) it is about
(``params``), what is wrong (``problem``) and a likely intended value
(``suggestion``); :func:`filter_message` turns that into the sentence shown next to
the field, with the field's label from :data:`patsnap_pandas.codes.FILTER_LABELS`.

Examples
--------
>>> from patsnap_pandas import SearchFilters
>>> try:
...     SearchFilters(apply_start_time="2022-06-01", apply_end_time="2020-01-01")
... except ValueError as err:
...     filter_message(err)
('apply_start_time', 'Applied from is after Applied to.')
>>> image_message("notes.xml")
'notes.xml is not an image the panel can read: choose a JPG, PNG, TIFF, WEBP, BMP or GIF file.'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..codes import FILTER_LABELS
from ..errors import FilterError, InvalidInputError, MissingCredentialsError, PatsnapError
from ..redaction import redact

__all__ = ["IMAGE_FORMATS", "UPLOAD_ACCEPT", "filter_message", "image_message", "more_in_words", "note_in_words",
           "plain_error", "plural", "searched_views", "split_urls", "too_many_views", "total_in_words", "url_message",
           "urls_message"]

#: What the file chooser offers and the messages name (anything Pillow reads is converted anyway).
IMAGE_FORMATS: tuple[str, ...] = ("JPG", "PNG", "TIFF", "WEBP", "BMP", "GIF")
UPLOAD_ACCEPT = ".jpg,.jpeg,.png,.tif,.tiff,.webp,.bmp,.gif,image/*"
_FORMATS_TEXT = ", ".join(IMAGE_FORMATS[:-1]) + " or " + IMAGE_FORMATS[-1]

# Problems whose wording names the API; said here the way the field reads.
_LOC_HINT = "write Locarno codes such as 06-01, joined with AND, OR or NOT"


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "?", "!")) else text + "."


def filter_message(error: FilterError) -> tuple[str | None, str]:
    """``(field, sentence)`` for a filter error: the filter it belongs next to, and what to say.

    Parameters
    ----------
    error : FilterError
        As raised by :class:`~patsnap_pandas.api.filters.SearchFilters`.

    Returns
    -------
    tuple
        The filter name the message belongs to (the first of ``error.params``; None when
        the error names none) and one or two short sentences using the field labels.

    Examples
    --------
    >>> from patsnap_pandas import SearchFilters
    >>> try:
    ...     SearchFilters(country="XX")
    ... except ValueError as err:
    ...     filter_message(err)
    ('country', "Authority: 'XX' is not an authority code.")
    >>> try:
    ...     SearchFilters(loc="06-01 AMD 06-02")
    ... except ValueError as err:
    ...     filter_message(err)
    ('loc', "Locarno class: unexpected 'AMD'; write Locarno codes such as 06-01, joined with AND, OR or NOT. Did you mean 'AND'?")
    """
    params = getattr(error, "params", ())
    problem = getattr(error, "problem", None)
    suggestion = getattr(error, "suggestion", None)
    if not params or problem is None:
        return None, _sentence(str(error))
    name = params[0]
    label = FILTER_LABELS.get(name, name)
    if problem == "after" and len(params) == 2:
        return name, f"{label} is after {FILTER_LABELS.get(params[1], params[1])}."
    unknown = re.fullmatch(r"unknown (?:authority|status) (.+)", problem)
    if unknown:
        kind = "an authority code" if name == "country" else "a status"
        text = f"{label}: {unknown.group(1)} is not {kind}."
    elif name == "loc":
        text = f"{label}: {problem}; {_LOC_HINT}."
    else:
        text = f"{label}: {_sentence(problem)}"
    if suggestion:
        text += f" Did you mean {suggestion!r}?"
    return name, text


def image_message(name: str) -> str:
    """One sentence for a chosen file that is not a readable image, naming the formats that work.

    Examples
    --------
    >>> image_message("scan.pdf")
    'scan.pdf is not an image the panel can read: choose a JPG, PNG, TIFF, WEBP, BMP or GIF file.'
    """
    return f"{name} is not an image the panel can read: choose a {_FORMATS_TEXT} file."


def url_message(url: str) -> str | None:
    """None for an http(s) URL; else one sentence saying what the URL box takes.

    Examples
    --------
    >>> url_message("https://example.com/chair.png") is None
    True
    >>> url_message("ftp://example.com/chair.png")
    'Image URL: paste a link that starts with https:// or http://, or choose a file instead.'
    """
    if re.fullmatch(r"https?://\S+", url.strip(), re.IGNORECASE):
        return None
    return "Image URL: paste a link that starts with https:// or http://, or choose a file instead."


def split_urls(text: str) -> list[str]:
    """The URLs of the URL box: one, or several separated by spaces, commas or new lines.

    Examples
    --------
    >>> split_urls(" https://a.example/1.png,https://a.example/2.png\\n")
    ['https://a.example/1.png', 'https://a.example/2.png']
    """
    return [part for part in re.split(r"[\s,]+", text.strip()) if part]


def urls_message(text: str, limit: int) -> str | None:
    """None when the URL box holds 1..``limit`` http(s) URLs; else one sentence saying what is wrong.

    Examples
    --------
    >>> urls_message("https://a.example/1.png https://a.example/2.png", 4) is None
    True
    >>> urls_message("https://a.example/1.png www.example.com/2.png", 4)
    'Image URL: www.example.com/2.png does not start with https:// or http://; separate several URLs with spaces.'
    >>> urls_message(" ".join(f"https://a.example/{i}.png" for i in range(5)), 4)
    'Image URL: 5 URLs, but a search takes at most 4 views of one product.'
    """
    urls = split_urls(text)
    if len(urls) <= 1:
        return url_message(text) if urls else None
    for url in urls:
        if url_message(url):
            return (f"Image URL: {url} does not start with https:// or http://; "
                    "separate several URLs with spaces.")
    if len(urls) > limit:
        return f"Image URL: {len(urls)} URLs, but a search takes at most {limit} views of one product."
    return None


def too_many_views(chosen: int, limit: int) -> str:
    """The sentence for a file selection over the view limit (the first ``limit`` files are kept).

    Examples
    --------
    >>> too_many_views(22, 20)
    'You chose 22 files, but a search takes at most 20 views of one product: the first 20 are kept.'
    """
    return (f"You chose {chosen} files, but a search takes at most {limit} views of one product: "
            f"the first {limit} are kept.")


def plural(n: int, word: str, words: str | None = None) -> str:
    """``n`` and the word, singular or plural.

    Examples
    --------
    >>> plural(1, "hit"), plural(3, "hit"), plural(2, "more hit", "more hits")
    ('1 hit', '3 hits', '2 more hits')
    """
    return f"{n} {word if n == 1 else (words or word + 's')}"


def plain_error(what: str, exc: BaseException) -> str:
    """One sentence a user can act on for a failed action (``what``): never a traceback, never a secret.

    Examples
    --------
    >>> plain_error("Search", InvalidInputError("no query image: choose an image file."))
    'Search was not started: no query image: choose an image file.'
    >>> plain_error("Export", OSError("disk full"))
    'Export failed unexpectedly: OSError: disk full'
    """
    if isinstance(exc, MissingCredentialsError):
        return str(exc)
    if isinstance(exc, PatsnapError):
        code = f" (PatSnap error {exc.code})" if exc.code is not None else ""
        return f"{what} failed: {exc.message}{code}. {exc.hint}".strip()
    if isinstance(exc, InvalidInputError):
        return f"{what} was not started: {exc}"
    return f"{what} failed unexpectedly: {type(exc).__name__}: {redact(str(exc))}"


def searched_views(attrs: Mapping[str, Any], key: str = "views") -> list[Any]:
    """The views a search's frame was searched with (``attrs["views"]``; or their ``query_urls``), also when
    the frame merges several searches.

    A prior-art frame merges the design search and the utility-model search: its ``views`` hold one
    entry per search (each a list of views, or None), not the views themselves.

    Examples
    --------
    >>> searched_views({"views": ["front.png", "side.png"]})
    ['front.png', 'side.png']
    >>> searched_views({"views": [None, ["bytes:90adce33"]]})  # designs and utility models, one image
    ['bytes:90adce33']
    >>> searched_views({"query_urls": [None, ["https://x/1.png"]]}, "query_urls")
    ['https://x/1.png']
    >>> searched_views({})
    []
    """
    views = attrs.get(key)
    if not isinstance(views, (list, tuple)):
        return []
    if any(v is None or isinstance(v, (list, tuple)) for v in views):  # one entry per merged search
        return max((list(v) for v in views if isinstance(v, (list, tuple))), key=len, default=[])
    return list(views)


def total_in_words(attrs: Mapping[str, Any]) -> str:
    """How many matched in all (``attrs["total"]``), in words; a prior-art frame's two totals with their kinds.

    Examples
    --------
    >>> total_in_words({"total": 600})
    '600 matching designs'
    >>> total_in_words({"total": [335, 88], "job": "prior_art"})
    '335 matching designs and 88 matching utility models'
    """
    total = attrs.get("total")
    if isinstance(total, (list, tuple)):
        numbers = [int(t) for t in total if isinstance(t, int)]
        if attrs.get("job") == "prior_art" and len(numbers) == 2:
            return f"{numbers[0]} matching designs and {numbers[1]} matching utility models"
        return f"{sum(numbers)} matching designs"
    return f"{'an unknown number of' if total is None else total} matching designs"


def more_in_words(asked: int, got: int, fetched: int, total: Any, cap: int, cached: bool = False) -> str:
    """What Load more did, in words: the hits it added and, when fewer than asked, why.

    Examples
    --------
    >>> more_in_words(10, 10, 20, 600, 1000)
    'Loaded 10 more hits; 20 of 600 fetched.'
    >>> more_in_words(10, 3, 13, 13, 1000)
    'Loaded 3 more hits (10 asked): every one of the 13 matching designs is fetched now.'
    >>> more_in_words(100, 0, 1000, 5000, 1000)
    'Loaded no more hits: PatSnap serves at most 1000 hits of a search, and all 1000 are fetched now.'
    """
    added = plural(got, "more hit", "more hits") if got else "no more hits"
    if cached:
        added += " (from the cache)"
    if got >= asked:
        return f"Loaded {added}; {fetched} of {total} fetched."
    head = f"Loaded {added}" + (f" ({asked} asked)" if got else "")
    if isinstance(total, int) and fetched >= total:
        return f"{head}: every one of the {total} matching designs is fetched now."
    if fetched >= cap:
        return f"{head}: PatSnap serves at most {cap} hits of a search, and all {cap} are fetched now."
    return f"{head}: PatSnap sent fewer than asked; {fetched} of {total} fetched."


_EXPIRED = re.compile(r"search id \S+ had expired: the search was run again \(new search id \S+\) and its hits "
                      r"after rank (\d+) returned; the ranking may differ from df's(?: \((\d+) hits already in df "
                      r"were left out\))?\.")
_LEFT_OUT = re.compile(r"(\d+) hits already in df were left out \(the ranking changed while paging\)\.")
_SHORT = re.compile(r"(?:n|max_results)=\d+ but \d+ (?:more )?hits were returned: .*|no more hits after rank \d+: .*")


def note_in_words(text: str) -> str | None:
    """A warning of the search modules as the status line says it: in words, without parameter names or ids.

    None for a shortfall of hits, which the action's own message already says (:func:`more_in_words`);
    other warnings (thumbnails, image size) pass as they are.

    Examples
    --------
    >>> note_in_words("search id 3f2a had expired: the search was run again (new search id 9c1d) and its hits "
    ...               "after rank 10 returned; the ranking may differ from df's.")
    'The search had expired (PatSnap keeps a search 20 minutes), so it was run again for the hits after rank 10: their order may differ from the hits shown before.'
    >>> note_in_words("n=10 but 3 more hits were returned: only 13 designs match this query and filters.") is None
    True
    >>> note_in_words("2 hits already in df were left out (the ranking changed while paging).")
    '2 hits already shown were left out: the ranking changed while paging.'
    """
    if _SHORT.fullmatch(text):
        return None
    expired = _EXPIRED.fullmatch(text)
    if expired:
        left = expired.group(2)
        return ("The search had expired (PatSnap keeps a search 20 minutes), so it was run again for the hits "
                f"after rank {expired.group(1)}: their order may differ from the hits shown before"
                + (f"; {left} hits already shown were left out." if left else "."))
    left_out = _LEFT_OUT.fullmatch(text)
    if left_out:
        return f"{left_out.group(1)} hits already shown were left out: the ranking changed while paging."
    return text
