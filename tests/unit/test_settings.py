from acf import settings


def test_schedules_can_be_switched_off_for_manual_runs(monkeypatch):
    monkeypatch.setenv("ACF_TRENDS_SCHEDULE", "none")
    monkeypatch.setenv("ACF_ANALYTICS_SCHEDULE", "")
    loaded = settings.load()
    assert loaded.trends_schedule is None
    assert loaded.analytics_schedule is None


def test_defaults_run_offline_every_six_hours(monkeypatch):
    for name in ("ACF_TRENDS_SCHEDULE", "ACF_TIER", "ACF_REGIONS"):
        monkeypatch.delenv(name, raising=False)
    loaded = settings.load()
    assert loaded.trends_schedule == "0 */6 * * *"
    assert loaded.default_tier == "offline"
    assert loaded.regions == ("US", "GB", "IN", "BR", "DE", "JP")


def test_prices_and_local_stack_settings_default_and_follow_the_environment(monkeypatch):
    for name in ("ACF_PRICES_FILE", "ACF_API_PORT", "ACF_AIRFLOW_DB", "ACF_PARALLELISM"):
        monkeypatch.delenv(name, raising=False)
    loaded = settings.load()
    assert (loaded.prices_file, loaded.api_port, loaded.airflow_db, loaded.parallelism) == (None, 8080, "airflow", 4)
    monkeypatch.setenv("ACF_PRICES_FILE", "/tmp/prices.yaml")
    monkeypatch.setenv("ACF_API_PORT", "9090")
    monkeypatch.setenv("ACF_AIRFLOW_DB", "airflow_x")
    monkeypatch.setenv("ACF_PARALLELISM", "2")
    loaded = settings.load()
    assert str(loaded.prices_file) == "/tmp/prices.yaml"
    assert (loaded.api_port, loaded.airflow_db, loaded.parallelism) == (9090, "airflow_x", 2)


def test_target_seconds_and_side_ports_default_and_follow_the_environment(monkeypatch):
    for name in ("ACF_TARGET_SECONDS", "ACF_WORKER_LOG_PORT", "ACF_TRIGGER_LOG_PORT", "ACF_SCHEDULER_HEALTH_PORT"):
        monkeypatch.delenv(name, raising=False)
    loaded = settings.load()
    assert (loaded.target_seconds, loaded.worker_log_port, loaded.trigger_log_port,
            loaded.scheduler_health_port) == (30, 8793, 8794, 8974)
    monkeypatch.setenv("ACF_TARGET_SECONDS", "45")
    monkeypatch.setenv("ACF_TRIGGER_LOG_PORT", "18794")
    assert (settings.load().target_seconds, settings.load().trigger_log_port) == (45, 18794)
    monkeypatch.setenv("ACF_TARGET_SECONDS", "5")     # the Param's bounds: 15-600
    assert settings.load().target_seconds == 15
