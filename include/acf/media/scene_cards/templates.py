"""One template per fact kind: a fact in, the card's elements out (laid out in a column).

Every template sets a kicker (what the card is, in the accent), the fact itself, and its
source; numbers count up, curves and bars draw on, lines and list items are revealed.
"""
from __future__ import annotations

from dataclasses import dataclass

from acf.content_models import Fact
from acf.media.scene_cards.design import Palette, Scale, font
from acf.media.scene_cards.layout import (Element, Pen, TextMark, ease_out, fit, format_date, format_number,
                                          line_height, text_box)

COUNT_SECONDS = 1.2      # a number counting up
DRAW_SECONDS = 1.6       # a curve or bars drawing on
LINE_STAGGER = 0.18      # between revealed lines of a headline or quote


@dataclass(frozen=True)
class Frame:
    """What a template knows of where it draws."""
    aspect: str
    width: int
    height: int
    scale: Scale
    palette: Palette
    reveal_span: float = 4.0      # seconds over which list items appear (the scene's narration)

    @property
    def landscape(self) -> bool:
        return self.width > self.height * 1.2


class Column:
    """Places blocks top to bottom from (x, y) in width ``w``; collects their elements."""

    def __init__(self, frame: Frame, x: int, y: int, w: int):
        self.frame, self.x, self.y, self.w = frame, x, y, w
        self.top = y
        self.elements: list[Element] = []

    @property
    def height(self) -> int:
        return self.y - self.top

    def gap(self, role: str = "gap", times: float = 1.0) -> None:
        self.y += round(self.frame.scale.space(role) * times)

    def text(self, text: str, role: str, *, weight: str = "bold", colour=None, max_lines: int = 2,
             stagger: float | None = None, start: float = 0.0, centre: bool = False, upper: bool = False) -> None:
        if not text:
            return
        text = text.upper() if upper else text
        colour = colour or self.frame.palette.text
        scale = self.frame.scale
        size, lines = fit(text, weight, scale.type(role), scale.min_text, self.w, max_lines)
        step = line_height(size)
        face = font(weight, size)
        for n, line in enumerate(lines):
            x = self.x + (round((self.w - face.getlength(line)) / 2) if centre else 0)
            y = self.y + n * step
            mark = TextMark(line, text_box(x, y, line, weight, size), size, colour)
            box = (self.x, y, self.x + self.w, y + step)

            def paint(pen: Pen, _p: float, x=x, y=y, line=line) -> None:
                pen.text((x, y), line, font=face, fill=colour)
            motion = "reveal" if stagger is not None else "static"
            self.elements.append(Element(box, paint, motion, start + n * (stagger or 0), marks=[mark]))
        self.y += step * len(lines)

    def add(self, element: Element, height: int) -> None:
        self.elements.append(element)
        self.y += height


def _kicker(col: Column, text: str) -> None:
    col.text(text, "kicker", weight="condensed", colour=col.frame.palette.accent, max_lines=1, upper=True)
    col.gap()


def _source(col: Column, fact: Fact) -> None:
    parts = [f"Source: {fact.source}" if fact.source else "", format_date(fact.at)]
    col.gap()
    col.text(" · ".join(p for p in parts if p), "meta", weight="regular", colour=col.frame.palette.muted,
             max_lines=1)


def _first_number(fact: Fact) -> tuple[str, float] | None:
    for label, value in fact.numbers.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(label), float(value)
    return None


def _points(fact: Fact) -> list[tuple[str, float | None]]:
    rows = []
    for point in fact.points:
        if isinstance(point, (list, tuple)) and point:
            label = str(point[0])
            value = point[1] if len(point) > 1 and isinstance(point[1], (int, float)) else None
            rows.append((label, None if value is None else float(value)))
    return rows


