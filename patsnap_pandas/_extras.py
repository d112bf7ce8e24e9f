"""The optional extras: which module comes with which extra, and the one import that names a missing one.

The core install is what a script or a scheduled job needs (pandas, requests,
requests-cache, Pillow...). The rest comes with extras, each loaded on first
use, so that ``import patsnap_pandas`` and ``patsnap-pandas --version`` stay light:

* ``[jupyter]``: ipywidgets (and IPython with it) and traitlets: :class:`~patsnap_pandas.SearchPanel`;
* ``[reports]``: matplotlib (charts), xlsxwriter (Excel reports), openpyxl (``read_triage``),
  python-docx (``docx``: Word reports);
* ``[pdf]``: WeasyPrint (PDF reports);
* ``[redis]``: redis (a cache shared by a team);
* ``[all]``: all of them.

``pyproject.toml`` lists the same modules per extra (a test keeps the two in step).
"""

from __future__ import annotations

import importlib
from types import ModuleType

from ._validate import invalid
from .errors import MissingExtraError

__all__ = ["DISTRIBUTIONS", "EXTRAS", "extra_for", "require"]

#: extra -> the top-level modules it installs (import names, not distribution names).
EXTRAS: dict[str, tuple[str, ...]] = {
    "jupyter": ("ipywidgets", "traitlets"),
    "reports": ("matplotlib", "xlsxwriter", "openpyxl", "docx"),
    "pdf": ("weasyprint", "playwright"),
    "redis": ("redis",),
}

#: The modules whose distribution (what pip installs and pyproject.toml names) has another name.
DISTRIBUTIONS: dict[str, str] = {"docx": "python-docx"}


def extra_for(module: str) -> str | None:
    """The extra that installs ``module`` (a dotted name counts by its top-level package), or None.

    Examples
    --------
    >>> extra_for("matplotlib.pyplot"), extra_for("pandas")
    ('reports', None)
    """
    top = module.partition(".")[0]
    return next((extra for extra, modules in EXTRAS.items() if top in modules), None)


def require(module: str, feature: str) -> ModuleType:
    """Import ``module`` of an extra, or raise :class:`MissingExtraError` naming the extra and the pip command.

    Parameters
    ----------
    module : str
        The module to import, e.g. ``"matplotlib.pyplot"``; its top-level package must belong to an extra.
    feature : str
        What needs it, in words, for the message (``"Drawing score charts"``).

    Returns
    -------
    module
        The imported module.

    Raises
    ------
    MissingExtraError
        The module's package is not installed. An ImportError raised inside an installed
        package (a broken install of one of its own dependencies) propagates unchanged.

    Examples
    --------
    >>> require("xlsxwriter", "Writing Excel reports").__name__
    'xlsxwriter'
    """
    extra = extra_for(module)
    if extra is None:
        raise invalid("module", module, "belongs to no extra",
                      "a module of an extra: " + ", ".join(m for modules in EXTRAS.values() for m in modules))
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        missing = (exc.name or "").partition(".")[0]
        if missing and missing != module.partition(".")[0]:
            raise  # the extra is there but one of its own dependencies is broken: say that, not "install"
        top = module.partition(".")[0]
        raise MissingExtraError(extra, feature=feature, module=DISTRIBUTIONS.get(top, top)) from exc
