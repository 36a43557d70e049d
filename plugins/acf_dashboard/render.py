"""Server-rendered HTML for the dashboard pages, with inline SVG charts (no external assets).

Every value from the database goes through ``esc`` (HTML-escaped); URLs are built from ids only.
A page's parts that change while it is open (runs, renders, approvals, statuses) sit in a
``live`` region: ``data-refresh`` names the same page with ``part=live``, which the script fetches
every few seconds and swaps in (see static/dashboard.js), so nothing needs a reload.
"""
from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo
from html import escape
from typing import Any
from urllib.parse import quote, urlencode

PAGES = (("trends", "Trends"), ("opportunities", "Opportunities"), ("content", "Content"), ("review", "Review"),
         ("live", "Live"), ("performance", "Performance"), ("costs", "Costs"))
PALETTE = ("#2563eb", "#db2777", "#16a34a", "#ea580c", "#7c3aed", "#0891b2")
REFRESH_MS = 3000
# Chart text metrics in SVG user units (the charts scale as a whole, so these hold at any width).
TICK_FONT = 11
CHAR_W = 6.6          # a generous average advance of the 11 px sans-serif digits and letters
MAX_DOTS = 45         # a line of more days is drawn without a dot on each
DONE_STATES = ("success", "skipped", "failed", "upstream_failed", "removed")


def esc(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def money(value: Any) -> str:
    return f"${float(value or 0):,.4f}" if abs(float(value or 0)) < 1 else f"${float(value):,.2f}"


def number(value: Any) -> str:
    return f"{int(value or 0):,}"


def compact(value: float) -> str:
    """1234 -> 1.2k, 2500000 -> 2.5M: axis labels that stay short."""
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:.1f}".rstrip("0").rstrip(".") + suffix
    return f"{value:,.0f}" if abs(value) >= 10 or value == int(value) else f"{value:.2g}"


def when(value: Any) -> str:
    """An ISO time as ``2026-12-03 14:05`` (UTC, as stored)."""
    return esc(str(value or "")[:16].replace("T", " "))


def path_id(value: Any) -> str:
    return quote(str(value), safe="")


def airflow_base(prefix: str) -> str:
    """Where Airflow's REST API is, seen from the dashboard mounted at ``<base>/acf``."""
    return prefix.rsplit("/", 1)[0] if prefix else ""


def layout(prefix: str, active: str, title: str, body: str, simulated: bool = False) -> str:
    nav = "".join(
        f'<a href="{prefix}/{slug}" class="{"active" if slug == active else ""}" data-page="{slug}">{label}</a>'
        for slug, label in PAGES)
    badge = ('<span class="badge simulated" title="Offline tier: numbers are simulated, not from platforms">'
             'simulated metrics</span>') if simulated else ""
    airflow = airflow_base(prefix)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)} · Content Factory</title>
<link rel="stylesheet" href="{prefix}/static/dashboard.css">
<link rel="icon" href="{prefix}/static/icon.svg">
</head><body data-prefix="{esc(prefix)}" data-airflow="{esc(airflow)}">
<header><strong>Content Factory</strong><nav>{nav}</nav>
<a class="running" href="{prefix}/live" data-running="{prefix}/live?part=count" hidden></a>{badge}</header>
<main><h1>{esc(title)}</h1>{body}</main>
<script src="{prefix}/static/dashboard.js"></script>
</body></html>"""


def version(html: str) -> str:
    """A live region's version: the script swaps a region in only when this changed."""
    return hashlib.sha1(html.encode("utf-8")).hexdigest()[:16]


def live_region(url: str, inner: str, every_ms: int = REFRESH_MS) -> str:
    """A part of the page the script re-fetches from ``url`` (the same page with ``part=live``)."""
    return (f'<div class="live" data-refresh="{esc(url)}" data-every="{every_ms}" data-version="{version(inner)}">'
            f'{inner}</div>')


def key_warning(prefix: str, ages: list, max_age_days: int) -> str:
    """The banner every page shows while a service key is overdue for rotation (or undated)."""
    overdue = [a for a in ages if a.overdue]
    undated = [a for a in ages if a.dated_from == "unknown"]
    if not overdue and not undated:
        return ""
    parts = []
    if overdue:
        parts.append(f"{len(overdue)} service key{'s are' if len(overdue) > 1 else ' is'} older than"
                     f" {max_age_days} days: {esc(', '.join(a.conn_id for a in overdue))}")
    if undated:
        parts.append(f"{len(undated)} without a rotation date: {esc(', '.join(a.conn_id for a in undated))}")
    return (f'<p class="warning key-age" role="alert">Key rotation: {"; ".join(parts)}. Rotate the key and set the'
            f' Connection\'s <em>Key rotated at</em> field (README: Rotating keys).'
            f' <a href="{prefix}/security">Security</a></p>')


