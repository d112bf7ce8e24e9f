"""The exception hierarchy, and the mapping from PatSnap error codes / HTTP status to it.

Two families:

* :class:`PatsnapError` and its subclasses: the API (or the network on the way to
  it) refused or failed a call. They carry ``code``, ``message`` and ``endpoint``.
* :class:`InvalidInputError` (a ``ValueError``): a bad argument found before any
  call was made (:class:`FilterError` for search filters, :class:`ImageInputError`
  for query images).
"""

from __future__ import annotations

from . import codes

__all__ = [
    "PatsnapError", "AuthenticationError", "MissingCredentialsError", "QuotaExceededError",
    "RateLimitError", "BudgetExceededError", "InvalidParameterError", "UploadRejectedError", "ServiceUnavailableError",
    "ServiceUnreachableError",
    "SearchExpiredError", "PermissionDeniedError", "BadRequestError", "ResponseFormatError",
    "InvalidInputError", "InvalidTypeError", "FilterError", "ImageInputError", "CacheError", "CacheUnavailableError",
    "SpendingLostError", "SpendingNotRecordedError", "CacheWarning", "ResponseDataWarning",
    "BatchInterrupted", "MissingExtraError", "error_for",
]


class PatsnapError(Exception):
    """A call to the PatSnap API failed.

    Attributes
    ----------
    code : int or None
        PatSnap's ``error_code`` (None when the failure had none, e.g. a network error).
    message : str
        What went wrong, in PatSnap's words when it gave some.
    endpoint : str or None
        The API path called, e.g. ``"/image-search/search-id"``.
    http_status : int or None
        The HTTP status of the answer, when there was one.
    hint : str
        What to do next; ``str(error)`` ends with it.

    Examples
    --------
    Catch the whole family, and read what failed where:

    >>> from patsnap_pandas import PatsnapClient, PatsnapError
    >>> client = PatsnapClient.sandbox()
    >>> try:
    ...     client.search_results("NO-SUCH-SEARCH")
    ... except PatsnapError as err:
    ...     print(type(err).__name__, err.code, err.endpoint)
    SearchExpiredError 68300007 /image-search/results
    >>> client.close()
    """

    #: What to do next; shown after the message.
    hint = "See the error code table in the PatSnap developer portal."

    def __init__(self, message: str, *, code: int | None = None, endpoint: str | None = None,
                 http_status: int | None = None, hint: str | None = None) -> None:
        self.code = code
        self.message = message
        self.endpoint = endpoint
        self.http_status = http_status
        if hint is not None:
            self.hint = hint
        super().__init__(message)

    def __str__(self) -> str:
        where = []
        if self.code is not None:
            where.append(f"error {self.code}")
        if self.http_status is not None and self.http_status != 200:
            where.append(f"HTTP {self.http_status}")
        if self.endpoint:
            where.append(f"on {self.endpoint}")
        head = f"[{', '.join(where)}] " if where else ""
        return f"{head}{self.message} {self.hint}".strip()

    def __reduce__(self):  # keep code/endpoint through pickling (e.g. process pools)
        return (_rebuild, (type(self), self.message, self.code, self.endpoint, self.http_status,
                           self.__dict__.get("hint")))


def _rebuild(cls, message, code, endpoint, http_status, hint):
    return cls(message, code=code, endpoint=endpoint, http_status=http_status, hint=hint)


class AuthenticationError(PatsnapError):
    """The credentials, the token or the ``apikey`` parameter were rejected.

    Codes 67200003 (after one token refresh), 67200006, 67200008, 67200009, HTTP 401.

    Examples
    --------
    >>> from patsnap_pandas import AuthenticationError, PatsnapClient
    >>> from patsnap_pandas.sandbox import start_sandbox
    >>> with start_sandbox() as sandbox:
    ...     client = PatsnapClient(api_key="sk-not-my-key", base_url=sandbox.base_url)
    ...     try:
    ...         client.legal_status(["any-patent-id"])
    ...     except AuthenticationError as err:
    ...         print(err.code, err.hint)
    67200003 Check the API key (PATSNAP_API_KEY) in the PatSnap developer portal.
    """

    hint = ("Check the client id and secret, or the API key, of your PatSnap account "
            "(an expired client must be renewed in the developer portal).")


