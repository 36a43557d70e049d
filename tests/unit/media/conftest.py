"""Fixtures of the production-stage tests: a tiny script and an opportunity to make it from."""
from __future__ import annotations

import pytest

from stand_ins import media_samples


@pytest.fixture
def opportunity(pg_conn) -> str:
    return media_samples.insert_opportunity(pg_conn)


@pytest.fixture
def tiny_script():
    return media_samples.tiny_script
