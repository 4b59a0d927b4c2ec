"""Charts as server-rendered inline SVG: no JavaScript, no CDN, readable without a network or a script."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from markupsafe import Markup, escape

from .app import source_url


def _number(value: Any) -> float | None:
    try:
        return float(Decimal(str(value).replace(",", "")))
    except (InvalidOperation, ValueError):
        return None


def bar_chart(items: list[dict[str, Any]], unit: str = "万元", width: int = 640) -> Markup:
    """Horizontal bars, one per item {label, value, href?}; each bar links to where its figure was read."""
    rows = [(i, _number(i.get("value"))) for i in items]
    rows = [(i, v) for i, v in rows if v is not None]
    if not rows:
        return Markup('<p class="muted">无数据</p>')
    top = max(v for _, v in rows) or 1.0
    label_w, bar_w, row_h = 230, width - 230 - 90, 22
    height = row_h * len(rows) + 6
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
             f'xmlns="http://www.w3.org/2000/svg">']
    for n, (item, value) in enumerate(rows):
        y = n * row_h + 3
        w = max(1.0, bar_w * max(value, 0.0) / top)
        label = escape(str(item.get("label") or ""))
        title = escape(f"{item.get('label')}: {item.get('value')} {unit}")
        bar = (f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{row_h - 6}" class="bar"><title>{title}'
               f'</title></rect>')
        href = item.get("href") or source_url(item.get("source"))
        if href:
            bar = f'<a href="{escape(href)}">{bar}</a>'
        parts.append(f'<text x="{label_w - 6}" y="{y + row_h - 10}" text-anchor="end" class="label">{label}</text>')
        parts.append(bar)
        parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + row_h - 10}" class="value">'
                     f'{escape(str(item.get("value")))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