class MissingCredentialsError(AuthenticationError):
    """No credentials were given and none are set in the environment.

    The message names the variables to set, or says to use the sandbox.

    Examples
    --------
    >>> from patsnap_pandas import MissingCredentialsError, PatsnapClient
    >>> try:
    ...     client = PatsnapClient.from_env()      # no PATSNAP_* variables set here
    ... except MissingCredentialsError as err:
    ...     print(err)
    No PatSnap credentials found. Set PATSNAP_CLIENT_ID and PATSNAP_CLIENT_SECRET ... use PatsnapClient.sandbox().
    """

    hint = ""


class QuotaExceededError(PatsnapError):
    """The account's quota, balance or call limit is used up; retrying will not help.

    Codes 67200001, 67200004, 67200005, 67200007. Cached searches still work.

    Examples
    --------
    A sandbox that answers like an account whose daily limit is used up:

    >>> from patsnap_pandas import PatsnapClient, QuotaExceededError, samples, search_designs
    >>> client = PatsnapClient.sandbox(quota=0, quota_code=67200007)
    >>> try:
    ...     search_designs(samples.image("armchair"), client=client)
    ... except QuotaExceededError as err:
    ...     print(err.code, err.message)
    67200007 API call exceeds the daily limit!
    >>> client.close()
    """

    hint = ("Retrying will not help: check the quota and balance of your account in the "
            "PatSnap developer portal, or wait for the limit to reset. Cached searches still work.")


class RateLimitError(QuotaExceededError):
    """Too many calls in a short time; the client already backed off and retried.

    Code 67200002 or HTTP 429, after ``max_retries`` retries with backoff. A subclass
    of :class:`QuotaExceededError`.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, RateLimitError, samples, search_designs
    >>> client = PatsnapClient.sandbox(quota=0, quota_code=67200002, max_retries=0)
    >>> try:
    ...     search_designs(samples.image("armchair"), client=client)
    ... except RateLimitError as err:
    ...     print(err.code, isinstance(err, QuotaExceededError))
    67200002 True
    >>> client.close()
    """

    hint = ("The client backed off and retried already; wait a moment, lower the number of "
            "parallel searches, or pass rate_limit= (calls per second) to PatsnapClient.")


class BudgetExceededError(PatsnapError):
    """One more billed call would go over the budget you set (``PATSNAP_BUDGET`` / ``budget=``).

    Raised before anything is sent: the call was not made and not billed. The
    message says the limit, the window (a UTC calendar day or month), what was
    spent, when the window resets and how to raise the budget. Cached searches
    still work.

    Attributes
    ----------
    limit : int
        Billed calls allowed per window.
    window : str
        ``"day"`` or ``"month"`` (UTC calendar windows).
    spent : int
        Billed calls counted in this window, by everyone sharing the counter.
    resets_at : str
        When the window ends, ISO 8601 in UTC.

    Examples
    --------
    >>> from patsnap_pandas import BudgetExceededError, PatsnapClient, samples, search_designs
    >>> client = PatsnapClient.sandbox(budget="1/day")
    >>> try:
    ...     search_designs(samples.image("armchair"), client=client)   # an upload and a search: 2 calls
    ... except BudgetExceededError as err:
    ...     print(err.limit, err.window, err.spent, len(client.sandbox_server.ledger))   # not even the upload
    1 day 0 0
    >>> client.close()
    """

    hint = "Cached searches still work."

    def __init__(self, message: str, *, limit: int = 0, window: str = "", spent: int = 0,
                 resets_at: str = "", hint: str | None = None, endpoint: str | None = None) -> None:
        self.limit, self.window, self.spent, self.resets_at = limit, window, spent, resets_at
        super().__init__(message, endpoint=endpoint, hint=hint)

    def __reduce__(self):
        return (_rebuild_budget, (self.message, self.limit, self.window, self.spent, self.resets_at,
                                  self.__dict__.get("hint"), self.endpoint))


def _rebuild_budget(message, limit, window, spent, resets_at, hint, endpoint):
    return BudgetExceededError(message, limit=limit, window=window, spent=spent, resets_at=resets_at,
                               hint=hint, endpoint=endpoint)


