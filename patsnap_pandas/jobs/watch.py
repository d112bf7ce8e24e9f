"""Watch lists: "tell me when a design that looks like one of our products is published".

A :class:`Watch` names one or more products (each 1-4 views of one product, or the rows of a
catalogue frame), the search filters and markets, and whether each design is reported once.
It is kept in the client's store (the cache folder, or the team's Redis with
``PATSNAP_CACHE_URL``), so a watch one analyst saves is run by the team's scheduler.
:meth:`Watch.run` searches every product and returns the hits with ``first_seen``,
``last_seen`` and ``new``, and the marks counsel gave carried forward; how a run goes (one run a
day, resumed after a failure, one billed run for a team) is :mod:`.watch_run`'s.

Examples
--------
>>> from patsnap_pandas import PatsnapClient, Watch, samples
>>> client = PatsnapClient.sandbox(corpus_size=60)
>>> watch = Watch("our chairs", {"C-100": samples.image("armchair"), "L-200": samples.image("desk-lamp")},
...               limit=5).save(client=client)
>>> Watch.names(client=client)
['our chairs']
>>> hits = Watch.load("our chairs", client=client).run(client=client)
>>> len(hits), int(hits["new"].sum()), sorted(hits["query"].unique())
(10, 10, ['C-100', 'L-200'])
>>> client.close()
"""

from __future__ import annotations

import datetime as dt
import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .. import codes
from .._validate import check_column, check_flag, check_int, invalid
from ..api.filters import SearchFilters
from ..errors import CacheWarning, InvalidInputError
from ..frame.watch import history_frame, marks_of
from ..store.locks import flight_key
from .legal import check_markets

if TYPE_CHECKING:
    from ..api.client import PatsnapClient
    from ..store.base import Store
    from ..store.records import RecordsLike

__all__ = ["MAX_VIEWS", "Product", "Watch", "WatchImagesMissingError"]

#: Views of one product searched together (P061 takes 1-4 images).
MAX_VIEWS = 4
#: The kinds of records a watch keeps in the store (``Store.records(kind)``), by the watch's name.
KINDS = {"watch": "watch", "seen": "watch-seen", "marks": "watch-marks", "history": "watch-history",
         "round": "watch-round", "overnight": "watch-overnight"}
_MAX_NAME = 100
_SEP = "\x1f"  # between the parts of a round's key (no name holds a control character)


class WatchImagesMissingError(InvalidInputError):
    """Images of a watch's products can no longer be read (moved or deleted); nothing was billed.

    ``missing`` maps each product to the paths that are gone.

    Examples
    --------
    >>> err = WatchImagesMissingError("our chairs", {"C-100": ["/photos/c100.png"]})
    >>> print(err)
    watch 'our chairs': the images of 1 product are gone: C-100: /photos/c100.png. Put them back, or save the watch again with their new paths (Watch(...).save()); nothing was searched or billed.
    """

    def __init__(self, name: str, missing: Mapping[str, list[str]]) -> None:
        self.name = name
        self.missing = {k: list(v) for k, v in missing.items()}
        listed = "; ".join(f"{product}: {', '.join(paths)}" for product, paths in self.missing.items())
        count = len(self.missing)
        super().__init__(f"watch {name!r}: the images of {count} product{'s' if count != 1 else ''} are gone: "
                         f"{listed}. Put them back, or save the watch again with their new paths "
                         "(Watch(...).save()); nothing was searched or billed.")

    def __reduce__(self) -> tuple[Any, ...]:  # pickled with what it was made of (another process re-raises it)
        return (type(self), (self.name, self.missing))


@dataclass(frozen=True)
class Product:
    """One watched product: its name and 1-4 views (absolute file paths or http(s) URLs).

    Examples
    --------
    >>> Product("C-100", ("/photos/gone.png", "https://img.example/c100.png")).missing()
    ['/photos/gone.png']
    """

    name: str
    views: tuple[str, ...]

    def missing(self) -> list[str]:
        """The views that are local files no longer there."""
        return [v for v in self.views if not _is_url(v) and not Path(v).is_file()]


