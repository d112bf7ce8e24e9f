"""The exception hierarchy, and the mapping from PatSnap error codes / HTTP status to it.

Two families:

* :class:`PatsnapError` and its subclasses: the API (or the network on the way to
  it) refused or failed a call. They carry ``code``, ``message`` and ``endpoint``.
* :class:`InvalidInputError` (a ``ValueError``): a bad argument found before any
  call was made (:class:`FilterError` for search filters, :class:`ImageInputError`
  for query images).

PatSnap's errors and the code table live in :mod:`patsnap_pandas.errors.remote`; the
package's own (bad input, the cache, extras, Ctrl-C) and its warnings in
:mod:`patsnap_pandas.errors.local`. Import every one from here: ``from patsnap_pandas.errors
import FilterError``.
"""

from __future__ import annotations

from .local import (
    BatchInterrupted,
    CacheError,
    CacheUnavailableError,
    CacheWarning,
    FilterError,
    ImageInputError,
    InvalidInputError,
    InvalidTypeError,
    MissingExtraError,
    ResponseDataWarning,
    SpendingLostError,
    SpendingNotRecordedError,
)
from .remote import (
    AuthenticationError,
    BadRequestError,
    BatchNotReadyError,
    BatchUnknownError,
    BudgetExceededError,
    InvalidParameterError,
    MissingCredentialsError,
    PatsnapError,
    PermissionDeniedError,
    QuotaExceededError,
    RateLimitError,
    ResponseFormatError,
    SearchExpiredError,
    ServiceUnavailableError,
    ServiceUnreachableError,
    UploadRejectedError,
    error_class,
    error_for,
)

__all__ = [
    "PatsnapError", "AuthenticationError", "MissingCredentialsError", "QuotaExceededError",
    "RateLimitError", "BudgetExceededError", "InvalidParameterError", "UploadRejectedError", "ServiceUnavailableError",
    "ServiceUnreachableError",
    "SearchExpiredError", "PermissionDeniedError", "BadRequestError", "ResponseFormatError",
    "BatchNotReadyError", "BatchUnknownError",
    "InvalidInputError", "InvalidTypeError", "FilterError", "ImageInputError", "CacheError", "CacheUnavailableError",
    "SpendingLostError", "SpendingNotRecordedError", "CacheWarning", "ResponseDataWarning",
    "BatchInterrupted", "MissingExtraError", "error_for", "error_class",
]

# Each class is public as patsnap_pandas.errors.<name>, whichever part defines it: tracebacks,
# pickles and the API pages name that one import path.
for _name in __all__:
    _obj = globals()[_name]
    if isinstance(_obj, type):
        _obj.__module__ = __name__
del _name, _obj
