"""`make run`'s components come back after they exit (the soak's PostgreSQL restart killed the DAG processor
and the triggerer for good before), and `make stop` still ends them."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _wait(condition, limit: float = 60) -> bool:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_a_component_that_exits_is_started_again_until_sigterm(tmp_path):
    starts = tmp_path / "starts"
    # A component that dies at once twice (as the DAG processor does when the database is gone), then runs.
    component = textwrap.dedent(f"""
        import time
        from pathlib import Path
        p = Path({str(starts)!r})
        n = len(p.read_text()) if p.exists() else 0
        p.write_text("x" * (n + 1))
        if n < 2:
            raise SystemExit(1)
        while True:
            time.sleep(0.1)
    """)
    script = (f"from acf import local_stack; n = local_stack.supervise('dag-processor', "
              f"command=[{sys.executable!r}, '-c', {component!r}]); print('restarts', n)")
    env = {**os.environ, "ACF_HOME": str(tmp_path / "home"), "PYTHONPATH": str(ROOT / "include")}
    supervisor = subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE, text=True,
                                  start_new_session=True)
    try:
        assert _wait(lambda: starts.exists() and len(starts.read_text()) == 3), "not restarted twice"
        assert len((tmp_path / "home" / "run" / "dag-processor.restarts").read_text().split()) == 2
        time.sleep(0.5)
        assert supervisor.poll() is None
        os.killpg(supervisor.pid, signal.SIGTERM)   # what local_stack.stop() sends
        out, _ = supervisor.communicate(timeout=30)
    finally:
        if supervisor.poll() is None:
            os.killpg(supervisor.pid, signal.SIGKILL)
    assert "restarts 2" in out
    assert len(starts.read_text()) == 3, "started again after SIGTERM"