def _counter(col: Column, value: float, role: str, suffix: str = "", centre: bool = False) -> None:
    """A number counting up from zero in the accent colour; its box fits the final text."""
    scale, accent = col.frame.scale, col.frame.palette.accent
    final = format_number(value) + suffix
    size = scale.type(role)
    face = font("bold", size)
    while face.getlength(final) > col.w and size > scale.min_text:
        size = int(size * 0.92)
        face = font("bold", size)
    step = line_height(size)
    y = col.y
    width = round(face.getlength(final))
    left = col.x + ((col.w - width) // 2 if centre else 0)
    box = (col.x, y, col.x + col.w, y + step)

    def paint(pen: Pen, p: float) -> None:
        if p >= 1:
            shown = final
        else:   # from a plain 0, then in the final's unit (0.4M, 1.2M ... 2.5M)
            shown = (format_number(value * ease_out(p), like=value) if p > 0 else "0") + suffix
        x = left + ((width - round(face.getlength(shown))) // 2 if centre else 0)
        pen.text((x, y), shown, font=face, fill=accent)
    mark = TextMark(final, text_box(left, y, final, "bold", size), size, accent)
    col.add(Element(box, paint, "progress", 0.0, COUNT_SECONDS, [mark]), step)


# ---------------------------------------------------------------- the templates
def stat(fact: Fact, col: Column, room: int) -> None:
    number = _first_number(fact)
    _kicker(col, fact.source or "By the numbers")
    if number is None:
        col.text(fact.text, "title", max_lines=5)
    else:
        label, value = number
        _counter(col, value, "display")
        col.text(label, "title", max_lines=2)
        if fact.text and fact.text.casefold() != label.casefold():
            col.gap(times=0.5)
            col.text(fact.text, "body", weight="regular", colour=col.frame.palette.muted, max_lines=3)
    _source(col, fact)


def series(fact: Fact, col: Column, room: int) -> None:
    points = [(label, value) for label, value in _points(fact) if value is not None]
    _kicker(col, "Interest over time" if fact.source.casefold().startswith("google") else "Over time")
    col.text(fact.text, "body", max_lines=2)
    col.gap()
    scale, pal = col.frame.scale, col.frame.palette
    meta = scale.type("meta")
    meta_face = font("regular", meta)
    footer = line_height(meta) + scale.space("gap")
    chart_h = max(meta * 4, min(round(col.w * (0.42 if col.frame.landscape else 0.62)),
                                room - col.height - footer - line_height(meta) - scale.space("gap")))
    if len(points) < 2:
        col.text("No series to draw", "meta", weight="regular", colour=pal.muted)
        _source(col, fact)
        return
    values = [v for _, v in points]
    top_value = max(values) or 1.0
    axis_labels = [format_number(top_value), format_number(top_value / 2), "0"]
    axis_w = round(max(meta_face.getlength(t) for t in axis_labels)) + scale.space("gap") // 2
    x0, x1 = col.x + axis_w, col.x + col.w
    y0, y1 = col.y, col.y + chart_h
    grid = tuple(round(c * 0.55 + d * 0.45) for c, d in zip(pal.panel, pal.muted))
    marks = []
    for n, label in enumerate(axis_labels):      # axis values and grid lines: static
        gy = y0 + round(n * chart_h / 2)
        ty = gy - line_height(meta) // 2
        lx = x0 - scale.space("gap") // 2 - round(meta_face.getlength(label))
        marks.append(TextMark(label, text_box(lx, ty, label, "regular", meta), meta, pal.muted))

        def paint_axis(pen: Pen, _p: float, gy=gy, ty=ty, lx=lx, label=label) -> None:
            pen.line([(x0, gy), (x1, gy)], fill=grid, width=max(1, round(2 * scale.factor)))
            pen.text((lx, ty), label, font=meta_face, fill=pal.muted)
        col.elements.append(Element((col.x, ty, x1, gy + 2), paint_axis, marks=[marks[-1]]))
    xs = [x0 + round(i * (x1 - x0) / (len(points) - 1)) for i in range(len(points))]
    ys = [y1 - round(v / top_value * chart_h) for v in values]
    width = max(3, round(7 * scale.factor))
    dot = round(width * 1.6)

    def paint_curve(pen: Pen, p: float) -> None:
        reach = x0 + (x1 - x0) * ease_out(p)
        line = [(xs[0], ys[0])]
        for i in range(1, len(xs)):
            if xs[i] <= reach:
                line.append((xs[i], ys[i]))
            else:
                f = (reach - xs[i - 1]) / max(1, xs[i] - xs[i - 1])
                line.append((round(reach), round(ys[i - 1] + (ys[i] - ys[i - 1]) * f)))
                break
        fill = tuple(round(a * 0.35 + b * 0.65) for a, b in zip(pal.accent, pal.panel))
        pen.polygon(line + [(line[-1][0], y1), (xs[0], y1)], fill=fill)
        pen.line(line, fill=pal.accent, width=width)
        hx, hy = line[-1]
        pen.ellipse((hx - dot, hy - dot, hx + dot, hy + dot), fill=pal.accent)
    col.elements.append(Element((x0 - dot, y0 - dot, x1 + dot, y1 + dot), paint_curve, "progress", 0.0,
                                DRAW_SECONDS))
    col.y = y1 + scale.space("gap") // 2
    first, last = points[0][0], points[-1][0]
    last_w = round(meta_face.getlength(last))
    ty = col.y
    x_marks = [TextMark(first, text_box(x0, ty, first, "regular", meta), meta, pal.muted),
               TextMark(last, text_box(x1 - last_w, ty, last, "regular", meta), meta, pal.muted)]

    def paint_x(pen: Pen, _p: float) -> None:
        pen.text((x0, ty), first, font=meta_face, fill=pal.muted)
        pen.text((x1 - last_w, ty), last, font=meta_face, fill=pal.muted)
    col.add(Element((col.x, ty, x1, ty + line_height(meta)), paint_x, marks=x_marks), line_height(meta))
    _source(col, fact)


def regions(fact: Fact, col: Column, room: int) -> None:
    _bars(fact, col, room, "Where it trends")


def _bars(fact: Fact, col: Column, room: int, kicker: str) -> None:
    """Ranked rows: rank and label with the value at the right, a bar growing under each."""
    rows = [(label, value) for label, value in _points(fact) if value is not None][:5]
    _kicker(col, kicker)
    col.text(fact.text, "body", max_lines=2)
    col.gap()
    scale, pal = col.frame.scale, col.frame.palette
    size = scale.type("body")
    face = font("bold", size)
    step = line_height(size)
    bar_h = max(6, round(size * 0.42))
    row_h = step + bar_h + round(scale.space("gap") * 0.7)
    top_value = max((v for _, v in rows), default=1.0) or 1.0
    x0, x1 = col.x, col.x + col.w
    value_w = round(max((face.getlength(format_number(v)) for _, v in rows), default=0))
    track = tuple(round(c * 0.8 + d * 0.2) for c, d in zip(pal.panel, pal.muted))
    y = col.y
    for n, (label, _value) in enumerate(rows, 1):
        ry = y + (n - 1) * row_h
        text = f"{n}   {label}"
        while face.getlength(text) > col.w - value_w - scale.space("gap") and len(text) > 4:
            text = text[:-2].rstrip() + "…"

        def paint_label(pen: Pen, _p: float, ry=ry, text=text) -> None:
            pen.text((x0, ry), text, font=face, fill=pal.text)
            pen.rounded((x0, ry + step, x1, ry + step + bar_h), bar_h // 2, track)
        col.elements.append(Element((x0, ry, x1 - value_w, ry + row_h), paint_label,
                                    marks=[TextMark(text, text_box(x0, ry, text, "bold", size), size, pal.text)]))

    def paint_bars(pen: Pen, p: float) -> None:
        for n, (_label, value) in enumerate(rows):
            ry = y + n * row_h
            length = max(bar_h, round((x1 - x0) * value / top_value * ease_out(p)))
            pen.rounded((x0, ry + step, x0 + length, ry + step + bar_h), bar_h // 2, pal.accent)
            shown = format_number(value * ease_out(p), like=value)
            pen.text((x1 - round(face.getlength(shown)), ry), shown, font=face, fill=pal.accent)
    value_marks = [TextMark(format_number(v), text_box(x1 - round(face.getlength(format_number(v))), y + n * row_h,
                                                       format_number(v), "bold", size), size, pal.accent)
                   for n, (_l, v) in enumerate(rows)]
    # The animated patch spans the rows; its labels are in the still under it.
    col.elements.append(Element((x0, y, x1, y + row_h * len(rows)), paint_bars, "progress",
                                0.0, DRAW_SECONDS, value_marks))
    col.y = y + row_h * len(rows)
    _source(col, fact)


def headline(fact: Fact, col: Column, room: int) -> None:
    _kicker(col, fact.source or "In the news")
    col.text(fact.text, "title", max_lines=6, stagger=LINE_STAGGER)
    date = format_date(fact.at)
    col.gap()
    col.text(" · ".join(p for p in (date, "Headline") if p), "meta", weight="regular",
             colour=col.frame.palette.muted, max_lines=1)


def quote(fact: Fact, col: Column, room: int) -> None:
    scale, pal = col.frame.scale, col.frame.palette
    mark_size = round(scale.type("display") * 0.8)
    mark_face = font("bold", mark_size)
    top = col.y

    def paint_mark(pen: Pen, _p: float) -> None:
        pen.text((col.x - round(mark_size * 0.04), top - round(mark_size * 0.12)), "“", font=mark_face,
                 fill=pal.accent)
    col.elements.append(Element((col.x, top, col.x + mark_size, top + mark_size // 2), paint_mark))
    col.y += round(mark_size * 0.5)
    col.text(fact.text, "title", weight="regular", max_lines=8, stagger=LINE_STAGGER)
    col.gap()
    label, score = next(((k, float(v)) for k, v in fact.numbers.items()
                         if isinstance(v, (int, float)) and not isinstance(v, bool)), (None, None))
    byline = fact.source or "A post"
    if score is not None:  # upvotes as Reddit shows them; likes on X said as likes
        byline = f"{byline}  · {format_number(score)} likes" if label == "likes" else f"{byline}  ▲ {format_number(score)}"
    col.text(byline, "body", colour=pal.accent, max_lines=1)


def list_card(fact: Fact, col: Column, room: int) -> None:
    rows = _points(fact)[:5]
    scale, pal = col.frame.scale, col.frame.palette
    _kicker(col, fact.source or "The list")
    col.text(fact.text, "body", max_lines=2)
    col.gap()
    size = scale.type("body")
    badge = round(size * 1.35)
    text_x = col.x + badge + scale.space("gap")
    spacing = (col.frame.reveal_span * 0.8) / max(1, len(rows))
    for n, (label, value) in enumerate(rows, 1):
        item = label if value is None else f"{label} · {format_number(value)}"
        item_size, lines = fit(item, "bold", size, scale.min_text, col.x + col.w - text_x, 2)
        item_face = font("bold", item_size)
        step = line_height(item_size)
        ry = col.y
        block = max(badge, step * len(lines))
        num_face = font("bold", round(badge * 0.55))

        def paint_item(pen: Pen, _p: float, ry=ry, lines=lines, n=n, item_face=item_face, step=step) -> None:
            pen.ellipse((col.x, ry, col.x + badge, ry + badge), fill=pal.accent)
            digit = str(n)
            pen.text((col.x + (badge - round(num_face.getlength(digit))) // 2, ry + round(badge * 0.18)), digit,
                     font=num_face, fill=pal.panel)
            for k, line in enumerate(lines):
                pen.text((text_x, ry + k * step + (badge - step) // 2), line, font=item_face, fill=pal.text)
        marks = [TextMark(line, text_box(text_x, ry + k * step + (badge - step) // 2, line, "bold", item_size),
                          item_size, pal.text) for k, line in enumerate(lines)]
        col.add(Element((col.x, ry, col.x + col.w, ry + block), paint_item, "reveal", (n - 1) * spacing,
                        marks=marks), block)
        col.gap(times=0.6)
    _source(col, fact)


def video(fact: Fact, col: Column, room: int) -> None:
    scale, pal = col.frame.scale, col.frame.palette
    _kicker(col, "On YouTube")
    thumb_w = min(round(col.w * 0.86), round(room * 0.42 * 16 / 9))
    thumb_h = round(thumb_w * 9 / 16)
    tx = col.x + (col.w - thumb_w) // 2
    ty = col.y

    def paint_thumb(pen: Pen, _p: float) -> None:
        pen.rounded((tx, ty, tx + thumb_w, ty + thumb_h), scale.space("radius") // 2, pal.light)
        r = round(thumb_h * 0.16)
        cx, cy = tx + thumb_w // 2, ty + thumb_h // 2
        pen.ellipse((cx - r * 1.5, cy - r * 1.5, cx + r * 1.5, cy + r * 1.5), fill=pal.dark)
        pen.polygon([(cx - r * 0.5, cy - r * 0.8), (cx - r * 0.5, cy + r * 0.8), (cx + r * 0.9, cy)],
                    fill=pal.text)
    col.add(Element((tx, ty, tx + thumb_w, ty + thumb_h), paint_thumb), thumb_h)
    col.gap()
    col.text(fact.text, "body", max_lines=2)
    col.text(fact.source, "meta", weight="regular", colour=pal.muted, max_lines=1)
    number = _first_number(fact)
    if number:
        col.gap(times=0.5)
        _counter(col, number[1], "title", suffix=f" {number[0]}")


def title(fact: Fact, col: Column, room: int) -> None:
    """No fact to show: the narration itself, set as a clean title."""
    _kicker(col, fact.source)
    col.text(fact.text, "title", max_lines=8, stagger=LINE_STAGGER)


TEMPLATES = {"stat": stat, "series": series, "regions": regions, "headline": headline, "quote": quote,
             "list": list_card, "video": video, "title": title}
