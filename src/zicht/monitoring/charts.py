"""Charts: tiny inline SVG sparklines for the caseload, Vega-Lite specs (Altair) for the rest.

One chart definition serves the screen (vendored vega-embed) and downloads (vl-convert to SVG/PNG).
"""

import math

import altair as alt
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

VL_VERSION = "6.4"  # matches the vendored vega-lite (static/vendor/vega-lite-6.4.3)
COLORS = {"student": "#12355b", "baseline": "#2e7d32", "group": "#8a96a8", "action": "#b45f06",
          "alert": "#b00020", "missed": "#6b6b6b"}
# Charts as wide as their box: padding and legend inside the width, so nothing spills over.
FIT = alt.AutoSizeParams(type="fit", contains="padding")
GROUP_COLORS = ["#12355b", "#c0392b", "#2e7d32", "#8e44ad", "#b45f06", "#16a085", "#7f8c8d"]


# --------------------------------------------------------------------------------------------
# Sparklines


def trend(values, weeks=4, threshold=5.0):
    """'up', 'down' or 'flat' from a least-squares slope over the last ``weeks`` observed points."""
    points = [(i, v) for i, v in enumerate(values) if v is not None][-weeks:]
    if len(points) < 2:
        return None
    n = len(points)
    mx = sum(i for i, _ in points) / n
    my = sum(v for _, v in points) / n
    sxx = sum((i - mx) ** 2 for i, _ in points)
    slope = sum((i - mx) * (v - my) for i, v in points) / sxx if sxx else 0.0
    change = slope * (points[-1][0] - points[0][0])
    if change >= threshold:
        return "up"
    if change <= -threshold:
        return "down"
    return "flat"


def sparkline(values, label, *, width=88, height=26, low=0.0, high=100.0):
    """An inline SVG line of weekly values (None = no answer that week), with an accessible name.

    Gaps stay gaps; the last answer gets a dot. No JavaScript, about 300 bytes.
    """
    n = len(values)
    if n == 0 or all(v is None for v in values):
        return format_html('<span class="spark-empty">{}</span>', "–")
    pad = 3
    step = (width - 2 * pad) / max(n - 1, 1)

    def xy(i, v):
        y = height - pad - (min(max(v, low), high) - low) / (high - low) * (height - 2 * pad)
        return f"{pad + i * step:.1f},{y:.1f}"

    segments, current = [], []
    for i, v in enumerate(values):
        if v is None or (isinstance(v, float) and math.isnan(v)):
            if current:
                segments.append(current)
            current = []
        else:
            current.append(xy(i, v))
    if current:
        segments.append(current)
    last_i, last_v = next((i, v) for i, v in reversed(list(enumerate(values))) if v is not None)
    shown = [round(v) for v in values if v is not None]
    name = f"{label}: {', '.join(str(v) for v in shown[-6:])}"
    parts = [
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(name)}"><title>{escape(name)}</title>',
        f'<line x1="0" x2="{width}" y1="{height / 2:.1f}" y2="{height / 2:.1f}" class="spark-mid"/>',
    ]
    for segment in segments:
        if len(segment) == 1:
            x, y = segment[0].split(",")
            parts.append(f'<circle cx="{x}" cy="{y}" r="1.5" class="spark-dot"/>')
        else:
            parts.append(f'<polyline points="{" ".join(segment)}" class="spark-line"/>')
    x, y = xy(last_i, last_v).split(",")
    parts.append(f'<circle cx="{x}" cy="{y}" r="2.5" class="spark-last"/></svg>')
    return mark_safe("".join(parts))  # noqa: S308 - built from numbers and escaped text only


# --------------------------------------------------------------------------------------------
# Student page


def _x(domain, title=None):
    return alt.X("week:T", title=title, scale=alt.Scale(domain=domain),
                 axis=alt.Axis(format="%d-%m", labelAngle=0, tickCount=6, grid=False))


def item_chart(label, rows, *, baseline, group, actions, alerts, domain):
    """One item: the student's answers, own baseline band, group IQR band, actions and alerts.

    rows: [{"week": iso, "value": float|None, "state": str}], group: [{"week", "q1", "q3", "n"}],
    baseline: (low, high) or None, actions/alerts: [{"week": iso, "text": str}].
    """
    y = alt.Scale(domain=[0, 100], nice=False)
    layers = []
    if group:
        layers.append(
            alt.Chart(alt.Data(values=group)).mark_area(color=COLORS["group"], opacity=0.25).encode(
                x=_x(domain), y=alt.Y("q1:Q", scale=y, title=None), y2="q3:Q",
                tooltip=[alt.Tooltip("week:T", title="week", format="%d-%m-%Y"),
                         alt.Tooltip("q1:Q", title="groep P25", format=".0f"),
                         alt.Tooltip("q3:Q", title="groep P75", format=".0f"), alt.Tooltip("n:Q", title="n")],
            )
        )
    if baseline is not None:
        layers.append(
            alt.Chart(alt.Data(values=[{"low": baseline[0], "high": baseline[1]}]))
            .mark_rect(color=COLORS["baseline"], opacity=0.15)
            .encode(y=alt.Y("low:Q", scale=y), y2="high:Q")
        )
    if actions:
        layers.append(
            alt.Chart(alt.Data(values=actions)).mark_rule(color=COLORS["action"], strokeDash=[4, 3]).encode(
                x=_x(domain), tooltip=[alt.Tooltip("week:T", title="week", format="%d-%m-%Y"),
                                       alt.Tooltip("text:N", title="actie")]
            )
        )
    if alerts:
        layers.append(
            alt.Chart(alt.Data(values=alerts)).mark_point(shape="triangle-down", size=60, filled=True,
                                                          color=COLORS["alert"]).encode(
                x=_x(domain), y=alt.datum(98), tooltip=[alt.Tooltip("text:N", title="signaal")]
            )
        )
    observed = [r for r in rows if r["value"] is not None]
    missed = [{"week": r["week"]} for r in rows if r["state"] == "missed"]
    if missed:
        layers.append(
            alt.Chart(alt.Data(values=missed)).mark_point(shape="cross", size=30, color=COLORS["missed"]).encode(
                x=_x(domain), y=alt.datum(3)
            )
        )
    layers.append(
        alt.Chart(alt.Data(values=rows)).mark_line(color=COLORS["student"], strokeWidth=2,
                                                   invalid="break-paths-show-domains").encode(
            x=_x(domain), y=alt.Y("value:Q", scale=y, title=None)
        )
    )
    layers.append(
        alt.Chart(alt.Data(values=observed)).mark_circle(color=COLORS["student"], size=28).encode(
            x=_x(domain), y=alt.Y("value:Q", scale=y, title=None),
            tooltip=[alt.Tooltip("week:T", title="week", format="%d-%m-%Y"), alt.Tooltip("value:Q", title=label)],
        )
    )
    return alt.layer(*layers).properties(width=250, height=120, title=alt.Title(label, anchor="start", fontSize=13))


