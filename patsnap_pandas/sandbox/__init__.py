"""Offline PatSnap-compatible server: the embedded default behind demos, notebooks and tests.

``start_sandbox()`` serves PatSnap's image-search, bibliography, legal-status and
number-search endpoints on 127.0.0.1 over a generated (or given) corpus of design
patents, each with a legal history read as of the sandbox's ``today``.
See docs/sandbox.md for what is emulated and how it differs from PatSnap.
"""

from .auth import SandboxCredentials
from .faults import FaultSettings
from .ledger import Ledger, LedgerEntry
from .legal import LegalEvent, LegalHistory
from .server import Sandbox, start_sandbox

__all__ = ["FaultSettings", "Ledger", "LedgerEntry", "LegalEvent", "LegalHistory", "Sandbox", "SandboxCredentials",
           "start_sandbox"]