def security_page(prefix: str, ages: list, trail: dict, max_age_days: int) -> str:
    """Key ages, then the factory's audit trail (Admins: who may read Airflow's audit log)."""
    keys = table(["Connection", "service", "dated from", "changed", "age (days)", ""], [
        [esc(a.conn_id), esc(a.service), esc(a.dated_from), esc(a.changed_at.date() if a.changed_at else "–"),
         esc(f"{a.age_days:.0f}" if a.age_days is not None else "–"),
         '<span class="badge">overdue</span>' if a.overdue else ""] for a in ages], css="keys",
        empty_html="No keys recorded yet: <b>acf_maintenance</b>'s daily <code>check_key_ages</code> records the "
                   "factory's Connections and when each was rotated (the <code>rotated_at</code> extra).")
    rows = [[esc(str(i["when"] or "")[:19].replace("T", " ")), esc(i["user"]), esc(i["event"]),
             esc(i["dag_id"] or ""), esc(i["run_id"] or ""),
             f'<code>{esc(i["extra"])}</code>'] for i in trail["items"]]
    audit = table(["when (UTC)", "user", "event", "DAG", "run", "details"], rows, css="audit")
    return (f'<h2>Service keys (rotate every {max_age_days} days)</h2>{keys}'
            f'<h2>Audit trail</h2>{audit}'
            f'{pager(prefix, "security", trail["page"], trail["pages"], trail["per_page"], trail["total"])}')


def pager(prefix: str, slug: str, page: int, pages: int, per_page: int, total: int, extra: dict | None = None) -> str:
    def link(target: int, label: str) -> str:
        if target < 1 or target > pages or target == page:
            return f'<span class="disabled">{label}</span>'
        query = urlencode({**(extra or {}), "page": target, "per_page": per_page})
        return f'<a href="{prefix}/{slug}?{query}" rel="{"next" if target > page else "prev"}">{label}</a>'

    return (f'<nav class="pager" aria-label="pages">{link(page - 1, "&larr; previous")}'
            f'<span class="where">page {page} of {pages} · {total} items</span>{link(page + 1, "next &rarr;")}</nav>')


def empty(what: str, next_step: str) -> str:
    """An empty state that says what to do next."""
    return f'<div class="empty"><p><b>{esc(what)}</b></p><p>{next_step}</p></div>'


def progress_bar(percent: float | None, label: str = "", text: str | None = None) -> str:
    value = max(0.0, min(100.0, float(percent or 0)))
    text = text if text is not None else f"{label} {value:.0f}%".strip()
    return (f'<div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="100" '
            f'aria-valuenow="{value:.0f}"><i style="width:{value:.1f}%"></i><span>{esc(text)}</span></div>')


def sparkline(values: list[float], width: int = 120, height: int = 28) -> str:
    if not values:
        return '<span class="muted">–</span>'
    top = max(values) or 1.0
    step = width / max(1, len(values) - 1)
    points = " ".join(f"{i * step:.1f},{height - 2 - (v / top) * (height - 4):.1f}" for i, v in enumerate(values))
    return (f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="activity"><polyline fill="none" stroke="{PALETTE[0]}" stroke-width="1.5" '
            f'points="{points}"/></svg>')


def text_width(text: str) -> float:
    return len(text) * CHAR_W


def day_ticks(first: date, last: date, plot_w: float, gap: float = 14.0) -> list[date]:
    """Days to label on a time axis from ``first`` to ``last`` drawn ``plot_w`` wide: a step of 1, 2, 3 days,
    a week, two weeks, a month ... wide enough that centred labels never touch."""
    span = (last - first).days
    if span <= 0:
        return [first]
    label_w = max(text_width(day_label(first + timedelta(days=k))) for k in range(min(span, 40) + 1))
    for step in (1, 2, 3, 7, 14, 30, 61, 91, 182, 365, 730):
        if plot_w * step / span >= label_w + gap:
            return [first + timedelta(days=k) for k in range(0, span + 1, step)]
    return [first]


def day_label(day: date) -> str:
    return f"{day:%b} {day.day}"


def line_chart(series: dict[str, list[tuple[str, float]]], title: str, width: int = 720, height: int = 240,
               fmt=compact, empty_text: str = "No data yet.") -> str:
    """Lines over a time axis of days; series name -> [(ISO day, value)]. Days are placed by date (gaps stay
    gaps); the axis labels as many days as fit without touching."""
    days = sorted({date.fromisoformat(str(label)[:10]) for points in series.values() for label, _ in points})
    if not days:
        return (f'<figure class="chart empty-chart"><figcaption>{esc(title)}</figcaption>'
                f'<p class="muted">{empty_text}</p></figure>')
    top_value = max((v for points in series.values() for _, v in points), default=0) or 1.0
    top_label, mid_label = fmt(top_value), fmt(top_value / 2)
    left = max(40.0, text_width(max(top_label, mid_label, key=len)) + 12)
    right, top_pad, bottom = text_width(day_label(days[-1])) / 2 + 6, 12, 30
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    span = (days[-1] - days[0]).days

    def x(day: date) -> float:
        return left + plot_w / 2 if span == 0 else left + (day - days[0]).days / span * plot_w

    def y(value: float) -> float:
        return top_pad + plot_h - value / top_value * plot_h

    base = top_pad + plot_h
    parts = [f'<line x1="{left:.1f}" y1="{base}" x2="{width - right:.1f}" y2="{base}" class="axis"/>',
             f'<line x1="{left:.1f}" y1="{top_pad + plot_h / 2}" x2="{width - right:.1f}" y2="{top_pad + plot_h / 2}"'
             ' class="grid-line"/>',
             f'<line x1="{left:.1f}" y1="{top_pad}" x2="{width - right:.1f}" y2="{top_pad}" class="grid-line"/>']
    for value, label in ((top_value, top_label), (top_value / 2, mid_label), (0, "0")):
        parts.append(f'<text x="{left - 6:.1f}" y="{y(value) + 4:.1f}" class="tick" text-anchor="end">{esc(label)}</text>')
    for day in day_ticks(days[0], days[-1], plot_w):
        parts.append(f'<line x1="{x(day):.1f}" y1="{base}" x2="{x(day):.1f}" y2="{base + 4}" class="axis"/>'
                     f'<text x="{x(day):.1f}" y="{height - 10}" class="tick" text-anchor="middle">'
                     f'{esc(day_label(day))}</text>')
    legend = []
    for i, (name, points) in enumerate(sorted(series.items())):
        color = PALETTE[i % len(PALETTE)]
        placed = sorted((date.fromisoformat(str(label)[:10]), v) for label, v in points)
        path = " ".join(f"{'M' if j == 0 else 'L'}{x(d):.1f},{y(v):.1f}" for j, (d, v) in enumerate(placed))
        parts.append(f'<path d="{path}" fill="none" stroke="{color}" stroke-width="2" class="series" '
                     f'data-series="{esc(name)}"/>')
        for d, v in placed if len(placed) <= MAX_DOTS else ():
            parts.append(f'<circle cx="{x(d):.1f}" cy="{y(v):.1f}" r="2.5" fill="{color}">'
                         f'<title>{esc(name)} {d.isoformat()}: {esc(fmt(v))}</title></circle>')
        legend.append(f'<span><i style="background:{color}"></i>{esc(name)}</span>')
    return (f'<figure class="chart line-chart"><figcaption>{esc(title)}</figcaption>'
            f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="{esc(title)}">{"".join(parts)}'
            f'</svg><div class="legend">{"".join(legend)}</div></figure>')


