"""Operations files: the Prometheus exporter's text, the Grafana dashboard, Prometheus config, Helm values."""
from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from acf.analytics import exporter

ROOT = Path(__file__).resolve().parents[3]
METRIC_NAMES = {name for name, _, _ in exporter._QUERIES}


def test_exporter_text_format_and_label_escaping(pg_conn):
    pg_conn.execute("TRUNCATE acf.backups")
    pg_conn.execute("INSERT INTO acf.quarantine (stage, reason) VALUES (%s, 'x'), (%s, 'y')",
                    ('odd "stage"\\n', "trends.validate"))
    text = exporter.factory_metrics(pg_conn)
    assert text.endswith("\n")
    for name in METRIC_NAMES:
        assert f"# TYPE {name} gauge" in text
    assert 'acf_quarantined_items{stage="odd \\"stage\\"\\\\n"} 1' in text
    assert 'acf_quarantined_items{stage="trends.validate"} 1' in text
    sample_line = re.compile(r'^[a-z_]+(\{([a-z_]+="([^"\\]|\\.)*",?)*\})? -?[0-9.e+]+$')
    for line in text.splitlines():
        assert line.startswith("# ") or sample_line.match(line), line
    # No backup yet: no sample at all (a zero would read as "backed up in 1970").
    assert not [line for line in text.splitlines() if line.startswith("acf_last_backup_timestamp_seconds")]


def test_exporter_values_are_exact(pg_conn):
    """Prometheus must hold what the database holds (the soak compares them): values were printed with :g."""
    pg_conn.execute("INSERT INTO acf.ai_calls (modality, provider, model, cost_usd) VALUES"
                    " ('text', 'openai', 'gpt-4o-mini', 1.234567), ('text', 'openai', 'gpt-4o-mini', 0.000001)")
    text = exporter.factory_metrics(pg_conn)
    assert 'acf_ai_cost_usd{provider="openai",modality="text"} 1.234568' in text
    assert exporter._format("acf_trend_observations", "h", ["source"], [("x", 1234567)])[-1] == \
        'acf_trend_observations{source="x"} 1234567'
    assert exporter._format("acf_views", "h", [], [(2.5e-07,)])[-1] == "acf_views 2.5e-07"


def test_grafana_dashboard_uses_only_exported_factory_metrics():
    dashboard = json.loads((ROOT / "ops/grafana/dashboards/acf_factory.json").read_text())
    datasource_uid = yaml.safe_load(
        (ROOT / "ops/grafana/provisioning/datasources/prometheus.yaml").read_text())["datasources"][0]["uid"]
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids)) >= 10
    used = set()
    for panel in dashboard["panels"]:
        assert panel["datasource"]["uid"] == datasource_uid
        for target in panel["targets"]:
            used |= set(re.findall(r"\bacf_[a-z_]+", target["expr"]))
    assert used <= METRIC_NAMES, used - METRIC_NAMES
    assert {"acf_uploads", "acf_ai_cost_usd", "acf_trend_observations", "acf_content_pieces",
            "acf_opportunities"} <= used


def test_grafana_dashboard_groups_and_filters_only_by_exported_labels(pg_conn):
    """`sum by (x)` or `{x="..."}` on a label the exporter does not send draws an empty panel."""
    labels = {}
    for name, _, sql in exporter._QUERIES:
        with pg_conn.cursor() as cur:
            cur.execute(sql)
            labels[name] = {d.name for d in cur.description[:-1]}
    dashboard = json.loads((ROOT / "ops/grafana/dashboards/acf_factory.json").read_text())
    wrong = []
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            expr = target["expr"]
            names = set(re.findall(r"\bacf_[a-z_]+", expr))
            used = set(re.findall(r"\bby \(([^)]*)\)", expr)) | set(re.findall(r"\{([^}]*)\}", expr))
            used = {label.strip().split("=")[0].rstrip("!~") for group in used for label in group.split(",")}
            wrong += [(panel["title"], name, label) for name in names for label in used
                      if label and label not in labels.get(name, set())]
    assert wrong == []


def test_prometheus_scrapes_the_dashboard_endpoint_with_a_token_file():
    config = yaml.safe_load((ROOT / "ops/prometheus/prometheus.yml").read_text())
    job = next(j for j in config["scrape_configs"] if j["job_name"] == "acf_factory")
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "plugin_for_test", ROOT / "plugins/acf_dashboard/acf_dashboard_plugin.py")
    plugin = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(plugin)
    assert job["metrics_path"] == plugin.URL_PREFIX + "/metrics"
    assert job["authorization"]["type"] == "Bearer" and "credentials_file" in job["authorization"]


def test_helm_values_run_kubernetes_executor_without_secrets_in_the_file():
    values = yaml.safe_load((ROOT / "deploy/values.yaml").read_text())
    assert values["executor"] == "KubernetesExecutor"
    assert values["airflowVersion"] == "3.3.2"
    assert values["redis"]["enabled"] is False and values["postgresql"]["enabled"] is False
    assert values["data"]["metadataSecretName"]
    # Tokens are RS256: the private key is a mounted Secret, and the chart's shared JWT secret is off.
    key_volume = next(v for v in values["volumes"] if v["name"] == "acf-jwt-private-key")
    assert key_volume["secret"]["secretName"] and values["enableBuiltInSecretEnvVars"]["AIRFLOW__API_AUTH__JWT_SECRET"] is False
    env = yaml.safe_load(values["extraEnv"])
    settings_source = (ROOT / "include/acf/settings.py").read_text()
    for item in env:
        if item["name"].startswith("ACF_"):
            assert f'"{item["name"]}"' in settings_source, f"{item['name']} is not read by acf.settings"
        assert "value" in item or "secretKeyRef" in item.get("valueFrom", {})
    assert not re.search(r"(?i)(password|secret_key|api_key)\s*:\s*\S", (ROOT / "deploy/values.yaml").read_text())
