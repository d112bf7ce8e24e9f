"""The property tests' hypothesis profiles (registered by the root conftest.py, see docs/testing.md)."""

from __future__ import annotations

from hypothesis import settings


def test_the_default_profile_is_50_examples_the_same_every_run():
    profile = settings.get_profile("patsnap")
    assert (profile.max_examples, profile.derandomize, profile.deadline, profile.database) == (50, True, None, None)


def test_the_thorough_profile_is_150_fresh_examples_kept_when_failing():
    profile = settings.get_profile("thorough")
    assert (profile.max_examples, profile.derandomize, profile.deadline) == (150, False, None)
    assert profile.database is not None  # failing examples are replayed from .hypothesis/
