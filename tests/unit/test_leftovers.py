"""Every command stops what it started: the check that finds leftover processes, and the embedded
PostgreSQL that benchmarks and the suite start on demand and stop at the end."""
from __future__ import annotations

import subprocess
import sys
import uuid

from acf import leftovers, local_postgres

DAEMON = "import subprocess; subprocess.Popen(['sleep', '60'], start_new_session=True)"
TIDY = "import subprocess; p = subprocess.Popen(['sleep', '60']); p.terminate(); p.wait()"


def _checked(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "acf.leftovers", "--", sys.executable, "-c", code],
                          capture_output=True, text=True, timeout=120)


def test_a_command_that_leaves_a_process_running_fails_the_check_and_it_is_stopped():
    result = _checked(DAEMON)
    assert result.returncode == 1
    assert "leftover processes" in result.stderr and "sleep 60" in result.stderr


def test_a_command_that_stops_what_it_started_passes():
    result = _checked(TIDY)
    assert result.returncode == 0, result.stderr


def test_the_embedded_postgres_started_for_a_block_is_stopped_after_it(tmp_path):
    tag = uuid.uuid4().hex
    code = (f"import os; os.environ['{leftovers.TAG_VARIABLE}'] = '{tag}'\n"
            "from acf import local_postgres\n"
            f"with local_postgres.running({str(tmp_path / 'pg')!r}) as server:\n"
            "    print(server.psql('SELECT 41 + 1;'))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    assert "42" in out.stdout
    assert not local_postgres.is_running(tmp_path / "pg")
    assert leftovers.wait_for_none(tag, grace=5) == []
