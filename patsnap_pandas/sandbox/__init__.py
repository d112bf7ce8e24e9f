"""Offline PatSnap-compatible server: the embedded default behind demos, notebooks and tests.

``start_sandbox()`` serves PatSnap's image-search, bibliography and legal-status
endpoints on 127.0.0.1 over a generated (or given) corpus of design patents.
See docs/sandbox.md for what is emulated and how it differs from PatSnap.
"""

from .auth import SandboxCredentials
from .faults import FaultSettings
from .ledger import Ledger, LedgerEntry
from .server import Sandbox, start_sandbox

__all__ = ["FaultSettings", "Ledger", "LedgerEntry", "Sandbox", "SandboxCredentials", "start_sandbox"]
