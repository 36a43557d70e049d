"""What the soak does to the factory besides faulting calls: SIGKILL running task processes, restart PostgreSQL.

Airflow 3's LocalExecutor runs each task in a process titled ``airflow worker -- <ti id>``, a child of
its supervisor, the executor's worker process (``airflow worker -- LocalExecutor: <ti id>``); the task
instance id names the task in Airflow's database. A kill takes the task
process and its children (ffmpeg) with SIGKILL, as a worker dying would; the supervisor reports the
attempt failed and Airflow retries it. Kills prefer the steps where dying hurts most (a load's COPY, a
render, an upload), taking them in turn.
"""
from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import psutil

# Task ids, most interesting first; a kill takes the first kind running that was not killed last time.
PREFERRED = ("process_and_load", "render", "publish_youtube", "publish_tiktok", "publish_instagram",
             "publish_facebook", "write_script", "make_voice", "make_visual", "write_angles", "fetch_raw",
             "check_outputs", "make_thumbnails")


@dataclass
class Killer:
    scheduler_pid: int
    # task instance ids -> "dag_id.task_id" (read from Airflow's database by the soak)
    describe: Callable[[list[str]], dict[str, str]]
    kills: list[dict] = field(default_factory=list)

    def running_tasks(self) -> list[tuple[psutil.Process, str]]:
        """(task process, task instance id) for every task running now."""
        try:
            tree = psutil.Process(self.scheduler_pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []
        found = []
        for proc in tree:
            try:
                title = " ".join(proc.cmdline())
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            if is_task_process(title):
                found.append((proc, title.removeprefix("airflow worker -- ").strip()))
        return found

    def kill_one(self, patience: float = 90) -> dict | None:
        """SIGKILL one running task (waiting up to ``patience`` s for one); what was killed, or None."""
        last = self.kills[-1]["task"].split(".")[-1] if self.kills else None
        started = time.monotonic()
        while time.monotonic() - started < patience:
            running = self.running_tasks()
            names = self.describe([ti for _, ti in running]) if running else {}
            ranked = sorted(((_rank(names.get(ti, ""), last), proc, ti) for proc, ti in running), key=lambda r: r[0])
            # a preferred step not killed last time at once; after half the patience, any running task
            if ranked and (ranked[0][0] < len(PREFERRED) or time.monotonic() - started > patience / 2):
                _, proc, ti = ranked[0]
                try:
                    victims = [proc, *proc.children(recursive=True)]
                except psutil.NoSuchProcess:
                    continue
                for victim in victims:
                    try:
                        victim.send_signal(signal.SIGKILL)
                    except psutil.NoSuchProcess:
                        pass
                record = {"at": time.time(), "task": names.get(ti, ti), "ti_id": ti,
                          "pids": [v.pid for v in victims]}
                self.kills.append(record)
                return record
            time.sleep(1)
        return None


def is_task_process(title: str) -> bool:
    return title.startswith("airflow worker -- ") and not title.startswith("airflow worker -- LocalExecutor")


def _rank(name: str, last: str | None) -> int:
    task = name.split(".")[-1]
    if task not in PREFERRED:
        return 2 * len(PREFERRED)
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