class InvalidParameterError(PatsnapError):
    """PatSnap rejected a request parameter (68300004).

    Examples
    --------
    The sandbox searches only image URLs it handed out itself:

    >>> from patsnap_pandas import InvalidParameterError, PatsnapClient
    >>> client = PatsnapClient.sandbox()
    >>> try:
    ...     client.create_search("https://example.com/chair.png")
    ... except InvalidParameterError as err:
    ...     print(err.code, "url=" in err.message)
    68300004 True
    >>> client.close()
    """

    hint = "Check the parameter named in the message; SearchFilters validates most of them locally."


class UploadRejectedError(PatsnapError):
    """The uploaded file does not meet PatSnap's rules (68300010): JPG or PNG, at most 4 MB.

    Examples
    --------
    Bytes that start like a PNG but are not one:

    >>> from patsnap_pandas import PatsnapClient, UploadRejectedError
    >>> client = PatsnapClient.sandbox()
    >>> try:
    ...     client.upload_image(b"\\x89PNG\\r\\n\\x1a\\n" + b"not really a png", "broken.png")
    ... except UploadRejectedError as err:
    ...     print(err.code, err.endpoint)
    68300010 /image-search/image-upload
    >>> client.close()
    """

    hint = ("Upload a JPG or PNG of at most 4 MB; patsnap_pandas.api.images.prepare_image() "
            "converts and shrinks any image.")


class ServiceUnavailableError(PatsnapError):
    """PatSnap (or the network to it) failed even after the retries.

    Codes 68300005, 68300008, 67200000, HTTP 5xx, timeouts and broken connections.

    Examples
    --------
    A sandbox whose every billable call fails with 68300008; two retries, then the error:

    >>> from patsnap_pandas import PatsnapClient, ServiceUnavailableError, samples, search_designs
    >>> client = PatsnapClient.sandbox(failure_rate=1.0, failure_kinds=(68300008,),
    ...                                max_retries=2, backoff_factor=0.01)
    >>> try:
    ...     search_designs(samples.image("armchair"), client=client)
    ... except ServiceUnavailableError as err:
    ...     print(err.code, client.usage.retries)
    68300008 2
    >>> client.close()
    """

    hint = "This is usually temporary: try again in a few minutes."


class ServiceUnreachableError(ServiceUnavailableError):
    """No connection to the service could be opened, even after the retries.

    The server refused the connection, or its name did not resolve: unlike a dropped
    connection or an HTTP 5xx, every further call would fail the same way, so a batch
    stops at once and marks the rows it did not search.

    Examples
    --------
    A sandbox that has been stopped:

    >>> from patsnap_pandas import PatsnapClient, ServiceUnreachableError
    >>> client = PatsnapClient.sandbox(auth="api_key", max_retries=1, backoff_factor=0.01)
    >>> client.sandbox_server.stop()
    >>> try:
    ...     client.legal_status(["x"])
    ... except ServiceUnreachableError as err:
    ...     print(type(err).__name__, "could not connect" in str(err))
    ServiceUnreachableError True
    >>> client.close()
    """

    hint = "Check that the service is running and that the base URL and network settings are right."


class SearchExpiredError(PatsnapError):
    """The search id is unknown or older than its 20-minute life.

    ``df.patsnap.more(refresh=True)`` runs the search again instead.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, SearchExpiredError
    >>> client = PatsnapClient.sandbox()
    >>> try:
    ...     client.search_results("C8C1EC5B3B068562CEFA779B7CC9C7F5-1-D")
    ... except SearchExpiredError as err:
    ...     print(err.message)
    The search_id is unknown or has expired
    >>> client.close()
    """

    hint = "Create the search again (create_search); search ids live 20 minutes."


class PermissionDeniedError(PatsnapError):
    """The account has no access to this API (68300006, HTTP 403).

    Examples
    --------
    >>> from patsnap_pandas.errors import error_for
    >>> err = error_for(68300006, endpoint="/image-search/search-id")
    >>> type(err).__name__, err.message
    ('PermissionDeniedError', 'Analytic basic access error!')
    """

    hint = "Your account's API package does not include this endpoint: check it in the developer portal."


