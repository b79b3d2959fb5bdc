"""Self-contained charts: SVG (pages, `--plot x.svg`) and a small PNG rasteriser (`--plot x.png`).

No plotting library is a dependency; a chart is a few lines and bands over one x axis.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape

PALETTE = ("#1f5fa8", "#c2410c", "#15803d", "#7c3aed", "#b91c1c")


@dataclass
class Chart:
    """Lines (name → values) and fan bands (name → (low, high)) over `x`."""

    title: str
    x: Sequence[int]
    unit: str = ""
    lines: dict[str, Sequence[float]] = field(default_factory=dict)
    bands: dict[str, tuple[Sequence[float], Sequence[float]]] = field(default_factory=dict)
    width: int = 640
    height: int = 320

    def _bounds(self) -> tuple[float, float]:
        values = [v for s in self.lines.values() for v in s]
        values += [v for lo, hi in self.bands.values() for v in (*lo, *hi)]
        lo, hi = min([*values, 0.0]), max([*values, 0.0])
        return lo, hi if hi > lo else lo + 1.0

    def _scale(self) -> tuple[Callable[[float], float], Callable[[float], float]]:
        left, right, top, bottom = 70, self.width - 20, 30, self.height - 40
        x0, x1 = self.x[0], self.x[-1] if self.x[-1] != self.x[0] else self.x[0] + 1
        lo, hi = self._bounds()

        def sx(v: float) -> float:
            return left + (v - x0) / (x1 - x0) * (right - left)

        def sy(v: float) -> float:
            return bottom - (v - lo) / (hi - lo) * (bottom - top)

        return sx, sy

    def svg(self) -> str:
        sx, sy = self._scale()
        lo, hi = self._bounds()
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {self.width} {self.height}" '
            f'role="img" aria-label="{escape(self.title)}">',
            f"<title>{escape(self.title)}</title>",
            f'<text x="70" y="18" font-size="13" font-family="sans-serif">'
            f"{escape(self.title)}{' (' + escape(self.unit) + ')' if self.unit else ''}</text>",
        ]
        for i in range(5):
            v = lo + (hi - lo) * i / 4
            parts.append(
                f'<line x1="70" x2="{self.width - 20}" y1="{sy(v):.1f}" y2="{sy(v):.1f}" '
                f'stroke="#ddd"/><text x="66" y="{sy(v) + 4:.1f}" font-size="10" '
                f'text-anchor="end" font-family="sans-serif">{_short(v)}</text>'
            )
        step = max(1, len(self.x) // 8)
        for xv in list(self.x)[::step]:
            parts.append(
                f'<text x="{sx(xv):.1f}" y="{self.height - 24}" font-size="10" '
                f'text-anchor="middle" font-family="sans-serif">{xv}</text>'
            )
        if lo < 0 < hi:
            parts.append(
                f'<line x1="70" x2="{self.width - 20}" y1="{sy(0):.1f}" y2="{sy(0):.1f}" '
                'stroke="#555"/>'
            )
        for i, (name, (low, high)) in enumerate(self.bands.items()):
            pts = [f"{sx(x):.1f},{sy(v):.1f}" for x, v in zip(self.x, high, strict=True)]
            pts += [
                f"{sx(x):.1f},{sy(v):.1f}" for x, v in reversed(list(zip(self.x, low, strict=True)))
            ]
            colour = PALETTE[i % len(PALETTE)]
            parts.append(
                f'<polygon points="{" ".join(pts)}" fill="{colour}" fill-opacity="0.2">'
                f"<title>{escape(name)}</title></polygon>"
            )
        for i, (name, values) in enumerate(self.lines.items()):
            pts = " ".join(f"{sx(x):.1f},{sy(v):.1f}" for x, v in zip(self.x, values, strict=True))
            colour = PALETTE[i % len(PALETTE)]
            parts.append(
                f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="2">'
                f"<title>{escape(name)}</title></polyline>"
            )
            parts.append(
                f'<text x="{80 + 150 * i}" y="{self.height - 6}" font-size="11" fill="{colour}" '
                f'font-family="sans-serif">■ {escape(name)}</text>'
            )
        parts.append("</svg>")
        return "\n".join(parts)

    def png(self) -> bytes:
        """The same lines, bands and axes rasterised (no text): an RGB PNG."""
        w, h = self.width, self.height
        pixels = bytearray(b"\xff" * (w * h * 3))
        sx, sy = self._scale()

        def put(x: int, y: int, rgb: tuple[int, int, int]) -> None:
            if 0 <= x < w and 0 <= y < h:
                pixels[(y * w + x) * 3 : (y * w + x) * 3 + 3] = bytes(rgb)

        for i, (low, high) in enumerate(self.bands.values()):
            rgb = _blend(PALETTE[i % len(PALETTE)], 0.2)
            for a in range(len(self.x) - 1):
                for px in range(int(sx(self.x[a])), int(sx(self.x[a + 1])) + 1):
                    y0, y1 = sorted((int(sy(high[a])), int(sy(low[a]))))
                    for py in range(y0, y1 + 1):
                        put(px, py, rgb)
        lo, hi = self._bounds()
        grey = (120, 120, 120)
        x_left, x_right = sx(self.x[0]), sx(self.x[-1])
        _segment(put, x_left, sy(lo), x_left, sy(hi), grey)  # value axis
        _segment(put, x_left, sy(lo), x_right, sy(lo), grey)  # time axis
        if lo < 0 < hi:
            _segment(put, x_left, sy(0), x_right, sy(0), grey)
        for i, values in enumerate(self.lines.values()):
            rgb = _blend(PALETTE[i % len(PALETTE)], 1.0)
            for a in range(len(self.x) - 1):
                _segment(
                    put, sx(self.x[a]), sy(values[a]), sx(self.x[a + 1]), sy(values[a + 1]), rgb
                )
        raw = b"".join(b"\x00" + bytes(pixels[r * w * 3 : (r + 1) * w * 3]) for r in range(h))

        def chunk(kind: bytes, data: bytes) -> bytes:
            body = kind + data
            return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

        header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
        return (
            b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b"")
        )


Put = Callable[[int, int, tuple[int, int, int]], None]


def _segment(
    put: Put, x0: float, y0: float, x1: float, y1: float, rgb: tuple[int, int, int]
) -> None:
    steps = int(max(abs(x1 - x0), abs(y1 - y0))) + 1
    for k in range(steps + 1):
        x = round(x0 + (x1 - x0) * k / steps)
        y = round(y0 + (y1 - y0) * k / steps)
        for dy in (0, 1):
            put(x, y + dy, rgb)


def _blend(colour: str, alpha: float) -> tuple[int, int, int]:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return (
        round(255 + (r - 255) * alpha),
        round(255 + (g - 255) * alpha),
        round(255 + (b - 255) * alpha),
    )


def _short(v: float) -> str:
    for size, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= size:
            return f"{v / size:.1f}{suffix}"
    return f"{v:.2f}" if abs(v) < 10 else f"{v:.0f}"
