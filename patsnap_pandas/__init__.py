"""patsnap-pandas: PatSnap design-patent image search in Jupyter and pandas.

Importing registers the ``df.patsnap`` accessor and nothing else; the optional parts
(the notebook panel, charts, reports) load on first use, from their extras.
"""

import importlib as _importlib
import importlib.util as _importlib_util

from . import accessor, samples  # noqa: E402,F401  (accessor: registers df.patsnap)
from ._version import __version__  # noqa: F401  (the one place: _version.py)
from .client import PatsnapClient  # noqa: E402
from .errors import (  # noqa: E402
    AuthenticationError,
    BadRequestError,
    BatchInterrupted,
    BudgetExceededError,
    CacheError,
    CacheWarning,
    FilterError,
    ImageInputError,
    InvalidInputError,
    InvalidParameterError,
    MissingCredentialsError,
    MissingExtraError,
    PatsnapError,
    PermissionDeniedError,
    QuotaExceededError,
    RateLimitError,
    ResponseFormatError,
    SearchExpiredError,
    ServiceUnavailableError,
    ServiceUnreachableError,
    UploadRejectedError,
)
from .filters import SearchFilters  # noqa: E402
from .search import search_designs  # noqa: E402
from .triage import read_triage  # noqa: E402

#: Public names that load their module on first use (the module needs an extra: see _extras.py).
_LAZY = {"SearchPanel": "widgets", "panel": "widgets"}


def __getattr__(name: str):
    """Load a lazy public name (``SearchPanel``, ``panel``) on first use."""
    if name in _LAZY:
        value = getattr(_importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "search_designs", "read_triage", "PatsnapClient", "SearchFilters", "samples",
    "PatsnapError", "AuthenticationError", "MissingCredentialsError", "QuotaExceededError",
    "RateLimitError", "BudgetExceededError", "InvalidParameterError", "UploadRejectedError", "ServiceUnavailableError",
    "ServiceUnreachableError", "SearchExpiredError", "PermissionDeniedError", "BadRequestError",
    "ResponseFormatError", "InvalidInputError", "FilterError", "ImageInputError", "CacheError",
    "CacheWarning", "BatchInterrupted", "MissingExtraError",
]


def _installed(module: str) -> bool:
    try:  # find_spec, not import: ipywidgets brings IPython
        return _importlib_util.find_spec(module) is not None
    except ImportError:
        return False


if _installed("ipywidgets"):  # `from patsnap_pandas import *` must work on the core install too
    __all__ += ["SearchPanel", "panel"]
