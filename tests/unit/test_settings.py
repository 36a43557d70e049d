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
