"""Fixtures for the retention report tests."""

import pytest

from .factories import Subs


@pytest.fixture
def subs(app) -> Subs:
    return Subs()
