"""patsnap-pandas: PatSnap design-patent image search in Jupyter and pandas."""

from ._version import __version__  # noqa: F401  (the one place: _version.py)

from .client import PatsnapClient  # noqa: E402
from .errors import (  # noqa: E402
    AuthenticationError, BadRequestError, BatchInterrupted, CacheError, CacheWarning, FilterError, ImageInputError, InvalidInputError,
    InvalidParameterError, MissingCredentialsError, PatsnapError, PermissionDeniedError,
    QuotaExceededError, RateLimitError, ResponseFormatError, SearchExpiredError,
    ServiceUnavailableError, ServiceUnreachableError, UploadRejectedError,
)
from .filters import SearchFilters  # noqa: E402
from .search import search_designs  # noqa: E402
from .triage import read_triage  # noqa: E402
from . import accessor, samples  # noqa: E402,F401  (accessor: registers df.patsnap)
from .widgets import SearchPanel, panel  # noqa: E402

__all__ = [
    "search_designs", "read_triage", "PatsnapClient", "SearchFilters", "SearchPanel", "panel", "samples",
    "PatsnapError", "AuthenticationError", "MissingCredentialsError", "QuotaExceededError",
    "RateLimitError", "InvalidParameterError", "UploadRejectedError", "ServiceUnavailableError",
    "ServiceUnreachableError", "SearchExpiredError", "PermissionDeniedError", "BadRequestError",
    "ResponseFormatError", "InvalidInputError", "FilterError", "ImageInputError", "CacheError",
    "CacheWarning", "BatchInterrupted",
]
