"""When a post goes live: the requested time, the platform's posting windows, and how the platform schedules.

A platform's ``schedule`` rules (platform_rules.yaml) say whether it holds a post until a given time
itself (``native``: YouTube's ``status.publishAt``, Facebook's ``scheduled_publish_time``) and how far
ahead it accepts one (``min_ahead_seconds``..``max_ahead_seconds``), and list its posting ``windows``
(weekdays and local hours, in the account's time zone; none = any time). :func:`plan` turns a requested
time into a :class:`Plan`: post now, post now asking the platform to hold it until the slot (native),
or wait until a moment (on the triggerer: no worker is held) and plan again then.

A slot that passed while the factory was down is not posted late: the next window is taken instead.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
NOW_MARGIN = timedelta(seconds=60)      # a slot this close is "now"
LATE_AFTER = timedelta(minutes=15)      # a wait that ends later than this missed its slot (the factory was down)
SEARCH_DAYS = 15                        # windows are weekly; two weeks always find one


class ScheduleError(ValueError):
    """A requested time or a schedule rule that cannot be used, with the reason."""


@dataclass(frozen=True)
class Plan:
    """``how``: ``now`` (post now), ``native`` (post now, the platform holds it until ``slot``) or
    ``wait`` (come back at ``wait_until``, then plan again with ``requested=slot``)."""

    how: str
    slot: datetime
    wait_until: datetime | None = None


def parse_time(value: str | datetime | None) -> datetime | None:
    """An ISO 8601 time (with an offset; ``Z`` allowed) as aware UTC; empty means none."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            raise ScheduleError(f"publish_at must be an ISO 8601 time such as 2026-12-03T18:00:00+01:00,"
                                f" not {value!r}") from None
    if moment.tzinfo is None:
        raise ScheduleError(f"publish_at {value!r} has no time zone offset; add one (Z for UTC)")
    return moment.astimezone(timezone.utc)


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(f"unknown time zone {name!r}; use an IANA name such as Europe/Berlin") from None


def _clock(text: str) -> time:
    try:
        hours, minutes = (int(part) for part in str(text).split(":"))
        return time(23, 59, 59, 999999) if (hours, minutes) == (24, 0) else time(hours, minutes)
    except (ValueError, TypeError):
        raise ScheduleError(f"posting window time {text!r} is not HH:MM") from None


def _windows(rules: list[dict]) -> list[tuple[set[int], time, time]]:
    parsed = []
    for window in rules or []:
        days = window.get("days") or list(DAYS)
        unknown = [d for d in days if str(d).lower()[:3] not in DAYS]
        if unknown:
            raise ScheduleError(f"posting window days {unknown} are not {', '.join(DAYS)}")
        start, end = _clock(window.get("start", "00:00")), _clock(window.get("end", "24:00"))
        if end <= start:
            raise ScheduleError(f"posting window {window} ends before it starts")
        parsed.append(({DAYS.index(str(d).lower()[:3]) for d in days}, start, end))
    return parsed


def next_in_window(moment: datetime, windows: list[dict], tz: str | None = None) -> datetime:
    """The first instant at or after ``moment`` inside one of ``windows`` (local to ``tz``); any time if none."""
    parsed = _windows(windows)
    if not parsed:
        return moment
    local_zone = zone(tz)
    local = moment.astimezone(local_zone)
    for offset in range(SEARCH_DAYS):
        day = local.date() + timedelta(days=offset)
        starts = []
        for weekdays, start, end in parsed:
            if day.weekday() not in weekdays:
                continue
            opens = datetime.combine(day, start, tzinfo=local_zone)
            closes = datetime.combine(day, end, tzinfo=local_zone)
            if closes <= local:
                continue
            starts.append(max(opens, local))
        if starts:
            return min(starts).astimezone(timezone.utc)
    raise ScheduleError(f"no posting window found in {SEARCH_DAYS} days: {windows}")


def plan(rule: dict | None, requested: datetime | None, now: datetime, tz: str | None = None,
         native: dict | None = None) -> Plan:
    """How to post: ``rule`` is the platform's ``schedule`` rules, ``requested`` the wanted time (None: as
    soon as a window allows), ``native`` the uploader's own scheduling limits when they differ from the rules'
    (the outbox "holds" anything). A requested time already past by more than :data:`LATE_AFTER` (the factory
    was down) is not kept: the next window from now is taken, once.
    """
    rule = rule or {}
    start = now if requested is None or requested < now - LATE_AFTER else max(requested, now)
    slot = next_in_window(start, rule.get("windows") or [], tz or rule.get("timezone"))
    lead = slot - now
    if lead <= NOW_MARGIN:
        return Plan("now", now)
    limits = native if native is not None else (rule if rule.get("native") else None)
    if limits is None:
        return Plan("wait", slot, slot)
    min_ahead = timedelta(seconds=float(limits.get("min_ahead_seconds") or 0))
    max_ahead = limits.get("max_ahead_seconds")
    if lead < min_ahead:
        return Plan("wait", slot, slot)          # too soon for the platform to hold: post at the slot ourselves
    if max_ahead is not None and lead > timedelta(seconds=float(max_ahead)):
        # Too far ahead for the platform: come back when it is within reach, with an hour to spare.
        return Plan("wait", slot, slot - timedelta(seconds=float(max_ahead)) + timedelta(hours=1))
    return Plan("native", slot)


def platform_rule(platform: str) -> dict:
    """The platform's ``schedule`` rules from ``platform_rules.yaml`` (none for a platform it lacks)."""
    from acf import platform_rules

    try:
        return platform_rules.for_platform(platform).get("schedule") or {}
    except platform_rules.UnknownPlatformError:
        return {}


def expected_slot(rule: dict | None, requested: str | datetime | None, now: datetime,
                  tz: str | None = None) -> datetime | None:
    """When a post asked for ``requested`` would go live if it were published ``now`` (the platform's
    posting windows in ``rule``, in ``tz`` or the rule's own time zone): None when it would go at once.
    A requested time or rule that cannot be used is None too (the publish step says why)."""
    try:
        planned = plan(rule, parse_time(requested), now, tz)
    except ScheduleError:
        return None
    return None if planned.how == "now" else planned.slot
