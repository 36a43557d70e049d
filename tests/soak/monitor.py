"""Watching the factory during the soak: a real Prometheus, the components' memory, the databases' size.

Prometheus is Debian's ``prometheus`` (installed with apt-get when missing), listening on loopback only,
configured from ``ops/prometheus/prometheus.yml`` itself: the soak keeps that file's ``acf_factory`` job
(path, interval, bearer authorization) and only fills in the two things that differ from compose, the
target and the credentials file (:func:`prometheus_config`). The compose stack's StatsD exporter has no
Debian package, so its job is left out here; Airflow's StatsD names are recorded by :class:`StatsdNames`
instead, a UDP listener that keeps the metric names Airflow sends.
"""
from __future__ import annotations

import json
import shutil
import socket
import statistics
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import yaml

from soak.setup import ROOT, free_port

OPS_CONFIG = ROOT / "ops" / "prometheus" / "prometheus.yml"
FACTORY_JOB = "acf_factory"


# ----------------------------------------------------------------------------- Prometheus
def prometheus_config(target: str, credentials_file: Path, source: Path = OPS_CONFIG) -> dict:
    """ops/prometheus/prometheus.yml with the factory job aimed at ``target``, the token read from
    ``credentials_file``; jobs whose exporter does not run here (StatsD) are left out."""
    config = yaml.safe_load(source.read_text())
    jobs = [job for job in config["scrape_configs"] if job["job_name"] == FACTORY_JOB]
    if not jobs:
        raise ValueError(f"{source} has no {FACTORY_JOB!r} scrape job")
    job = jobs[0]
    job["static_configs"] = [{"targets": [target]}]
    job["authorization"]["credentials_file"] = str(credentials_file)
    config["scrape_configs"] = [job]
    return config


