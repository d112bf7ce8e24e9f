"""PatSnap's errors: a call to the API (or the network on the way to it) refused or failed.

:class:`PatsnapError` and its subclasses carry ``code``, ``message``, ``endpoint``,
``http_status`` and a ``hint`` (what to do next). :func:`error_for` (and :func:`error_class`)
turn PatSnap's error code, or the HTTP status when there is none, into the right class: the
code table itself is ``codes.ERROR_CODES``. Import them from :mod:`patsnap_pandas.errors`.
"""

from __future__ import annotations

from .. import codes

__all__ = [
    "PatsnapError", "AuthenticationError", "MissingCredentialsError", "QuotaExceededError", "RateLimitError",
    "BudgetExceededError", "InvalidParameterError", "UploadRejectedError", "ServiceUnavailableError",
    "ServiceUnreachableError", "SearchExpiredError", "PermissionDeniedError", "BadRequestError",
    "BatchNotReadyError", "BatchUnknownError",
    "ResponseFormatError", "error_for", "error_class",
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


class BatchNotReadyError(BadRequestError):
    """An overnight (P062) job asked for before its results are ready: it runs 22:00-08:00 service time (UTC+8).

    The message says its status and from when its results can be fetched; nothing is billed.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples
    >>> client = PatsnapClient.sandbox(corpus_size=60, now="2026-12-07 15:00")
    >>> url = client.upload_image(open(samples.image("armchair"), "rb").read(), "chair.png").url
    >>> try:
    ...     client.batch_result(client.batch_create([url]))
    ... except BatchNotReadyError as err:
    ...     print(err.message)
    The task has not finished: status WAITING, results from 2026-12-08 08:00 (service time, UTC+8)
    >>> client.close()
    """

    hint = "Collect again after 08:00 service time (UTC+8) the morning after the job was submitted."


class BatchUnknownError(InvalidParameterError):
    """PatSnap does not know this overnight (P062) task id: not one single-batch-create returned to this account.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient
    >>> client = PatsnapClient.sandbox(corpus_size=60)
    >>> try:
    ...     client.batch_result("NOT-A-JOB")
    ... except BatchUnknownError as err:
    ...     print(err.code, "unknown" in err.message)
    68300004 True
    >>> client.close()
    """

    hint = "Use the job ids the submit recorded (patsnap_pandas.jobs.overnight.pending)."


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
    if endpoint == codes.BATCH_RESULT_PATH and code in (codes.BATCH_NOT_READY_CODE, codes.BATCH_UNKNOWN_CODE):
        return BatchNotReadyError if code == codes.BATCH_NOT_READY_CODE else BatchUnknownError
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