class BadRequestError(PatsnapError):
    """PatSnap refused the request as malformed (68300007, HTTP 400/404...).

    Examples
    --------
    A base URL with a wrong path answers 404:

    >>> from patsnap_pandas import BadRequestError, PatsnapClient
    >>> from patsnap_pandas.sandbox import start_sandbox
    >>> with start_sandbox() as sandbox:
    ...     client = PatsnapClient(api_key=sandbox.credentials.api_key, base_url=sandbox.base_url + "/v9")
    ...     try:
    ...         client.legal_status(["any-patent-id"])
    ...     except BadRequestError as err:
    ...         print(err.http_status)
    404
    """

    hint = "Check the base URL and the arguments; if they look right, report it with the message."


class ResponseFormatError(PatsnapError):
    """The answer was not the JSON envelope PatSnap documents (truncated, HTML, wrong types).

    Examples
    --------
    >>> err = ResponseFormatError("The answer is not valid JSON (text/html: 'Login').",
    ...                           endpoint="/image-search/search-id", http_status=200)
    >>> print(err)
    [on /image-search/search-id] The answer is not valid JSON (text/html: 'Login'). The answer was not PatSnap's JSON: ...
    """

    hint = ("The answer was not PatSnap's JSON: check the base URL (a proxy or captive portal "
            "may be answering), then try again.")


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


_KIND_TO_CLASS: dict[str, type[PatsnapError]] = {
    "authentication": AuthenticationError,
    "quota": QuotaExceededError,
    "rate_limit": RateLimitError,
    "invalid_parameter": InvalidParameterError,
    "upload_rejected": UploadRejectedError,
    "service_unavailable": ServiceUnavailableError,
    "permission": PermissionDeniedError,
    "bad_request": BadRequestError,
}

_STATUS_TO_CLASS: dict[int, type[PatsnapError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: BadRequestError,
    405: BadRequestError,
    413: UploadRejectedError,
    415: UploadRejectedError,
    429: RateLimitError,
}

RESULTS_PATH = "/image-search/results"


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


def _mentions_search_id(message: str) -> bool:
    text = message.lower().replace("_", " ")
    return "search id" in text or "searchid" in text


def error_class(code: int | None, http_status: int | None = None, *,
                endpoint: str | None = None, message: str = "") -> type[PatsnapError]:
    """The exception class for an error ``code`` (preferred) or an HTTP status.

    Examples
    --------
    >>> error_class(67200002).__name__, error_class(None, 401).__name__
    ('RateLimitError', 'AuthenticationError')
    """
    if endpoint == RESULTS_PATH:
        kind = codes.ERROR_CODES[code][1] if code in codes.ERROR_CODES else None
        if code == codes.SEARCH_EXPIRED_CODE or (
                kind in (None, "invalid_parameter", "bad_request") and _mentions_search_id(message)):
            return SearchExpiredError
    if code in codes.ERROR_CODES:
        return _KIND_TO_CLASS.get(codes.ERROR_CODES[code][1], PatsnapError)
    if http_status is not None:
        if http_status in _STATUS_TO_CLASS:
            return _STATUS_TO_CLASS[http_status]
        if http_status >= 500:
            return ServiceUnavailableError
        if http_status >= 400:
            return BadRequestError
    return PatsnapError


def error_for(code: int | None, message: str | None = None, *, endpoint: str | None = None,
              http_status: int | None = None) -> PatsnapError:
    """Build the exception for an error answer.

    Parameters
    ----------
    code : int or None
        PatSnap's ``error_code``.
    message : str, optional
        PatSnap's ``error_msg``; defaults to the documented meaning of ``code``.
    endpoint : str, optional
        The API path called.
    http_status : int, optional
        The HTTP status of the answer.

    Returns
    -------
    PatsnapError
        An instance of the class :func:`error_class` picks (not raised).

    Examples
    --------
    >>> err = error_for(67200007, endpoint="/image-search/search-id")
    >>> type(err).__name__, err.code, err.message
    ('QuotaExceededError', 67200007, 'API call exceeds the daily limit!')
    >>> type(error_for(None, http_status=503)).__name__
    'ServiceUnavailableError'
    """
    if not message:
        if code in codes.ERROR_CODES:
            message = codes.ERROR_CODES[code][0]
        elif http_status is not None:
            message = f"HTTP {http_status} without a PatSnap error envelope."
        else:
            message = "Unknown error."
    cls = error_class(code, http_status, endpoint=endpoint, message=message)
    return cls(message, code=code, endpoint=endpoint, http_status=http_status)
