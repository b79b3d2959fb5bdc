"""Horizontal bar charts as inline SVG: the report is one self-contained file, and the page
shows the same markup (no plotting library, no script)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

BAR, GAP, LABEL, VALUE = 14, 4, 190, 70


def bars(title: str, items: Sequence[tuple[str, float | None]], unit: str = "",
         width: int = 640, colour: str = "#1f5fa8") -> str:
    """One bar a (label, value); a missing value is drawn as "n/a" and no bar."""
    values = [v for _, v in items if v is not None]
    top = max([*values, 0.0]) or 1.0
    span = width - LABEL - VALUE
    height = 24 + len(items) * (BAR + GAP)
    caption = f"{title} ({unit})" if unit else title
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" role="img" aria-label="{escape(caption)}">',
             f"<title>{escape(caption)}</title>",
             f'<text x="0" y="14" font-size="13" font-family="sans-serif">{escape(caption)}</text>']
    for i, (label, value) in enumerate(items):
        y = 24 + i * (BAR + GAP)
        parts.append(f'<text x="{LABEL - 6}" y="{y + 11}" font-size="11" text-anchor="end" '
                     f'font-family="sans-serif">{escape(label)}</text>')
        if value is None:
            parts.append(f'<text x="{LABEL}" y="{y + 11}" font-size="11" '
                         'font-family="sans-serif">n/a</text>')
            continue
        length = max(value, 0.0) / top * span
        parts.append(f'<rect x="{LABEL}" y="{y}" width="{length:.1f}" height="{BAR}" '
                     f'fill="{colour}"><title>{escape(label)}: {_number(value)}</title></rect>'
                     f'<text x="{LABEL + length + 4:.1f}" y="{y + 11}" font-size="11" '
                     f'font-family="sans-serif">{_number(value)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}"
