"""Shared test fixtures live in the root conftest.py, so that they apply to the doctests too.

The autouse network guard (loopback only) and the environment isolation (no
PATSNAP_* variables, caches in a session temp folder) are defined there;
``NetworkGuard`` is re-exported here for tests/meta/test_network_guard.py.
"""

from __future__ import annotations

from conftest import NetworkGuard  # noqa: F401  (the root conftest.py, loaded first by pytest)
