"""``df.patsnap``: the package's verbs on DataFrames, registered on ``import patsnap_pandas``.

The accessor is thin: it checks the columns a method needs, loads thumbnails
where a method shows them, and delegates to ``grids``, ``charts``, ``report``, ``search``,
``batch`` and ``enrich``. It keeps no state (pandas builds a new accessor object
on every ``df.patsnap`` access). Each method imports the module it delegates to
when it runs, so that ``import patsnap_pandas`` (which registers the accessor)
loads neither the HTTP stack nor Pillow. The verbs about the field around a search (owners,
families, landscape, why it matched) live in ``accessor/field.py``; the column check and the
thumbnail loading they all use in ``accessor/base.py``.

Any frame has the accessor, because ``search_each`` starts from a catalogue that
is not a search result. The other methods need a result frame: on a frame with
none of the result columns they raise ``AttributeError``; on a result frame that
lacks a column a method needs, ``ValueError`` naming it.

Examples
--------
>>> from patsnap_pandas import PatsnapClient, samples, search_designs
>>> with PatsnapClient.sandbox() as client:
...     hits = search_designs(samples.image("armchair"), client=client, limit=5)
...     grid = hits.patsnap.thumbnails()                  # an HTML grid in a notebook
...     rich = hits.patsnap.enrich(["assignees", "grant_date"])
>>> grid.count, str(rich["grant_date"].dtype)
(5, 'datetime64[ns]')
>>> int(rich.patsnap.summary()["authority"]["hits"].sum())
5
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .._validate import check_choice, check_int
from ..errors import InvalidInputError
from ..frame.schema import SCHEMA
from .base import check_path, thumbnails_of
from .field import FieldVerbs

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .. import report
    from ..api.client import PatsnapClient
    from ..frame import grids

__all__ = ["PatsnapAccessor"]

_THUMBNAIL_COLUMNS: tuple[str, ...] = ("patent_id", "image_url")


@pd.api.extensions.register_dataframe_accessor("patsnap")
class PatsnapAccessor(FieldVerbs):
    """Design-search verbs for DataFrames: ``df.patsnap.<method>``.

    On a result frame (from ``search_designs``, ``search_each``, ``more``, ``enrich``):
    ``thumbnails``, ``plot_scores``, ``gallery``, ``more``, ``enrich``, ``in_force``, ``top``,
    ``summary``, ``overlap``, ``why``, ``overlay``, ``mark``, ``mark_history``, ``apply_triage``, ``report``,
    ``to_html``, ``to_pdf``, ``to_excel``, ``to_docx``; the landscape: ``timeline``, ``owner_classes``,
    ``office_years``, ``risk_matrix``, ``top_risks``, ``landscape``. On any frame:
    ``search_each``.

    Examples
    --------
    >>> import pandas as pd
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> client = PatsnapClient.sandbox()
    >>> hits = search_designs(samples.image("armchair"), client=client, limit=10)
    >>> hits.patsnap.top(3)["rank"].tolist()
    [1, 2, 3]
    >>> pd.DataFrame({"sku": ["C-100"]}).patsnap.top(3)
    Traceback (most recent call last):
    ...
    AttributeError: df.patsnap.top() works on design-search results ... use df.patsnap.search_each(column).
    >>> client.close()
    """

    # --- showing ------------------------------------------------------------------------------

    def thumbnails(self, n: int | None = None, columns: int = 5, size: int = 160,
                   caption: Sequence[str] | None = None) -> grids.ThumbnailGrid:
        """An HTML grid of the hit thumbnails (displays itself in Jupyter).

        Parameters
        ----------
        n : int, optional
            Show the first ``n`` rows; default all.
        columns : int, default 5
            Thumbnails per line, 1..20.
        size : int, default 160
            Thumbnail box in CSS pixels, 32..1024.
        caption : sequence of column names, optional
            One caption line per column; default (and ``None``) ``grids.CAPTION_DEFAULT``,
            ``("score", "patent_pn", "title")``.

        Returns
        -------
        grids.ThumbnailGrid
            ``.html`` is the markup (no script, every text escaped, images embedded).

        Examples
        --------
        >>> from patsnap_pandas import PatsnapClient, samples, search_designs
        >>> client = PatsnapClient.sandbox()
        >>> hits = search_designs(samples.image("armchair"), client=client, limit=20)
        >>> grid = hits.patsnap.thumbnails(n=10, columns=5)
        >>> grid                                  # a notebook shows the thumbnails
        <ThumbnailGrid: 10 thumbnail(s), css prefix psg-...>
        >>> client.close()
        """
        from ..frame import grids

        df = self._need("thumbnails", "patent_pn", *_THUMBNAIL_COLUMNS)
        caption = grids.CAPTION_DEFAULT if caption is None else caption
        # The renderer validates every argument; an empty dry run does so before any download.
        grids.thumbnail_grid(df.iloc[:0], None, n=n, columns=columns, size=size, caption=caption)
        shown = df if n is None else df.iloc[:n]
        return grids.thumbnail_grid(shown, thumbnails_of(shown), columns=columns, size=size, caption=caption)

    def plot_scores(self, kind: str = "bar", by: str | None = None, ax: Axes | None = None,
                    n: int = 20) -> Axes:
        """Plot the similarity scores: ``"bar"`` (top ``n``), ``"hist"`` or ``"strip"``.

        Parameters
        ----------
        kind : {"bar", "hist", "strip"}
        by : str, optional
            Group by this column (``"query"`` for batch results, ``"authority"``...).
        ax : matplotlib Axes, optional
            Draw there; default a new figure.
        n : int, default 20
            Bars of the bar chart.

        Returns
        -------
        matplotlib.axes.Axes

        Examples
        --------
        >>> from patsnap_pandas import PatsnapClient, samples, search_designs
        >>> client = PatsnapClient.sandbox()
        >>> hits = search_designs(samples.image("armchair"), client=client, limit=20)
        >>> ax = hits.patsnap.plot_scores("hist", by="authority")
        >>> ax = hits.patsnap.plot_scores()          # the top 20 as horizontal bars
        >>> len(ax.patches)
        20
        >>> client.close()
        """
        from ..frame import charts

        df = self._need("plot_scores", "score", "patent_pn")
        return charts.plot_scores(df, kind=kind, by=by, ax=ax, n=n)

    def gallery(self, n: int = 12, cols: int = 4) -> Figure:
        """A matplotlib figure of the first ``n`` thumbnails captioned with number and score.

        Examples
        --------
        >>> from patsnap_pandas import PatsnapClient, samples, search_designs
        >>> client = PatsnapClient.sandbox()
        >>> hits = search_designs(samples.image("armchair"), client=client, limit=20)
        >>> hits.patsnap.gallery(n=8).savefig("gallery.pdf")
        >>> client.close()
        """
        from ..frame import charts, grids

        df = self._need("gallery", "score", "patent_pn", *_THUMBNAIL_COLUMNS)
        n = check_int(n, "n", 1)
        cols = check_int(cols, "cols", *grids.COLUMNS_RANGE)
        shown = df.iloc[:n]
        return charts.gallery(shown, thumbnails_of(shown), n=n, cols=cols)

    # --- searching ----------------------------------------------------------------------------

    def more(self, n: int = 100, refresh: bool = False, client: PatsnapClient | None = None) -> pd.DataFrame:
        """The next ``n`` hits of this frame's search, ranks continued (see ``search.continue_search``).

        Same search id and filters. When the search id has expired (20 minutes) it
        raises ``SearchExpiredError`` unless ``refresh=True``, which runs the search
        again and returns its hits after this frame's last rank.

        Examples
        --------
        >>> from patsnap_pandas import PatsnapClient, samples, search_designs
        >>> client = PatsnapClient.sandbox()
        >>> hits = search_designs(samples.image("armchair"), client=client, limit=20)
        >>> page2 = hits.patsnap.more(50)
        >>> page2["rank"].tolist()[:3], len(page2), page2.attrs["search_id"] == hits.attrs["search_id"]
        ([21, 22, 23], 50, True)
        >>> from patsnap_pandas.frame.schema import concat_frames
        >>> len(concat_frames([hits, page2]))
        70
        >>> client.close()
        """
        from ..jobs import search

        df = self._need("more", *SCHEMA)
        return search.continue_search(df, n, client=client, refresh=refresh)

    def enrich(self, fields: str | Iterable[str] | None = None, legal_status: bool = False,
               client: PatsnapClient | None = None) -> pd.DataFrame:
        """A new frame with bibliographic columns (P011) and optionally the legal status (P041).

        ``fields``: any of ``assignees``, ``applicants``, ``apply_date``,
        ``publication_date``, ``grant_date``, ``loc``, ``authority`` (default all);
        see :func:`patsnap_pandas.jobs.enrich.enrich`.

        Examples
        --------
        >>> from patsnap_pandas import PatsnapClient, samples, search_designs
        >>> client = PatsnapClient.sandbox()
        >>> hits = search_designs(samples.image("armchair"), client=client, limit=20)
        >>> rich = hits.patsnap.enrich(["assignees", "grant_date"], legal_status=True)
        >>> rich.columns[-3:].tolist(), str(rich["grant_date"].dtype)
        (['assignees', 'grant_date', 'simple_legal_status'], 'datetime64[ns]')
        >>> client.close()
        """
        from ..jobs import enrich as _enrich

        df = self._need("enrich", "patent_id")
        return _enrich.enrich(df, fields, legal_status=legal_status, client=client)

    def in_force(self, on: Any = None, markets: str | Iterable[str] | None = None,
                 client: PatsnapClient | None = None) -> pd.DataFrame:
        """A new frame saying whether each hit is in force on ``on`` in ``markets`` (P012 and P013, cached).

        Adds ``expiry_estimate``, ``expiry_rule``, ``expiry_patsnap``, ``in_force``, ``in_force_reason``
        and the other columns of docs/clearance.md; rows of other offices are not looked up (NA).
        See :func:`patsnap_pandas.jobs.legal.in_force`.

        Examples
        --------
        >>> from patsnap_pandas import PatsnapClient, samples, search_designs
        >>> client = PatsnapClient.sandbox(today="2026-12-07")
        >>> hits = search_designs(samples.image("armchair"), client=client, limit=10)
        >>> status = hits.patsnap.in_force(on="2026-12-07", markets="US,EU")
        >>> status.attrs["markets"], set(status["in_force"].dropna()) <= {"in force", "pending", "expired", "lapsed"}
        (['US', 'EM'], True)
        >>> client.close()
        """
        from ..jobs import legal as _legal

        df = self._need("in_force", "patent_id")
        return _legal.in_force(df, on=on, markets=markets, client=client)

    def search_each(self, image_column: Hashable, *, limit: int = 10, max_workers: int = 4,
                    rate_limit: float | None = None, progress: bool = True,
                    client: PatsnapClient | None = None, **options: Any) -> pd.DataFrame:
        """Search the image in ``image_column`` of every row; one long frame of hits.

        Works on any frame (a product catalogue). See :func:`patsnap_pandas.jobs.batch.search_each`
        for ``label_column``, ``thumbnails`` and the filters.

        Examples
        --------
        >>> import pandas as pd
        >>> from patsnap_pandas import PatsnapClient, samples
        >>> catalogue = samples.catalogue().head(2)          # columns sku, name, category, image_path
        >>> client = PatsnapClient.sandbox()
        >>> hits = catalogue.patsnap.search_each("image_path", limit=5, country="CN", label_column="sku",
        ...                                      client=client, progress=False)
        >>> hits["query"].unique().tolist(), sorted(set(hits["authority"])), len(hits)
        (['LMP-1001', 'CHR-2002'], ['CN'], 10)
        >>> client.close()
        """
        from ..jobs import batch

        return batch.search_each(self._obj, image_column, limit=limit, max_workers=max_workers,
                                 rate_limit=rate_limit, progress=progress, client=client, **options)

    # --- tables ----------------------------------------------------------------------------------

    def top(self, n: int = 10, by: str = "score") -> pd.DataFrame:
        """The ``n`` best rows by ``by`` (descending; ascending for ``"rank"``), attrs kept.

        Examples
        --------
        >>> from patsnap_pandas import PatsnapClient, samples, search_designs
        >>> client = PatsnapClient.sandbox()
        >>> hits = search_designs(samples.image("armchair"), client=client, limit=20)
        >>> rich = hits.patsnap.enrich(["apply_date"])
        >>> newest = rich.patsnap.top(3, by="apply_date")
        >>> newest["apply_date"].is_monotonic_decreasing, len(newest)
        (True, 3)
        >>> client.close()
        """
        from .. import report

        df = self._need("top")
        return report.top(df, n, by)

    def summary(self) -> dict[str, pd.DataFrame]:
        """Hits per authority and per owner (when any hit names one: ``frame.parties``), with the best score.

        Returns ``{"authority": DataFrame, "assignee": DataFrame}`` (see ``report.summary``).
        Rows that are not hits (a batch's "error" and "no_hits" rows) are not counted.

        Examples
        --------
        >>> from patsnap_pandas import PatsnapClient, samples, search_designs
        >>> client = PatsnapClient.sandbox()
        >>> hits = search_designs(samples.image("armchair"), client=client, limit=20)
        >>> sorted(hits.patsnap.summary())        # this search's hits name no owner; enrich() adds them
        ['authority']
        >>> by_owner = hits.patsnap.enrich().patsnap.summary()["assignee"]
        >>> by_owner.columns.tolist()
        ['hits', 'patents', 'best_score', 'mean_score']
        >>> client.close()
        """
        from .. import report

        df = self._need("summary", "authority", "patent_id", "score")
        return report.summary(df)

    def overlap(self) -> pd.DataFrame:
        """Patents matched by several queries of a batch result (see ``report.overlap``).

        Examples
        --------
        >>> import pandas as pd
        >>> from PIL import Image
        >>> from patsnap_pandas import PatsnapClient, samples
        >>> chair = samples.image("armchair")
        >>> Image.open(chair).rotate(-4, fillcolor=255).save("chair-2.png")   # a second photo
        >>> catalogue = pd.DataFrame({"name": ["chair", "chair, rotated", "lamp"],
        ...                           "photo": [chair, "chair-2.png", samples.image("desk-lamp")]})
        >>> client = PatsnapClient.sandbox()
        >>> hits = catalogue.patsnap.search_each("photo", label_column="name", client=client, progress=False)
        >>> shared = hits.patsnap.overlap()
        >>> shared.loc[0, "queries"], int(shared.loc[0, "n_queries"])
        (['chair', 'chair, rotated'], 2)
        >>> client.close()
        """
        from .. import report

        df = self._need("overlap", "patent_id", "score")
        if "query_index" not in df.columns and "query" not in df.columns:
            raise InvalidInputError("df.patsnap.overlap() needs batch results with a 'query_index' or 'query' "
                                    f"column (from search_each); this frame has {list(map(str, df.columns))}")
        return report.overlap(df)

    # --- triage ------------------------------------------------------------------------------------

    def mark(self, selection: Any, *, relevance: str | None = None, note: str | None = None, by: str | None = None,
             at: Any = None, client: PatsnapClient | None = None) -> pd.DataFrame:
        """A copy with ``relevance`` and/or ``note`` set on the selected rows, who and when; kept in the history.

        ``selection``: a boolean mask, a patent number or a list of them. ``relevance``:
        ``"relevant"``, ``"not relevant"``, ``"unsure"`` or ``""`` to clear. ``by``: who marks
        (default ``$PATSNAP_REVIEWER``, else the login name) and ``at`` when (default now), recorded
        in ``marked_by`` and ``marked_at`` (UTC, ISO 8601) and appended to the mark history of the
        store (the cache folder or the team's Redis; see :meth:`mark_history`, ``marks.mark``).

        Examples
        --------
        >>> from patsnap_pandas import PatsnapClient, samples, search_designs
        >>> client = PatsnapClient.sandbox()
        >>> hits = search_designs(samples.image("armchair"), client=client, limit=10)
        >>> hits = hits.patsnap.mark(hits["score"] >= hits["score"].iloc[2], relevance="relevant", by="A. Analyst")
        >>> hits["relevance"].value_counts().to_dict(), hits.loc[0, "marked_by"]
        ({'relevant': 3}, 'A. Analyst')
        >>> client.close()
        """
        from ..jobs import marks

        df = self._need("mark", "patent_pn")
        return marks.record_marks(df, selection, relevance=relevance, note=note, by=by, at=at, client=client)

    def mark_history(self, client: PatsnapClient | None = None) -> pd.DataFrame:
        """Every mark kept of this frame's patents, oldest first: ``patent_pn``, ``query``, the mark, who, when.

        The history is in the store (the cache folder, or the team's Redis with ``PATSNAP_CACHE_URL``):
        marks made in other sessions, by others sharing the store, and in the panel are in it.

        Examples
        --------
        >>> from patsnap_pandas import PatsnapClient, samples, search_designs
        >>> client = PatsnapClient.sandbox()
        >>> hits = search_designs(samples.image("armchair"), client=client, limit=5)
        >>> first = hits["patent_pn"].iloc[0]
        >>> hits = hits.patsnap.mark(first, relevance="unsure", by="ana", at="2026-12-07T09:00:00Z")
        >>> hits = hits.patsnap.mark(first, relevance="relevant", note="same legs", by="bo", at="2026-12-08T10:00:00Z")
        >>> hits.patsnap.mark_history()[["relevance", "marked_by", "marked_at"]].values.tolist()
        [['unsure', 'ana', '2026-12-07T09:00:00Z'], ['relevant', 'bo', '2026-12-08T10:00:00Z']]
        >>> client.close()
        """
        from ..jobs import marks

        return marks.mark_history(self._need("mark_history", "patent_pn"), client=client)

    def apply_triage(self, marks: pd.DataFrame | str | Path) -> pd.DataFrame:
        """A copy with the marks and notes of ``marks`` merged in by patent number.

        ``marks``: a frame from :func:`patsnap_pandas.read_triage`, or the path of an
        Excel or Word report, CSV or parquet file to read it from (see ``marks.apply_triage``).

        Examples
        --------
        >>> from patsnap_pandas import PatsnapClient, samples, search_designs
        >>> client = PatsnapClient.sandbox()
        >>> hits = search_designs(samples.image("armchair"), client=client, limit=5)
        >>> hits.patsnap.mark(hits["rank"] == 1, relevance="unsure").to_csv("marks.csv", index=False)
        >>> hits.patsnap.apply_triage("marks.csv")["relevance"].tolist()[:2]
        ['unsure', <NA>]
        >>> client.close()
        """
        from ..frame import triage
        from ..frame.marks import apply_triage

        df = self._need("apply_triage", "patent_pn")
        if isinstance(marks, (str, Path)):
            marks = triage.read_triage(marks)
        return apply_triage(df, marks)

    # --- files -------------------------------------------------------------------------------------

    def report(self, *, title: str = "Design search report", subtitle: str | None = None,
               author: str | None = None, organisation: str | None = None, include: str = "all",
               group_by_relevance: bool = False, notes: Mapping[str, str] | None = None) -> report.Report:
        """The report model of this frame (see :func:`patsnap_pandas.report.build_report`).

        Examples
        --------
        >>> from patsnap_pandas import PatsnapClient, samples, search_designs
        >>> client = PatsnapClient.sandbox()
        >>> hits = search_designs(samples.image("armchair"), client=client, limit=10)
        >>> hits.patsnap.report(title="Chair").hit_count
        10
        >>> client.close()
        """
        from .. import report

        df = self._need("report", *report.REQUIRED_COLUMNS)
        return report.build_report(df, title=title, subtitle=subtitle, author=author, organisation=organisation,
                                   include=include, group_by_relevance=group_by_relevance, notes=notes)

    def to_html(self, path: str | Path, **options: Any) -> Path:
        """Write the report as one self-contained HTML file (no script, images embedded).

        ``options``: ``title``, ``subtitle``, ``author``, ``organisation``, ``include``
        (``"all"``, ``"marked"``, ``"relevant"``), ``group_by_relevance``, ``notes``
        (see :func:`patsnap_pandas.report.build_report`). Thumbnails and the query
        image come from the thumbnail store, so the report works after the image URLs expired.

        Examples
        --------
        >>> from patsnap_pandas import PatsnapClient, samples, search_designs
        >>> client = PatsnapClient.sandbox()
        >>> hits = search_designs(samples.image("armchair"), client=client, limit=20)
        >>> path = hits.patsnap.enrich().patsnap.to_html("report.html", title="Chair", author="A. Analyst")
        >>> text = path.read_text(encoding="utf-8")
        >>> "<script" in text, "SANDBOX" in text
        (False, True)
        >>> client.close()
        """
        from .. import report

        path = check_path(path)
        return report.write_html(self.report(**options), path)

    def to_pdf(self, path: str | Path, page_size: str = "A4", engine: str = "auto", **options: Any) -> Path:
        """Write the report as a PDF, A4 or Letter (needs the ``[pdf]`` extra); options as ``to_html``.

        ``engine``: ``"chromium"``, ``"weasyprint"`` or ``"auto"`` (Chromium when one is found, else
        WeasyPrint; see :func:`patsnap_pandas.report.write_pdf`).

        Examples
        --------
        >>> from patsnap_pandas import PatsnapClient, samples, search_designs
        >>> client = PatsnapClient.sandbox()
        >>> hits = search_designs(samples.image("armchair"), client=client, limit=10)
        >>> hits.patsnap.to_pdf("report.pdf", title="Chair", page_size="Letter").read_bytes()[:5]
        b'%PDF-'
        >>> client.close()
        """
        from .. import report

        path = check_path(path)
        check_choice(page_size, "page_size", report.PAGE_SIZES, what="page size")
        check_choice(engine, "engine", report.PDF_ENGINES, what="PDF engine")
        return report.write_pdf(self.report(**options), path, page_size=page_size, engine=engine)

    def to_excel(self, path: str | Path, **options: Any) -> Path:
        """Write the report as an .xlsx workbook (Summary, Hits with the relevance drop-down, About).

        Options as ``to_html``. Counsel's marks come back with :func:`patsnap_pandas.read_triage`.

        Examples
        --------
        >>> from patsnap_pandas import PatsnapClient, samples, search_designs
        >>> client = PatsnapClient.sandbox()
        >>> hits = search_designs(samples.image("armchair"), client=client, limit=20)
        >>> hits.patsnap.to_excel("hits.xlsx")
        PosixPath('hits.xlsx')
        >>> client.close()
        """
        from .. import report

        path = check_path(path)
        return report.write_excel(self.report(**options), path)

    def to_docx(self, path: str | Path, page_size: str = "A4", **options: Any) -> Path:
        """Write the report as a Word document counsel can edit (``[reports]`` extra); options as ``to_html``.

        Triage notes become Word comments on their hit's row; every page header carries the
        sandbox banner for sandbox data. ``page_size``: ``"A4"`` or ``"Letter"``.

        Examples
        --------
        >>> from patsnap_pandas import PatsnapClient, samples, search_designs
        >>> client = PatsnapClient.sandbox()
        >>> hits = search_designs(samples.image("armchair"), client=client, limit=10)
        >>> hits.patsnap.to_docx("report.docx", title="Chair").read_bytes()[:2]
        b'PK'
        >>> client.close()
        """
        from .. import report

        path = check_path(path)
        check_choice(page_size, "page_size", report.PAGE_SIZES, what="page size")
        return report.write_docx(self.report(**options), path, page_size=page_size)
