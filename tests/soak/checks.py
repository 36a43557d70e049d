"""The soak's end checks: nothing lost, nothing twice, the cost ledger exact, the metrics true.

Each check returns a count and the findings behind it (what, where), so a non-zero figure in the last line
can be traced. They read the factory database (``acf``), Airflow's metadata database (runs, task tries),
the stand-ins (what the services saw and hold), S3 (behind the fault proxy: read directly) and Prometheus.
"""
from __future__ import annotations

import hashlib
import re
from collections import Counter
from decimal import Decimal

from acf import db

# A task try that failed with one of these is a bug in the factory, not a fault it met.
BUG_TYPES = ("TypeError", "KeyError", "AttributeError", "NameError", "IndexError", "UnboundLocalError",
             "AssertionError", "ZeroDivisionError", "RecursionError", "ImportError", "ModuleNotFoundError",
             "NotImplementedError", "UnicodeDecodeError", "UnicodeEncodeError")
SETTLED_PUBLICATION = {"published", "deferred", "failed", "needs_reauth"}


def _rows(conn, sql, *params) -> list[dict]:
    return db.fetch_dicts(conn, sql, params or None)


# ----------------------------------------------------------------------------- trends
def trend_findings(acf, airflow) -> tuple[int, int, list[str]]:
    """(duplicates, lost, findings): each (source, region, interval) loaded once, with exactly the rows its
    load claims; every interval of a successful acf_trends run loaded for every payload it did not mark
    unavailable (the unavailable ones say why)."""
    findings: list[str] = []
    # a fetch may load in parts (acf.trend_loads.part: a chart and a search of the same source and region)
    twice = _rows(acf, "SELECT l.source, l.region, l.interval_start, l.observations,"
                       " (SELECT count(*) FROM acf.trend_observations o WHERE (o.source, o.region, o.interval_start)"
                       "  = (l.source, l.region, l.interval_start)) AS rows"
                       " FROM (SELECT source, region, interval_start, sum(observations) AS observations"
                       "       FROM acf.trend_loads GROUP BY 1, 2, 3) l")
    twice = [r for r in twice if r["rows"] != r["observations"]]
    duplicates = 0
    for r in twice:
        duplicates += max(0, r["rows"] - r["observations"])
        findings.append(f"trend load {r['source']}/{r['region']}@{r['interval_start']:%H:%M}: {r['rows']} rows,"
                        f" the load claims {r['observations']}")
    lost = 0
    for run in _rows(airflow, "SELECT r.run_id, r.state, r.data_interval_start, x.value FROM dag_run r"
                              " LEFT JOIN xcom x ON x.dag_run_id = r.id AND x.task_id = 'process_and_load'"
                              " AND x.key = 'return_value' WHERE r.dag_id = 'acf_trends'"):
        summary = run["value"] if isinstance(run["value"], dict) else None
        if run["state"] != "success" or summary is None:
            if run["state"] == "failed":
                lost += 1
                findings.append(f"acf_trends {run['run_id']} failed: its interval was never loaded")
            continue
        unavailable = summary.get("unavailable") or []
        loads = acf.execute("SELECT count(*) FROM acf.trend_loads WHERE interval_start = %s",   # parts included
                            (summary.get("interval_start") or run["data_interval_start"],)).fetchone()[0]
        wanted = summary.get("payloads", 0)
        if loads < wanted:
            lost += wanted - loads
            findings.append(f"acf_trends {run['run_id']}: {wanted} payloads, {loads} loaded")
    return duplicates, lost, findings


