"""Server-rendered HTML for the dashboard pages, with inline SVG charts (no external assets).

Every value from the database goes through ``esc`` (HTML-escaped); URLs are built
from ids only.
"""
from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import urlencode

PAGES = (("trends", "Trends"), ("opportunities", "Opportunities"), ("content", "Content"),
         ("performance", "Performance"), ("costs", "Costs"))
PALETTE = ("#2563eb", "#db2777", "#16a34a", "#ea580c", "#7c3aed", "#0891b2")


def esc(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def money(value: Any) -> str:
    return f"${float(value or 0):,.4f}" if abs(float(value or 0)) < 1 else f"${float(value):,.2f}"


def number(value: Any) -> str:
    return f"{int(value or 0):,}"


def layout(prefix: str, active: str, title: str, body: str, simulated: bool = False) -> str:
    nav = "".join(
        f'<a href="{prefix}/{slug}" class="{"active" if slug == active else ""}" data-page="{slug}">{label}</a>'
        for slug, label in PAGES)
    badge = ('<span class="badge simulated" title="Offline tier: numbers are simulated, not from platforms">'
             'simulated metrics</span>') if simulated else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)} · Content Factory</title>
<link rel="stylesheet" href="{prefix}/static/dashboard.css">
<link rel="icon" href="{prefix}/static/icon.svg">
</head><body data-prefix="{esc(prefix)}">
<header><strong>Content Factory</strong><nav>{nav}</nav>{badge}</header>
<main><h1>{esc(title)}</h1>{body}</main>
<script src="{prefix}/static/dashboard.js"></script>
</body></html>"""


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
         '<span class="badge">overdue</span>' if a.overdue else ""] for a in ages], css="keys")
    rows = [[esc(i["when"]), esc(i["user"]), esc(i["event"]), esc(i["dag_id"] or ""), esc(i["run_id"] or ""),
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


def sparkline(values: list[float], width: int = 120, height: int = 28) -> str:
    if not values:
        return '<span class="muted">–</span>'
    top = max(values) or 1.0
    step = width / max(1, len(values) - 1)
    points = " ".join(f"{i * step:.1f},{height - 2 - (v / top) * (height - 4):.1f}" for i, v in enumerate(values))
    return (f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="activity"><polyline fill="none" stroke="{PALETTE[0]}" stroke-width="1.5" '
            f'points="{points}"/></svg>')


def line_chart(series: dict[str, list[tuple[str, float]]], title: str, width: int = 720, height: int = 240) -> str:
    """Lines over shared x labels (days); series name -> [(label, value)]."""
    labels = sorted({label for points in series.values() for label, _ in points})
    if not labels:
        return f'<figure class="chart empty"><figcaption>{esc(title)}</figcaption><p class="muted">No data yet.</p></figure>'
    left, right, top_pad, bottom = 56, 12, 12, 28
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    top = max((v for points in series.values() for _, v in points), default=0) or 1.0
    x_of = {label: left + (i * plot_w / max(1, len(labels) - 1)) for i, label in enumerate(labels)}

    def y(value: float) -> float:
        return top_pad + plot_h - value / top * plot_h

    parts = [f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{width - right}" y2="{top_pad + plot_h}" class="axis"/>',
             f'<text x="{left - 6}" y="{top_pad + 4}" class="tick" text-anchor="end">{top:,.0f}</text>',
             f'<text x="{left - 6}" y="{top_pad + plot_h}" class="tick" text-anchor="end">0</text>']
    for label, anchor in ((labels[0], "start"), (labels[-1], "end")):
        parts.append(f'<text x="{x_of[label]:.1f}" y="{height - 8}" class="tick" text-anchor="{anchor}">{esc(label)}</text>')
    legend = []
    for i, (name, points) in enumerate(sorted(series.items())):
        color = PALETTE[i % len(PALETTE)]
        path = " ".join(f"{'M' if j == 0 else 'L'}{x_of[label]:.1f},{y(v):.1f}" for j, (label, v) in enumerate(sorted(points)))
        parts.append(f'<path d="{path}" fill="none" stroke="{color}" stroke-width="2" class="series" data-series="{esc(name)}"/>')
        for label, v in sorted(points):
            parts.append(f'<circle cx="{x_of[label]:.1f}" cy="{y(v):.1f}" r="2.5" fill="{color}">'
                         f'<title>{esc(name)} {esc(label)}: {v:,.0f}</title></circle>')
        legend.append(f'<span><i style="background:{color}"></i>{esc(name)}</span>')
    return (f'<figure class="chart line-chart"><figcaption>{esc(title)}</figcaption>'
            f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="{esc(title)}">{"".join(parts)}</svg>'
            f'<div class="legend">{"".join(legend)}</div></figure>')


def bar_chart(rows: list[tuple[str, float]], title: str, fmt=lambda v: f"{v:,.2f}", width: int = 480) -> str:
    """Horizontal bars; negative values extend left of the zero line."""
    if not rows:
        return f'<figure class="chart empty"><figcaption>{esc(title)}</figcaption><p class="muted">No data yet.</p></figure>'
    bar_h, gap, label_w = 18, 6, 110
    height = len(rows) * (bar_h + gap) + gap
    low = min(0.0, min(v for _, v in rows))
    high = max(0.0, max(v for _, v in rows))
    span = (high - low) or 1.0
    plot_w = width - label_w - 70
    zero = label_w + (-low) / span * plot_w
    parts = [f'<line x1="{zero:.1f}" y1="0" x2="{zero:.1f}" y2="{height}" class="axis"/>']
    for i, (label, value) in enumerate(rows):
        y = gap + i * (bar_h + gap)
        w = abs(value) / span * plot_w
        x = zero if value >= 0 else zero - w
        color = PALETTE[2] if value >= 0 else PALETTE[1]
        parts.append(f'<text x="{label_w - 6}" y="{y + 13}" class="tick" text-anchor="end">{esc(label)}</text>'
                     f'<rect x="{x:.1f}" y="{y}" width="{max(w, 1):.1f}" height="{bar_h}" fill="{color}" class="bar">'
                     f'<title>{esc(label)}: {esc(fmt(value))}</title></rect>'
                     f'<text x="{max(zero, x + w) + 4:.1f}" y="{y + 13}" class="tick">{esc(fmt(value))}</text>')
    return (f'<figure class="chart bar-chart"><figcaption>{esc(title)}</figcaption>'
            f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="{esc(title)}">{"".join(parts)}</svg>'
            f'</figure>')


def table(headers: list[str], rows: list[list[str]], css: str = "") -> str:
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    if not rows:
        body = f'<tr><td colspan="{len(headers)}" class="muted">Nothing here yet.</td></tr>'
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def chips(values: list[str] | None, css: str = "chip") -> str:
    return "".join(f'<span class="{css}">{esc(v)}</span>' for v in values or [])


def trends_page(prefix: str, data: dict) -> str:
    rows = [[
        f'<span title="{esc(t["trend_id"])}">{esc(t["title"])}</span><div class="muted">{esc(t["term"])}</div>',
        esc(t["category"]), f'{float(t["score"]):.3f}', chips(t["sources"]), chips(t["regions"], "chip region"),
        sparkline(t["sparkline"]), number(t["observation_count"]), esc(str(t["last_seen"])[:16]),
    ] for t in data["items"]]
    body = table(["Trend", "Category", "Score", "Sources", "Regions", "Activity", "Seen", "Last seen"], rows, "trends")
    return body + pager(prefix, "trends", data["page"], data["pages"], data["per_page"], data["total"])


def opportunities_page(prefix: str, data: dict, status: str | None) -> str:
    rows = []
    for o in data["items"]:
        angles = "".join(
            f'<li><b>{esc(a["kind"])}</b> {esc(a["title"])} <span class="muted">{esc(a["format"])} · '
            f'{esc(", ".join(a["platforms"] or []))} · value {float(a["estimated_value"]):.1f}</span></li>'
            for a in o["angles"])
        status_cell = f'<span class="status {esc(o["status"])}">{esc(o["status"])}</span>'
        if o.get("skip_reason"):
            status_cell += f'<div class="muted">{esc(o["skip_reason"])}</div>'
        facts = o.get("facts") or []
        brief = "".join(f'<li><b>{esc(f.get("kind"))}</b> {esc(f.get("text"))} <span class="muted">'
                        f'{esc(f.get("source"))}</span></li>' for f in facts[:3])
        brief_cell = (f'<div class="muted">brief: {len(facts)} facts</div><ul class="angles">{brief}</ul>'
                      if facts else '<span class="muted">no brief</span>')
        rows.append([esc(o["trend_title"]), esc(o["category"]), f'{float(o["score"]):.3f}', status_cell,
                     f'<ul class="angles">{angles}</ul>' if angles else '<span class="muted">no angles</span>',
                     brief_cell])
    filters = "".join(
        f'<a href="{prefix}/opportunities{"?status=" + s if s else ""}" class="{"active" if s == status else ""}">'
        f'{s or "all"}</a>' for s in (None, "open", "in_production", "produced", "skipped"))
    return (f'<div class="filters">{filters}</div>'
            + table(["Trend", "Category", "Score", "Status", "Angles", "Brief"], rows, "opportunities")
            + pager(prefix, "opportunities", data["page"], data["pages"], data["per_page"], data["total"],
                    {"status": status} if status else None))


def content_page(prefix: str, data: dict) -> str:
    cards = []
    for c in data["items"]:
        thumb = (f'<img src="{prefix}/media/asset/{esc(c["thumbnail_asset_id"])}" alt="thumbnail" loading="lazy">'
                 if c.get("thumbnail_asset_id") else '<div class="no-thumb">no thumbnail</div>')
        renditions = c.get("renditions") or []
        play = ""
        if renditions:
            r = renditions[0]
            play = (f'<button class="play" data-src="{prefix}/media/rendition/{esc(r["rendition_id"])}" '
                    f'data-title="{esc(c["title"])}">&#9654; play {esc(r["aspect"])}</button>')
        if c.get("storyboard_asset_id"):   # six frames of the finished video, opened full size
            play += (f' <a class="storyboard" href="{prefix}/media/asset/{esc(c["storyboard_asset_id"])}" '
                     f'target="_blank" rel="noopener">storyboard</a>')
        platforms = "".join(
            f'<span class="status {esc(p["state"])}" title="{esc(p.get("error") or "")}">{esc(p["platform"])}: '
            f'{esc(p["state"])}</span>' for p in c["publications"])
        cards.append(f'<article class="card" data-content-id="{esc(c["content_id"])}">{thumb}'
                     f'<h3>{esc(c["title"] or c["content_id"])}</h3>'
                     f'<div class="muted">{esc(c["tier"])} tier · {esc(c["status"])} · AI cost {money(c["cost_usd"])}</div>'
                     f'<div class="platforms">{platforms}</div>{play}</article>')
    gallery = f'<section class="gallery">{"".join(cards) or "<p class=muted>No content yet.</p>"}</section>'
    player = ('<dialog id="player"><form method="dialog"><button class="close" aria-label="close">&times;</button>'
              '</form><h3 id="player-title"></h3><video id="player-video" controls playsinline preload="metadata">'
              '</video></dialog>')
    return gallery + player + pager(prefix, "content", data["page"], data["pages"], data["per_page"], data["total"])


def performance_page(prefix: str, perf: dict) -> str:
    daily = perf["daily"]
    views = {"views": [(d["day"], float(d["views"])) for d in daily],
             "engagement": [(d["day"], float(d["engagement"])) for d in daily]}
    per_platform = {p: [(x["day"], float(x["views"])) for x in points] for p, points in perf["by_platform"].items()}
    parts = [line_chart(views, "Views and engagement per day (latest count of each post)"),
             line_chart(per_platform, "Views per day by platform")]
    roi = perf["roi"]
    note = (f'<p class="muted">ROI as of {esc(perf["roi_as_of"])}: revenue is estimated from RPM per platform '
            'and category; ROI is empty where nothing was spent (offline tier).</p>') if perf["roi_as_of"] else \
        '<p class="muted">No ROI rollups yet: the acf_analytics DAG computes them daily.</p>'
    parts.append(note)
    grid = []
    for dimension in ("category", "platform", "tier"):
        rows = roi.get(dimension, [])
        grid.append(bar_chart([(r["key"], float(r["revenue_usd"]) - float(r["cost_usd"])) for r in rows],
                              f"Estimated profit by {dimension} (USD)", fmt=lambda v: f"${v:,.2f}"))
        grid.append(table(
            [dimension.title(), "Pieces", "Posts", "Views", "Engagement", "Cost", "Revenue", "ROI", "Eng./USD"],
            [[esc(r["key"]) + (' <span class="badge simulated">sim</span>' if r["simulated"] else ""),
              number(r["pieces"]), number(r["publications"]), number(r["views"]), number(r["engagement"]),
              money(r["cost_usd"]), money(r["revenue_usd"]),
              "–" if r["roi"] is None else f'{r["roi"]:.1%}',
              "–" if r["engagement_per_usd"] is None else f'{r["engagement_per_usd"]:,.0f}'] for r in rows],
            "roi"))
    return "".join(parts) + f'<section class="grid">{"".join(grid)}</section>'


def costs_page(prefix: str, data: dict) -> str:
    by_modality: dict[str, list[tuple[str, float]]] = {}
    for d in data["daily"]:
        by_modality.setdefault(d["modality"], []).append((d["day"], float(d["cost_usd"])))
    parts = [f'<p class="total">Total AI spend: <b>{money(data["total_usd"])}</b></p>',
             line_chart(by_modality, "AI spend per day by modality (USD)"),
             bar_chart([(f'{p["provider"]}/{p["model"]}', float(p["cost_usd"])) for p in data["providers"][:12]],
                       "Spend by provider and model (USD)", fmt=lambda v: f"${v:,.4f}"),
             table(["Provider", "Model", "Modality", "Calls", "Cost", "Tokens in/out", "Units", "Cache hits"],
                   [[esc(p["provider"]), esc(p["model"]), esc(p["modality"]), number(p["calls"]), money(p["cost_usd"]),
                     f'{number(p["input_tokens"])} / {number(p["output_tokens"])}', f'{float(p["units"] or 0):,.1f}',
                     f'{float(p["cache_hit_rate"] or 0):.0%}'] for p in data["providers"]], "providers")]
    calls = data["calls"]
    parts.append("<h2>Call ledger</h2>" + table(
        ["When", "Modality", "Provider", "Model", "Tokens", "Units", "Cost", "Cache", "Content"],
        [[esc(str(c["created_at"])[:19]), esc(c["modality"]), esc(c["provider"]), esc(c["model"]),
          f'{number(c["input_tokens"])}/{number(c["output_tokens"])}', f'{float(c["units"] or 0):,.1f}',
          money(c["cost_usd"]), "hit" if c["cache_hit"] else "", esc(c["content_id"] or c["opportunity_id"] or "")]
         for c in calls["items"]], "ledger"))
    parts.append(pager(prefix, "costs", calls["page"], calls["pages"], calls["per_page"], calls["total"]))
    return "".join(parts)
