"""Line drawings of products for the generated sandbox corpus.

A drawing is a list of polylines in a unit coordinate system (x right, y down,
roughly inside [0, 1] x [0, 1]). Each product class has a *template*: a function
``(params, view) -> list[polyline]``. A family of designs shares base params;
its members jitter them slightly, so siblings look alike and other classes do
not. :func:`render` rasterises the polylines with Pillow's ImageDraw.

Everything here is deterministic given the params: no randomness at render time.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence

from PIL import Image, ImageDraw

Point = tuple[float, float]
Polyline = list[Point]  # closed shapes repeat their first point at the end

VIEWS: tuple[str, ...] = ("front", "side", "top", "perspective")

# --- primitives (all return polylines) ---------------------------------------


def line(x0: float, y0: float, x1: float, y1: float) -> Polyline:
    return [(x0, y0), (x1, y1)]


def rect(x0: float, y0: float, x1: float, y1: float) -> Polyline:
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]


def ellipse(cx: float, cy: float, rx: float, ry: float, n: int = 48) -> Polyline:
    pts = [(cx + rx * math.cos(2 * math.pi * k / n), cy + ry * math.sin(2 * math.pi * k / n)) for k in range(n)]
    return pts + [pts[0]]


def arc(cx: float, cy: float, rx: float, ry: float, a0: float, a1: float, n: int = 24) -> Polyline:
    """Elliptic arc from angle a0 to a1 (degrees, 0 = +x, clockwise on screen)."""
    return [
        (cx + rx * math.cos(math.radians(a0 + (a1 - a0) * k / n)), cy + ry * math.sin(math.radians(a0 + (a1 - a0) * k / n)))
        for k in range(n + 1)
    ]


def rrect(x0: float, y0: float, x1: float, y1: float, r: float, n: int = 6) -> Polyline:
    """Rounded rectangle, corner radius r (clamped to the half side)."""
    r = max(0.0, min(r, (x1 - x0) / 2, (y1 - y0) / 2))
    pts: Polyline = []
    for cx, cy, a0 in ((x1 - r, y0 + r, -90), (x1 - r, y1 - r, 0), (x0 + r, y1 - r, 90), (x0 + r, y0 + r, 180)):
        pts += arc(cx, cy, r, r, a0, a0 + 90, n)
    return pts + [pts[0]]


def poly(*pts: Point, closed: bool = True) -> Polyline:
    p = list(pts)
    return p + [p[0]] if closed else p


def curve(p0: Point, c: Point, p1: Point, n: int = 16) -> Polyline:
    """Quadratic Bezier from p0 to p1 with control point c."""
    out = []
    for k in range(n + 1):
        t = k / n
        out.append(
            (
                (1 - t) ** 2 * p0[0] + 2 * (1 - t) * t * c[0] + t * t * p1[0],
                (1 - t) ** 2 * p0[1] + 2 * (1 - t) * t * c[1] + t * t * p1[1],
            )
        )
    return out


def mirror(lines: list[Polyline], axis: float = 0.5) -> list[Polyline]:
    return [[(2 * axis - x, y) for x, y in pl] for pl in lines]


# --- product templates ---------------------------------------------------------
# Each template reads its params from a dict `p` of floats in [0, 1] (plus a few
# small integers) and returns the polylines of one view.


def _bottle(p: dict, view: str) -> list[Polyline]:
    bw = 0.18 + 0.14 * p["a"]  # body half width
    top = 0.30 + 0.15 * p["b"]  # shoulder start
    nw = 0.05 + 0.04 * p["c"]  # neck half width
    cap = 0.06 + 0.06 * p["d"]
    r = 0.02 + 0.10 * p["e"]
    out: list[Polyline] = []
    if view == "top":
        out.append(ellipse(0.5, 0.5, bw, bw * (0.6 + 0.4 * p["f"])))
        out.append(ellipse(0.5, 0.5, nw, nw))
        out.append(ellipse(0.5, 0.5, nw + 0.02, nw + 0.02))
        return out
    if view == "side":
        bw *= 0.6 + 0.4 * p["f"]
    neck_y = top - 0.10 - 0.08 * p["g"]
    out.append(rrect(0.5 - bw, top, 0.5 + bw, 0.95, r))
    out.append(curve((0.5 - bw, top + r), (0.5 - bw, neck_y + 0.02), (0.5 - nw, neck_y), 12))
    out.append(curve((0.5 + bw, top + r), (0.5 + bw, neck_y + 0.02), (0.5 + nw, neck_y), 12))
    out.append(line(0.5 - nw, neck_y, 0.5 - nw, 0.12))
    out.append(line(0.5 + nw, neck_y, 0.5 + nw, 0.12))
    out.append(rect(0.5 - nw - 0.015, 0.12 - cap, 0.5 + nw + 0.015, 0.12))
    for k in range(int(p["n"]) % 4):  # label band / ribs
        y = top + 0.12 + k * (0.5 - top * 0.4) / 4
        out.append(line(0.5 - bw, y, 0.5 + bw, y))
    return out


def _chair(p: dict, view: str) -> list[Polyline]:
    sw = 0.25 + 0.12 * p["a"]
    seat_y = 0.52 + 0.08 * p["b"]
    back_h = 0.30 + 0.15 * p["c"]
    leg = 0.93
    out: list[Polyline] = []
    if view == "top":
        out.append(rrect(0.5 - sw, 0.3, 0.5 + sw, 0.3 + 2 * sw * 0.9, 0.05 * p["e"]))
        out.append(rect(0.5 - sw, 0.25, 0.5 + sw, 0.3))
        return out
    if view == "side":
        depth = 0.22 + 0.1 * p["a"]
        lean = 0.05 + 0.1 * p["d"]
        out.append(rect(0.5 - depth, seat_y, 0.5 + depth, seat_y + 0.04))
        out.append(poly((0.5 + depth, seat_y), (0.5 + depth + lean, seat_y - back_h), (0.5 + depth + lean - 0.04, seat_y - back_h), (0.5 + depth - 0.04, seat_y), closed=False))
        out.append(line(0.5 - depth + 0.02, seat_y + 0.04, 0.5 - depth - 0.04 * p["f"], leg))
        out.append(line(0.5 + depth - 0.02, seat_y + 0.04, 0.5 + depth + 0.04 * p["f"], leg))
        return out
    out.append(rect(0.5 - sw, seat_y, 0.5 + sw, seat_y + 0.05))
    out.append(rrect(0.5 - sw, seat_y - back_h, 0.5 + sw, seat_y - 0.02, 0.08 * p["e"]))
    for k in range(int(p["n"]) % 5):  # slats
        x = 0.5 - sw + (k + 1) * 2 * sw / (int(p["n"]) % 5 + 1)
        out.append(line(x, seat_y - back_h + 0.03, x, seat_y - 0.05))
    spread = 0.04 * p["f"]
    out.append(line(0.5 - sw + 0.03, seat_y + 0.05, 0.5 - sw + 0.03 - spread, leg))
    out.append(line(0.5 + sw - 0.03, seat_y + 0.05, 0.5 + sw - 0.03 + spread, leg))
    if p["g"] > 0.5:  # armrests
        out.append(poly((0.5 - sw, seat_y - 0.12), (0.5 - sw - 0.06, seat_y - 0.12), (0.5 - sw - 0.06, seat_y), closed=False))
        out.append(poly((0.5 + sw, seat_y - 0.12), (0.5 + sw + 0.06, seat_y - 0.12), (0.5 + sw + 0.06, seat_y), closed=False))
    return out


def _lamp(p: dict, view: str) -> list[Polyline]:
    base_w = 0.12 + 0.1 * p["a"]
    shade_w = 0.16 + 0.14 * p["b"]
    shade_h = 0.12 + 0.12 * p["c"]
    ang = (p["d"] - 0.5) * 0.5
    out: list[Polyline] = []
    if view == "top":
        out.append(ellipse(0.5, 0.5, shade_w, shade_w))
        out.append(ellipse(0.5, 0.5, shade_w * 0.4, shade_w * 0.4))
        out.append(ellipse(0.5 + 0.1 * ang, 0.5, base_w, base_w))
        return out
    if view == "side":
        ang = -ang * 0.5
    out.append(ellipse(0.5, 0.92, base_w, 0.03))
    jx, jy = 0.5 + ang * 0.4, 0.5 - 0.1 * p["e"]
    out.append(line(0.49, 0.9, jx - 0.01, jy))
    out.append(line(0.51, 0.9, jx + 0.01, jy))
    out.append(ellipse(jx, jy, 0.015, 0.015, 16))
    tx, ty = jx - ang * 0.3, 0.18 + shade_h
    out.append(line(jx, jy, tx, ty))
    top_w = shade_w * (0.3 + 0.5 * p["f"])
    if p["g"] > 0.5:  # dome shade
        out.append(arc(tx, ty, shade_w, shade_h, 180, 360))
        out.append(line(tx - shade_w, ty, tx + shade_w, ty))
    else:  # conical shade
        out.append(poly((tx - top_w, ty - shade_h), (tx + top_w, ty - shade_h), (tx + shade_w, ty), (tx - shade_w, ty)))
    return out


def _watch(p: dict, view: str) -> list[Polyline]:
    r = 0.20 + 0.08 * p["a"]
    sq = p["b"] > 0.6
    sw = r * (0.55 + 0.2 * p["c"])
    out: list[Polyline] = []
    if view == "side":
        t = 0.05 + 0.04 * p["d"]
        out.append(rrect(0.5 - r, 0.5 - t, 0.5 + r, 0.5 + t, t * 0.5))
        out.append(curve((0.5 - r, 0.5), (0.5 - r - 0.12, 0.55), (0.5 - r - 0.15, 0.9)))
        out.append(curve((0.5 + r, 0.5), (0.5 + r + 0.12, 0.55), (0.5 + r + 0.15, 0.9)))
        out.append(rect(0.5 + r, 0.48, 0.5 + r + 0.03, 0.52))
        return out
    out.append(rect(0.5 - sw, 0.02, 0.5 + sw, 0.5 - r * 0.8))
    out.append(rect(0.5 - sw, 0.5 + r * 0.8, 0.5 + sw, 0.98))
    for k in range(int(p["n"]) % 4 + 2):
        out.append(ellipse(0.5, 0.6 + r + 0.06 * (k + 1), 0.012, 0.012, 12))
    if sq:
        out.append(rrect(0.5 - r, 0.5 - r * 1.1, 0.5 + r, 0.5 + r * 1.1, r * 0.3))
        out.append(rrect(0.5 - r * 0.8, 0.5 - r * 0.9, 0.5 + r * 0.8, 0.5 + r * 0.9, r * 0.2))
    else:
        out.append(ellipse(0.5, 0.5, r, r))
        out.append(ellipse(0.5, 0.5, r * 0.82, r * 0.82))
    if view == "top":
        return out
    ticks = 12 if p["e"] > 0.5 else 4
    for k in range(ticks):
        a = 2 * math.pi * k / ticks
        out.append(line(0.5 + 0.7 * r * math.cos(a), 0.5 + 0.7 * r * math.sin(a), 0.5 + 0.78 * r * math.cos(a), 0.5 + 0.78 * r * math.sin(a)))
    h1 = 2 * math.pi * p["f"]
    h2 = 2 * math.pi * p["g"]
    out.append(line(0.5, 0.5, 0.5 + 0.45 * r * math.cos(h1), 0.5 + 0.45 * r * math.sin(h1)))
    out.append(line(0.5, 0.5, 0.5 + 0.65 * r * math.cos(h2), 0.5 + 0.65 * r * math.sin(h2)))
    out.append(rect(0.5 + r, 0.48, 0.5 + r + 0.04, 0.52))
    return out


def _phone(p: dict, view: str) -> list[Polyline]:
    w = 0.20 + 0.06 * p["a"]
    h = 0.40 + 0.06 * p["b"]
    rad = 0.02 + 0.06 * p["c"]
    out: list[Polyline] = []
    if view in ("side", "top"):
        t = 0.025 + 0.02 * p["d"]
        L = h if view == "side" else w
        out.append(rrect(0.5 - t, 0.5 - L, 0.5 + t, 0.5 + L, t * 0.8))
        for k in range(int(p["n"]) % 3 + 1):
            y = 0.5 - L * 0.5 + k * 0.07
            out.append(rect(0.5 + t, y, 0.5 + t + 0.012, y + 0.05))
        return out
    out.append(rrect(0.5 - w, 0.5 - h, 0.5 + w, 0.5 + h, rad))
    bez = 0.015 + 0.02 * p["e"]
    out.append(rrect(0.5 - w + bez, 0.5 - h + bez * 2, 0.5 + w - bez, 0.5 + h - bez * 2, rad * 0.7))
    cams = int(p["n"]) % 3 + 1
    if p["f"] > 0.5:  # notch
        out.append(rrect(0.5 - 0.06, 0.5 - h + bez * 2, 0.5 + 0.06, 0.5 - h + bez * 2 + 0.03, 0.015))
    else:  # camera row
        for k in range(cams):
            out.append(ellipse(0.5 - 0.03 * (cams - 1) + 0.06 * k, 0.5 - h + bez, 0.008, 0.008, 10))
    if p["g"] > 0.5:
        out.append(ellipse(0.5, 0.5 + h - bez, 0.03, 0.008, 16))
    return out


def _cup(p: dict, view: str) -> list[Polyline]:
    tw = 0.22 + 0.08 * p["a"]
    bw = tw * (0.65 + 0.35 * p["b"])
    y0 = 0.25 + 0.1 * p["c"]
    out: list[Polyline] = []
    if view == "top":
        out.append(ellipse(0.45, 0.5, tw, tw))
        out.append(ellipse(0.45, 0.5, tw - 0.025, tw - 0.025))
        out.append(rect(0.45 + tw, 0.47, 0.45 + tw + 0.15, 0.53))
        return out
    hx = 0.45 if view == "front" or view == "perspective" else 0.5
    out.append(poly((hx - tw, y0), (hx + tw, y0), (hx + bw, 0.85), (hx - bw, 0.85)))
    out.append(ellipse(hx, y0, tw, 0.03))
    if view != "side":
        hs = 0.10 + 0.08 * p["d"]
        if p["e"] > 0.5:
            out.append(arc(hx + tw * 0.95, 0.5, hs, 0.15 + 0.05 * p["f"], -80, 80))
            out.append(arc(hx + tw * 0.95, 0.5, hs * 0.6, 0.1 + 0.03 * p["f"], -80, 80))
        else:
            out.append(poly((hx + tw * 0.97, y0 + 0.1), (hx + tw + hs, y0 + 0.12), (hx + tw + hs, 0.68), (hx + bw * 1.05, 0.72), closed=False))
    for k in range(int(p["n"]) % 3):
        y = y0 + 0.15 + 0.1 * k
        out.append(line(hx - tw + 0.02, y, hx + tw - 0.02, y))
    return out


def _shoe(p: dict, view: str) -> list[Polyline]:
    L = 0.40 + 0.06 * p["a"]
    H = 0.22 + 0.12 * p["b"]
    sole = 0.04 + 0.05 * p["c"]
    out: list[Polyline] = []
    if view == "top":
        out.append(poly(*[(0.5 + L * math.cos(t) * (1.0 if math.cos(t) > 0 else 0.9), 0.5 + 0.16 * math.sin(t) * (1 - 0.3 * math.cos(t))) for t in [2 * math.pi * k / 40 for k in range(40)]]))
        for k in range(4):
            out.append(line(0.45 - 0.05 * k, 0.45, 0.45 - 0.05 * k, 0.55))
        return out
    if view == "side":  # toe-on view (the profile is the representative view)
        out.append(rrect(0.35, 0.92 - sole, 0.65, 0.92, 0.02))
        out.append(curve((0.36, 0.92 - sole), (0.5, 0.92 - H * 2.2), (0.64, 0.92 - sole)))
        out.append(line(0.45, 0.92 - H * 1.4, 0.55, 0.92 - H * 1.4))
        return out
    x0, x1, yb = 0.5 - L, 0.5 + L, 0.8
    out.append(rrect(x0, yb, x1, yb + sole, sole * 0.5))
    heel_top = yb - H
    out.append(poly((x0 + 0.02, yb), (x0, heel_top + 0.05), (x0 + 0.04, heel_top), (x0 + 0.25 + 0.1 * p["d"], heel_top + 0.03 + 0.04 * p["e"]), closed=False))
    out.append(curve((x0 + 0.25 + 0.1 * p["d"], heel_top + 0.03 + 0.04 * p["e"]), (x1 - 0.05, yb - H * 0.45), (x1, yb)))
    for k in range(int(p["n"]) % 4 + 2):  # laces
        x = x0 + 0.28 + 0.1 * p["d"] + 0.05 * k
        out.append(line(x, heel_top + 0.05 + 0.03 * k, x + 0.04, heel_top + 0.09 + 0.03 * k))
    if p["f"] > 0.4:  # swoosh-like side stripe
        out.append(curve((x0 + 0.08, yb - 0.04), (0.5, yb - H * (0.3 + 0.5 * p["g"])), (x1 - 0.12, yb - 0.12)))
    return out


def _car(p: dict, view: str) -> list[Polyline]:
    L = 0.44
    h = 0.14 + 0.06 * p["a"]
    roof = 0.10 + 0.08 * p["b"]
    wr = 0.07 + 0.02 * p["c"]
    out: list[Polyline] = []
    if view == "front":
        w = 0.30 + 0.05 * p["a"]
        out.append(poly((0.5 - w, 0.75), (0.5 - w, 0.55), (0.5 - w * 0.75, 0.55 - roof * 1.5), (0.5 + w * 0.75, 0.55 - roof * 1.5), (0.5 + w, 0.55), (0.5 + w, 0.75)))
        out.append(rect(0.5 - w * 0.4, 0.62, 0.5 + w * 0.4, 0.7 + 0.03 * p["d"]))
        out.append(ellipse(0.5 - w * 0.75, 0.6, 0.04 + 0.02 * p["e"], 0.025))
        out.append(ellipse(0.5 + w * 0.75, 0.6, 0.04 + 0.02 * p["e"], 0.025))
        out.append(poly((0.5 - w * 0.85, 0.54), (0.5 - w * 0.65, 0.56 - roof * 1.3), (0.5 + w * 0.65, 0.56 - roof * 1.3), (0.5 + w * 0.85, 0.54)))
        out.append(rect(0.5 - w, 0.75, 0.5 - w + 0.08, 0.82))
        out.append(rect(0.5 + w - 0.08, 0.75, 0.5 + w, 0.82))
        return out
    if view == "top":
        out.append(rrect(0.5 - L, 0.3, 0.5 + L, 0.7, 0.08))
        out.append(rrect(0.5 - L * 0.35, 0.35, 0.5 + L * 0.3, 0.65, 0.05))
        out.append(line(0.5 - L * 0.35, 0.35, 0.5 - L * 0.55, 0.32))
        out.append(line(0.5 + L * 0.3, 0.35, 0.5 + L * 0.5, 0.32))
        return out
    yb = 0.72
    hood = 0.5 + L - 0.12 - 0.08 * p["d"]
    tail = 0.5 - L + 0.06 + 0.08 * p["e"]
    out.append(
        poly(
            (0.5 - L, yb), (0.5 - L, yb - h), (tail, yb - h - 0.02), (tail + 0.08, yb - h - roof),
            (hood - 0.12, yb - h - roof), (hood, yb - h), (0.5 + L, yb - h + 0.03), (0.5 + L, yb),
        )
    )
    mid = (tail + hood) / 2
    out.append(poly((tail + 0.1, yb - h - 0.01), (tail + 0.11, yb - h - roof + 0.02), (mid - 0.01, yb - h - roof + 0.02), (mid - 0.01, yb - h - 0.01)))
    out.append(poly((mid + 0.01, yb - h - 0.01), (mid + 0.01, yb - h - roof + 0.02), (hood - 0.13, yb - h - roof + 0.02), (hood - 0.03, yb - h - 0.01)))
    for cx in (0.5 - L + 0.16, 0.5 + L - 0.16):
        out.append(ellipse(cx, yb, wr, wr))
        out.append(ellipse(cx, yb, wr * 0.55, wr * 0.55))
    out.append(line(mid, yb - h - 0.01, mid, yb - 0.03))
    if p["f"] > 0.5:
        out.append(line(0.5 - L + 0.05, yb - h * 0.45, 0.5 + L - 0.05, yb - h * 0.5))
    return out


def _toothbrush(p: dict, view: str) -> list[Polyline]:
    w = 0.04 + 0.03 * p["a"]
    head = 0.14 + 0.06 * p["b"]
    out: list[Polyline] = []
    neck_w = w * (0.4 + 0.3 * p["c"])
    bend = (p["d"] - 0.5) * 0.1
    out.append(rrect(0.5 - w, 0.45, 0.5 + w, 0.97, w))
    out.append(poly((0.5 - w, 0.45), (0.5 - neck_w + bend, 0.25), (0.5 + neck_w + bend, 0.25), (0.5 + w, 0.45), closed=False))
    hw = w * 0.9 if view != "side" else w * 0.5
    out.append(rrect(0.5 - hw + bend, 0.25 - head, 0.5 + hw + bend, 0.25, hw * 0.8))
    if view == "side":
        out.append(rect(0.5 + hw + bend, 0.25 - head + 0.01, 0.5 + hw + bend + 0.06, 0.24))
    elif view != "top":
        rows = int(p["n"]) % 3 + 4
        for k in range(rows):
            y = 0.25 - head + 0.015 + k * (head - 0.03) / (rows - 1)
            out.append(ellipse(0.5 - hw * 0.45 + bend, y, 0.01, 0.01, 8))
            out.append(ellipse(0.5 + hw * 0.45 + bend, y, 0.01, 0.01, 8))
    if p["e"] > 0.5:
        out.append(rrect(0.5 - w * 0.6, 0.55, 0.5 + w * 0.6, 0.55 + 0.2 * p["f"] + 0.1, w * 0.5))
    return out


def _glasses(p: dict, view: str) -> list[Polyline]:
    lw = 0.14 + 0.04 * p["a"]
    lh = lw * (0.55 + 0.35 * p["b"])
    gap = 0.04 + 0.04 * p["c"]
    out: list[Polyline] = []
    if view == "side":
        out.append(line(0.12, 0.45, 0.8, 0.45 + 0.02 * p["d"]))
        out.append(curve((0.8, 0.45), (0.9, 0.46), (0.88, 0.6)))
        out.append(ellipse(0.12, 0.48, 0.02, lh, 16))
        return out
    if view == "top":
        out.append(curve((0.5 - 2 * lw - gap, 0.4), (0.5, 0.3), (0.5 + 2 * lw + gap, 0.4)))
        out.append(line(0.5 - 2 * lw - gap, 0.4, 0.5 - 2 * lw - gap - 0.02, 0.85))
        out.append(line(0.5 + 2 * lw + gap, 0.4, 0.5 + 2 * lw + gap + 0.02, 0.85))
        return out
    shape = int(p["n"]) % 3
    for cx in (0.5 - gap - lw, 0.5 + gap + lw):
        if shape == 0:
            out.append(ellipse(cx, 0.5, lw, lh))
        elif shape == 1:
            out.append(rrect(cx - lw, 0.5 - lh, cx + lw, 0.5 + lh, lh * 0.4))
        else:
            out.append(poly((cx - lw, 0.5 - lh), (cx + lw, 0.5 - lh), (cx + lw * 0.8, 0.5 + lh), (cx - lw * 0.8, 0.5 + lh)))
        if p["e"] > 0.5:
            out.append(line(cx - lw, 0.5 - lh - 0.02, cx + lw, 0.5 - lh - 0.02))
    out.append(arc(0.5, 0.5 - lh * 0.3, gap, gap * 0.8, 180, 360))
    out.append(line(0.5 - gap - 2 * lw, 0.5 - lh * 0.5, 0.5 - gap - 2 * lw - 0.03, 0.5 - lh * 0.6))
    out.append(line(0.5 + gap + 2 * lw, 0.5 - lh * 0.5, 0.5 + gap + 2 * lw + 0.03, 0.5 - lh * 0.6))
    return out


def _bag(p: dict, view: str) -> list[Polyline]:
    tw = 0.25 + 0.1 * p["a"]
    bw = tw * (1.0 + 0.3 * p["b"])
    y0 = 0.40 + 0.1 * p["c"]
    out: list[Polyline] = []
    if view == "side":
        d = 0.10 + 0.06 * p["d"]
        out.append(poly((0.5 - d * 0.7, y0), (0.5 + d * 0.7, y0), (0.5 + d, 0.92), (0.5 - d, 0.92)))
        out.append(arc(0.5, y0, 0.02, 0.2 + 0.1 * p["e"], 180, 360))
        return out
    if view == "top":
        out.append(rrect(0.5 - bw, 0.4, 0.5 + bw, 0.6, 0.05))
        out.append(line(0.5 - tw * 0.4, 0.5, 0.5 + tw * 0.4, 0.5))
        return out
    out.append(poly((0.5 - tw, y0), (0.5 + tw, y0), (0.5 + bw, 0.92), (0.5 - bw, 0.92)))
    hh = 0.15 + 0.15 * p["e"]
    hw = tw * (0.3 + 0.4 * p["f"])
    out.append(arc(0.5, y0, hw, hh, 180, 360))
    out.append(arc(0.5, y0, hw * 0.85, hh * 0.8, 180, 360))
    if p["g"] > 0.4:  # flap
        out.append(poly((0.5 - tw, y0), (0.5 - tw * 0.9, y0 + 0.2), (0.5, y0 + 0.26), (0.5 + tw * 0.9, y0 + 0.2), (0.5 + tw, y0), closed=False))
        out.append(rect(0.48, y0 + 0.22, 0.52, y0 + 0.3))
    for k in range(int(p["n"]) % 3):
        y = 0.92 - 0.08 * (k + 1)
        out.append(line(0.5 - bw + 0.03, y, 0.5 + bw - 0.03, y))
    return out


def _bicycle(p: dict, view: str) -> list[Polyline]:
    r = 0.16 + 0.04 * p["a"]
    wb = 0.30 + 0.06 * p["b"]
    out: list[Polyline] = []
    if view == "top":  # from above: tyres as thin bars, handlebar across
        out.append(rrect(0.5 - wb - r, 0.48, 0.5 - wb + r, 0.52, 0.02))
        out.append(rrect(0.5 + wb - r, 0.48, 0.5 + wb + r, 0.52, 0.02))
        out.append(line(0.5 - wb, 0.5, 0.5 + wb - 0.06, 0.5))
        hb = 0.15 + 0.1 * p["c"]
        out.append(line(0.5 + wb - 0.06, 0.5 - hb, 0.5 + wb - 0.06, 0.5 + hb))
        out.append(rrect(0.5 - 0.12, 0.47, 0.5 - 0.02, 0.53, 0.02))
        return out
    if view == "side":  # head-on view (the profile is the representative view)
        out.append(ellipse(0.5, 0.7, 0.02, r, 16))
        out.append(line(0.5, 0.7 - r, 0.5, 0.3))
        hb = 0.15 + 0.1 * p["c"]
        out.append(curve((0.5 - hb, 0.28 + 0.05 * p["d"]), (0.5, 0.25), (0.5 + hb, 0.28 + 0.05 * p["d"])))
        out.append(rect(0.46, 0.4, 0.54, 0.43))
        return out
    rx, fx, yb = 0.5 - wb, 0.5 + wb, 0.7
    for cx in (rx, fx):
        out.append(ellipse(cx, yb, r, r))
        out.append(ellipse(cx, yb, 0.015, 0.015, 10))
        if p["e"] > 0.5:
            for k in range(6):
                a = math.pi * k / 6
                out.append(line(cx - r * math.cos(a), yb - r * math.sin(a), cx + r * math.cos(a), yb + r * math.sin(a)))
    bb = (0.5 - 0.02, yb + 0.02)
    seat = (0.5 - 0.08 - 0.05 * p["c"], yb - 0.30)
    head = (fx - 0.06 - 0.04 * p["d"], yb - 0.28)
    out.append(poly((rx, yb), bb, seat, closed=True))
    out.append(poly(seat, head, bb, closed=False))
    out.append(line(head[0], head[1], fx, yb))
    out.append(line(head[0], head[1], head[0] - 0.02, head[1] - 0.08))
    out.append(line(head[0] - 0.02, head[1] - 0.08, head[0] + 0.06, head[1] - 0.09))
    out.append(rrect(seat[0] - 0.05, seat[1] - 0.04, seat[0] + 0.05, seat[1] - 0.015, 0.01))
    if p["f"] > 0.6:  # basket
        out.append(rect(fx - 0.02, yb - 0.42, fx + 0.12, yb - 0.3))
    return out


def _fan(p: dict, view: str) -> list[Polyline]:
    R = 0.20 + 0.06 * p["a"]
    cy = 0.30
    out: list[Polyline] = []
    out.append(ellipse(0.5, 0.93, 0.15 + 0.06 * p["b"], 0.03))
    if view == "side":
        out.append(line(0.5, 0.92, 0.5, cy + 0.05))
        out.append(ellipse(0.5, cy, 0.05, R, 24))
        out.append(rrect(0.52, cy - 0.06, 0.62 + 0.05 * p["c"], cy + 0.06, 0.03))
        return out
    out.append(line(0.49, 0.92, 0.49, cy + R))
    out.append(line(0.51, 0.92, 0.51, cy + R))
    out.append(ellipse(0.5, cy, R, R))
    if view == "top":
        return out
    out.append(ellipse(0.5, cy, R * 0.2, R * 0.2))
    blades = int(p["n"]) % 3 + 3
    for k in range(blades):
        a = 2 * math.pi * k / blades + p["d"]
        out.append(curve((0.5 + 0.2 * R * math.cos(a), cy + 0.2 * R * math.sin(a)), (0.5 + 0.8 * R * math.cos(a + 0.5), cy + 0.8 * R * math.sin(a + 0.5)), (0.5 + 0.85 * R * math.cos(a), cy + 0.85 * R * math.sin(a))))
    if p["e"] > 0.5:  # guard rings
        out.append(ellipse(0.5, cy, R * 0.6, R * 0.6))
    return out


def _laptop(p: dict, view: str) -> list[Polyline]:
    w = 0.36 + 0.06 * p["a"]
    sh = 0.28 + 0.06 * p["b"]
    out: list[Polyline] = []
    if view == "side":
        ang = 0.2 + 0.2 * p["c"]
        out.append(rect(0.25, 0.72, 0.75, 0.75))
        out.append(line(0.25, 0.72, 0.25 - ang * 0.5, 0.72 - sh * 1.6))
        out.append(line(0.27, 0.72, 0.27 - ang * 0.5, 0.72 - sh * 1.6))
        return out
    if view == "top":
        out.append(rrect(0.5 - w, 0.3, 0.5 + w, 0.7, 0.02))
        out.append(ellipse(0.5, 0.5, 0.04, 0.04))
        return out
    yh = 0.58
    out.append(rrect(0.5 - w, yh - sh, 0.5 + w, yh, 0.015))
    b = 0.02 + 0.02 * p["d"]
    out.append(rect(0.5 - w + b, yh - sh + b, 0.5 + w - b, yh - b))
    out.append(poly((0.5 - w, yh), (0.5 + w, yh), (0.5 + w + 0.06, 0.85), (0.5 - w - 0.06, 0.85)))
    rows = int(p["n"]) % 2 + 4
    for k in range(rows + 1):
        t = k / rows
        y = yh + 0.03 + t * 0.14
        dx = 0.06 * (y - yh) / 0.27
        out.append(line(0.5 - w * 0.85 - dx, y, 0.5 + w * 0.85 + dx, y))
    cols = 10 + int(p["e"] * 4)
    for k in range(cols + 1):
        x = 0.5 - w * 0.85 + k * 1.7 * w / cols
        out.append(line(x, yh + 0.03, x + (x - 0.5) * 0.08, yh + 0.17))
    out.append(rect(0.5 - 0.08 - 0.04 * p["f"], 0.78, 0.5 + 0.08 + 0.04 * p["f"], 0.83))
    return out


def _wheel(p: dict, view: str) -> list[Polyline]:
    R = 0.44
    out: list[Polyline] = []
    if view in ("side", "top"):
        wd = 0.12 + 0.08 * p["a"]
        out.append(rrect(0.5 - wd, 0.5 - R, 0.5 + wd, 0.5 + R, 0.03))
        out.append(line(0.5 - wd * 0.6, 0.5 - R, 0.5 - wd * 0.6, 0.5 + R))
        out.append(line(0.5 + wd * 0.6, 0.5 - R, 0.5 + wd * 0.6, 0.5 + R))
        if view == "top":  # tread pattern seen from above
            for k in range(9):
                y = 0.5 - R + (k + 1) * 2 * R / 10
                out.append(line(0.5 - wd * 0.6, y, 0.5 + wd * 0.6, y + 0.03))
        return out
    out.append(ellipse(0.5, 0.5, R, R, 72))
    out.append(ellipse(0.5, 0.5, R * 0.9, R * 0.9, 72))
    hub = 0.08 + 0.04 * p["b"]
    out.append(ellipse(0.5, 0.5, hub, hub))
    n = int(p["n"]) % 6 + 5
    twist = (p["c"] - 0.5) * 0.6
    split = p["d"] > 0.5
    for k in range(n):
        a = 2 * math.pi * k / n
        offs = (-0.06, 0.06) if split else (0.0,)
        for o in offs:
            out.append(curve((0.5 + hub * math.cos(a + o), 0.5 + hub * math.sin(a + o)), (0.5 + 0.6 * R * math.cos(a + twist * 0.5 + o), 0.5 + 0.6 * R * math.sin(a + twist * 0.5 + o)), (0.5 + 0.9 * R * math.cos(a + twist + o * 0.5), 0.5 + 0.9 * R * math.sin(a + twist + o * 0.5)), 10))
    for k in range(int(p["e"] * 6)):
        a = 2 * math.pi * k / 6
        out.append(ellipse(0.5 + hub * 0.6 * math.cos(a), 0.5 + hub * 0.6 * math.sin(a), 0.008, 0.008, 8))
    return out


def _kettle(p: dict, view: str) -> list[Polyline]:
    bw = 0.22 + 0.06 * p["a"]
    y0 = 0.35 + 0.08 * p["b"]
    out: list[Polyline] = []
    if view == "top":
        out.append(ellipse(0.5, 0.5, bw, bw))
        out.append(ellipse(0.5, 0.5, bw * 0.5, bw * 0.5))
        out.append(line(0.5 - bw, 0.5, 0.5 - bw - 0.15, 0.48))
        return out
    out.append(poly((0.5 - bw * 0.8, y0), (0.5 + bw * 0.8, y0), (0.5 + bw, 0.9), (0.5 - bw, 0.9)))
    out.append(ellipse(0.5, y0, bw * 0.8, 0.03))
    out.append(ellipse(0.5, y0 - 0.03, 0.03, 0.02, 12))
    if view != "side":
        sp = 0.12 + 0.06 * p["c"]
        out.append(poly((0.5 - bw * 0.9, 0.6), (0.5 - bw - sp, y0 - 0.02), (0.5 - bw - sp - 0.02, y0 - 0.05), (0.5 - bw * 0.85, 0.5), closed=False))
    hs = 0.08 + 0.06 * p["d"]
    if p["e"] > 0.5:  # top handle
        out.append(arc(0.5, y0, bw * 0.6, hs + 0.08, 180, 360))
    else:  # side handle
        out.append(poly((0.5 + bw * 0.8, y0 + 0.03), (0.5 + bw + hs, y0 + 0.05), (0.5 + bw + hs, 0.75), (0.5 + bw * 0.95, 0.8), closed=False))
    return out


# (template, Locarno code, names by language, number of small-integer variants)
TEMPLATES: dict[str, tuple[Callable[[dict, str], list[Polyline]], str]] = {
    "bottle": (_bottle, "09-01"),
    "chair": (_chair, "06-01"),
    "lamp": (_lamp, "26-05"),
    "watch": (_watch, "10-02"),
    "phone": (_phone, "14-03"),
    "cup": (_cup, "07-01"),
    "shoe": (_shoe, "02-04"),
    "car": (_car, "12-08"),
    "toothbrush": (_toothbrush, "04-02"),
    "glasses": (_glasses, "16-06"),
    "bag": (_bag, "03-01"),
    "bicycle": (_bicycle, "12-11"),
    "fan": (_fan, "23-04"),
    "laptop": (_laptop, "14-02"),
    "wheel": (_wheel, "12-16"),
    "kettle": (_kettle, "07-02"),
}
PARAM_NAMES: tuple[str, ...] = ("a", "b", "c", "d", "e", "f", "g")


def family_params(rng: random.Random) -> dict:
    """Base params of a new family."""
    p = {k: rng.random() for k in PARAM_NAMES}
    p["n"] = float(rng.randrange(12))
    return p


_THRESHOLDS = (0.4, 0.5, 0.6)  # templates switch parts on/off at these values


def member_params(base: dict, rng: random.Random, spread: float = 0.15) -> dict:
    """A near variant of a family's base params: every continuous param moves by
    0.04..`spread` (so no two members are the same drawing), never across a
    threshold (so siblings keep the same parts)."""
    p = dict(base)
    for k in PARAM_NAMES:
        b = base[k]
        lo = max([0.0] + [t + 0.005 for t in _THRESHOLDS if t < b])  # stay on this side of each threshold
        hi = min([1.0] + [t - 0.005 for t in _THRESHOLDS if t >= b])
        step = rng.uniform(0.04, spread)
        up, down = min(hi, b + step), max(lo, b - step)
        if min(up - b, b - down) < 0.02:  # one side (nearly) blocked: go the other way
            p[k] = up if up - b >= b - down else down
        else:
            p[k] = up if rng.random() < 0.5 else down
    return p


def polylines(kind: str, params: dict, view: str) -> list[Polyline]:
    """The polylines of one view of one product (perspective = sheared front + depth)."""
    template = TEMPLATES[kind][0]
    if view != "perspective":
        return template(params, view)
    front = template(params, "front")
    shear, depth = 0.25, 0.06 + 0.04 * params["g"]
    tf = [[(x + shear * (0.5 - y) * 0.6, y * 0.9 + 0.05) for x, y in pl] for pl in front]
    outline = tf[0]
    back = [(x + depth, y - depth) for x, y in outline]
    xs = [pt[0] for pt in outline]
    ys = [pt[1] for pt in outline]
    extremes = {xs.index(min(xs)), xs.index(max(xs)), ys.index(min(ys)), ys.index(max(ys))}
    links = [[outline[i], back[i]] for i in sorted(extremes)]
    return tf + [back] + links


def render(lines: Sequence[Polyline], size: int = 512, width: int = 3, margin: float = 0.06) -> Image.Image:
    """Rasterise polylines on a white canvas whose long side is `size` px (mode "L")."""
    xs = [x for pl in lines for x, _ in pl]
    ys = [y for pl in lines for _, y in pl]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    span = max(x1 - x0, y1 - y0, 1e-6)
    scale = size * (1 - 2 * margin) / span
    w = max(64, round((x1 - x0) * scale + 2 * margin * size))
    h = max(64, round((y1 - y0) * scale + 2 * margin * size))
    ox = (w - (x1 - x0) * scale) / 2 - x0 * scale
    oy = (h - (y1 - y0) * scale) / 2 - y0 * scale
    img = Image.new("L", (w, h), 255)
    d = ImageDraw.Draw(img)
    for pl in lines:
        pts = [(ox + x * scale, oy + y * scale) for x, y in pl]
        d.line(pts, fill=0, width=width, joint="curve" if width > 2 else None)
    return img
