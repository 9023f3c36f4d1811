"""Shared test set-up: hypothesis profiles and the repository root."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from builders import REPO
from hypothesis import HealthCheck, settings

# "ci" keeps the suite fast; "dev" digs deeper when run by hand (HYPOTHESIS_PROFILE=dev).
settings.register_profile("ci", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def repo() -> Path:
    """The repository root."""
    return REPO
