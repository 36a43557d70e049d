"""Every command stops what it started: run a command, then find the processes it left behind.

``python -m acf.leftovers -- <command...>`` runs the command with ``ACF_RUN_TAG=<random>`` in its
environment (inherited by every process it starts, daemons included), waits for it, then lists the
processes still carrying the tag; any found are printed, stopped, and make the exit status 1. The
Makefile's benchmarks run through it, and ``make test``'s controller makes the same check at the end
of the suite (tests/conftest.py).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

TAG_VARIABLE = "ACF_RUN_TAG"


def leftovers(tag: str) -> list[tuple[int, str]]:
    """Processes (pid, command line) whose environment carries ``ACF_RUN_TAG=<tag>``, except this one and
    its ancestors: what a command started and did not stop (Linux /proc)."""
    own = set()
    pid = os.getpid()
    while pid > 1:
        own.add(pid)
        try:
            pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            break
    marker = f"{TAG_VARIABLE}={tag}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in own:
            continue
        try:
            if marker in (entry / "environ").read_bytes().split(b"\0"):
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
                if cmdline:   # zombies have none
                    found.append((int(entry.name), cmdline))
        except OSError:
            continue
    return found


def wait_for_none(tag: str, grace: float = 10.0) -> list[tuple[int, str]]:
    """The tagged processes still there after ``grace`` seconds (exiting ones get the time to)."""
    deadline = time.monotonic() + grace
    found = leftovers(tag)
    while found and time.monotonic() < deadline:
        time.sleep(0.5)
        found = leftovers(tag)
    return found


def stop_all(found: list[tuple[int, str]]) -> None:
    for pid, _ in found:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass


def main(argv: list[str]) -> int:
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv:
        raise SystemExit("usage: python -m acf.leftovers -- <command...>")
    tag = uuid.uuid4().hex
    status = subprocess.call(argv, env={**os.environ, TAG_VARIABLE: tag})
    found = wait_for_none(tag)
    if found:
        print(f"leftover processes after {' '.join(argv)}:", file=sys.stderr)
        for pid, cmdline in found:
            print(f"  {pid} {cmdline[:200]}", file=sys.stderr)
        stop_all(found)
        return status or 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
