#!/usr/bin/env python3
"""Generate the app icons in public/icons/ with the Python standard library only.

A blue (#0b5cad) square with a white speech bubble holding a blue exclamation
mark, drawn from simple geometry and anti-aliased by supersampling.

  icon-192.png, icon-512.png   purpose "any": rounded square, transparent corners
  icon-512-maskable.png        purpose "maskable": full-bleed background, glyph
                               inside the safe zone (circle of radius 40 %)
  apple-touch-icon.png         180 px, full-bleed and opaque (iOS rounds it)
  favicon-32.png               32 px rounded square, for <link rel="icon">

Run:  python3 scripts/make-icons.py   (rewrites the files; output is deterministic)
"""

import math
import os
import struct
import sys
import zlib

BLUE = (0x0B, 0x5C, 0xAD)
WHITE = (0xFF, 0xFF, 0xFF)
SS = 4  # supersampling factor per axis (SS*SS samples per pixel on edges)

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "public", "icons")


# ---------------------------------------------------------------- PNG encoder
def png_bytes(width, height, rows, alpha):
    """rows: list of bytes objects, RGB or RGBA, one per scanline."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    color_type = 6 if alpha else 2
    ihdr = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    bpp = 4 if alpha else 3
    raw = bytearray()
    prev = bytes(width * bpp)
    for row in rows:
        # filter 2 ("up"): the images are mostly flat colour, this compresses well
        raw.append(2)
        raw.extend((row[i] - prev[i]) & 0xFF for i in range(len(row)))
        prev = row
    idat = zlib.compress(bytes(raw), 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


# ---------------------------------------------------------------- geometry
def in_round_rect(x, y, x0, y0, x1, y1, r):
    if x < x0 or x > x1 or y < y0 or y > y1:
        return False
    cx = min(max(x, x0 + r), x1 - r)
    cy = min(max(y, y0 + r), y1 - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def in_triangle(x, y, a, b, c):
    def side(p, q):
        return (q[0] - p[0]) * (y - p[1]) - (q[1] - p[1]) * (x - p[0])

    d1, d2, d3 = side(a, b), side(b, c), side(c, a)
    neg = d1 < 0 or d2 < 0 or d3 < 0
    pos = d1 > 0 or d2 > 0 or d3 > 0
    return not (neg and pos)


def in_capsule(x, y, ax, ay, bx, by, r):
    dx, dy = bx - ax, by - ay
    t = ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)
    t = min(1.0, max(0.0, t))
    px, py = ax + t * dx, ay + t * dy
    return (x - px) ** 2 + (y - py) ** 2 <= r * r


# The glyph, in a unit box (u right, v down).
BUBBLE = (0.06, 0.10, 0.94, 0.72, 0.17)                      # x0, y0, x1, y1, radius
TAIL = ((0.22, 0.62), (0.46, 0.62), (0.16, 0.92))           # bottom-left tail
BAR = (0.5, 0.235, 0.5, 0.445, 0.062)                       # capsule ax, ay, bx, by, r
DOT = (0.5, 0.585, 0.068)                                    # circle cx, cy, r


def glyph_layer(u, v):
    """0 = outside, 1 = white bubble, 2 = blue exclamation mark."""
    cx, cy, r = DOT
    if in_capsule(u, v, *BAR) or (u - cx) ** 2 + (v - cy) ** 2 <= r * r:
        return 2
    if in_round_rect(u, v, *BUBBLE) or in_triangle(u, v, *TAIL):
        return 1
    return 0


def render(size, *, full_bleed, glyph_box, corner=0.1875):
    """glyph_box: (left, top, side) as fractions of the canvas.
    Returns RGBA rows (premultiplied sampling, straight alpha out)."""
    gl, gt, gs = glyph_box

    def sample(x, y):  # x, y in canvas fractions; returns (r, g, b, a)
        if full_bleed:
            bg = True
        else:
            bg = in_round_rect(x, y, 0.0, 0.0, 1.0, 1.0, corner)
        if not bg:
            return (0, 0, 0, 0)
        layer = glyph_layer((x - gl) / gs, (y - gt) / gs)
        return WHITE + (255,) if layer == 1 else BLUE + (255,)

    rows = []
    for py in range(size):
        row = bytearray()
        for px in range(size):
            # quick path: the pixel's centre and corners agree -> no supersampling
            probes = [sample((px + ox) / size, (py + oy) / size)
                      for ox, oy in ((0.5, 0.5), (0.02, 0.02), (0.98, 0.02), (0.02, 0.98), (0.98, 0.98))]
            if all(p == probes[0] for p in probes):
                row.extend(probes[0])
                continue
            acc = [0, 0, 0, 0]
            for sy in range(SS):
                for sx in range(SS):
                    r, g, b, a = sample((px + (sx + 0.5) / SS) / size, (py + (sy + 0.5) / SS) / size)
                    acc[0] += r * a
                    acc[1] += g * a
                    acc[2] += b * a
                    acc[3] += a
            n = SS * SS
            a = acc[3] / n
            if a == 0:
                row.extend((0, 0, 0, 0))
            else:
                row.extend((round(acc[0] / acc[3]), round(acc[1] / acc[3]), round(acc[2] / acc[3]), round(a)))
        rows.append(bytes(row))
    return rows


def check_safe_zone(glyph_box):
    """Every glyph sample of the maskable icon must lie within the central circle of radius 0.4."""
    gl, gt, gs = glyph_box
    n = 400
    for j in range(n):
        for i in range(n):
            u, v = (i + 0.5) / n, (j + 0.5) / n
            if glyph_layer(u, v):
                x, y = gl + u * gs, gt + v * gs
                if math.hypot(x - 0.5, y - 0.5) > 0.4:
                    sys.exit(f"maskable glyph leaves the safe zone at ({x:.3f}, {y:.3f})")


def write(name, size, rows, alpha):
    if not alpha:
        rows = [bytes(b for i, b in enumerate(row) if i % 4 != 3) for row in rows]
    path = os.path.join(OUT_DIR, name)
    with open(path, "wb") as f:
        f.write(png_bytes(size, size, rows, alpha))
    print(f"wrote {os.path.relpath(path)} ({size}x{size}, {os.path.getsize(path)} bytes)")


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    # The glyph spans roughly v 0.10..0.92; shift it up a little so it looks centred.
    any_box = (0.17, 0.15, 0.66)
    maskable_box = (0.23, 0.215, 0.54)
    check_safe_zone(maskable_box)
    for size in (192, 512):
        write(f"icon-{size}.png", size, render(size, full_bleed=False, glyph_box=any_box), alpha=True)
    write("icon-512-maskable.png", 512, render(512, full_bleed=True, glyph_box=maskable_box), alpha=False)
    write("apple-touch-icon.png", 180, render(180, full_bleed=True, glyph_box=any_box), alpha=False)
    write("favicon-32.png", 32, render(32, full_bleed=False, glyph_box=(0.12, 0.1, 0.76)), alpha=True)


if __name__ == "__main__":
    main()
