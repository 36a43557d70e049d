"""Starting a worker child and killing it (and its children: ffmpeg) with SIGKILL."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from chaos import registry

ROOT = Path(__file__).resolve().parents[2]


def child_env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(str(ROOT / p) for p in ("include", "plugins", "tests")) + (
        os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def start(step: str, args: dict, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "chaos.workers", step, json.dumps(args, default=str)],
                            cwd=ROOT / "tests", env=env or child_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def wait_for(condition, child: subprocess.Popen, what: str, limit: float = 120.0) -> None:
    """Poll until ``condition()``; fail with the child's output if it exits first (a safety limit, not a timing assertion)."""
    deadline = time.monotonic() + limit
    while not condition():
        if child.poll() is not None:
            out, err = child.communicate()
            raise AssertionError(f"worker exited ({child.returncode}) before {what}:\n{out[-2000:]}\n{err[-3000:]}")
        if time.monotonic() > deadline:
            kill(child)
            raise AssertionError(f"worker never reached {what}")
        time.sleep(0.02)


def kill(child: subprocess.Popen) -> None:
    """SIGKILL the worker's whole process group (the worker and any ffmpeg it started)."""
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    child.wait()
    if child.stdout:
        child.stdout.close()
    if child.stderr:
        child.stderr.close()
    registry.record("kills")


def descendants(pid: int) -> list[tuple[int, str]]:
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                try:
                    cmd = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                except OSError:
                    cmd = ""
                found.append((child, cmd))
                queue.append(child)
    return found


def run(step: str, args: dict, env: dict | None = None) -> str:
    child = start(step, args, env)
    out, err = child.communicate(timeout=600)
    assert child.returncode == 0, f"{step} failed ({child.returncode}):\n{out[-2000:]}\n{err[-3000:]}"
    return out
