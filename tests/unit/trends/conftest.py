"""Trend-stage fixtures: the shared pg_conn, with the stage's own tables emptied too."""
from __future__ import annotations

import pytest

TREND_TABLES = ("acf.trend_loads", "acf.trend_region_stats")


@pytest.fixture
def pg_conn(pg_conn):
    pg_conn.execute("TRUNCATE " + ", ".join(TREND_TABLES))
    pg_conn.commit()
    return pg_conn