def student_specs(charts):
    """One spec per item chart: the page lays them out in a grid that wraps on narrow screens."""
    return [
        chart.configure_view(strokeWidth=0).configure_axis(labelFontSize=10, domainColor="#999").to_dict()
        for chart in charts
    ]


# --------------------------------------------------------------------------------------------
# Group views


def group_trajectory_chart(rows, *, x_field, x_type, x_title, title, y_title, y_domain=(0, 100), x_domain=None):
    """Weekly mean with a 95% CI band and a lighter IQR band per group.

    rows: [{x_field, "group", "mean", "ci_low", "ci_high", "q1", "q3", "n"}]
    """
    groups = sorted({r["group"] for r in rows})
    color = alt.Color("group:N", title=None, scale=alt.Scale(domain=groups, range=GROUP_COLORS[: len(groups)]),
                      legend=alt.Legend(orient="top"))
    if x_type == "T":
        x = alt.X(f"{x_field}:T", title=x_title, axis=alt.Axis(format="%d-%m", labelAngle=0))
    else:  # whole weeks, up to and including the week of leaving (0)
        x = alt.X(f"{x_field}:Q", title=x_title, scale=alt.Scale(domain=list(x_domain or (-20, 0)), nice=False),
                  axis=alt.Axis(format="d", tickMinStep=1, labelAngle=0))
    y = alt.Scale(domain=list(y_domain), nice=False)
    base = alt.Chart(alt.Data(values=rows))
    tooltip = [alt.Tooltip("group:N", title="groep"), alt.Tooltip(f"{x_field}:{x_type}", title=x_title),
               alt.Tooltip("mean:Q", format=".1f", title="gemiddelde"),
               alt.Tooltip("ci_low:Q", format=".1f", title="95%-BI laag"),
               alt.Tooltip("ci_high:Q", format=".1f", title="95%-BI hoog"), alt.Tooltip("n:Q", title="n")]
    iqr = base.mark_area(opacity=0.12).encode(x=x, y=alt.Y("q1:Q", scale=y, title=y_title), y2="q3:Q", color=color)
    ci = base.mark_area(opacity=0.3).encode(x=x, y=alt.Y("ci_low:Q", scale=y), y2="ci_high:Q", color=color)
    line = base.mark_line(point=True).encode(x=x, y=alt.Y("mean:Q", scale=y), color=color, tooltip=tooltip)
    return alt.layer(iqr, ci, line).properties(width="container", height=260, title=title, autosize=FIT)


def completion_chart(rows, *, title):
    """Share of diaries completed per group per week. rows: [{"week", "group", "rate", "n"}]."""
    groups = sorted({r["group"] for r in rows})
    color = alt.Color("group:N", title=None, scale=alt.Scale(domain=groups, range=GROUP_COLORS[: len(groups)]),
                      legend=alt.Legend(orient="top"))
    return alt.Chart(alt.Data(values=rows)).mark_line(point=True).encode(
        x=alt.X("week:T", title="week", axis=alt.Axis(format="%d-%m", labelAngle=0)),
        y=alt.Y("rate:Q", title="ingevuld", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        color=color,
        tooltip=[alt.Tooltip("group:N", title="groep"), alt.Tooltip("week:T", format="%d-%m-%Y"),
                 alt.Tooltip("rate:Q", format=".0%", title="ingevuld"), alt.Tooltip("n:Q", title="dagboeken")],
    ).properties(width="container", height=220, title=title, autosize=FIT)


def to_spec(chart):
    return chart.to_dict()


def export(spec, fmt):
    """SVG text or PNG bytes of a spec, rendered on the server (no browser needed)."""
    import vl_convert as vlc

    spec = dict(spec)
    # A container width means nothing outside a page: give downloads a fixed size.
    if spec.get("width") == "container":
        spec["width"] = 760
    if fmt == "svg":
        return vlc.vegalite_to_svg(spec, vl_version=VL_VERSION)
    if fmt == "png":
        return vlc.vegalite_to_png(spec, vl_version=VL_VERSION, scale=2)
    raise ValueError(fmt)
