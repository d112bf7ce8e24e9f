"""The package's own errors and warnings: bad input, the cache, a missing extra, Ctrl-C in a batch.

* :class:`InvalidInputError` (a ``ValueError``): a bad argument found before any call was
  made (:class:`FilterError` for search filters, :class:`ImageInputError` for query images,
  :class:`InvalidTypeError` for a value of the wrong type).
* :class:`CacheError`: a damaged, locked or unreachable cache (the message names the file or
  the shared cache's URL and the fix), and the budget's count that could not be kept
  (:class:`SpendingLostError`, :class:`SpendingNotRecordedError`).
* :class:`MissingExtraError` names the extra to install; :class:`BatchInterrupted` says what a
  batch stopped by Ctrl-C kept; :class:`CacheWarning` and :class:`ResponseDataWarning` say what
  was kept although something failed.

Import them from :mod:`patsnap_pandas.errors`.
"""

from __future__ import annotations

__all__ = [
    "InvalidInputError", "InvalidTypeError", "FilterError", "ImageInputError", "CacheError",
    "CacheUnavailableError", "SpendingLostError", "SpendingNotRecordedError", "CacheWarning",
    "ResponseDataWarning", "BatchInterrupted", "MissingExtraError",
]


class InvalidInputError(ValueError):
    """A bad argument, found before any call was made (a ``ValueError``).

    Nothing was sent, so nothing was billed. The message names the parameter, the
    value given and what is allowed.

    Examples
    --------
    >>> from patsnap_pandas import InvalidInputError, PatsnapClient
    >>> try:
    ...     PatsnapClient.sandbox(auth="password")
    ... except InvalidInputError as err:
    ...     print(err)
    auth='password' is not valid: allowed 'token' or 'api_key'.
    """


class InvalidTypeError(InvalidInputError, TypeError):
    """A bad argument of the wrong type (both an ``InvalidInputError`` and a ``TypeError``).

    Examples
    --------
    >>> from patsnap_pandas.frame import grids
    >>> try:
    ...     grids.thumbnail_grid([1, 2, 3], None)
    ... except TypeError as err:
    ...     print(type(err).__name__, "-", err)
    InvalidTypeError - df=list is not valid: expected a result frame made by search_designs().
    """


class FilterError(InvalidInputError):
    """A bad search filter value or name; the message names the parameter and what is allowed.

    Examples
    --------
    >>> from patsnap_pandas import SearchFilters
    >>> SearchFilters(country="Untied States")
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.FilterError: country='Untied States' is not valid: unknown authority 'Untied States'. ... Did you mean 'US'?

    Besides the message, the error says what it is about, for interfaces that word it
    themselves (the search panel puts each message next to its field):

    >>> try:
    ...     SearchFilters(apply_start_time="2022-06-01", apply_end_time="2020-01-01")
    ... except FilterError as err:
    ...     print(err.params, err.problem)
    ('apply_start_time', 'apply_end_time') after
    """

    def __init__(self, message: str, *, params: tuple[str, ...] = (), problem: str | None = None,
                 suggestion: str | None = None) -> None:
        super().__init__(message)
        #: The filter name(s) the error is about (two for a date range in the wrong order).
        self.params: tuple[str, ...] = tuple(params)
        #: What is wrong, in a few words ("unknown authority 'XX'"; "after" for a reversed range).
        self.problem: str | None = problem
        #: The value probably meant, when one is close.
        self.suggestion: str | None = suggestion


class ImageInputError(InvalidInputError):
    """A query image that cannot be used (unreadable, empty, wrong kind).

    Examples
    --------
    >>> from patsnap_pandas import search_designs
    >>> search_designs("no-such-drawing.png")
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.ImageInputError: image='no-such-drawing.png': no such file. image must be ...
    """

    #: What :mod:`~patsnap_pandas.api.images` says of a refused image: the parameter, the value as
    #: shown, what is allowed, and the problem alone (None when raised elsewhere).
    parameter: str | None = None
    value: str | None = None
    allowed: str | None = None
    reason: str | None = None


CACHE_FIX = ("Run `patsnap-pandas cache repair` (or patsnap_pandas.store.cache.repair_cache()): it sets the damaged "
             "file aside and keeps every readable answer; or point cache_dir / PATSNAP_CACHE_DIR at another folder.")