def bar_chart(rows: list[tuple[str, float]], title: str, fmt=lambda v: f"{v:,.2f}", width: int = 480,
              empty_text: str = "No data yet.") -> str:
    """Horizontal bars; negative values extend left of the zero line. Labels too long for their column
    are cut with an ellipsis (the whole label is the bar's tooltip)."""
    if not rows:
        return (f'<figure class="chart empty-chart"><figcaption>{esc(title)}</figcaption>'
                f'<p class="muted">{empty_text}</p></figure>')
    bar_h, gap = 18, 8
    label_w = min(max(text_width(label) for label, _ in rows) + 12, width * 0.45)
    value_w = max(text_width(fmt(v)) for _, v in rows) + 8
    height = len(rows) * (bar_h + gap) + gap
    low = min(0.0, min(v for _, v in rows))
    high = max(0.0, max(v for _, v in rows))
    span = (high - low) or 1.0
    # negative bars carry their value on the left of the bar: keep room for it there too
    left_room = value_w if low < 0 else 0
    plot_w = width - label_w - value_w - left_room
    zero = label_w + left_room + (-low) / span * plot_w
    fits = int((label_w - 10) // CHAR_W)
    parts = [f'<line x1="{zero:.1f}" y1="0" x2="{zero:.1f}" y2="{height}" class="axis"/>']
    for i, (label, value) in enumerate(rows):
        y = gap + i * (bar_h + gap)
        w = abs(value) / span * plot_w
        x = zero if value >= 0 else zero - w
        color = PALETTE[2] if value >= 0 else PALETTE[1]
        shown = label if len(label) <= fits else label[:fits - 1] + "…"
        value_x, anchor = (zero + w + 4, "start") if value >= 0 else (zero - w - 4, "end")
        parts.append(f'<text x="{label_w - 6}" y="{y + 13}" class="tick" text-anchor="end">{esc(shown)}'
                     f'<title>{esc(label)}</title></text>'
                     f'<rect x="{x:.1f}" y="{y}" width="{max(w, 1):.1f}" height="{bar_h}" fill="{color}" class="bar">'
                     f'<title>{esc(label)}: {esc(fmt(value))}</title></rect>'
                     f'<text x="{value_x:.1f}" y="{y + 13}" class="tick" text-anchor="{anchor}">{esc(fmt(value))}</text>')
    return (f'<figure class="chart bar-chart"><figcaption>{esc(title)}</figcaption>'
            f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="{esc(title)}">{"".join(parts)}'
            f'</svg></figure>')


def table(headers: list[str], rows: list[list[str]], css: str = "", empty_html: str | None = None) -> str:
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    if not rows:
        body = f'<tr><td colspan="{len(headers)}" class="muted">{empty_html or "Nothing here yet."}</td></tr>'
    return f'<div class="table-wrap"><table class="{css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def chips(values: list[str] | None, css: str = "chip") -> str:
    return "".join(f'<span class="{css}">{esc(v)}</span>' for v in values or [])


def status(value: Any, title: str = "") -> str:
    return f'<span class="status {esc(value)}" title="{esc(title)}">{esc(value)}</span>'


def publication_status(p: dict) -> str:
    """A platform's state on a piece, and when a scheduled post goes live (UTC)."""
    when_ = p.get("scheduled_at") if p.get("state") == "scheduled" else None
    at = f' <time datetime="{esc(when_)}">{esc(when_[:16].replace("T", " "))} UTC</time>' if when_ else ""
    return (f'<span class="status {esc(p["state"])}" title="{esc(p.get("error") or "")}">'
            f'{esc(p["platform"])}: {esc(p["state"])}{at}</span>')


# --------------------------------------------------------------------------------------------- pages
def trends_page(prefix: str, data: dict) -> str:
    rows = [[
        f'<span title="{esc(t["trend_id"])}">{esc(t["title"])}</span><div class="muted">{esc(t["term"])}</div>',
        esc(t["category"]), f'{float(t["score"]):.3f}', chips(t["sources"]), chips(t["regions"], "chip region"),
        sparkline(t["sparkline"]), number(t["observation_count"]), when(t["last_seen"]),
    ] for t in data["items"]]
    body = table(["Trend", "Category", "Score", "Sources", "Regions", "Activity", "Seen", "Last seen"], rows, "trends",
                 "No trends yet. Trigger <b>acf_trends</b> in Airflow (or wait for its schedule, every 6 hours).")
    return body + pager(prefix, "trends", data["page"], data["pages"], data["per_page"], data["total"])


def opportunities_page(prefix: str, data: dict, status_filter: str | None, live_url: str) -> str:
    filters = "".join(
        f'<a href="{prefix}/opportunities{"?status=" + s if s else ""}" class="{"active" if s == status_filter else ""}">'
        f'{s or "all"}</a>' for s in (None, "open", "in_production", "produced", "skipped"))
    return f'<div class="filters">{filters}</div>' + live_region(live_url, opportunities_table(prefix, data, status_filter))


def opportunities_table(prefix: str, data: dict, status_filter: str | None) -> str:
    rows = []
    for o in data["items"]:
        best = (o["angles"] or [{}])[0]
        angle = (f'<b>{esc(best.get("kind"))}</b> {esc(best.get("title"))}'
                 f'<div class="muted">{len(o["angles"])} angle{"s" if len(o["angles"]) != 1 else ""}</div>'
                 if o["angles"] else '<span class="muted">no angles</span>')
        status_cell = status(o["status"])
        if o.get("skip_reason"):
            status_cell += f'<div class="muted">{esc(o["skip_reason"])}</div>'
        facts = o.get("facts") or []
        rows.append([
            f'<a href="{prefix}/opportunities/{path_id(o["opportunity_id"])}" class="open-opportunity">'
            f'{esc(o["trend_title"])}</a>',
            esc(o["category"]), f'{float(o["score"]):.3f}', status_cell, angle,
            f'{len(facts)} facts' if facts else '<span class="muted">no brief</span>'])
    return (table(["Trend", "Category", "Score", "Status", "Best angle", "Brief"], rows, "opportunities",
                  "No opportunities here. acf_opportunities scores each new batch of trends; run "
                  "<b>acf_trends</b> to fetch some." if not status_filter else
                  f"No {esc(status_filter)} opportunities. <a href=\"{prefix}/opportunities\">See them all</a>.")
            + pager(prefix, "opportunities", data["page"], data["pages"], data["per_page"], data["total"],
                    {"status": status_filter} if status_filter else None))


def _thumb(prefix: str, piece: dict, css: str = "thumb") -> str:
    if piece.get("thumbnail_asset_id"):
        return (f'<img class="{css}" src="{prefix}/media/asset/{path_id(piece["thumbnail_asset_id"])}" '
                f'alt="thumbnail of {esc(piece.get("title") or piece["content_id"])}" loading="lazy">')
    return f'<div class="no-thumb {css}">{"rendering" if piece.get("status") == "rendering" else "no thumbnail yet"}</div>'


def _piece_progress(piece: dict) -> str:
    if piece.get("status") in ("planned", "generating", "rendering") and piece.get("render_percent") is not None:
        return progress_bar(piece["render_percent"], "render")
    return ""


def _play_button(prefix: str, piece: dict) -> str:
    renditions = piece.get("renditions") or []
    if not renditions:
        return ""
    r = renditions[0]
    return (f'<button type="button" class="play" data-src="{prefix}/media/rendition/{path_id(r["rendition_id"])}" '
            f'data-title="{esc(piece["title"])}">&#9654; play {esc(r["aspect"])}</button>')


def content_page(prefix: str, data: dict, live_url: str) -> str:
    player = ('<dialog id="player"><form method="dialog"><button class="close" aria-label="close">&times;</button>'
              '</form><h3 id="player-title"></h3><video id="player-video" controls playsinline preload="metadata">'
              '</video></dialog>')
    return live_region(live_url, content_gallery(prefix, data)) + player


def content_gallery(prefix: str, data: dict) -> str:
    cards = []
    for c in data["items"]:
        links = _play_button(prefix, c)
        if c.get("storyboard_asset_id"):   # six frames of the finished video, opened full size
            links += (f' <a class="storyboard" href="{prefix}/media/asset/{path_id(c["storyboard_asset_id"])}" '
                      f'target="_blank" rel="noopener">storyboard</a>')
        if c.get("opportunity_id"):
            links += f' <a href="{prefix}/opportunities/{path_id(c["opportunity_id"])}">brief</a>'
        platforms = "".join(publication_status(p) for p in c["publications"])
        error = f'<div class="error">{esc(str(c["error"])[:300])}</div>' if c.get("error") else ""
        cards.append(f'<article class="card" data-content-id="{esc(c["content_id"])}">{_thumb(prefix, c)}'
                     f'<h3>{esc(c["title"] or c["content_id"])}</h3>'
                     f'<div class="muted">{esc(c["tier"])} tier · <span class="piece-status">{esc(c["status"])}</span>'
                     f' · AI cost {money(c["cost_usd"])}</div>{_piece_progress(c)}{error}'
                     f'<div class="platforms">{platforms}</div><div class="links">{links}</div></article>')
    if not cards:
        return empty("No content yet.", f'Open an <a href="{prefix}/opportunities?status=open">opportunity</a> and '
                     "press <b>Make this</b>, or trigger <b>acf_production</b> in Airflow.")
    return (f'<section class="gallery">{"".join(cards)}</section>'
            + pager(prefix, "content", data["page"], data["pages"], data["per_page"], data["total"]))


# -- one opportunity ------------------------------------------------------------------------------------------
def opportunity_page(prefix: str, opp: dict, form: dict, may_make: bool, live_url: str, runs: list[dict],
                     summary_url: str) -> str:
    head = live_region(summary_url, opportunity_summary(opp), every_ms=REFRESH_MS * 2)
    brief = "".join(
        f'<li><span class="kind">{esc(f.get("kind"))}</span> {esc(f.get("text"))}'
        f'<div class="source">{_source(f)}{" · " + when(f.get("at")) if f.get("at") else ""}</div></li>'
        for f in opp["facts"])
    brief_html = (f'<ol class="facts">{brief}</ol><p class="muted">Built {when(opp.get("brief_built_at"))}: '
                  'scripts made from this opportunity may say only what these facts say.</p>' if brief else
                  empty("No brief yet.", "acf_opportunities builds one when it scores the trend. "
                        "<b>Make this</b> still works: the script then says only the trend's own numbers."))
    angles = "".join(
        f'<li><b>{esc(a["kind"])}</b> {esc(a["title"])}<div class="muted">hook: {esc(a["hook"])}</div>'
        f'<div class="muted">{esc(a["format"])} · {esc(", ".join(a["platforms"] or []))} · value '
        f'{float(a["estimated_value"]):.1f} · {esc(a["provider"])}</div></li>' for a in opp["angles"])
    angles_html = (f'<ol class="angles">{angles}</ol>' if angles else
                   empty("No angles yet.", "acf_opportunities writes them for the best open opportunities; "
                         "<b>Make this</b> uses the trend's title when there is none."))
    return (head + actions(prefix, opp, form, may_make)
            + f'<div class="columns"><section><h2>Brief</h2>{brief_html}</section>'
              f'<section><h2>Angles</h2>{angles_html}</section></div>'
            + f'<section><h2>Runs and pieces</h2>{live_region(live_url, opportunity_made(prefix, opp, runs))}</section>')


def opportunity_summary(opp: dict) -> str:
    """Status, scores, where the trend was seen, a skip's reason and the score components."""
    components = "".join(
        f'<div><dt>{esc(name.replace("_", " "))}</dt>'
        f'<dd>{progress_bar(min(1.0, float(value)) * 100, text=f"{float(value):.2f}")}</dd></div>'
        for name, value in sorted((opp.get("components") or {}).items())
        if isinstance(value, (int, float)) and not isinstance(value, bool))
    return (f'<section class="summary"><div class="facts-line">{status(opp["status"])} '
            f'<span>score <b>{float(opp["score"]):.3f}</b></span> <span>trend score {float(opp["trend_score"]):.3f}</span>'
            f' <span>{esc(opp["category"])}</span> <span>seen {number(opp["observation_count"])} times, '
            f'{when(opp["first_seen"])} to {when(opp["last_seen"])}</span></div>'
            f'<div>{chips(opp["sources"])} {chips(opp["regions"], "chip region")}</div>'
            + (f'<p class="skipped">Skipped{" by " + esc(opp["skipped_by"]) if opp.get("skipped_by") else ""}: '
               f'{esc(opp["skip_reason"])}</p>' if opp.get("skip_reason") else "")
            + (f'<h2>Score components</h2><dl class="components">{components}</dl>' if components else "")
            + '</section>')


def _source(fact: dict) -> str:
    source = esc(fact.get("source"))
    url = str(fact.get("url") or "")
    if url.startswith(("https://", "http://")):
        return f'<a href="{esc(url)}" target="_blank" rel="noopener noreferrer">{source}</a>'
    return source


def actions(prefix: str, opp: dict, form: dict, may_make: bool) -> str:
    """"Make this" (triggers acf_production in the browser, with the user's own Airflow login) and "Skip"."""
    off = "" if may_make else " disabled"
    why = ("" if may_make else '<p class="muted refused">Your Airflow role may not trigger '
           "<b>acf_production</b>: making and skipping are off.</p>")
    tiers = "".join(f'<option value="{esc(t)}"{" selected" if t == form["tier"] else ""}>{esc(t)}</option>'
                    for t in form["tiers"])
    platforms = "".join(
        f'<label><input type="checkbox" name="platforms" value="{esc(p)}"'
        f'{" checked" if p in form["chosen_platforms"] else ""}{off}> {esc(p)}</label>' for p in form["platforms"])
    aspects = "".join(
        f'<label><input type="checkbox" name="aspect_ratios" value="{esc(a)}"'
        f'{" checked" if a in form["chosen_aspects"] else ""}{off}> {esc(a)}</label>' for a in form["aspects"])
    can_skip = may_make and opp["status"] == "open"
    return (f'<section class="actions">{why}'
            f'<form id="make" data-opportunity="{esc(opp["opportunity_id"])}" data-dag="acf_production">'
            f'<label>Tier <select name="tier"{off}>{tiers}</select></label>'
            f'<fieldset><legend>Platforms</legend>{platforms}</fieldset>'
            f'<fieldset><legend>Aspects</legend>{aspects}</fieldset>'
            f'<label>Seconds <input type="number" name="target_seconds" min="15" max="600" '
            f'value="{int(form["target_seconds"])}"{off}></label>'
            f'<button type="submit" class="primary" name="make"{off}>Make this</button></form>'
            f'<form id="skip" data-url="{prefix}/api/opportunities/{path_id(opp["opportunity_id"])}/skip">'
            f'<label>Reason <input type="text" name="reason" maxlength="1000" required '
            f'placeholder="why not this one"{"" if can_skip else " disabled"}></label>'
            f'<button type="submit" name="skip"{"" if can_skip else " disabled"}>Skip</button></form>'
            f'<p class="action-status" role="status" aria-live="polite"></p></section>')


def run_row(prefix: str, run: dict) -> str:
    tasks = run.get("tasks") or {}
    total = sum(tasks.values())
    done = sum(n for state, n in tasks.items() if state in DONE_STATES)
    percent = 100.0 * done / total if total else 0.0
    waiting = f' · <a href="{prefix}/review"><b>awaiting input</b></a>' if tasks.get("awaiting_input") else ""
    failed = f' · <span class="error">{tasks["failed"]} failed</span>' if tasks.get("failed") else ""
    return (f'<div class="run" data-run-id="{esc(run["run_id"])}" data-state="{esc(run["state"])}">'
            f'<div class="run-head">{status(run["state"])}<code>{esc(run["run_id"])}</code></div>'
            f'<div class="muted">{esc(run["dag_id"])} · {esc(run.get("run_type"))}'
            f'{" by " + esc(run["triggered_by"]) if run.get("triggered_by") else ""}'
            f' · started {when(run.get("start_date") or run.get("queued_at"))}{waiting}{failed}</div>'
            f'{progress_bar(percent, f"tasks {done}/{total}") if total else ""}'
            + (f'<div class="piece-line">{esc(run["content"]["title"] or run["content"]["content_id"])} · '
               f'{esc(run["content"]["status"])}{_piece_progress(run["content"])}</div>' if run.get("content") else "")
            + '</div>')


def opportunity_made(prefix: str, opp: dict, runs: list[dict]) -> str:
    run_html = "".join(run_row(prefix, r) for r in runs)
    pieces = []
    for piece in opp["pieces"]:
        storyboard = (f'<a href="{prefix}/media/asset/{path_id(piece["storyboard_asset_id"])}" target="_blank" '
                      f'rel="noopener"><img class="storyboard-img" src="{prefix}/media/asset/'
                      f'{path_id(piece["storyboard_asset_id"])}" alt="storyboard: six frames of the video" '
                      'loading="lazy"></a>' if piece.get("storyboard_asset_id") else "")
        scenes = "".join(
            f'<li><span class="muted">{float(s.get("seconds") or 0):.1f} s</span> {esc(s.get("narration"))}'
            + (f' <span class="chip">{esc(", ".join(s["fact_ids"]))}</span>' if s.get("fact_ids") else "")
            + '</li>' for s in piece.get("scenes") or [])
        platforms = "".join(publication_status(p) for p in piece["publications"])
        pieces.append(
            f'<article class="made-piece" data-content-id="{esc(piece["content_id"])}">'
            f'<div class="piece-media">{_thumb(prefix, piece)}{storyboard}</div>'
            f'<div class="piece-text"><h3>{esc(piece["title"] or piece["content_id"])}</h3>'
            f'<div class="muted">{status(piece["status"])} {esc(piece["tier"])} tier · '
            f'{esc(", ".join(piece.get("aspects") or []))} · made {when(piece["created_at"])}</div>'
            f'{_piece_progress(piece)}<div class="platforms">{platforms}</div>'
            f'<div class="links">{_play_button(prefix, piece)}</div>'
            + (f'<h4>Storyboard</h4><ol class="scenes">{scenes}</ol>' if scenes else "")
            + '</div></article>')
    if not run_html and not pieces:
        return empty("Nothing made from this opportunity yet.",
                     "Choose the tier, platforms and aspects above and press <b>Make this</b>: the run shows here "
                     "as it goes.")
    return (f'<div class="runs">{run_html}</div>' if run_html else "") + "".join(pieces)


# -- review ----------------------------------------------------------------------------------------------------
def review_page(prefix: str, data: dict, may_answer: bool, live_url: str) -> str:
    note = ("" if may_answer else '<p class="muted refused">Your Airflow role may not answer approvals of '
            "<b>acf_publish</b>: approving and rejecting are off.</p>")
    return note + live_region(live_url, review_list(prefix, data, may_answer), every_ms=5000)


def review_list(prefix: str, data: dict, may_answer: bool) -> str:
    runs = []
    for item in data["items"]:
        ready = item["task_state"] == "awaiting_input" and item.get("settled", True)
        state_text = ("awaiting your answer" if ready else
                      "awaiting input (the step is settling)" if item["task_state"] == "awaiting_input" else
                      f'the approval step is {item["task_state"]}: answer once it shows awaiting input')
        off = "" if ready and may_answer else " disabled"
        pieces = "".join(_review_piece(prefix, p) for p in item["pieces"]) or \
            '<p class="muted">This run found nothing to publish.</p>'
        has_reason = "reason" in (item.get("params") or [])
        runs.append(
            f'<article class="review" data-run-id="{esc(item["run_id"])}" data-task-state="{esc(item["task_state"])}">'
            f'<header><h2>{esc(item["subject"])}</h2><div class="muted">asked {when(item["requested_at"])} · '
            f'<span class="answer-state">{esc(state_text)}</span></div></header>{pieces}'
            f'<form class="answer" data-url="{esc(airflow_base(prefix))}/api/v2/dags/{path_id(item["dag_id"])}/dagRuns/'
            f'{path_id(item["run_id"])}/taskInstances/{path_id(item["task_id"])}/-1/hitlDetails" '
            f'data-reason-param="{"reason" if has_reason else ""}">'
            f'<button type="submit" name="approve" class="primary" value="Approve"{off}>Approve</button>'
            f'<label>Reason <input type="text" name="reason" maxlength="500" placeholder="why not (to reject)"{off}>'
            f'</label><button type="submit" name="reject" value="Reject"{off}>Reject</button>'
            f'<span class="action-status" role="status" aria-live="polite"></span></form></article>')
    answered = "".join(_answered(prefix, a) for a in data.get("answered") or [])
    pending = ("".join(runs) + pager(prefix, "review", data["page"], data["pages"], data["per_page"], data["total"])
               if runs else empty("Nothing awaits approval.",
                                  "Trigger <b>acf_publish</b> with <code>require_approval</code> on: each run waits "
                                  "here until you approve or reject what it would post."))
    return pending + (f'<h2>Recently answered</h2><div class="answered">{answered}</div>' if answered else "")


def _local(package: dict) -> str:
    """The go-live time in the account's own time zone too, when its Connection gives one."""
    zone = package.get("account_timezone")
    if not zone or zone == "UTC":
        return ""
    try:
        local = datetime.fromisoformat(package["goes_live"]).astimezone(ZoneInfo(zone))
    except (ValueError, KeyError):
        return ""
    return f" ({local:%H:%M} {esc(zone)})"


def _review_piece(prefix: str, piece: dict) -> str:
    video = ""
    renditions = piece.get("renditions") or []
    if renditions:
        r = renditions[0]
        ratio = f'{r["width"]} / {r["height"]}' if r.get("width") and r.get("height") else "9 / 16"
        video = (f'<video class="review-video" controls playsinline preload="metadata" style="aspect-ratio:{ratio}" '
                 f'src="{prefix}/media/rendition/{path_id(r["rendition_id"])}"></video>')
    packages = "".join(
        f'<div class="package" data-platform="{esc(p["platform"])}"><h4>{esc(p["platform"])}</h4>'
        + (f'<p class="error">{esc(p["error"])}</p>' if p.get("error") else
           f'<p class="package-title">{esc(p["title"])}</p><p class="description">{esc(p["description"])}</p>'
           f'<div>{chips(["#" + str(t).lstrip("#") for t in p["tags"]], "chip tag")}</div>'
           f'<div class="muted">{esc(p["aspect"])} · '
           + (f'scheduled {when(p["scheduled_at"])}' if p.get("scheduled_at") else
              f'<span class="goes-live">goes live {when(p["goes_live"])} UTC{_local(p)} if approved now</span>'
              if p.get("goes_live") else "posted when approved")
           + '</div>')
        + '</div>' for p in piece.get("packages") or [])
    return (f'<div class="review-piece" data-content-id="{esc(piece["content_id"])}"><div class="review-media">'
            f'{video or _thumb(prefix, piece)}</div><div class="review-text"><h3>{esc(piece["title"])}</h3>'
            f'<div class="muted">{esc(piece["tier"])} tier · AI cost {money(piece["cost_usd"])}'
            + (f' · <a href="{prefix}/opportunities/{path_id(piece["opportunity_id"])}">brief</a>'
               if piece.get("opportunity_id") else "")
            + f'</div><div class="packages">{packages}</div></div></div>')


def _answered(prefix: str, item: dict) -> str:
    chosen = ", ".join(item.get("chosen_options") or [])
    reason = (item.get("params_input") or {}).get("reason")
    pieces = "".join(
        f'<li>{esc(p["title"] or p["content_id"])}: '
        + ("".join(status(f'{x["platform"]}: {x["state"]}', x.get("error") or "") for x in p["publications"])
           or '<span class="muted">no publications yet</span>') + '</li>' for p in item.get("pieces") or [])
    return (f'<div class="answered-run" data-run-id="{esc(item["run_id"])}" data-run-state="{esc(item["run_state"])}">'
            f'{status(chosen.lower() or "answered")} <code>{esc(item["run_id"])}</code> '
            f'<span class="muted">by {esc(item.get("responded_by") or "?")} at {when(item.get("responded_at"))}'
            f' · run {esc(item["run_state"])}</span>'
            + (f'<div class="reason">reason: {esc(reason)}</div>' if reason else "")
            + (f'<ul>{pieces}</ul>' if pieces else "") + '</div>')


# -- live --------------------------------------------------------------------------------------------------------
def live_page(prefix: str, data: dict, live_url: str) -> str:
    return live_region(live_url, live_list(prefix, data))


def live_list(prefix: str, data: dict) -> str:
    if not data["items"]:
        return empty("Nothing is running.", f'Open an <a href="{prefix}/opportunities?status=open">opportunity</a> '
                     "and press <b>Make this</b>, or trigger a factory DAG in Airflow; runs show here as they go.")
    groups: dict[str, list[dict]] = {}
    for run in data["items"]:
        groups.setdefault(run["dag_id"], []).append(run)
    html = "".join(f'<section class="dag-runs" data-dag-id="{esc(dag_id)}"><h2>{esc(dag_id)} '
                   f'<span class="muted">{len(runs)} on this page</span></h2>{"".join(run_row(prefix, r) for r in runs)}'
                   '</section>' for dag_id, runs in sorted(groups.items()))
    return html + pager(prefix, "live", data["page"], data["pages"], data["per_page"], data["total"])


# -- performance and costs -------------------------------------------------------------------------------------
def performance_page(prefix: str, perf: dict) -> str:
    daily = perf["daily"]
    views = {"views": [(d["day"], float(d["views"])) for d in daily],
             "engagement": [(d["day"], float(d["engagement"])) for d in daily]}
    per_platform = {p: [(x["day"], float(x["views"])) for x in points] for p, points in perf["by_platform"].items()}
    no_metrics = ("No metrics in this period. They arrive once something is published and <b>acf_analytics</b> "
                  "has run (daily; trigger it in Airflow for now).")
    parts = ['<div class="charts">',
             line_chart(views, "Views and engagement per day (latest count of each post)", empty_text=no_metrics),
             line_chart(per_platform, "Views per day by platform", empty_text=no_metrics), '</div>']
    roi = perf["roi"]
    parts.append(f'<p class="muted">ROI as of {esc(perf["roi_as_of"])}: revenue is estimated from RPM per platform '
                 'and category; ROI is empty where nothing was spent (offline tier).</p>' if perf["roi_as_of"] else
                 '<p class="muted">No ROI rollups yet: <b>acf_analytics</b> computes them daily (trigger it in '
                 'Airflow to see them now).</p>')
    for dimension in ("category", "platform", "tier"):
        rows = roi.get(dimension, [])
        chart = bar_chart([(r["key"], float(r["revenue_usd"]) - float(r["cost_usd"])) for r in rows],
                          f"Estimated profit by {dimension} (USD)", fmt=lambda v: f"${v:,.2f}",
                          empty_text="No rollup for this yet.")
        data = table(
            [dimension.title(), "Pieces", "Posts", "Views", "Engagement", "Cost", "Revenue", "ROI", "Eng./USD"],
            [[esc(r["key"]) + (' <span class="badge simulated">sim</span>' if r["simulated"] else ""),
              number(r["pieces"]), number(r["publications"]), number(r["views"]), number(r["engagement"]),
              money(r["cost_usd"]), money(r["revenue_usd"]),
              "–" if r["roi"] is None else f'{r["roi"]:.1%}',
              "–" if r["engagement_per_usd"] is None else f'{r["engagement_per_usd"]:,.0f}'] for r in rows],
            "roi", "No rollup yet.")
        parts.append(f'<section class="roi-block" data-dimension="{dimension}"><h2>By {dimension}</h2>'
                     f'<div class="roi-row">{chart}{data}</div></section>')
    return "".join(parts)


def _call_outcome(call: dict) -> str:
    if call.get("in_flight"):
        return '<span class="status unanswered" title="the task ended during the call">no answer read</span>'
    if call.get("ok", True):
        return "answered"
    return f'<span class="status failed" title="{esc(call.get("error") or "")}">failed</span>'


def costs_page(prefix: str, data: dict) -> str:
    by_modality: dict[str, list[tuple[str, float]]] = {}
    for d in data["daily"]:
        by_modality.setdefault(d["modality"], []).append((d["day"], float(d["cost_usd"])))
    no_spend = "No AI spend in this period (the offline tier costs nothing)."
    parts = [f'<p class="total">Total AI spend: <b>{money(data["total_usd"])}</b></p>',
             '<div class="charts">',
             line_chart(by_modality, "AI spend per day by modality (USD)", fmt=lambda v: money(v), empty_text=no_spend),
             bar_chart([(f'{p["provider"]}/{p["model"]} ({p["modality"]})', float(p["cost_usd"]))
                        for p in data["providers"][:12]],
                       "Spend by provider and model (USD)", fmt=lambda v: f"${v:,.4f}", empty_text=no_spend),
             '</div>',
             table(["Provider", "Model", "Modality", "Calls", "Cost", "Tokens in/out", "Units", "Cache hits"],
                   [[esc(p["provider"]), esc(p["model"]), esc(p["modality"]), number(p["calls"]), money(p["cost_usd"]),
                     f'{number(p["input_tokens"])} / {number(p["output_tokens"])}', f'{float(p["units"] or 0):,.1f}',
                     f'{float(p["cache_hit_rate"] or 0):.0%}'] for p in data["providers"]], "providers",
                   "No AI calls yet: they are recorded as scripts, images and voices are made.")]
    calls = data["calls"]
    unanswered = data.get("unanswered_calls") or 0
    parts.append("<h2>Call ledger</h2>" + (
        f'<p class="notice unanswered">{number(unanswered)} call{"s" if unanswered != 1 else ""} went out whose'
        " answer was never read (the task ended during the call): the provider may have billed"
        f' {"them" if unanswered != 1 else "it"}, and the total above does not count'
        f' {"their" if unanswered != 1 else "its"} cost.</p>' if unanswered else "") + table(
        ["When", "Modality", "Provider", "Model", "Tokens", "Units", "Cost", "Cache", "Outcome", "Content"],
        [[when(c["created_at"]), esc(c["modality"]), esc(c["provider"]), esc(c["model"]),
          f'{number(c["input_tokens"])}/{number(c["output_tokens"])}', f'{float(c["units"] or 0):,.1f}',
          money(c["cost_usd"]), "hit" if c["cache_hit"] else "", _call_outcome(c),
          esc(c["content_id"] or c["opportunity_id"] or "")]
         for c in calls["items"]], "ledger", "No AI calls yet."))
    parts.append(pager(prefix, "costs", calls["page"], calls["pages"], calls["per_page"], calls["total"]))
    return "".join(parts)

