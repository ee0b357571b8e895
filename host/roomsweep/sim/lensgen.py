"""The lens finder's part of a generated scenario: lighting, hand speed, hidden
camera lenses and shiny clutter ([lighting], [hand], [[lenses]], [[clutter]];
docs/scenarios.md).

Drawn from its own random stream, numpy Generator seeded with [seed, index,
LENS_STREAM], so the RF part of a generated file is the same with or without it.
Lenses are put where the sweep's beam crosses them (most within 3 m and 20 deg
of the lens axis, the recall target's condition; some farther or more oblique),
on the wall or furniture the beam meets, aimed back into the room. Clutter hangs
on the walls (mirror, window, TV, picture glass) or stands on furniture
(chrome tap, glass of water). [judgement] marks plain choices.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from roomsweep.sim import optics

LENS_STREAM = 0x1E45
LENS_COUNT_WEIGHTS = (0.15, 0.55, 0.30)  # P(0, 1, 2 lenses) [judgement]
APERTURE_MM = (1.0, 8.0)  # the range, drawn log-uniform
LENS_RANGE_M = (0.6, 3.0)
LENS_OFF_AXIS_DEG = 18.0  # most lenses within the target's 20 deg
OUT_OF_REACH_SHARE = 0.2  # [judgement] some lenses the target does not count
CLUTTER_COUNT = (1, 4)
FLAT_CLUTTER = ("mirror", "window", "tv", "picture_glass")
CONVEX_CLUTTER = ("chrome_tap", "water_glass")


def _fmt(p) -> str:
    return "[" + ", ".join(f"{c:.2f}" for c in p) + "]"


def _wall_hit(size, p: np.ndarray, yaw: float) -> tuple[float, np.ndarray]:
    """Range to the wall along a level ray and that wall's inward normal."""
    ux, uy = math.cos(yaw), math.sin(yaw)
    best, normal = math.inf, np.zeros(3)
    for axis, u in ((0, ux), (1, uy)):
        if abs(u) < 1e-9:
            continue
        bound = size[axis] if u > 0 else 0.0
        r = (bound - p[axis]) / u
        if 0 < r < best:
            best = r
            normal = np.zeros(3)
            normal[axis] = -1.0 if u > 0 else 1.0
    return best, normal


def _lens(rng: np.random.Generator, sc: Any, n: int, strict: bool) -> optics.Lens | None:
    stop = sc.sweep[int(rng.integers(len(sc.sweep)))]
    i = sc.sweep.index(stop)
    tau = float(rng.uniform(0.3, max(0.4, stop.dwell_s - 0.3)))
    t = stop.arrive_s + tau
    p = np.asarray(sc.waypoint(stop.waypoint).position_m, dtype=float)
    yaw = float(optics.beam_yaw(sc, np.array([t]))[0])
    wall, _ = _wall_hit(sc.room_size_m, p, yaw)
    lo, hi = LENS_RANGE_M if strict else (2.5, 4.5)
    d = float(rng.uniform(lo, hi))
    d = min(d, wall - 0.03)
    if d < 0.4:
        return None
    el = math.radians(float(rng.uniform(-6.0, 6.0)))
    pos = p + d * np.array(
        [math.cos(yaw) * math.cos(el), math.sin(yaw) * math.cos(el), math.sin(el)]
    )
    size = sc.room_size_m
    if not all(0.02 <= pos[k] <= size[k] - 0.02 for k in range(3)):
        return None
    # aimed back at the device, tilted off by up to LENS_OFF_AXIS_DEG (or more)
    back = (p - pos) / np.linalg.norm(p - pos)
    off = math.radians(float(rng.uniform(0, LENS_OFF_AXIS_DEG if strict else 40.0)))
    ortho = np.cross(back, rng.normal(size=3))
    ortho /= np.linalg.norm(ortho)
    axis = math.cos(off) * back + math.sin(off) * ortho
    aperture = float(np.exp(rng.uniform(*np.log(APERTURE_MM))))
    lid = f"lens-{n + 1}-{stop.waypoint}"[:40]
    where = (float(pos[0]), float(pos[1]), float(pos[2]))
    look = (float(axis[0]), float(axis[1]), float(axis[2]))
    return optics.Lens(
        lid,
        where,
        look,
        round(aperture, 1),
        True,  # type: ignore[arg-type]
        f"camera lens, {round(aperture, 1)} mm, seen from {stop.waypoint}{'' if i >= 0 else ''}",
    )


def _clutter(rng: np.random.Generator, sc: Any, n: int) -> optics.Clutter:
    size = sc.room_size_m
    kinds = FLAT_CLUTTER + CONVEX_CLUTTER
    kind = kinds[int(rng.integers(len(kinds)))]
    spec = optics.CLUTTER_KINDS[kind]
    if spec["shape"] == "flat":
        w, h = spec["size_m"]
        side = int(rng.integers(4))
        axis = 0 if side < 2 else 1  # wall x = 0 / x = W, or y = 0 / y = L
        along = 1 - axis
        span = size[along]
        a = float(rng.uniform(min(w / 2 + 0.05, span / 2), max(span - w / 2 - 0.05, span / 2)))
        z = float(rng.uniform(0.9, 1.6))
        z = min(max(z, h / 2 + 0.02), size[2] - h / 2 - 0.02)
        pos = [0.0, 0.0, z]
        normal = [0.0, 0.0, 0.0]
        at_far = side % 2 == 1
        pos[axis] = size[axis] - 0.01 if at_far else 0.01
        pos[along] = a
        normal[axis] = -1.0 if at_far else 1.0
        cid = f"{kind.replace('_', '-')}-{n + 1}"
        return optics.Clutter(
            cid,
            kind,
            tuple(pos),
            tuple(normal),  # type: ignore[arg-type]
            (w, h),
            0.0,
            spec["reflectance"],
        )
    stop = sc.sweep[int(rng.integers(len(sc.sweep)))]
    p = np.asarray(sc.waypoint(stop.waypoint).position_m, dtype=float)
    ang = float(rng.uniform(0, 2 * math.pi))
    d = float(rng.uniform(0.6, 2.0))
    free = p + d * np.array([math.cos(ang), math.sin(ang), 0.0])
    free[2] = float(rng.uniform(0.75, 1.0))
    free = np.clip(free, 0.05, np.asarray(size) - 0.05)
    return optics.Clutter(
        f"{kind.replace('_', '-')}-{n + 1}",
        kind,
        (float(free[0]), float(free[1]), float(free[2])),
        (0.0, 0.0, 1.0),
        (0.0, 0.0),
        spec["radius_m"],
        spec["reflectance"],
    )


