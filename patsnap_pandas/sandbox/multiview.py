"""P060 (one image) and P061 (up to four images of one product) for the sandbox.

Request: a JSON body (POST), validated as strictly as P009's query string; a
parameter that breaks the documented rules is a :class:`~.params.ParamError`
(error 68300004 naming it). Semantics the sandbox implements, so that they can
be told apart in tests:

- ``patent_type="D"`` searches the design corpus (what P009 searches),
  ``patent_type="U"`` the generated utility-model part (:mod:`.utility`);
  models 1-2 belong to designs, 3-4 to utility models.
- Model 2 (plain) and 3 (shape only) score by the line-drawing descriptor, which
  sees grayscale only. Model 4 adds a colour term: ``(1 - COLOUR_WEIGHT) * shape
  + COLOUR_WEIGHT * colour``, where colour is the histogram intersection of the
  hue histograms of the ink.
- Model 1 (smart recommendation) predicts the Locarno class of the (first)
  image: the score-weighted vote of its :data:`LOC_VOTERS` nearest designs. When
  the winning class has at least :data:`LOC_MIN_SHARE` of the vote, hits of that
  class keep their score and carry ``loc_match: true``; the others are scored
  ``LOC_PENALTY`` times lower and carry ``loc_match: false`` (an unsure prediction
  re-ranks nothing and hits carry no ``loc_match``). With P061 only the first image
  votes, so the order of the images changes the result.
- Several images (P061): a design's score for each image is its best image's
  score; the design's score is a soft maximum over the query images,
  ``m + T * log(mean(exp((s - m) / T)))`` with ``m`` the best of them and ``T`` =
  :data:`SOFTMAX_T`: close to the best view's score, raised when the other views
  agree (a plain mean lets one unlucky view sink the product; on the real drawings
  it did worse than the best single view). The hit ``url`` is the design image that
  matched best.
- ``lang`` ``en``/``cn`` gives a generated design's English/Chinese title
  (``original``: the title as filed); ``return_img_id=1`` adds ``img_id``;
  ``query_text`` narrows like ``main_field``. ``is_https``, ``pre_filter``,
  ``stemming``, ``include_machine_translation`` and ``score_expansion`` are
  validated and otherwise ignored (the sandbox serves http only).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image, ImageOps

from .. import codes
from . import features, metadata
from .corpus import CACHE_DIR_ENV
from .index import Matches
from .params import Filters, ParamError, parse_codes, parse_filters
from .ranking import Ranking, SearchEngine
from .records import hit_message, ymd

COLOUR_WEIGHT = 0.35
HUE_BINS = 12
LOC_VOTERS = 8
LOC_MIN_SHARE = 0.5
LOC_PENALTY = 0.95
SOFTMAX_T = 0.05
_MEMO_SIZE = 64

#: Parameters of P060 (P061: ``urls`` instead of ``url``).
FILTER_NAMES = ("loc", "assignees", "legal_status", "country", "simple_legal_status", "main_field",
                "apply_start_time", "apply_end_time", "public_start_time", "public_end_time")
OPTION_NAMES = ("patent_type", "model", "lang", "field", "order", "limit", "offset", "query_text",
                *codes.IMAGE_FLAGS)
KNOWN = frozenset(FILTER_NAMES + OPTION_NAMES + ("url", "urls"))


@dataclass(frozen=True)
class ImageQuery:
    """A validated P060/P061 request."""

    urls: tuple[str, ...]
    patent_type: str
    model: int
    filters: Filters
    query_text: str | None
    lang: str
    limit: int
    offset: int
    return_img_id: bool


# --- parameters -------------------------------------------------------------------


def _int(body: Mapping, name: str, low: int, high: int, default: int) -> int:
    value = body.get(name)
    if value is None:
        return default
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ParamError(name, value, f"an integer from {low} to {high}")
    return value


def _flag(body: Mapping, name: str) -> bool | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if value in (0, 1, "0", "1"):
        return bool(int(value))
    raise ParamError(name, value, "a boolean: true/false or 0/1")


def _text(body: Mapping, name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ParamError(name, value, "a string")
    return value.strip() or None


def _as_arg(body: Mapping, name: str) -> str | None:
    """A filter value as P009 would get it in its query string (lists joined by commas)."""
    value = body.get(name)
    if value is None:
        return None
    if name == "country":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ParamError("country", value, 'a JSON array of authority codes, e.g. ["CN", "US"]')
        return ",".join(value)
    if isinstance(value, list) and name in ("legal_status", "simple_legal_status"):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ParamError(name, value, "a string")
    return str(value)


def _parse_urls(body: Mapping[str, Any], *, multiple: bool) -> list[str]:
    """The query image URLs: ``urls`` (P061, 1 to MULTI_IMAGE_MAX) or ``url`` (P060), never both."""
    if multiple:
        urls = body.get("urls")
        if not isinstance(urls, list) or not 1 <= len(urls) <= codes.MULTI_IMAGE_MAX:
            raise ParamError("urls", urls, f"required: a JSON array of 1 to {codes.MULTI_IMAGE_MAX} image URLs")
        if "url" in body:
            raise ParamError("url", body["url"], "not a parameter of image-multiple (send urls)")
    else:
        urls = [body.get("url")]
        if "urls" in body:
            raise ParamError("urls", body["urls"], "not a parameter of image-single (send url)")
    for u in urls:
        if not isinstance(u, str) or not u.strip():
            raise ParamError("urls" if multiple else "url", u, "required: the URL of a JPG or PNG image")
    return urls


def _parse_model(body: Mapping[str, Any], patent_type: str) -> int:
    """The image model, one of those of ``patent_type`` (1-2 for designs, 3-4 for utility models)."""
    model = body.get("model")
    allowed = [m for m, (t, _) in codes.IMAGE_MODELS.items() if t == patent_type]
    if isinstance(model, bool) or model not in codes.IMAGE_MODELS:
        raise ParamError("model", model, "required: 1, 2 (designs) or 3, 4 (utility models)")
    if model not in allowed:
        other = "utility models, U" if patent_type == "D" else "designs, D"
        others = [m for m in codes.IMAGE_MODELS if m not in allowed]
        raise ParamError("model", model, f"{allowed[0]} or {allowed[1]} with patent_type {patent_type} "
                                         f"({others[0]}-{others[-1]} are for {other})")
    return model


def parse_body(body: Any, *, multiple: bool, day: dt.date | None = None,
               published: Mapping[str, dt.date] | None = None) -> ImageQuery:
    """Validate a P060 (``multiple=False``) or P061 JSON body (status filters as of ``day``, default today).

    Raises
    ------
    ParamError
        For the first parameter that breaks the documented rules.

    Examples
    --------
    >>> q = parse_body({"urls": ["http://x/1.png", "http://x/2.png"], "patent_type": "D", "model": 1}, multiple=True)
    >>> len(q.urls), q.model, q.limit, q.lang
    (2, 1, 10, 'original')
    >>> parse_body({"url": "http://x/1.png", "patent_type": "U", "model": 1}, multiple=False)
    Traceback (most recent call last):
    ...
    patsnap_pandas.sandbox.params.ParamError: model=1 is invalid: 3 or 4 with patent_type U (1-2 are for designs, D)
    """
    if not isinstance(body, Mapping):
        raise ParamError("body", type(body).__name__, "a JSON object")
    unknown = sorted(set(body) - KNOWN)
    if unknown:
        raise ParamError(unknown[0], body[unknown[0]], "not a parameter of this endpoint")
    urls = _parse_urls(body, multiple=multiple)
    patent_type = body.get("patent_type")
    if patent_type not in codes.PATENT_TYPES:
        raise ParamError("patent_type", patent_type, "required: D (design) or U (utility model)")
    model = _parse_model(body, patent_type)
    lang = body.get("lang", "original")
    if lang not in codes.IMAGE_LANGS:
        raise ParamError("lang", lang, f"one of {', '.join(codes.IMAGE_LANGS)}")
    flags = {name: _flag(body, name) for name in codes.IMAGE_FLAGS}
    field = body.get("field")
    if field is not None and field not in codes.IMAGE_SORT_FIELDS:
        raise ParamError("field", field, f"one of {', '.join(codes.IMAGE_SORT_FIELDS)}")
    given = {name: _as_arg(body, name) for name in FILTER_NAMES}
    args = {k: v for k, v in given.items() if v is not None}
    legal = parse_codes({"legal_status": args.pop("legal_status")}, "legal_status",
                        codes.LEGAL_STATUS_EXTENDED) if "legal_status" in args else None
    if field not in (None, "SCORE"):
        args["field"] = field
    order = _as_arg(body, "order")
    if order is not None:
        args["order"] = order
    filters = dataclasses.replace(parse_filters(args, day=day, published=published), legal_status=legal)
    return ImageQuery(
        urls=tuple(u.strip() for u in urls),
        patent_type=patent_type,
        model=model,
        filters=filters,
        query_text=_text(body, "query_text"),
        lang=lang,
        limit=_int(body, "limit", codes.LIMIT_MIN, codes.LIMIT_MAX, codes.LIMIT_DEFAULT),
        offset=_int(body, "offset", codes.OFFSET_MIN, codes.OFFSET_MAX, codes.OFFSET_MIN),
        return_img_id=bool(flags["return_img_id"]),
    )


# --- colour -----------------------------------------------------------------------


def colour_histogram(image: Image.Image) -> np.ndarray:
    """Hue histogram of the coloured ink of an image (``HUE_BINS`` bins + one for gray ink), summing to 1.

    Examples
    --------
    >>> red = Image.new("RGB", (8, 8), (200, 30, 30))
    >>> int(colour_histogram(red).argmax()), int(colour_histogram(Image.new("L", (8, 8), 0)).argmax())
    (0, 12)
    """
    rgb = image.convert("RGB")
    rgb.thumbnail((256, 256))
    hsv = np.asarray(rgb.convert("HSV"), dtype=np.float32) / 255.0
    value = np.asarray(rgb.convert("L"), dtype=np.float32) / 255.0
    ink = value < 0.85
    hist = np.zeros(HUE_BINS + 1)
    if not ink.any():
        return hist
    sat = hsv[..., 1][ink]
    hue = hsv[..., 0][ink]
    coloured = sat > 0.2
    bins = np.minimum((hue[coloured] * HUE_BINS + 0.5).astype(int) % HUE_BINS, HUE_BINS - 1)
    hist[:HUE_BINS] = np.bincount(bins, minlength=HUE_BINS)
    hist[HUE_BINS] = (~coloured).sum()
    return hist / hist.sum()


COLOUR_VERSION = "c1"


def colour_table(corpus, keys: list[str]) -> np.ndarray:
    """Colour histograms of the corpus images (row order of ``keys``), cached on disk like the features."""
    from .corpus import sandbox_cache_dir

    path = sandbox_cache_dir() / "features" / f"{corpus.fingerprint}-colour-{COLOUR_VERSION}-{HUE_BINS}.npy"
    try:
        table = np.load(path, allow_pickle=False)
        if table.shape == (len(keys), HUE_BINS + 1):
            return table
    except (OSError, ValueError):
        pass
    table = np.stack([colour_histogram(corpus.image(k)) for k in keys])
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        with open(tmp, "wb") as f:
            np.save(f, table, allow_pickle=False)
        os.replace(tmp, path)
    except OSError:  # a read-only cache only costs the time
        pass
    return table


# --- scoring ----------------------------------------------------------------------


class MultiViewScorer:
    """Per-image scores of a corpus for P060/P061, with a small memo per query image.

    Parameters
    ----------
    engine : SearchEngine
        The corpus and its shape index.
    colour : bool
        Also keep colour histograms of every corpus image (for model 4), and describe
        queries by :func:`shape_of` (the utility-model part's index holds shapes).
    """

    def __init__(self, engine: SearchEngine, *, colour: bool = False) -> None:
        self.engine = engine
        keys = engine.index.keys
        row = {k: r for r, k in enumerate(keys)}
        per = [len(d.image_keys) for d in engine.designs]
        self.slots = np.full((len(per), max(per) if per else 1), -1, np.int64)
        for i, design in enumerate(engine.designs):
            for n, key in enumerate(design.image_keys):
                self.slots[i, n] = row[key]
        self.valid = self.slots >= 0
        self.keys = keys
        self.colours = colour_table(engine.corpus, keys) if colour and keys else None
        self.shape_queries = colour  # the utility-model index describes shapes (see utility_engine)
        self._memo: OrderedDict[tuple, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def image_scores(self, image: Image.Image, cache_key: str | None, *, colour: bool) -> np.ndarray:
        """Score of ``image`` against every corpus image (row order of the index)."""
        memo_key = (cache_key, colour) if cache_key is not None else None
        if memo_key is not None:
            with self._lock:
                if memo_key in self._memo:
                    self._memo.move_to_end(memo_key)
                    return self._memo[memo_key]
        query = shape_of(image) if self.shape_queries else image
        shape = np.asarray(self.engine.index.image_similarities(query), dtype=np.float64)
        if colour and self.colours is not None:
            overlap = np.minimum(self.colours, colour_histogram(image)[None, :]).sum(axis=1)
            shape = (1 - COLOUR_WEIGHT) * shape + COLOUR_WEIGHT * overlap
        if memo_key is not None:
            with self._lock:
                self._memo[memo_key] = shape
                while len(self._memo) > _MEMO_SIZE:
                    self._memo.popitem(last=False)
        return shape

    def design_scores(self, sims: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(best score per design, row of its best image) from per-image scores."""
        grid = np.where(self.valid, sims[np.maximum(self.slots, 0)], -1.0)
        best = grid.argmax(axis=1)
        picked = np.arange(len(best))
        return np.clip(grid[picked, best], 0.0, 1.0), self.slots[picked, best]


def predict_loc(engine: SearchEngine, scores: np.ndarray) -> str | None:
    """The Locarno class the ``LOC_VOTERS`` best designs vote for (weighted by score), or None when unsure.

    None when no class gets :data:`LOC_MIN_SHARE` of the vote.

    Examples
    --------
    >>> from patsnap_pandas.sandbox.corpus import generated_corpus
    >>> from patsnap_pandas.sandbox.index import ImageIndex
    >>> corpus = generated_corpus(60, seed=1)
    >>> engine = SearchEngine(corpus, ImageIndex(corpus))
    >>> design = corpus.designs[3]
    >>> scores = engine.match(corpus.image(design.image_keys[0])).scores
    >>> predict_loc(engine, scores) == design.loc[0]
    True
    """
    order = np.lexsort((np.arange(len(scores)), -scores))[:LOC_VOTERS]
    votes: dict[str, float] = {}
    for i in order:
        for code in engine.designs[i].loc:
            votes[code] = votes.get(code, 0.0) + float(scores[i])
    if not votes:
        return None
    best = max(sorted(votes), key=lambda code: votes[code])
    total = sum(votes.values())
    return best if total > 0 and votes[best] / total >= LOC_MIN_SHARE else None


@dataclass(frozen=True)
class _TextFilters:
    """Filters plus ``query_text`` (matched like ``main_field``), as :meth:`SearchEngine.rank` uses them."""

    inner: Filters
    text: Filters | None

    @property
    def field(self) -> str | None:
        return self.inner.field

    @property
    def order(self) -> str:
        return self.inner.order

    def matches(self, design) -> bool:
        return self.inner.matches(design) and (self.text is None or self.text.matches(design))


@dataclass(frozen=True)
class Answer:
    """What P060/P061 found: the ranking, the predicted class and each hit's best image row."""

    ranking: Ranking
    predicted_loc: str | None
    best_rows: np.ndarray


def search(scorer: MultiViewScorer, images: list[tuple[Image.Image, str | None]], query: ImageQuery) -> Answer:
    """Score, narrow, re-rank and sort a P060/P061 query (``images``: (image, memo key) in request order)."""
    colour = query.model == 4
    per_view = [scorer.design_scores(scorer.image_scores(img, key, colour=colour)) for img, key in images]
    stacked = np.stack([s for s, _ in per_view])
    rows = np.stack([r for _, r in per_view])
    top = stacked.max(axis=0)
    scores = top + SOFTMAX_T * np.log(np.exp((stacked - top) / SOFTMAX_T).mean(axis=0))
    best_rows = rows[stacked.argmax(axis=0), np.arange(stacked.shape[1])]
    predicted = None
    if query.model == 1:
        predicted = predict_loc(scorer.engine, stacked[0])
        if predicted is not None:
            match = np.array([predicted in d.loc for d in scorer.engine.designs])
            scores = np.where(match, scores, scores * LOC_PENALTY)
    keys = scorer.keys
    matches = Matches(scores=scores, best_image=[keys[r] if r >= 0 else "" for r in best_rows])
    text = parse_filters({"main_field": query.query_text}, day=query.filters.day) if query.query_text else None
    ranking = scorer.engine.rank(matches, _TextFilters(query.filters, text))
    return Answer(ranking, predicted, best_rows)


def title_in(design, kinds: Mapping[str, str], lang: str) -> str:
    """The design's title in ``lang`` (``original``, ``en``, ``cn``); a real drawing keeps its own."""
    kind = kinds.get(design.patent_id)
    if lang == "original" or kind is None:
        return design.title
    return metadata.TITLES[kind]["en" if lang == "en" else "zh"][0]


def full_hit(design, score: float, url: str, *, img_id: str | None, loc_match: bool | None,
             title: str, day: dt.date) -> dict:
    """One P060/P061 ``patent_messages`` item: the P009 fields plus the fuller ones (current assignee on ``day``)."""
    item = hit_message(design, score, url, extras=True)
    item["title"] = title
    item.update(
        pbdt=ymd(design.publication_date),
        apno=design.apno,
        authority=design.authority,
        current_assignee="; ".join(design.assignees_on(day)),
        original_assignee="; ".join(design.applicants),
        inventor="; ".join(design.inventors),
    )
    if img_id is not None:
        item["img_id"] = img_id
    if loc_match is not None:
        item["loc_match"] = loc_match
    return item


class EngineSlot:
    """A search engine and its scorer, built on first use (thread-safe), e.g. the utility-model part.

    ``build`` returns the engine, or the (engine, scorer) pair when it memoises both itself.
    """

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build = build
        self._value: tuple[SearchEngine, MultiViewScorer] | None = None
        self._lock = threading.Lock()

    @property
    def built(self) -> tuple[SearchEngine, MultiViewScorer] | None:
        return self._value

    def get(self, *, colour: bool) -> tuple[SearchEngine, MultiViewScorer]:
        with self._lock:
            if self._value is None:
                made = self._build()
                self._value = made if isinstance(made, tuple) else (made, MultiViewScorer(made, colour=colour))
            return self._value


_UTILITY_MEMO: dict[str, tuple[SearchEngine, MultiViewScorer]] = {}
_UTILITY_LOCK = threading.Lock()


def shared_utility() -> tuple[SearchEngine, MultiViewScorer]:
    """The utility-model engine and its colour-aware scorer, built once per process (and cache folder)."""
    key = os.environ.get(CACHE_DIR_ENV, "")
    with _UTILITY_LOCK:
        if key not in _UTILITY_MEMO:
            engine = utility_engine()
            _UTILITY_MEMO[key] = (engine, MultiViewScorer(engine, colour=True))
        return _UTILITY_MEMO[key]


def utility_engine() -> SearchEngine:
    """The generated utility-model part (coloured drawings) and the index of their shapes.

    The index describes contrast-stretched grayscale copies (:func:`shape_of`), so a
    red and a blue drawing of one shape describe alike; queries get the same treatment.
    """
    from .corpus import Corpus
    from .index import ImageIndex
    from .utility import utility_corpus

    corpus = utility_corpus()
    shapes = Corpus(corpus.name + "-shape", corpus.designs, lambda key: shape_of(corpus.image(key)),
                    corpus.fingerprint + "-shape")
    return SearchEngine(corpus, ImageIndex(shapes))


def shape_of(image: Image.Image) -> Image.Image:
    """The shape of a drawing whatever its line colour: grayscale, contrast stretched to black on white.

    Examples
    --------
    >>> red, blue = Image.new("RGB", (4, 4), (200, 30, 30)), Image.new("RGB", (4, 4), (30, 60, 200))
    >>> red.paste((255, 255, 255), (0, 0, 2, 4)); blue.paste((255, 255, 255), (0, 0, 2, 4))
    >>> shape_of(red).tobytes() == shape_of(blue).tobytes()
    True
    """
    return ImageOps.autocontrast(features.to_gray(image))


__all__ = ["colour_histogram", "parse_body", "predict_loc", "shape_of"]