class CacheError(Exception):
    """A file of the cache folder is damaged, cannot be opened, or stays locked by another process.

    Raised before any billed call; the message names the file and says how to fix it.

    Attributes
    ----------
    path : str
        The file (or lock file) concerned.

    Examples
    --------
    >>> err = CacheError("/tmp/cache/http_cache.sqlite", "is not a SQLite database (damaged?)")
    >>> print(err)
    The cache file /tmp/cache/http_cache.sqlite is not a SQLite database (damaged?). Run `patsnap-pandas cache repair` ...
    >>> err.path
    '/tmp/cache/http_cache.sqlite'
    """

    def __init__(self, path: str, problem: str, fix: str = CACHE_FIX) -> None:
        self.path = str(path)
        self.problem = problem
        self.fix = fix
        super().__init__(f"The cache file {self.path} {problem}. {fix}")

    def __reduce__(self):
        return (type(self), (self.path, self.problem, self.fix))


#: What to check when the shared cache (Redis) cannot be reached.
CACHE_UNAVAILABLE_FIX = ("Check that the Redis server is running and reachable from this machine, and the "
                         "host, port, database number and password of the cache URL (PATSNAP_CACHE_URL / "
                         "cache_url=).")


class CacheUnavailableError(CacheError):
    """The shared cache (a Redis server) cannot be reached, refused the login, or failed mid-use.

    Raised before any billed call when a read fails (a failed read is never taken for a
    miss: that would pay again for a stored answer). ``path`` is the cache URL with any
    user name and password replaced by ``***``; the message never holds a secret.

    Attributes
    ----------
    path : str
        The redacted URL, e.g. ``"redis://***@cache.example:6379/0"``.

    Examples
    --------
    >>> err = CacheUnavailableError("redis://***@cache.example:6379/0", "cannot be reached (ConnectionError)")
    >>> print(err)
    The shared cache at redis://***@cache.example:6379/0 cannot be reached (ConnectionError). Check that the Redis server ...
    >>> isinstance(err, CacheError)
    True
    """

    def __init__(self, path: str, problem: str, fix: str = CACHE_UNAVAILABLE_FIX) -> None:
        super().__init__(path, problem, fix)
        self.args = (f"The shared cache at {self.path} {problem}. {fix}",)

    def __str__(self) -> str:
        return str(self.args[0])


def _counts_where(path: str) -> str:
    """``the shared cache at <url>`` for a Redis URL, else the file's path."""
    return f"the shared cache at {path}" if "://" in path else path


class SpendingLostError(CacheError):
    """The store of the budget's counts lost them while they were in use: no further billed call is made.

    The shared cache (Redis) was flushed, restarted without persistence or evicted the
    counters, so it would count from 0 again: the budget would let through as many calls
    again. Its cached answers and remembered uploads are gone too. Raised before the
    next billed call; cached answers still work. ``fix`` says how to go on:
    ``patsnap-pandas cache restore-spending`` (or
    :func:`patsnap_pandas.store.budget.restore_spending`) writes the last known counts back.

    Attributes
    ----------
    path : str
        The shared cache's URL (user and password replaced by ``***``).

    Examples
    --------
    >>> err = SpendingLostError("redis://cache.example:6379/0", "lost its counts of billed calls", "Run ...")
    >>> print(err)
    The count of billed calls in the shared cache at redis://cache.example:6379/0 lost its counts of billed calls. Run ...
    >>> isinstance(err, CacheError)
    True
    """

    def __init__(self, path: str, problem: str, fix: str = CACHE_FIX) -> None:
        super().__init__(path, problem, fix)
        self.args = (f"The count of billed calls in {_counts_where(self.path)} {problem}. {fix}",)

    def __str__(self) -> str:
        return str(self.args[0])


class SpendingNotRecordedError(CacheError):
    """A budget is set, but the billed call could not be counted where the budget is kept: it was not sent.

    The cache folder (``usage.sqlite``) cannot be written: a read-only folder or file,
    a full disk. Counting only in memory would give every process the whole budget,
    so with a budget the client refuses to bill instead (without a budget it counts in
    memory and warns once). Cached answers still work. ``path`` names the file.

    Examples
    --------
    >>> err = SpendingNotRecordedError("/srv/cache/usage.sqlite", "cannot be written (read-only)", "Make it writable.")
    >>> print(err)
    The count of billed calls in /srv/cache/usage.sqlite cannot be written (read-only). Make it writable.
    """

    def __init__(self, path: str, problem: str, fix: str = CACHE_FIX) -> None:
        super().__init__(path, problem, fix)
        self.args = (f"The count of billed calls in {_counts_where(self.path)} {problem}. {fix}",)

    def __str__(self) -> str:
        return str(self.args[0])


