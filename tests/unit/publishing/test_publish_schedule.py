"""When a post goes live: requested times, posting windows in the account's time zone, native scheduling limits."""
from datetime import datetime, timedelta, timezone

import pytest

from acf import platform_rules
from acf.publishing import schedule
from acf.publishing.schedule import Plan, ScheduleError, next_in_window, parse_time, plan

UTC = timezone.utc
EVENINGS = [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "17:00", "end": "20:00"}]
# Wednesday 2026-12-02 10:00 UTC = 11:00 in Berlin, 05:00 in New York
WED_10_UTC = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


def test_parse_time_needs_an_offset():
    assert parse_time("2026-12-04T18:00:00+01:00") == datetime(2026, 12, 4, 17, 0, tzinfo=UTC)
    assert parse_time("2026-12-04T17:00Z") == datetime(2026, 12, 4, 17, 0, tzinfo=UTC)
    assert parse_time("") is None and parse_time(None) is None
    with pytest.raises(ScheduleError, match="offset"):
        parse_time("2026-12-04T18:00:00")
    with pytest.raises(ScheduleError, match="ISO 8601"):
        parse_time("tomorrow at six")


def test_windows_are_local_to_the_account():
    # 17:00 in Berlin is 16:00 UTC; in New York 22:00 UTC (winter).
    assert next_in_window(WED_10_UTC, EVENINGS, "Europe/Berlin") == datetime(2026, 12, 2, 16, 0, tzinfo=UTC)
    assert next_in_window(WED_10_UTC, EVENINGS, "America/New_York") == datetime(2026, 12, 2, 22, 0, tzinfo=UTC)
    inside = datetime(2026, 12, 2, 17, 30, tzinfo=UTC)          # 18:30 in Berlin: inside, so at once
    assert next_in_window(inside, EVENINGS, "Europe/Berlin") == inside
    friday_late = datetime(2026, 12, 4, 20, 0, tzinfo=UTC)      # Friday 21:00 Berlin: next is Monday 17:00
    assert next_in_window(friday_late, EVENINGS, "Europe/Berlin") == datetime(2026, 12, 7, 16, 0, tzinfo=UTC)
    assert next_in_window(WED_10_UTC, [], "Europe/Berlin") == WED_10_UTC   # no windows: any time


def test_bad_windows_and_zones_are_refused_with_the_reason():
    with pytest.raises(ScheduleError, match="ends before"):
        next_in_window(WED_10_UTC, [{"start": "20:00", "end": "17:00"}])
    with pytest.raises(ScheduleError, match="days"):
        next_in_window(WED_10_UTC, [{"days": ["funday"], "start": "17:00", "end": "20:00"}])
    with pytest.raises(ScheduleError, match="time zone"):
        next_in_window(WED_10_UTC, EVENINGS, "Mars/Olympus")


def test_no_request_and_no_window_posts_now():
    assert plan({}, None, WED_10_UTC) == Plan("now", WED_10_UTC)
    assert plan({"native": "x"}, WED_10_UTC + timedelta(seconds=30), WED_10_UTC).how == "now"


def test_platforms_without_a_schedule_field_wait_for_the_slot():
    slot = WED_10_UTC + timedelta(hours=8)
    assert plan({"windows": []}, slot, WED_10_UTC) == Plan("wait", slot, slot)
    # Windows alone move "as soon as possible" to the next window.
    assert plan({"windows": EVENINGS, "timezone": "Europe/Berlin"}, None, WED_10_UTC) == \
        Plan("wait", datetime(2026, 12, 2, 16, 0, tzinfo=UTC), datetime(2026, 12, 2, 16, 0, tzinfo=UTC))


def test_native_platforms_within_their_lead_are_held_by_the_platform():
    facebook = platform_rules.for_platform("facebook")["schedule"]
    assert plan(facebook, WED_10_UTC + timedelta(days=3), WED_10_UTC) == Plan("native", WED_10_UTC + timedelta(days=3))
    # Closer than 10 minutes: Facebook refuses to hold it; the factory posts at the slot itself.
    soon = WED_10_UTC + timedelta(minutes=5)
    assert plan(facebook, soon, WED_10_UTC) == Plan("wait", soon, soon)
    # Beyond 29 days: wait until it is within reach (with an hour to spare), then schedule natively.
    far = WED_10_UTC + timedelta(days=40)
    waited = plan(facebook, far, WED_10_UTC)
    assert waited.how == "wait" and waited.slot == far
    assert waited.wait_until == far - timedelta(seconds=facebook["max_ahead_seconds"]) + timedelta(hours=1)
    assert plan(facebook, far, waited.wait_until).how == "native"
    assert plan(platform_rules.for_platform("youtube")["schedule"], far, WED_10_UTC).how == "native"


def test_a_slot_missed_while_the_factory_was_down_goes_at_the_next_window_once():
    rule = {"windows": EVENINGS, "timezone": "Europe/Berlin"}
    slot = datetime(2026, 12, 2, 16, 0, tzinfo=UTC)              # Wednesday 17:00 Berlin
    # The wait ends a few seconds late: still the slot, post now.
    assert plan(rule, slot, slot + timedelta(seconds=20)).how == "now"
    # The factory came back Thursday 09:00 UTC: not late posting; Thursday's window.
    thursday_morning = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    assert plan(rule, slot, thursday_morning) == Plan("wait", datetime(2026, 12, 3, 16, 0, tzinfo=UTC),
                                                      datetime(2026, 12, 3, 16, 0, tzinfo=UTC))
    # Back inside Wednesday's window (18:30 Berlin, 90 minutes late): the window is still open, post now.
    assert plan(rule, slot, slot + timedelta(minutes=90)).how == "now"
    # No windows at all: a missed time posts at once.
    assert plan({}, slot, thursday_morning).how == "now"


def test_every_platform_declares_a_schedule_the_planner_reads():
    for name in platform_rules.platforms():
        rule = platform_rules.for_platform(name).get("schedule")
        assert rule is not None, name
        plan(rule, WED_10_UTC + timedelta(days=1), WED_10_UTC)          # parses: windows, zone, limits
    assert platform_rules.for_platform("tiktok")["schedule"].get("native") is None
    assert platform_rules.for_platform("instagram")["schedule"].get("native") is None
    assert schedule.LATE_AFTER < timedelta(hours=1)


def test_expected_slot_says_when_an_approval_now_would_go_live():
    rule = {"windows": EVENINGS, "timezone": "Europe/Berlin"}
    assert schedule.expected_slot({}, "", WED_10_UTC) is None                       # at once
    assert schedule.expected_slot(rule, "", WED_10_UTC) == datetime(2026, 12, 2, 16, 0, tzinfo=UTC)
    asked = "2026-12-03T19:30:00+01:00"                                            # Thursday, inside the window
    assert schedule.expected_slot(rule, asked, WED_10_UTC) == datetime(2026, 12, 3, 18, 30, tzinfo=UTC)
    assert schedule.expected_slot({}, asked, WED_10_UTC) == datetime(2026, 12, 3, 18, 30, tzinfo=UTC)
    assert schedule.expected_slot(rule, "tomorrow at six", WED_10_UTC) is None     # the publish step says why
