"""A small server-side SVG chart of one construct over the last weeks. No JavaScript.

Readable without colour: every answer has its number written above it, this week's answer is a
square (earlier ones are circles), weeks without an answer leave a gap in the line, and the
accessible description lists every week in words.
"""

from django.utils.html import escape
from django.utils.safestring import mark_safe

WIDTH, HEIGHT = 320, 180
LEFT, RIGHT, TOP, BOTTOM = 32, 20, 30, 40
MONTHS = {
    "nl": ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"],
    "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
}
NO_ANSWER = {"nl": "geen antwoord", "en": "no answer"}
THIS_WEEK = {"nl": "deze week", "en": "this week"}


def short_date(day, language="nl"):
    return f"{day.day} {MONTHS.get(language, MONTHS['nl'])[day.month - 1]}"


def _y(value):
    value = min(max(value, 0.0), 100.0)
    return TOP + (100.0 - value) / 100.0 * (HEIGHT - TOP - BOTTOM)


def _x(i, n):
    if n == 1:
        return (LEFT + WIDTH - RIGHT) / 2
    return LEFT + i * (WIDTH - LEFT - RIGHT) / (n - 1)


def trend_svg(points, *, chart_id, title, language="nl", centre=False):
    """``points``: [(date, value or None)], oldest first, the last one being this week."""
    n = len(points)
    parts = [
        f'<svg class="trend" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" preserveAspectRatio="xMidYMid meet" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
    ]
    words = []
    for i, (day, value) in enumerate(points):
        label = short_date(day, language)
        if i == n - 1:
            label += f" ({THIS_WEEK[language]})"
        words.append(f"{label}: {round(value) if value is not None else NO_ANSWER[language]}")
    parts.append(f'<desc id="{chart_id}-d">{escape("; ".join(words))}</desc>')

    # Grid: 0, 50 and 100, labelled; the middle is dashed when the middle is the goal (enough time).
    for level in (0, 50, 100):
        y = _y(level)
        dash = ' stroke-dasharray="5 4"' if (centre and level == 50) else ""
        width = 1.5 if (centre and level == 50) else 1
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT + 6}" y2="{y:.1f}" '
                     f'stroke="#9a9a9a" stroke-width="{width}"{dash}/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="12" '
                     f'fill="#444" aria-hidden="true">{level}</text>')

    # The line, broken where a week has no answer.
    segment = []
    segments = []
    for i, (_day, value) in enumerate(points):
        if value is None:
            if segment:
                segments.append(segment)
            segment = []
        else:
            segment.append(f"{_x(i, n):.1f},{_y(value):.1f}")
    if segment:
        segments.append(segment)
    for seg in segments:
        if len(seg) > 1:
            parts.append(f'<polyline points="{" ".join(seg)}" fill="none" stroke="#12355b" stroke-width="2.5" '
                         'stroke-linejoin="round"/>')

    for i, (day, value) in enumerate(points):
        x = _x(i, n)
        last = i == n - 1
        if value is not None:
            y = _y(value)
            if last:
                parts.append(f'<rect x="{x - 6:.1f}" y="{y - 6:.1f}" width="12" height="12" fill="#12355b" '
                             'stroke="#fff" stroke-width="1.5"/>')
            else:
                parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="#fff" stroke="#12355b" '
                             'stroke-width="2.5"/>')
            weight = ' font-weight="700"' if last else ""
            parts.append(f'<text class="val" x="{x:.1f}" y="{y - 10:.1f}" text-anchor="middle" font-size="15"{weight} '
                         f'fill="#1b1b1b" aria-hidden="true">{round(value)}</text>')
        # Day numbers under each point; the month under the first day and where it changes.
        weight = ' font-weight="700"' if last else ""
        parts.append(f'<text x="{x:.1f}" y="{HEIGHT - 20}" text-anchor="middle" font-size="12"{weight} '
                     f'fill="#444" aria-hidden="true">{day.day}</text>')
        if i == 0 or points[i - 1][0].month != day.month:
            month = MONTHS.get(language, MONTHS["nl"])[day.month - 1]
            parts.append(f'<text x="{x:.1f}" y="{HEIGHT - 5}" text-anchor="middle" font-size="11" '
                         f'fill="#444" aria-hidden="true">{month}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))