class CacheWarning(UserWarning):
    """The cache (or upload memo) could not be written: the result is kept and returned anyway.

    Shown once per client and file. Nothing paid for is thrown away; a later identical search in
    the same client is still answered from memory, but another process will pay for it again.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", CacheWarning)   # a read-only cache folder, on purpose
    ...     pass
    >>> issubclass(CacheWarning, UserWarning)
    True
    """


class ResponseDataWarning(UserWarning):
    """PatSnap's answer held text or numbers that cannot be used as sent: they were replaced, the rows kept.

    * a lone surrogate (half of a character, e.g. a CJK title cut in the middle) or a control
      character that XML, Excel and UTF-8 files cannot hold: replaced by U+FFFD, one warning
      per answer with the count and where (``title of CN305000007S``);
    * a similarity score that is not a number in 0..1 (``1e308``, ``Infinity``, ``-3``):
      kept as missing (NaN), one warning per page naming the hits.

    The answer itself is cached as PatSnap sent it and cleaned each time it is read, so a
    search repeated from the cache gives the same rows and makes no billed call.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", ResponseDataWarning)   # known odd titles, on purpose
    ...     pass
    >>> issubclass(ResponseDataWarning, UserWarning)
    True
    """


class MissingExtraError(ImportError):
    """A part of the package needs an optional extra that is not installed.

    The core install (``pip install patsnap-pandas``) is what a script or a scheduled
    job needs; the notebook panel, charts and reports, PDF and Redis parts come with
    the extras ``[jupyter]``, ``[reports]``, ``[pdf]``, ``[redis]`` (or ``[all]``).
    The message names the extra and the command that installs it.

    Attributes
    ----------
    extra : str
        The extra to install, e.g. ``"reports"``.
    feature : str
        What needed it, in words (``"Drawing score charts"``).
    name : str
        The missing module (as on every ``ImportError``).

    Examples
    --------
    >>> err = MissingExtraError("reports", feature="Drawing score charts", module="matplotlib")
    >>> print(err)
    Drawing score charts needs the [reports] extra (matplotlib is not installed): pip install "patsnap-pandas[reports]"
    >>> isinstance(err, ImportError), err.extra, err.name
    (True, 'reports', 'matplotlib')
    """

    def __init__(self, extra: str, *, feature: str, module: str) -> None:
        self.extra = extra
        self.feature = feature
        super().__init__(f"{feature} needs the [{extra}] extra ({module} is not installed): "
                         f'pip install "patsnap-pandas[{extra}]"', name=module)

    def __reduce__(self):  # keep extra/feature/module through pickling (e.g. process pools)
        return (_rebuild_missing_extra, (self.extra, self.feature, self.name))


def _rebuild_missing_extra(extra: str, feature: str, module: str) -> MissingExtraError:
    return MissingExtraError(extra, feature=feature, module=module)


class BatchInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped a batch: the searches that finished are cached; re-running continues from there.

    A ``KeyboardInterrupt``, so code that stops on Ctrl-C still stops. ``finished`` and
    ``total`` count the batch's distinct images. ``billed_after`` counts the billed calls
    sent after the interrupt was seen, and ``under_way`` those already on the wire then,
    which were let finish (both from the client's own count, ``client.usage``); the message
    says them as they are.

    Examples
    --------
    >>> err = BatchInterrupted(finished=3, total=10)
    >>> print(err)
    Interrupted: 3 of 10 images were searched and are cached; no billed call was made after the interrupt. Run the same batch again to continue: finished searches come from the cache at no cost.
    >>> isinstance(err, KeyboardInterrupt)
    True
    >>> print(BatchInterrupted(finished=3, total=10, under_way=2))
    Interrupted: 3 of 10 images were searched and are cached; no billed call was made after the interrupt; the 2 sent before it finished. Run the same batch again ...
    >>> print(BatchInterrupted(finished=3, total=10, billed_after=1))
    Interrupted: 3 of 10 images were searched and are cached; 1 billed call was made after the interrupt. Run ...
    """

    def __init__(self, finished: int = 0, total: int = 0, billed_after: int = 0, under_way: int = 0) -> None:
        self.finished, self.total = finished, total
        self.billed_after, self.under_way = billed_after, under_way
        if billed_after:
            after = f"{billed_after} billed call{'s were' if billed_after != 1 else ' was'} made after the interrupt"
        else:
            after = "no billed call was made after the interrupt"
        if under_way:
            after += f"; the {under_way} sent before it finished"
        super().__init__(
            f"Interrupted: {finished} of {total} images were searched and are cached; {after}. Run the same "
            "batch again to continue: finished searches come from the cache at no cost.")

    def __reduce__(self):
        return (type(self), (self.finished, self.total, self.billed_after, self.under_way))
