"""What the soak does to the factory besides faulting calls: SIGKILL running task processes, restart PostgreSQL.

Airflow 3's LocalExecutor runs each task in a process titled ``airflow worker -- <ti id>``, a child of
its supervisor, the executor's worker process (``airflow worker -- LocalExecutor: <dag> <task> ...``). A kill takes the task
process and its children (ffmpeg) with SIGKILL, as a worker dying would; the supervisor reports the
attempt failed and Airflow retries it. Kills prefer the steps where dying hurts most (a load's COPY, a
render, an upload), taking them in turn.
"""
from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass, field

import psutil

# Task ids, most interesting first; a kill takes the first kind running that was not killed last time.
PREFERRED = ("process_and_load", "render", "publish_youtube", "publish_tiktok", "publish_instagram",
             "publish_facebook", "write_script", "make_voice", "make_visual", "write_angles", "fetch_raw",
             "check_outputs", "make_thumbnails")


@dataclass
class Killer:
    scheduler_pid: int
    kills: list[dict] = field(default_factory=list)

    def running_tasks(self) -> list[tuple[psutil.Process, str]]:
        """(task process, its supervisor's title) for every task running now."""
        try:
            tree = psutil.Process(self.scheduler_pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []
        found = []
        for proc in tree:
            try:
                title = " ".join(proc.cmdline())
                if is_task_process(title):
                    found.append((proc, " ".join(proc.parent().cmdline())))
            except (psutil.NoSuchProcess, psutil.AccessDenied, AttributeError):
                continue
        return found

    def kill_one(self, patience: float = 90) -> dict | None:
        """SIGKILL one running task (waiting up to ``patience`` s for one); what was killed, or None."""
        last = self.kills[-1]["task"] if self.kills else None
        started = time.monotonic()
        while time.monotonic() - started < patience:
            ranked = sorted(self.running_tasks(), key=lambda pt: _rank(pt[1], last))
            # a preferred step not killed last time at once; after half the patience, any running task
            if ranked and (_rank(ranked[0][1], last) < len(PREFERRED) or time.monotonic() - started > patience / 2):
                proc, supervisor = ranked[0]
                victims = [proc, *proc.children(recursive=True)]
                for victim in victims:
                    try:
                        victim.send_signal(signal.SIGKILL)
                    except psutil.NoSuchProcess:
                        pass
                task = _task_of(supervisor)
                record = {"at": time.time(), "task": task, "supervisor": supervisor[:200], "pids": [v.pid for v in victims]}
                self.kills.append(record)
                return record
            time.sleep(1)
        return None


def is_task_process(title: str) -> bool:
    return title.startswith("airflow worker -- ") and not title.startswith("airflow worker -- LocalExecutor")


def _task_of(supervisor_title: str) -> str:
    for task in PREFERRED:
        if f" {task}" in supervisor_title or f".{task}" in supervisor_title:
            return task
    return supervisor_title.split(":", 1)[-1].strip()[:80]


def _rank(supervisor_title: str, last: str | None) -> int:
    task = _task_of(supervisor_title)
    if task not in PREFERRED:
        return len(PREFERRED) + 1
    return PREFERRED.index(task) + (len(PREFERRED) if task == last else 0)


def restart_postgres(pgdata, down_seconds: float = 5) -> dict:
    """Stop the embedded PostgreSQL (fast shutdown: sessions are cut), wait, start it again."""
    from acf import local_postgres

    started = time.time()
    local_postgres.stop(pgdata)
    time.sleep(down_seconds)
    local_postgres.start(pgdata)
    return {"at": started, "down_seconds": round(time.time() - started, 1)}


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except (ProcessLookupError, psutil.NoSuchProcess):
        return False
