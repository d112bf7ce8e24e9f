"""Options of PatSnap's newer image searches (P060 one image, P061 up to four): validated before any call.

:class:`ImageSearchOptions` holds everything P060/P061 take besides the image
URL(s) and paging: the patent type and model, the language of the titles, the
0/1 switches, ``query_text`` and the filters. The filters are those of
:class:`~patsnap_pandas.api.filters.SearchFilters` (same names, same spellings,
same checks), except that ``legal_status`` takes the longer P060 table
(:data:`codes.LEGAL_STATUS_EXTENDED`: adds 12, 17, 18, 19, 20, 25) and that
``country`` travels as a JSON array.

Examples
--------
>>> options = ImageSearchOptions(patent_type="U", country=["cn"], legal_status="deemed withdrawn")
>>> options.model, options.to_body()
(4, {'patent_type': 'U', 'model': 4, 'legal_status': '17', 'country': ['CN']})
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from .. import codes
from .._validate import check_choice
from ..errors import FilterError
from .filters import FILTER_NAMES, SearchFilters, filter_error, normalise_choice, normalise_codes, normalise_text, suggest

__all__ = ["IMAGE_OPTION_NAMES", "ImageSearchOptions"]

_MODELS_ALLOWED = "; ".join(f"{m} = {what.split(':')[0]} ({codes.PATENT_TYPES[t]}s, patent_type {t})"
                            for m, (t, what) in codes.IMAGE_MODELS.items())


def _patent_type(value: Any) -> str:
    allowed = ", ".join(f"{t!r} ({label})" for t, label in codes.PATENT_TYPES.items())
    if not isinstance(value, str):
        raise filter_error("patent_type", value, f"expected a string, got {type(value).__name__}", allowed)
    text = value.strip().upper()
    text = {"DESIGN": "D", "UTILITY": "U", "UTILITY MODEL": "U", "UTILITY_MODEL": "U"}.get(text, text)
    if text not in codes.PATENT_TYPES:
        raise filter_error("patent_type", value, "unknown patent type", allowed)
    return text


def _model(value: Any, patent_type: str) -> int:
    if value is None:
        return codes.DEFAULT_MODEL[patent_type]
    model: int = check_choice(value, "model", codes.IMAGE_MODELS, shown=_MODELS_ALLOWED, error=FilterError)
    kind = codes.IMAGE_MODELS[model][0]
    if kind != patent_type:
        fits = [m for m, (t, _) in codes.IMAGE_MODELS.items() if t == patent_type]
        raise filter_error("model", model, f"model {model} searches {codes.PATENT_TYPES[kind]}s, not "
                           f"{codes.PATENT_TYPES[patent_type]}s (patent_type={patent_type!r})",
                           f"{fits[0]} or {fits[1]} with patent_type={patent_type!r}; {_MODELS_ALLOWED}")
    return model


def _lang(value: Any) -> str:
    return normalise_choice("lang", value, codes.IMAGE_LANGS, "language", ", ".join(repr(x) for x in codes.IMAGE_LANGS),
                            {"zh": "cn", "chinese": "cn", "english": "en"})


def _flag(name: str, value: Any) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise filter_error(name, value, f"expected True/False (or 1/0), got {type(value).__name__}", "True, False, 1 or 0")


#: Option names besides the filters of SearchFilters.
IMAGE_OPTION_NAMES: tuple[str, ...] = ("patent_type", "model", "lang", "query_text", *codes.IMAGE_FLAGS)
# Sent as 0/1 (the docs write them so); the others as JSON booleans.
_INT_FLAGS = ("is_https", "stemming", "pre_filter")


@dataclasses.dataclass(frozen=True, init=False, repr=False)
class ImageSearchOptions:
    """Validated P060/P061 options: model and patent type, language, switches and filters.

    Parameters
    ----------
    patent_type : str, default "D"
        ``"D"`` designs or ``"U"`` utility models (``"design"``/``"utility model"`` accepted).
    model : int, optional
        1 smart recommendation or 2 plain image search (designs); 3 shape only or 4 shape and
        colour (utility models). Default: the recommended one of the patent type (1 or 4).
    lang : str, default "original"
        Language of the titles: ``"original"``, ``"cn"`` or ``"en"``.
    query_text : str, optional
        A PatSnap Analytics query that narrows the hits.
    is_https, return_img_id, pre_filter, stemming, include_machine_translation, score_expansion : bool, optional
        The switches of P060/P061; None leaves PatSnap's default.
    **filters
        ``loc``, ``assignees``, ``legal_status`` (the longer P060 table), ``country``,
        ``simple_legal_status``, ``main_field``, the four date bounds, ``field``, ``order``.

    Raises
    ------
    FilterError
        (an :class:`~patsnap_pandas.errors.InvalidInputError`) naming the parameter, the
        value and what is allowed.

    Examples
    --------
    >>> ImageSearchOptions(model=3)
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.FilterError: model=3 is not valid: model 3 searches utility models, not designs (patent_type='D'). Allowed: 1 or 2 with patent_type='D'; ...
    >>> ImageSearchOptions(lang="EN", return_img_id=True, field="score").to_body()
    {'patent_type': 'D', 'model': 1, 'lang': 'en', 'return_img_id': True}
    """

    patent_type: str = "D"
    model: int | None = None
    lang: str = "original"
    query_text: str | None = None
    is_https: bool | None = None
    return_img_id: bool | None = None
    pre_filter: bool | None = None
    stemming: bool | None = None
    include_machine_translation: bool | None = None
    score_expansion: bool | None = None
    filters: SearchFilters = dataclasses.field(default_factory=SearchFilters)
    legal_status: str | None = None

    def __init__(self, patent_type: str = "D", model: int | None = None, lang: str = "original",
                 query_text: str | None = None, *, is_https: bool | None = None,
                 return_img_id: bool | None = None, pre_filter: bool | None = None,
                 stemming: bool | None = None, include_machine_translation: bool | None = None,
                 score_expansion: bool | None = None, **filters: Any) -> None:
        unknown = [name for name in filters if name not in FILTER_NAMES]
        if unknown:
            names = (*IMAGE_OPTION_NAMES, *FILTER_NAMES)
            hint = suggest(unknown[0], names)
            raise FilterError(f"{unknown[0]!r} is not an option of the image search. Allowed names: "
                              f"{', '.join(names)}." + (f" Did you mean {hint!r}?" if hint else ""))
        legal = filters.pop("legal_status", None)
        kind = _patent_type(patent_type)
        set_ = object.__setattr__
        set_(self, "patent_type", kind)
        set_(self, "model", _model(model, kind))
        set_(self, "lang", _lang(lang))
        set_(self, "query_text", None if query_text is None else
             (normalise_text("query_text", query_text, "a PatSnap Analytics query (a string)") or None))
        for name, value in (("is_https", is_https), ("return_img_id", return_img_id), ("pre_filter", pre_filter),
                            ("stemming", stemming), ("include_machine_translation", include_machine_translation),
                            ("score_expansion", score_expansion)):
            set_(self, name, _flag(name, value))
        set_(self, "filters", SearchFilters(**filters))
        blank = legal is None or (isinstance(legal, (str, list, tuple, set)) and not legal)
        set_(self, "legal_status", None if blank else normalise_codes(
            "legal_status", legal, codes.LEGAL_STATUS_EXTENDED, codes.LEGAL_STATUS_ALIASES))

    @classmethod
    def coerce(cls, options: ImageSearchOptions | Mapping[str, Any] | None) -> ImageSearchOptions:
        """None -> the defaults; a mapping -> ``ImageSearchOptions(**mapping)``; options -> themselves.

        Examples
        --------
        >>> ImageSearchOptions.coerce({"patent_type": "U", "model": 3}).model
        3
        """
        if options is None:
            return cls()
        if isinstance(options, ImageSearchOptions):
            return options
        if isinstance(options, Mapping):
            return cls(**options)
        raise FilterError(f"options={options!r} is not valid: expected ImageSearchOptions, a dict or None.")

    def to_body(self) -> dict[str, Any]:
        """The JSON body's options (only what is set; ``country`` as a list, switches as 0/1 or booleans).

        Examples
        --------
        >>> ImageSearchOptions(country="US,CN", is_https=True, order="asc").to_body()
        {'patent_type': 'D', 'model': 1, 'is_https': 1, 'country': ['CN', 'US'], 'order': 'asc'}
        """
        body: dict[str, Any] = {"patent_type": self.patent_type, "model": self.model}
        if self.lang != "original":
            body["lang"] = self.lang
        if self.query_text is not None:
            body["query_text"] = self.query_text
        for name in codes.IMAGE_FLAGS:
            value = getattr(self, name)
            if value is not None:
                body[name] = int(value) if name in _INT_FLAGS else value
        params = self.filters.to_params()
        if self.legal_status is not None:
            params = {"legal_status": self.legal_status, **params}
        for name in FILTER_NAMES:
            if name in params:
                body[name] = params[name].split(",") if name == "country" else params[name]
        return body

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: what result frames keep in ``df.attrs["options"]`` (the filters apart).

        Examples
        --------
        >>> ImageSearchOptions(patent_type="U", model=3, country="CN").to_dict()
        {'patent_type': 'U', 'model': 3}
        """
        body = self.to_body()
        return {k: v for k, v in body.items() if k not in FILTER_NAMES}

    def filter_dict(self) -> dict[str, str]:
        """The filters that are set, normalised (``legal_status`` from the longer table).

        Examples
        --------
        >>> ImageSearchOptions(legal_status=[3, 25], country="cn").filter_dict()
        {'legal_status': '3,25', 'country': 'CN'}
        """
        params = self.filters.to_params()
        if self.legal_status is not None:
            params = {"legal_status": self.legal_status, **params}
        return {name: params[name] for name in FILTER_NAMES if name in params}

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self.to_dict().items())
        more = ", ".join(f"{k}={v!r}" for k, v in self.filter_dict().items())
        return f"ImageSearchOptions({inner}{', ' + more if more else ''})"