# ----------------------------------------------------------------------------- content and publishing
def content_findings(acf, services, s3_client, bucket: str, prefix: str) -> tuple[int, int, list[str], dict]:
    """(duplicates, lost, findings, counts)."""
    findings: list[str] = []
    lost = 0
    pieces = _rows(acf, "SELECT content_id, status, error, platforms FROM acf.content_pieces")
    counts = Counter(p["status"] for p in pieces)
    for p in pieces:
        if p["status"] not in ("ready", "failed") or p["status"] == "failed" and not (p["error"] or "").strip():
            lost += 1
            findings.append(f"content {p['content_id']}: {p['status']} with no end ({(p['error'] or '')[:120]!r})")
    # Complete before ready: every object of a ready piece is in the store, whole.
    incomplete = 0
    for p in (p for p in pieces if p["status"] == "ready"):
        objects = _rows(acf, "SELECT object_key, bytes, checksum FROM acf.renditions WHERE content_id = %s"
                             " UNION ALL SELECT object_key, bytes, checksum FROM acf.assets WHERE content_id = %s"
                             " AND object_key IS NOT NULL", p["content_id"], p["content_id"])
        renditions = _rows(acf, "SELECT aspect, status FROM acf.renditions WHERE content_id = %s", p["content_id"])
        if not renditions or any(r["status"] != "ready" for r in renditions):
            incomplete += 1
            findings.append(f"content {p['content_id']} ready with renditions {renditions}")
        for obj in objects:
            problem = _object_problem(s3_client, bucket, f"{prefix}{obj['object_key']}", obj["bytes"], obj["checksum"])
            if problem:
                incomplete += 1
                findings.append(f"content {p['content_id']} ready but {obj['object_key']}: {problem}")
    lost += incomplete
    # Every ready piece is published, deferred with a time, or failed with its reason, on each platform.
    ready = {p["content_id"]: p for p in pieces if p["status"] == "ready"}
    pubs = _rows(acf, "SELECT publication_id, content_id, platform, account, state, external_id, error, deferred_until"
                      " FROM acf.publications WHERE account <> 'n/a'")
    by_target = Counter((r["content_id"], r["platform"], r["account"]) for r in pubs)
    duplicates = sum(n - 1 for n in by_target.values() if n > 1)
    have = {(r["content_id"], r["platform"]) for r in pubs}
    for cid, piece in ready.items():
        for platform in piece["platforms"] or []:
            if (cid, platform) not in have:
                lost += 1
                findings.append(f"ready {cid} never reached {platform} (no publication)")
    for r in pubs:
        state = r["state"]
        if state not in SETTLED_PUBLICATION or state == "deferred" and r["deferred_until"] is None \
                or state in ("failed", "needs_reauth") and not (r["error"] or "").strip():
            lost += 1
            findings.append(f"publication {r['content_id']}/{r['platform']}: {state} ({(r['error'] or '')[:120]!r})")
    # The ledger and the platforms agree: every published row's post exists; every post is in the ledger.
    posts = services.platform_posts()
    published = [r for r in pubs if r["state"] == "published"]
    for r in published:
        if r["external_id"] not in posts[r["platform"]]:
            lost += 1
            findings.append(f"publication {r['content_id']}/{r['platform']} published as {r['external_id']},"
                            " which the platform does not have")
    known = {(r["platform"], r["external_id"]) for r in pubs if r["external_id"]}
    for platform, ids in posts.items():
        stray = [i for i in ids if (platform, i) not in known]
        if stray:
            duplicates += len(stray)
            findings.append(f"{platform} holds posts the ledger does not know: {stray[:5]}")
    platform_twice = services.platform_duplicates()
    if platform_twice:
        duplicates += platform_twice
        findings.append(f"platforms hold {platform_twice} posts twice")
    counts.update({f"publications_{k}": v for k, v in Counter(r["state"] for r in pubs).items()})
    counts["incomplete_ready_objects"] = incomplete
    return duplicates, lost, findings, dict(counts)


def _object_problem(client, bucket: str, key: str, size: int | None, checksum: str | None) -> str | None:
    try:
        head = client.head_object(Bucket=bucket, Key=key)
    except Exception as exc:  # noqa: BLE001 - any failure to find it is the finding
        return f"missing ({type(exc).__name__})"
    if size is not None and head["ContentLength"] != size:
        return f"{head['ContentLength']} bytes, {size} recorded"
    if checksum:
        digest = hashlib.sha256(client.get_object(Bucket=bucket, Key=key)["Body"].read()).hexdigest()
        if digest != checksum:
            return "checksum differs from the recorded one"
    return None


# ----------------------------------------------------------------------------- cost ledger
def cost_findings(acf, services) -> tuple[int, list[str], dict]:
    """(mismatches, findings, table): per AI provider, the calls the stand-in answered in full (billed)
    against the ledger's model calls.

    A text call is matched by the ledger id its request carried: each billed request has its row, answered
    (with the tokens' cost the provider reported) or still in flight (its task was killed while the provider
    answered: the ledger knows the call, not its cost); each answered row was billed once. Media requests
    carry no id (their hooks do not pass one), so they are counted: the answered rows are at most the billed
    calls, and those at most the answered rows plus the ones left in flight."""
    findings: list[str] = []
    mismatches = 0
    table = {}
    rows = _rows(acf, "SELECT call_id::text AS call_id, provider, in_flight,"
                      " NOT in_flight AND (ok OR input_tokens + output_tokens > 0) AS answered, cost_usd"
                      " FROM acf.ai_calls WHERE NOT cache_hit")
    for provider, billed in services.billed().items():
        answered = {r["call_id"]: r for r in rows if r["provider"] == provider and r["answered"]}
        in_flight = {r["call_id"] for r in rows if r["provider"] == provider and r["in_flight"]}
        calls = billed["calls"]
        entry = table[provider] = {
            "billed": len(calls), "ledger": len(answered), "in_flight": len(in_flight),
            "billed_usd": str(sum((c["cost_usd"] for c in calls), Decimal("0"))),
            "ledger_usd": str(sum((r["cost_usd"] for r in answered.values()), Decimal("0")))}
        if billed["modality"] != "text":
            low, high = len(answered), len(answered) + len(in_flight)
            if not low <= len(calls) <= high:
                mismatches += low - len(calls) if len(calls) < low else len(calls) - high
                findings.append(f"{provider}: billed {len(calls)} calls, the ledger has {low} answered"
                                f" and {len(in_flight)} in flight")
            entry["billed_in_flight"] = max(0, len(calls) - low)
            continue
        times = Counter(c["call_id"] for c in calls)
        cost = {c["call_id"]: c["cost_usd"] for c in calls}
        entry["billed_in_flight"] = sum(n for cid, n in times.items() if cid in in_flight)
        for cid, n in times.items():
            if cid in in_flight:
                continue
            if cid not in answered:
                mismatches += n
                findings.append(f"{provider}: billed call {cid} is not in the ledger" + (f" ({n} requests)" if n > 1 else ""))
                continue
            if n > 1:
                mismatches += n - 1
                findings.append(f"{provider}: call {cid} was billed {n} times, the ledger has it once")
            if Decimal(answered[cid]["cost_usd"]) != cost[cid]:
                mismatches += 1
                findings.append(f"{provider}: call {cid} billed ${cost[cid]}, the ledger says ${answered[cid]['cost_usd']}")
        for cid in sorted(set(answered) - set(times)):
            mismatches += 1
            findings.append(f"{provider}: the ledger's answered call {cid} was never billed")
    return mismatches, findings, table


