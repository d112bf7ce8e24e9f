"""patsnap-pandas: PatSnap design-patent image search in Jupyter and pandas.

Importing registers the ``df.patsnap`` accessor and nothing else. Every other public
name loads its module on first use (module ``__getattr__``): the client and the
search bring requests and requests-cache, ``samples`` brings Pillow, and the
optional parts (the notebook panel, charts, reports) come from their extras.
``from patsnap_pandas import X`` works for every ``X`` of ``__all__`` as before.
"""

from __future__ import annotations

import importlib as _importlib
import importlib.util as _importlib_util
from typing import TYPE_CHECKING, Any

from . import accessor  # noqa: F401  (registers df.patsnap; imports only pandas and light modules)
from ._version import __version__  # noqa: F401  (the one place: _version.py)
from .errors import (
    AuthenticationError,
    BadRequestError,
    BatchInterrupted,
    BudgetExceededError,
    CacheError,
    CacheUnavailableError,
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
    ResponseDataWarning,
    ResponseFormatError,
    SearchExpiredError,
    ServiceUnavailableError,
    ServiceUnreachableError,
    SpendingLostError,
    SpendingNotRecordedError,
    UploadRejectedError,
)

if TYPE_CHECKING:  # what the lazy names are, for type checkers and editors
    from . import samples
    from .api.client import PatsnapClient
    from .api.filters import SearchFilters
    from .frame.triage import read_triage
    from .jobs.clearance import clearance
    from .jobs.result import JobResult
    from .jobs.search import search_designs
    from .widgets import SearchPanel, panel

#: Public names that load their module on first use: name -> module (relative to the package).
#: A module given as the name itself (``samples``) is the submodule. widgets needs the [jupyter] extra.
_LAZY: dict[str, str] = {
    "PatsnapClient": "api.client",
    "SearchFilters": "api.filters",
    "search_designs": "jobs.search",
    "clearance": "jobs.clearance",
    "JobResult": "jobs.result",
    "prior_art": "jobs.prior_art",
    "Watch": "jobs.watch",
    "read_triage": "frame.triage",
    "samples": "samples",
    "SearchPanel": "widgets",
    "panel": "widgets",
}


def __getattr__(name: str) -> Any:
    """Load a lazy public name (``PatsnapClient``, ``search_designs``, ``samples``...) on first use."""
    if name in _LAZY:
        module = _importlib.import_module(f".{_LAZY[name]}", __name__)
        value = module if _LAZY[name] == name else getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "search_designs", "clearance", "JobResult", "Watch", "read_triage", "PatsnapClient", "SearchFilters", "samples",
    "PatsnapError", "AuthenticationError", "MissingCredentialsError", "QuotaExceededError",
    "RateLimitError", "BudgetExceededError", "InvalidParameterError", "UploadRejectedError", "ServiceUnavailableError",
    "ServiceUnreachableError", "SearchExpiredError", "PermissionDeniedError", "BadRequestError",
    "ResponseFormatError", "ResponseDataWarning", "InvalidInputError", "FilterError", "ImageInputError", "CacheError",
    "CacheUnavailableError", "SpendingLostError", "SpendingNotRecordedError", "CacheWarning", "BatchInterrupted",
    "MissingExtraError",
]


def _installed(module: str) -> bool:
    try:  # find_spec, not import: ipywidgets brings IPython
        return _importlib_util.find_spec(module) is not None
    except ImportError:
        return False


if _installed("ipywidgets"):  # `from patsnap_pandas import *` must work on the core install too
    __all__ += ["SearchPanel", "panel"]