def ensure_prometheus() -> str:
    """The prometheus binary; Debian's package is installed when it is missing (root, apt-get)."""
    found = shutil.which("prometheus")
    if found:
        return found
    subprocess.run(["apt-get", "install", "-y", "-qq", "prometheus"], check=False,
                   env={"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
                   stdout=subprocess.DEVNULL)
    if not shutil.which("prometheus"):
        subprocess.run(["apt-get", "update", "-qq"], check=False, stdout=subprocess.DEVNULL)
        subprocess.run(["apt-get", "install", "-y", "-qq", "prometheus"], check=True,
                       env={"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
                       stdout=subprocess.DEVNULL)
    # The package starts a system service on 0.0.0.0:9090 and its node exporter: the soak runs its own.
    for unit in ("prometheus", "prometheus-node-exporter"):
        subprocess.run(["systemctl", "stop", unit], check=False, stderr=subprocess.DEVNULL)
    return shutil.which("prometheus") or "prometheus"


@dataclass
class Prometheus:
    home: Path
    target: str
    token: str
    port: int = 0
    proc: subprocess.Popen | None = None

    def start(self) -> "Prometheus":
        binary = ensure_prometheus()
        self.home.mkdir(parents=True, exist_ok=True)
        token_file = self.home / "scrape_token"
        token_file.write_text(self.token)
        token_file.chmod(0o600)
        config_file = self.home / "prometheus.yml"
        config_file.write_text(yaml.safe_dump(prometheus_config(self.target, token_file), sort_keys=False))
        self.port = free_port()
        log = open(self.home / "prometheus.log", "ab")
        self.proc = subprocess.Popen(
            [binary, f"--config.file={config_file}", f"--storage.tsdb.path={self.home / 'data'}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--storage.tsdb.retention.time=1d"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                self.api("/-/ready")
                return self
            except OSError:
                time.sleep(1)
        raise RuntimeError(f"prometheus did not start; see {self.home / 'prometheus.log'}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def api(self, path: str, **params) -> dict:
        url = f"http://127.0.0.1:{self.port}{path}" + (f"?{urllib.parse.urlencode(params)}" if params else "")
        with urllib.request.urlopen(url, timeout=20) as answer:
            raw = answer.read()
        return json.loads(raw) if raw.startswith(b"{") else {"raw": raw.decode()}

    def query(self, expr: str) -> dict[tuple, float]:
        """Instant query: {sorted label items (without __name__): value}."""
        result = self.api("/api/v1/query", query=expr)["data"]["result"]
        return {tuple(sorted((k, v) for k, v in r["metric"].items() if k != "__name__")): float(r["value"][1])
                for r in result}

    def names(self) -> set[str]:
        """Every metric name Prometheus holds: with samples, or announced by a scrape (HELP/TYPE) without any
        yet (the exporter sends a family with no rows that way)."""
        return set(self.api("/api/v1/label/__name__/values")["data"]) | set(self.api("/api/v1/metadata")["data"])

    def last_scrape(self) -> dict:
        targets = self.api("/api/v1/targets")["data"]["activeTargets"]
        return next((t for t in targets if t["labels"].get("job") == FACTORY_JOB), {})

    def wait_for_scrape_after(self, moment: float, limit: float = 120) -> dict:
        """Until the factory target was scraped (successfully) after ``moment`` (unix time)."""
        from datetime import datetime

        deadline = time.monotonic() + limit
        target: dict = {}
        while time.monotonic() < deadline:
            target = self.last_scrape()
            last = target.get("lastScrape", "")
            if last and not last.startswith("0001") and target.get("health") == "up":
                at = datetime.fromisoformat(last.replace("Z", "+00:00")[:26] + "+00:00"
                                            if "." in last else last.replace("Z", "+00:00")).timestamp()
                if at > moment:
                    return target
            time.sleep(2)
        return target


# ----------------------------------------------------------------------------- StatsD names
class StatsdNames:
    """A UDP listener keeping the names of the StatsD metrics Airflow sends (``name:value|type``)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.5)
        self.port = self.sock.getsockname()[1]
        self.names: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.sock.recv(65535)
            except OSError:
                continue
            for line in data.decode(errors="replace").splitlines():
                if ":" in line:
                    self.names.add(line.split(":", 1)[0])

    def prometheus_names(self) -> set[str]:
        """The names statsd-exporter gives them by default (its mapping: every non-word character -> _)."""
        import re

        return {re.sub(r"[^a-zA-Z0-9_]", "_", name) for name in self.names}

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


# ----------------------------------------------------------------------------- memory
def tree_memory(pid: int) -> dict:
    """Resident memory of a long-lived component: its process and the long-lived processes under it
    (the API server's workers, the executor's worker pool, the log servers), not task processes nor their
    children (ffmpeg), nor the DAG processor's short-lived parsing children."""
    from soak.disrupt import is_task_process

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return {"rss": 0, "pss": 0, "processes": 0, "fds": 0}
    rss = pss = count = fds = 0
    for proc in procs:
        try:
            title = " ".join(proc.cmdline())
            if is_task_process(title) or _under_task(proc):
                continue
            info = proc.memory_full_info()
            open_fds = proc.num_fds()
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
        rss += info.rss
        pss += getattr(info, "pss", info.rss)
        fds += open_fds   # a leak of log files per trigger (apache/airflow#65560) shows here first
        count += 1
    return {"rss": rss, "pss": pss, "processes": count, "fds": fds}


def _under_task(proc: psutil.Process) -> bool:
    from soak.disrupt import is_task_process

    try:
        for parent in proc.parents():
            if is_task_process(" ".join(parent.cmdline())):
                return True
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return True
    return False


@dataclass
class MemorySampler:
    pids: dict[str, int]
    every: float = 15
    samples: list[tuple[float, dict[str, dict]]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def start(self) -> "MemorySampler":
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.samples.append((time.time(), {name: tree_memory(pid) for name, pid in self.pids.items()}))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def growth(self, since: float, until: float, restarts: dict[str, list[float]] | None = None,
               window: float = 90, warmup: float = 300) -> dict[str, dict]:
        """Per component: its memory (PSS summed over the tree: shared pages counted once, so forked workers
        touching copy-on-write pages are not counted twice) as the median of the ``window`` seconds after
        ``since`` and of those before ``until``, and the growth between them in percent. A component the
        stack restarted is measured from ``warmup`` seconds after its last restart, as a fresh start is from
        the soak's 5th minute: a new process has not yet imported what its first triggers and DAG runs need."""
        out = {}
        for name in self.pids:
            start = max([since, *[t + warmup for t in (restarts or {}).get(name, []) if t + warmup < until - window]])
            first = [s[name]["pss"] for t, s in self.samples if start <= t <= start + window and s[name]["pss"]]
            last = [s[name]["pss"] for t, s in self.samples if until - window <= t <= until and s[name]["pss"]]
            rss = [s[name]["rss"] for t, s in self.samples if until - window <= t <= until and s[name]["rss"]]
            if not first or not last:
                continue
            a, b = statistics.median(first), statistics.median(last)
            out[name] = {"from_minute": round((start - since) / 60, 1), "start_mb": round(a / 2**20, 1),
                         "end_mb": round(b / 2**20, 1), "end_rss_mb": round(statistics.median(rss) / 2**20, 1),
                         "growth_pct": round(100 * (b - a) / a, 1)}
        return out

    def timeline(self, t0: float, every: float = 300) -> dict[str, list[dict]]:
        """Per component, one point per ``every`` seconds from ``t0``: the median PSS (MB) and open files, so
        the report shows a leak's shape (a steady climb) apart from a warm-up (a step, then flat)."""
        out: dict[str, list[dict]] = {}
        for name in self.pids:
            buckets: dict[int, list[dict]] = {}
            for t, s in self.samples:
                if s[name]["pss"]:
                    buckets.setdefault(int((t - t0) // every), []).append(s[name])
            out[name] = [{"minute": round(k * every / 60, 1),
                          "pss_mb": round(statistics.median(x["pss"] for x in v) / 2**20, 1),
                          "fds": int(statistics.median(x.get("fds", 0) for x in v))}
                         for k, v in sorted(buckets.items())]
        return out