def metric_findings(acf, prometheus) -> tuple[int, list[str], int]:
    """(mismatches, findings, series compared): Prometheus' last scrape against the database."""
    pairs = {
        "acf_trend_observations": ("source", "SELECT source, count(*) FROM acf.trend_observations GROUP BY 1"),
        "acf_trends": ("category", "SELECT category, count(*) FROM acf.trends GROUP BY 1"),
        "acf_content_pieces": ("status,tier", "SELECT status, tier, count(*) FROM acf.content_pieces GROUP BY 1, 2"),
        "acf_uploads": ("platform,state", "SELECT platform, state, count(*) FROM acf.publications GROUP BY 1, 2"),
        "acf_ai_cost_usd": ("provider,modality",
                            "SELECT provider, modality, sum(cost_usd) FROM acf.ai_calls GROUP BY 1, 2"),
    }
    findings: list[str] = []
    mismatches = compared = 0
    for name, (labels, sql) in pairs.items():
        label_names = labels.split(",")
        expected = {tuple(sorted(zip(label_names, (str(v) for v in row[:-1])))): Decimal(str(row[-1] or 0))
                    for row in acf.execute(sql).fetchall()}
        scraped = {k: v for k, v in prometheus.query(name).items()}
        scraped = {tuple((k, v) for k, v in key if k in label_names): value for key, value in scraped.items()}
        for key in sorted(set(expected) | set(scraped)):
            compared += 1
            want, got = expected.get(key), scraped.get(key)
            if want is None or got is None or Decimal(repr(got)) != want:
                mismatches += 1
                findings.append(f"{name}{dict(key)}: database {want}, Prometheus {got}")
    return mismatches, findings, compared


def dashboard_findings(dashboard: dict, prometheus_names: set[str], statsd_names: set[str] | None) -> list[str]:
    """Every metric a dashboard query names is one Prometheus holds (airflow_* ones: one Airflow sent over
    StatsD, as statsd-exporter would name it, when the soak listened for them)."""
    missing = []
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            for name in set(re.findall(r"\b(?:acf|airflow)_[a-zA-Z0-9_]+", target["expr"])):
                if name.startswith("acf_") and name not in prometheus_names:
                    missing.append(f"panel {panel['title']!r}: {name} is not in Prometheus")
                if name.startswith("airflow_") and statsd_names is not None and name not in statsd_names:
                    missing.append(f"panel {panel['title']!r}: {name} was never sent by Airflow")
    return missing


# ----------------------------------------------------------------------------- runs and crashes
def run_counts(airflow, since) -> dict:
    runs = _rows(airflow, "SELECT dag_id, state, count(*) AS n FROM dag_run WHERE start_date >= %s GROUP BY 1, 2", since)
    tis = _rows(airflow, "SELECT state, count(*) AS n, coalesce(sum(try_number), 0) AS tries FROM task_instance"
                         " WHERE start_date >= %s GROUP BY 1", since)
    return {"dag_runs": sum(r["n"] for r in runs),
            "runs_by_state": {f"{r['dag_id']}:{r['state']}": r["n"] for r in runs},
            "tasks": sum(r["n"] for r in tis if r["state"] in ("success", "failed", "skipped", "upstream_failed")),
            "task_tries": sum(r["tries"] for r in tis),
            "tasks_by_state": {r["state"]: r["n"] for r in tis}}


def failed_tries(log_root) -> Counter:
    """Exception types of the task tries that failed, read from their logs."""
    found: Counter = Counter()
    for path in log_root.rglob("attempt=*.log"):
        try:
            text = path.read_text(errors="replace")
        except OSError:
            continue
        if '"Task failed with exception"' not in text and "Task failed with exception" not in text:
            continue
        types = re.findall(r'"exc_type":\s*"([A-Za-z_.]+)"', text) or re.findall(r"\n([A-Za-z_.]+(?:Error|Exception)):", text)
        task = re.search(r"task_id=([^/]+)", str(path))
        found[f"{task.group(1) if task else '?'}:{types[-1] if types else 'unknown'}"] += 1
    return found