def draw_optics(scenario: Any, seed: int, index: int) -> optics.OpticalScene:
    """The optical scene of generated scenario `index` of `seed`."""
    rng = np.random.default_rng([int(seed), int(index), LENS_STREAM])
    kind = optics.LIGHTING_KINDS[int(rng.integers(len(optics.LIGHTING_KINDS)))]
    mains = 50.0 if rng.random() < 0.5 else 60.0
    lighting = optics.lighting_of(kind, mains)
    lo, hi = optics.SWEEP_DEG_S_RANGE
    hand = optics.Hand(float(5 * round(rng.uniform(lo, hi) / 5)), optics.PAN_HALF_DEG_DEFAULT)
    scene = optics.OpticalScene([], [], lighting, hand)
    sc = dataclasses.replace(scenario, optics=scene)
    want = int(rng.choice(len(LENS_COUNT_WEIGHTS), p=LENS_COUNT_WEIGHTS))
    for n in range(want):
        strict = rng.random() >= OUT_OF_REACH_SHARE
        for _ in range(30):
            lens = _lens(rng, sc, n, strict)
            if lens is not None:
                scene.lenses.append(lens)
                break
    for n in range(int(rng.integers(CLUTTER_COUNT[0], CLUTTER_COUNT[1] + 1))):
        scene.clutter.append(_clutter(rng, sc, n))
    _place_source(rng, scenario, scene)
    return scene


def _place_source(rng: np.random.Generator, sc: Any, scene: optics.OpticalScene) -> None:
    """Where a lamp or a sunlit window is (drawn last, so the rest of the scene
    is the same whatever the lighting): a lamp 0.3 m from a wall at 0.6-1.7 m
    (bedside, desk or floor lamp) [judgement]; the sunlit window is the scene's
    window when it has one, else a 1.2 m one on a wall at 1.2 m."""
    lt = scene.lighting
    if lt.kind not in ("lamp", "sunlit"):
        return
    size = sc.room_size_m
    windows = [c for c in scene.clutter if c.kind == "window"]
    if lt.kind == "sunlit" and windows:
        w = windows[0]
        lt.source_m = tuple(float(v) for v in w.position_m)  # type: ignore[assignment]
        lt.source_radius_m = float(w.size_m[0] / 2)
        return
    inset = 0.3 if lt.kind == "lamp" else 0.0
    wall = int(rng.integers(4))
    along = float(rng.uniform(0.2, 0.8))
    z = float(rng.uniform(0.6, 1.7)) if lt.kind == "lamp" else 1.2
    x = [inset, size[0] - inset, along * size[0], along * size[0]][wall]
    y = [along * size[1], along * size[1], inset, size[1] - inset][wall]
    lt.source_m = (round(x, 2), round(y, 2), round(z, 2))


def optics_toml(scene: optics.OpticalScene) -> str:
    """The scene as the scenario file's sections."""
    lt, hd = scene.lighting, scene.hand
    out = "\n# --- the lens finder's world (sim/optics.py, sim/lensgen.py) " + "-" * 22 + "\n\n"
    out += (
        f'[lighting]\nkind = "{lt.kind}"\nmains_hz = {lt.mains_hz:g}\n'
        f"ambient_ua = {lt.ambient_ua:.4g}\nroom_ua = {lt.room_ua:.4g}\n"
        f"flicker_depth = {lt.flicker_depth:g}\n"
    )
    if lt.source_m is not None:
        out += f"source_m = {_fmt(lt.source_m)}\nsource_radius_m = {lt.source_radius_m:g}\n"
    out += "\n"
    out += f"[hand]\nsweep_deg_s = {hd.sweep_deg_s:g}\npan_deg = {hd.pan_deg:g}\n\n"
    for L in scene.lenses:
        out += (
            f'[[lenses]]\nid = "{L.id}"\nposition_m = {_fmt(L.position_m)}\n'
            f"axis = [{', '.join(f'{v:.4f}' for v in L.axis)}]\n"
            f'aperture_mm = {L.aperture_mm:g}\nnote = "{L.note}"\n\n'
        )
    for c in scene.clutter:
        out += (
            f'[[clutter]]\nid = "{c.id}"\nkind = "{c.kind}"\nposition_m = {_fmt(c.position_m)}\n'
        )
        if optics.CLUTTER_KINDS[c.kind]["shape"] == "flat":
            out += f"normal = {_fmt(c.normal)}\nsize_m = [{c.size_m[0]:g}, {c.size_m[1]:g}]\n"
        else:
            out += f"radius_m = {c.radius_m:g}\n"
        out += "\n"
    return out