def _is_url(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


def _view(value: Any, product: str) -> str:
    """One view as kept: an http(s) URL, or the absolute path of an existing file."""
    if isinstance(value, str) and _is_url(value):
        return value
    if isinstance(value, (str, os.PathLike)):
        path = Path(value).expanduser()
        if not path.is_file():
            raise invalid(f"products[{product!r}]", str(value), "no such file",
                          "the path of an image file, or an http(s) URL of a JPG or PNG")
        return str(path.resolve())
    raise InvalidInputError(f"products[{product!r}] is not valid: a {type(value).__name__}. A watch runs "
                            "again next week, so it keeps each image by file path or http(s) URL: save the "
                            "image to a file and give its path.")


def _product(name: Any, value: Any) -> Product:
    if not isinstance(name, str) or not name.strip():
        raise invalid("product name", name, "expected a non-empty text", "a name such as 'C-100'")
    views = list(value) if isinstance(value, (list, tuple)) else [value]
    if not 1 <= len(views) <= MAX_VIEWS:
        raise invalid(f"products[{name!r}]", f"<{len(views)} views>", f"{len(views)} views",
                      f"1 to {MAX_VIEWS} views of one product (a list); more products are more entries")
    return Product(name.strip(), tuple(_view(v, name) for v in views))


def _products(products: Any, image_column: Any, label_column: Any) -> tuple[Product, ...]:
    """The products of a mapping, a catalogue frame or a list of image files."""
    if isinstance(products, pd.DataFrame):
        check_column(products, image_column, "image_column")
        if label_column is not None:
            check_column(products, label_column, "label_column")
        labels = products[label_column] if label_column is not None else products.index.map(str)
        products = dict(zip(map(str, labels), products[image_column], strict=True))
    elif isinstance(products, (str, os.PathLike)) or (isinstance(products, (list, tuple)) and products
                                                       and not isinstance(products[0], (list, tuple))):
        items = [products] if isinstance(products, (str, os.PathLike)) else list(products)
        products = {Path(str(p)).stem if not _is_url(str(p)) else str(p): p for p in items}
    if not isinstance(products, Mapping) or not products:
        raise InvalidInputError(f"products={products!r} is not valid: expected a dict of product name -> image "
                                "(or a list of 1-4 views), a catalogue DataFrame with image_column=, or image paths.")
    out = tuple(_product(name, value) for name, value in products.items())
    names = [p.name for p in out]
    if len(set(names)) != len(names):
        raise InvalidInputError(f"products: the names {sorted({n for n in names if names.count(n) > 1})} are "
                                "given twice; each product needs its own name (label_column=).")
    return out


def _check_name(name: Any) -> str:
    if (not isinstance(name, str) or not name.strip() or len(name) > _MAX_NAME
            or any(ord(c) < 32 for c in name)):
        raise invalid("name", name, "expected a text on one line", f"1 to {_MAX_NAME} characters, e.g. 'our chairs'")
    return name.strip()


def _client(client: PatsnapClient | Store | None) -> PatsnapClient | Store:
    """``client`` (a client, or a store: what keeps the watches), else the default client."""
    from ..store.base import Store
    from .clients import client_for

    return client if isinstance(client, Store) else client_for(None, client)


def round_key(name: str, day: str, product: str) -> str:
    """The store key of one product's hits in a watch's run of ``day`` (each kept as soon as it is searched)."""
    return _SEP.join((name, day, product))


def kept_rounds(client: PatsnapClient | Store, name: str) -> dict[str, list[str]]:
    """The run dates of the watch ``name`` whose product hits are kept -> the products kept for each."""
    out: dict[str, list[str]] = {}
    for key in records(client, "round").keys():
        parts = key.split(_SEP)
        if len(parts) == 3 and parts[0] == name:
            out.setdefault(parts[1], []).append(parts[2])
    return out


def forget_rounds(client: PatsnapClient | Store, name: str, *, keep: str | None = None) -> None:
    """Forget the kept product hits of the watch ``name``'s runs, but those of the date ``keep``."""
    rounds = records(client, "round")
    for day, kept in kept_rounds(client, name).items():
        if day != keep:
            for product in kept:
                rounds.delete(round_key(name, day, product))


def records(client: PatsnapClient | Store, kind: str) -> RecordsLike:
    """The records of ``kind`` (a key of :data:`KINDS`) in the client's store (or the store given)."""
    store = client if not hasattr(client, "store") else client.store
    return store.records(KINDS[kind])


@dataclass(frozen=True)
class Watch:
    """A watch list: products searched again and again, each design reported once.

    Parameters
    ----------
    name : str
        The watch's name, its key in the store (``"our chairs"``).
    products : dict, DataFrame, path or list of paths
        ``{"C-100": "c100.png", "L-200": ["front.png", "side.png"]}`` (1-4 views of one product,
        searched together), a catalogue frame (``image_column``, ``label_column``: one product a
        row), or image files (named by file name). Images are kept by path or http(s) URL.
    limit : int, default 10
        Hits per product, 1..100.
    markets : str or list of str, optional
        Offices to watch (``["CN", "US", "EU"]``): the ``country`` filter.
    report_once : bool, default True
        A design is ``new`` the first time the watch sees it, never again; with False, whenever it
        was not among the previous run's hits.
    **filters
        Search filters of ``search_designs`` (``loc``, ``legal_status``, dates...), checked now.

    Examples
    --------
    >>> from patsnap_pandas import samples
    >>> Watch("lamps", {"L-200": samples.image("desk-lamp")}, markets=["cn", "us"]).filters
    {'country': 'CN,US'}
    >>> Watch("lamps", {"L-200": b"raw bytes"})
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.InvalidInputError: products['L-200'] is not valid: a bytes. A watch runs again next week, so it keeps each image by file path or http(s) URL: save the image to a file and give its path.
    """

    name: str
    products: tuple[Product, ...]
    limit: int = codes.LIMIT_DEFAULT
    report_once: bool = True
    filters: dict[str, str] = field(default_factory=dict)

    def __init__(self, name: str, products: Any, *, limit: int = codes.LIMIT_DEFAULT, markets: Any = None,
                 report_once: bool = True, image_column: Any = None, label_column: Any = None,
                 **filters: Any) -> None:
        chosen = dict(filters)
        if markets is not None:
            if "country" in chosen:
                raise InvalidInputError("markets= and country= name the same filter; give one of them.")
            chosen["country"] = check_markets(markets)  # named as given: markets=
        object.__setattr__(self, "name", _check_name(name))
        object.__setattr__(self, "limit", check_int(limit, "limit", codes.LIMIT_MIN, codes.LIMIT_MAX))
        object.__setattr__(self, "report_once", check_flag(report_once, "report_once"))
        object.__setattr__(self, "filters", SearchFilters.from_kwargs(**chosen).to_dict())
        object.__setattr__(self, "products", _products(products, image_column, label_column))

    # -- kept in the store ------------------------------------------------------------------------

    def to_record(self) -> dict[str, Any]:
        """The watch as the store keeps it (JSON-safe)."""
        return {"name": self.name, "limit": self.limit, "report_once": self.report_once, "filters": self.filters,
                "products": [{"name": p.name, "views": list(p.views)} for p in self.products]}

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Watch:
        """The watch of a stored record (its images are not checked: :meth:`run` says which are gone)."""
        watch = object.__new__(cls)
        object.__setattr__(watch, "name", record["name"])
        object.__setattr__(watch, "limit", int(record["limit"]))
        object.__setattr__(watch, "report_once", bool(record["report_once"]))
        object.__setattr__(watch, "filters", dict(record["filters"]))
        object.__setattr__(watch, "products", tuple(Product(p["name"], tuple(p["views"])) for p in record["products"]))
        return watch

    def save(self, *, client: PatsnapClient | Store | None = None) -> Watch:
        """Keep the watch in the client's store (replacing one of the same name; what it reported stays).

        A sandbox client without ``cache_dir`` keeps its store in a temporary folder deleted when it
        closes: the watch is kept all the same, with a warning that it lasts this session only.
        """
        chosen = _client(client)
        records(chosen, "watch").put(self.name, self.to_record())
        if getattr(chosen, "cache_is_temporary", False):
            warnings.warn(f"watch {self.name!r} is kept in this sandbox client's temporary folder, which is deleted "
                          "when the client closes: it lasts this session only. To run it again next week, give the "
                          "client a folder: PatsnapClient.sandbox(cache_dir=...).",
                          CacheWarning, stacklevel=2)
        return self

    @classmethod
    def load(cls, name: str, *, client: PatsnapClient | Store | None = None) -> Watch:
        """The watch ``name`` kept in the client's store; InvalidInputError naming the watches kept."""
        store = records(_client(client), "watch")
        record = store.get(name)
        if record is None:
            kept = store.keys()
            raise InvalidInputError(f"name={name!r} is not valid: no such watch in this store. Allowed: "
                                    f"{', '.join(map(repr, kept)) if kept else 'none kept yet (Watch(...).save())'}.")
        return cls.from_record(record)

    @staticmethod
    def names(*, client: PatsnapClient | Store | None = None) -> list[str]:
        """The names of the watches kept in the client's store, sorted."""
        return records(_client(client), "watch").keys()

    @staticmethod
    def remove(name: str, *, client: PatsnapClient | Store | None = None) -> bool:
        """Forget the watch ``name``, what it reported, its marks and its history; whether it was kept."""
        chosen = _client(client)
        found = records(chosen, "watch").delete(name)
        for kind in ("seen", "marks", "history", "overnight"):
            records(chosen, kind).delete(name)
        forget_rounds(chosen, name)
        return found

    def check_images(self) -> None:
        """Raise :class:`WatchImagesMissingError` naming the products whose image files are gone."""
        missing = {p.name: p.missing() for p in self.products if p.missing()}
        if missing:
            raise WatchImagesMissingError(self.name, missing)

    # -- running it, and what it keeps -------------------------------------------------------------

    def run(self, *, client: PatsnapClient | None = None, as_of: Any = None, thumbnails: bool = True,
            overnight: bool = False) -> pd.DataFrame:
        """Search every product; the hits with ``first_seen``, ``last_seen``, ``new`` and counsel's marks.

        One run a day (``as_of``, default today in UTC) is billed: the first searches anew (a
        week-old cached answer would miss the week's designs); another run the same day, here or by
        a teammate sharing the store, bills nothing and reports nothing new. A run that failed
        midway resumes, billing only the products it had not finished. See :mod:`.watch_run`.

        ``overnight=True`` submits the products as overnight (P062) jobs instead and returns no
        hits (``attrs["watch_overnight"]`` says what was submitted); :meth:`collect`, or the next
        ``run()``, fetches them after 08:00 service time. See :mod:`.watch_overnight`.
        """
        from .clients import client_for
        from .watch_overnight import collect_watch, pending_submission, submit_watch
        from .watch_run import resolve_day, run_watch

        chosen = client_for(None, client)
        day = resolve_day(chosen, as_of)
        if check_flag(overnight, "overnight"):
            return submit_watch(self, chosen, day)
        if pending_submission(self, chosen) is not None:
            return collect_watch(self, chosen, day, thumbnails)
        return run_watch(self, chosen, as_of=day, thumbnails=thumbnails)

    def collect(self, *, client: PatsnapClient | None = None, as_of: Any = None,
                thumbnails: bool = True) -> pd.DataFrame:
        """The results of the watch's overnight submission as the run of ``as_of`` (default today);
        :class:`~patsnap_pandas.errors.BatchNotReadyError` before 08:00 service time (nothing billed)."""
        from .clients import client_for
        from .watch_overnight import collect_watch
        from .watch_run import resolve_day

        chosen = client_for(None, client)
        return collect_watch(self, chosen, resolve_day(chosen, as_of), thumbnails)

    def last_hits(self, *, client: PatsnapClient | Store | None = None) -> pd.DataFrame:
        """The hits of the last run as it returned them (``new``: first seen on its date), with today's
        marks; no call is made."""
        from .watch_run import last_hits

        return last_hits(self, _client(client))

    def history(self, *, client: PatsnapClient | Store | None = None) -> pd.DataFrame:
        """The watch's runs, oldest first: when, the run's date, billed calls, hits, new hits, outcome."""
        kept = records(_client(client), "history").get(self.name) or {}
        return history_frame(kept.get("runs", []))

    def mark(self, marked: pd.DataFrame, *, client: PatsnapClient | Store | None = None) -> int:
        """Keep counsel's marks (a frame with ``patent_pn``, ``relevance``, ``note``: a run's hits after
        :func:`~patsnap_pandas.frame.marks.mark`, or :func:`~patsnap_pandas.frame.triage.read_triage` of
        the digest workbook): later runs carry them. Returns how many designs are marked now."""
        if not isinstance(marked, pd.DataFrame) or "patent_pn" not in marked.columns:
            raise InvalidInputError("marked is not valid: expected a frame with the columns 'patent_pn', "
                                    "'relevance' and 'note' (a run's hits after mark(), or read_triage()).")
        given = marks_of(marked)  # checked before anything is read or written
        chosen = _client(client)
        owner: Store = chosen.store if hasattr(chosen, "store") else chosen
        with owner.single_flight().hold(flight_key("watch-marks", self.name)):  # two analysts marking at once
            store = records(chosen, "marks")
            kept = (store.get(self.name) or {}).get("marks", {})
            kept.update(given)
            store.put(self.name, {"marks": kept})
        return len(kept)

    def describe(self) -> str:
        """The watch in words, as ``watch show`` prints it."""
        filters = SearchFilters(**self.filters).to_dict()
        count = f"{len(self.products)} product{'s' if len(self.products) != 1 else ''}"
        lines = [f"watch {self.name!r}: {count}, {self.limit} hits each, "
                 f"{'each design reported once' if self.report_once else 'a design is new again after a run without it'}",
                 f"filters: {', '.join(f'{k}={v}' for k, v in filters.items()) or 'none'}"]
        lines += [f"  {p.name}: {', '.join(p.views)}" for p in self.products]
        return "\n".join(lines)


def today_utc() -> dt.date:
    """The UTC date now (a run's date by default)."""
    return dt.datetime.now(dt.timezone.utc).date()
