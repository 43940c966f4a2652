"""Server-rendered SVG charts (no JavaScript, no third-party files): the geometry is computed here,
the markup lives in templates/dashboards/charts/. Every chart is drawn from the same plain data as
the table printed with it, and links each mark to the list behind it."""

from django import template

register = template.Library()

# Seven groups, seven colours that stay apart for common colour blindness (Okabe-Ito + grey).
GROUP_COLOURS = {
    "student": "#0072B2",
    "unemployed": "#E69F00",
    "disabled_ill": "#D55E00",
    "elderly": "#009E73",
    "child": "#CC79A7",
    "housing": "#56B4E9",
    "vagrant": "#6b6b6b",
}
WIDTH = 640


def _nice_max(value: int) -> int:
    """A round axis maximum at or above ``value`` (1, 2, 5 x 10^n)."""
    if value <= 0:
        return 1
    magnitude = 1
    while magnitude * 10 <= value:
        magnitude *= 10
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


@register.inclusion_tag("dashboards/charts/stacked_bars.html")
def stacked_bars(by_division, title):
    """One horizontal bar per town/community, one segment per group (persons in it)."""
    rows = by_division["rows"] if by_division else []
    label_w, row_h, top = 120, 26, 8
    plot_w = WIDTH - label_w - 50
    biggest = _nice_max(max((sum(c["n"] for c in r["cells"]) for r in rows), default=0))
    shorts = {g["group"]: g["short"] for g in (by_division or {}).get("groups", [])}
    bars = []
    for i, row in enumerate(rows):
        x, y = label_w, top + i * row_h
        segments = []
        for cell in row["cells"]:
            w = plot_w * cell["n"] / biggest
            if cell["n"]:
                segments.append(
                    {
                        "x": round(x, 1),
                        "w": round(max(w, 1), 1),
                        "colour": GROUP_COLOURS[cell["group"]],
                        "short": shorts.get(cell["group"], ""),
                        **cell,
                    }
                )
            x += w
        total = sum(c["n"] for c in row["cells"])
        bars.append(
            {
                "name": row["name"],
                "link": row["link"],
                "y": y,
                "segments": segments,
                "total": total,
                "end": round(x + 4, 1),
            }
        )
    legend = [
        {"short": g["short"], "colour": GROUP_COLOURS[g["group"]]}
        for g in (by_division or {}).get("groups", [])
    ]
    return {
        "title": title,
        "bars": bars,
        "legend": legend,
        "width": WIDTH,
        "height": top * 2 + len(rows) * row_h,
        "label_w": label_w,
        "bar_h": row_h - 8,
        "biggest": biggest,
    }


@register.inclusion_tag("dashboards/charts/lines.html")
def needs_lines(points, title):
    """Needs collected and met per month: two lines over twelve months."""
    left, right, top, bottom, height = 44, 16, 12, 40, 240
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    biggest = _nice_max(max((max(p["collected"], p["met"]) for p in points), default=0))
    step = plot_w / max(len(points) - 1, 1)

    def y(value):
        return round(top + plot_h - plot_h * value / biggest, 1)

    marks = []
    for i, p in enumerate(points):
        x = round(left + i * step, 1)
        marks.append(
            {**p, "x": x, "y_collected": y(p["collected"]), "y_met": y(p["met"]), "tick": i % 2 == 0}
        )
    ticks = (
        [{"value": v, "y": y(v)} for v in (0, biggest // 2, biggest)]
        if biggest > 1
        else [{"value": v, "y": y(v)} for v in (0, biggest)]
    )
    return {
        "title": title,
        "marks": marks,
        "collected_points": " ".join(f"{m['x']},{m['y_collected']}" for m in marks),
        "met_points": " ".join(f"{m['x']},{m['y_met']}" for m in marks),
        "ticks": ticks,
        "width": WIDTH,
        "height": height,
        "left": left,
        "right_edge": WIDTH - right,
        "base": top + plot_h,
        "label_y": height - 14,
    }


@register.inclusion_tag("dashboards/charts/funnel.html")
def funnel(steps, title):
    """The uptake funnel: one bar per step, as long as the items that reached it."""
    row_h, top, label_w = 32, 6, 96
    biggest = max((s["n"] for s in steps), default=0) or 1
    plot_w = WIDTH - label_w - 150
    bars = []
    for i, s in enumerate(steps):
        w = max(plot_w * s["n"] / biggest, 2 if s["n"] else 0)
        y = top + i * row_h
        bars.append(
            {
                **s,
                "w": round(w, 1),
                "y": y,
                "text_y": y + row_h / 2 + 2,
                "value_x": round(label_w + w + 6, 1),
                "share": round(100 * s["n"] / steps[0]["n"]) if steps and steps[0]["n"] else 0,
            }
        )
    return {
        "title": title,
        "bars": bars,
        "width": WIDTH,
        "height": top * 2 + len(steps) * row_h,
        "bar_h": row_h - 8,
        "label_w": label_w,
        "label_x": label_w - 8,
    }


@register.inclusion_tag("dashboards/charts/times_line.html")
def times_line(points, title):
    """Person-times (人次) per month: one line over the months of the needs chart."""
    left, right, top, bottom, height = 52, 16, 12, 40, 240
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    biggest = _nice_max(max((p["n"] for p in points), default=0))
    step = plot_w / max(len(points) - 1, 1)

    def y(value):
        return round(top + plot_h - plot_h * value / biggest, 1)

    marks = [
        {**p, "x": round(left + i * step, 1), "y": y(p["n"]), "tick": i % 2 == 0}
        for i, p in enumerate(points)
    ]
    ticks = [{"value": v, "y": y(v)} for v in ((0, biggest // 2, biggest) if biggest > 1 else (0, biggest))]
    return {
        "title": title,
        "marks": marks,
        "points": " ".join(f"{m['x']},{m['y']}" for m in marks),
        "ticks": ticks,
        "width": WIDTH,
        "height": height,
        "left": left,
        "right_edge": WIDTH - right,
        "label_y": height - 14,
    }


@register.inclusion_tag("dashboards/charts/ranked_bars.html")
def coverage_bars(rows, title):
    """Share of the special-hardship elderly visited this month, one bar per area, best first."""
    label_w, row_h, top = 120, 24, 8
    plot_w = WIDTH - label_w - 60
    bars = []
    for i, row in enumerate(rows):
        rate = row["rate"]
        bars.append(
            {
                "name": row["name"],
                "link": row["links"]["elderly_unvisited"],
                "y": top + i * row_h,
                "w": round(plot_w * (rate or 0) / 100, 1),
                "rate": rate,
                "end": round(label_w + plot_w * (rate or 0) / 100 + 4, 1),
            }
        )
    return {
        "title": title,
        "bars": bars,
        "width": WIDTH,
        "height": top * 2 + max(len(rows), 1) * row_h,
        "label_w": label_w,
        "bar_h": row_h - 8,
    }
