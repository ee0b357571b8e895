"""Random but plausible room scenarios with ground truth, for evaluating the analyzer.

`generate_scenarios(seed, count, out_dir)` writes `count` scenario files in the
format of the bundled ``hotel-room.toml`` (documented in docs/scenarios.md), each
loadable by `load_scenario`. File ``index`` is drawn from a numpy Generator seeded
with ``[seed, index]`` only, so the same seed gives byte-identical files and file
``i`` does not depend on how many files are written.

Each scenario is one room (hotel room, bathroom, office or rental living room, of
varied size) with named waypoints at furniture and fixtures that suit it, a sweep
visiting every waypoint once in walking order, 0-3 hidden transmitters of random
kinds placed within 0.3 m of a waypoint, and 1-4 friendly (ambient) emitters
outside the room: neighbours' access points, phones in the corridor, a DECT base
next door. Friendly emitters are never in the room: the analyzer may only ignore
what is "everywhere at a similar level", so every friendly emitter stays at least
2 m from every point of the sweep path.

Every hidden emitter is detectable in principle (`check_scenario`, which hand-written
scenarios can be run through as well): the sweep passes within 1.5 m of it, closest
at its ground-truth waypoint, and there its received power (while on) is at least
10 dB above the noise floor and above the strongest friendly emitter, both as
received and as the log detector shows it (clipped near 0 dBm), it stands out from the
other hidden emitters there, and the detector shows it stronger there than at any
other waypoint. Placements that fail are redrawn. Received powers come from the
simulator itself (`mean_rx_dbm`), shadowing included, for the scenario's own seed;
another signal seed (``--seed`` of ``roomsweep sim``/``eval``) draws other
shadowing, for which the margins are not guaranteed.

Sources: "ref §n" is docs/sources.md, section n.
Numbers marked [std] come from the named standard and are not in the reference
notes; [judgement] marks plain choices.
"""

from __future__ import annotations

import dataclasses
import math
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from roomsweep.errors import ScenarioError
from roomsweep.sim.scenario import (
    MIN_STOP_SPACING_S,
    Emitter,
    Scenario,
    SweepStop,
    Waypoint,
    load_scenario,
)
from roomsweep.sim.signals import (
    DET_INTERCEPT_DBM,
    DET_SLOPE_V_PER_DB,
    FeedGenerator,
    detector_volts,
)

# --- the fairness conditions (check_scenario) -------------------------------------------

MAX_CLOSEST_M = 1.5  # the sweep passes at least this close to every hidden emitter
MAX_OFFSET_M = 0.3  # a generated hidden emitter is this close to its waypoint
MIN_OFFSET_M = 0.1  # and this far from it (it is in the fixture, not in the hand)
DETECT_MARGIN_DB = 10.0  # over the noise floor and over the friendly emitters
SEPARATION_DB = 3.0  # over any other hidden emitter, at its own waypoint
CONTRAST_DB = 3.0  # detector level at its waypoint over that at any other waypoint
FRIENDLY_MIN_DISTANCE_M = 2.0  # friendly emitters keep this far from the sweep path
CLOSEST_TOLERANCE_M = 0.05  # "closest at its waypoint" up to this much
PATH_STEP_S = 0.05  # sweep path sampling for closest approaches

# --- generator choices ----------------------------------------------------------------

MIN_WAYPOINT_SPACING_M = 0.8  # so a hidden emitter 0.3 m off its waypoint stays nearest
AMBIENT_MAX_DBM = -25.0  # a friendly emitter's peak along the sweep (about what a phone
#                          in the corridor gives the bundled hotel room) [judgement]
AMBIENT_MIN_OVER_NOISE_DB = 3.0  # and it must show above the noise floor somewhere
HIDDEN_COUNT_WEIGHTS = (0.10, 0.35, 0.35, 0.20)  # P(0, 1, 2, 3 hidden) [judgement]
HIDDEN_KINDS = ("gsm", "dect", "wifi_camera", "ble", "bt_classic", "lte", "analog_video",
                "wifi_ap")

ROOM_TYPES = ("hotel-room", "bathroom", "office", "living-room")
ROOM_LABELS = {"hotel-room": "hotel room", "bathroom": "bathroom", "office": "office",
               "living-room": "rental living room"}
# width (x), length (y; the door is in the y = 0 wall), height, metres [judgement]
ROOM_SIZES = {
    "hotel-room": ((3.2, 4.6), (4.5, 6.5), (2.5, 2.8)),
    "bathroom": ((1.6, 2.6), (1.9, 3.2), (2.3, 2.6)),
    "office": ((3.0, 6.0), (3.5, 8.0), (2.6, 3.0)),
    "living-room": ((3.5, 6.0), (4.5, 7.5), (2.4, 2.8)),
}

# Log-distance path loss exponent n and shadowing sigma: the Rappaport table (ref §7,
# chaos.owiki.org "Log-distance path loss model" citing Rappaport 2002).
RAPPAPORT = {
    "retail-914": (2.2, 8.7, "retail store, 914 MHz"),
    "grocery-914": (1.8, 5.2, "grocery store, 914 MHz"),
    "office-hard-1500": (3.0, 7.0, "office, hard partition, 1.5 GHz"),
    "office-soft-900": (2.4, 9.6, "office, soft partition, 900 MHz"),
    "office-soft-1900": (2.6, 14.1, "office, soft partition, 1.9 GHz"),
    "factory-1300": (2.0, 3.0, "factory, 1.3 GHz"),
    "factory-4000": (2.1, 7.0, "factory, 4 GHz (sigma 7.0-9.7)"),
    "factory-4000-hi": (2.1, 9.7, "factory, 4 GHz (sigma 7.0-9.7)"),
}
# Which rows suit which room [judgement]: furnished rooms with partition walls are
# like offices or shops; a small tiled bathroom is mostly line of sight among hard
# reflecting surfaces, like the factory and grocery rows.
ROOM_PROPAGATION = {
    "hotel-room": ("office-soft-900", "office-soft-1900", "office-hard-1500", "retail-914"),
    "bathroom": ("factory-1300", "factory-4000", "factory-4000-hi", "grocery-914",
                 "office-hard-1500"),
    "office": ("office-soft-900", "office-soft-1900", "office-hard-1500"),
    "living-room": ("office-soft-900", "office-hard-1500", "retail-914", "grocery-914"),
}
NOISE_FLOOR_DBM = (-67.0, -62.0)  # around the AD8318's bottom, ~ -60..-65 dBm (ref §1)

WALK_SPEED_M_S = (0.5, 0.9)  # carrying the device from stop to stop [judgement]
MIN_MOVE_S = 1.0  # even a short hand move takes this long
DWELLS_S = (3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0)


# --- received power from the simulator -------------------------------------------------


def mean_rx_dbm(scenario: Scenario, emitter: Emitter, t_s) -> np.ndarray:
    """Mean received power (dBm) of `emitter` alone while it transmits, at the device's
    positions at times `t_s`, exactly as the simulator computes it (path loss, walls,
    the shadowing drawn for the scenario's seed and the emitter's id).

    It asks `FeedGenerator.rf_dbm` about a copy of the emitter turned into a continuous
    carrier (the shadowing depends on the seed and id, not on the kind) in a copy of
    the scenario with no noise floor."""
    carrier = dataclasses.replace(emitter, kind="analog_video", params={})
    alone = dataclasses.replace(scenario, emitters=[carrier], noise_floor_dbm=-300.0)
    t = np.asarray(t_s, dtype=float)
    flat = t.reshape(-1)
    if flat.size == 0:
        return np.empty(t.shape)
    # Pad the times by 0.25 s both ways: signals' envelope lookup covers the 0.1 s
    # blocks from the earliest time asked, and a time on a block boundary can round
    # to just before the block's start (the carrier would read as off there).
    padded = np.concatenate(([flat.min() - 0.25], flat, [flat.max() + 0.25]))
    dbm = FeedGenerator(alone).rf_dbm(padded)[1:-1]
    if np.any(dbm < -250.0):  # pragma: no cover - the signal source changed under us
        raise RuntimeError("mean_rx_dbm: the continuous carrier read as off")
    return dbm.reshape(t.shape)


def detector_dbm(dbm) -> np.ndarray:
    """The power the log detector shows for input `dbm`: the same below ~ -5 dBm,
    clipped softly at about 0 dBm (0.5 V) and -64 dBm (2.1 V)."""
    return DET_INTERCEPT_DBM + detector_volts(dbm) / DET_SLOPE_V_PER_DB


def _power_sum_dbm(*dbm) -> np.ndarray:
    total = sum(10.0 ** (np.asarray(x, dtype=float) / 10.0) for x in dbm)
    return 10.0 * np.log10(total)


def path_times(scenario: Scenario, step_s: float = PATH_STEP_S) -> np.ndarray:
    """Sample times of the sweep path: every `step_s` plus the middle of every dwell."""
    grid = np.arange(0.0, scenario.duration_s + step_s, step_s)
    mids = [s.arrive_s + 0.5 * s.dwell_s for s in scenario.sweep]
    return np.unique(np.concatenate([grid, mids]))


@dataclass(frozen=True)
class HiddenReport:
    """How one hidden emitter meets the fairness conditions (see check_scenario)."""

    id: str
    kind: str
    waypoint: str | None  # its [ground_truth] entry
    nearest_waypoint: str
    waypoint_distance_m: float  # from the emitter to its nearest waypoint
    closest_m: float  # closest approach of the sweep path
    level_dbm: float  # mean received power while on, at the nearest waypoint
    noise_margin_db: float  # over the noise floor: min of received and detector view
    ambient_dbm: float  # strongest friendly emitter there (-inf if none)
    ambient_margin_db: float  # over it (received) and over all of them (detector view)
    separation_db: float  # over the strongest other hidden emitter there (detector view)
    contrast_db: float  # detector level there over its level at any other waypoint


@dataclass(frozen=True)
class _Probe:
    """A scenario's sweep sampled once: path times/positions and the dwell midpoints."""

    times: np.ndarray
    positions: np.ndarray
    stop_times: dict[str, float]  # waypoint -> the middle of its (first) dwell
    noise_dbm: float


def _probe(scenario: Scenario) -> _Probe:
    times = path_times(scenario)
    stop_times: dict[str, float] = {}
    for s in scenario.sweep:
        stop_times.setdefault(s.waypoint, s.arrive_s + 0.5 * s.dwell_s)
    return _Probe(times, scenario.position_at(times), stop_times, scenario.noise_floor_dbm)


def _levels(scenario: Scenario, emitter: Emitter, probe: _Probe) -> dict[str, float]:
    """Mean received power of `emitter` at each visited waypoint."""
    names = list(probe.stop_times)
    dbm = mean_rx_dbm(scenario, emitter, [probe.stop_times[n] for n in names])
    return {n: float(v) for n, v in zip(names, dbm)}


def _hidden_report(scenario: Scenario, e: Emitter, probe: _Probe,
                   levels: dict[str, dict[str, float]]) -> HiddenReport:
    pos = np.asarray(e.position_m)
    nearest = scenario.nearest_waypoint(pos)
    wp_d = float(np.linalg.norm(np.asarray(scenario.waypoint(nearest).position_m) - pos))
    closest = float(np.min(np.linalg.norm(probe.positions - pos, axis=1)))
    noise = probe.noise_dbm
    own = levels[e.id]
    if nearest not in own:  # the sweep never stops there
        nan = float("nan")
        return HiddenReport(e.id, e.kind, scenario.ground_truth.get(e.id), nearest, wp_d,
                            closest, nan, nan, nan, nan, nan, nan)
    level = own[nearest]
    seen = float(detector_dbm(_power_sum_dbm(level, noise)))
    noise_margin = min(level - noise, seen - float(detector_dbm(noise)))
    friendly = [levels[f.id][nearest] for f in scenario.emitters if not f.hidden]
    ambient = max(friendly, default=-math.inf)
    if friendly:
        amb_seen = float(detector_dbm(_power_sum_dbm(noise, *friendly)))
        ambient_margin = min(level - ambient, seen - amb_seen)
    else:
        ambient_margin = math.inf
    others = [levels[h.id][nearest] for h in scenario.emitters if h.hidden and h.id != e.id]
    separation = (seen - float(detector_dbm(_power_sum_dbm(max(others), noise)))
                  if others else math.inf)
    elsewhere = [v for n, v in own.items() if n != nearest]
    contrast = (seen - float(detector_dbm(_power_sum_dbm(max(elsewhere), noise)))
                if elsewhere else math.inf)
    return HiddenReport(e.id, e.kind, scenario.ground_truth.get(e.id), nearest, wp_d, closest,
                        level, noise_margin, ambient, ambient_margin, separation, contrast)


def hidden_reports(scenario: Scenario) -> list[HiddenReport]:
    """The fairness figures of every hidden emitter of `scenario`."""
    probe = _probe(scenario)
    levels = {e.id: _levels(scenario, e, probe) for e in scenario.emitters}
    return [_hidden_report(scenario, e, probe, levels) for e in scenario.emitters if e.hidden]


def check_scenario(scenario: Scenario) -> list[str]:
    """Why `scenario` would not be a fair test of the analyzer ([] if it is).

    Hidden emitters: each has a [ground_truth] entry naming its nearest waypoint, no
    two share one, the sweep passes within MAX_CLOSEST_M and is closest at that
    waypoint, and there the emitter is DETECT_MARGIN_DB over the noise floor and the
    friendly emitters, SEPARATION_DB over the other hidden ones, and CONTRAST_DB
    stronger on the detector than at any other waypoint. Friendly emitters stay
    FRIENDLY_MIN_DISTANCE_M from the sweep path.
    """
    problems = []
    probe = _probe(scenario)
    for f in scenario.emitters:
        if f.hidden:
            continue
        d = float(np.min(np.linalg.norm(probe.positions - np.asarray(f.position_m), axis=1)))
        if d < FRIENDLY_MIN_DISTANCE_M:
            problems.append(f"friendly emitter {f.id!r} comes within {d:.2f} m of the sweep "
                            f"(keep it {FRIENDLY_MIN_DISTANCE_M:g} m away or mark it hidden)")
    taken: dict[str, str] = {}
    for r in hidden_reports(scenario):
        where = f"hidden emitter {r.id!r} ({r.kind})"
        if r.waypoint is None:
            problems.append(f"{where} has no [ground_truth] entry")
        elif r.waypoint != r.nearest_waypoint:
            problems.append(f"{where}: ground truth says {r.waypoint!r} but the nearest "
                            f"waypoint is {r.nearest_waypoint!r}")
        if r.nearest_waypoint in taken:
            problems.append(f"{where} shares waypoint {r.nearest_waypoint!r} with "
                            f"{taken[r.nearest_waypoint]!r}")
        taken.setdefault(r.nearest_waypoint, r.id)
        if math.isnan(r.level_dbm):
            problems.append(f"{where}: the sweep never stops at {r.nearest_waypoint!r}")
            continue
        if r.closest_m > MAX_CLOSEST_M:
            problems.append(f"{where}: the sweep passes no closer than {r.closest_m:.2f} m")
        if r.closest_m < r.waypoint_distance_m - CLOSEST_TOLERANCE_M:
            problems.append(f"{where}: the sweep passes closer ({r.closest_m:.2f} m) between "
                            f"waypoints than at {r.nearest_waypoint!r} "
                            f"({r.waypoint_distance_m:.2f} m)")
        for what, value, need in (("the noise floor", r.noise_margin_db, DETECT_MARGIN_DB),
                                  ("the friendly emitters", r.ambient_margin_db,
                                   DETECT_MARGIN_DB),
                                  ("the other hidden emitters", r.separation_db,
                                   SEPARATION_DB),
                                  ("its own level at any other waypoint", r.contrast_db,
                                   CONTRAST_DB)):
            if value < need:
                problems.append(f"{where}: only {value:.1f} dB over {what} at "
                                f"{r.nearest_waypoint!r} (needs {need:g})")
    return problems


# --- rooms and waypoints ----------------------------------------------------------------

Vec = tuple[float, float, float]
Spot = tuple[Vec, Vec]  # (device position at the waypoint, unit vector toward the fixture)


class _Room:
    """Room geometry and the drawing helpers of the fixture catalogues."""

    def __init__(self, rng: np.random.Generator, kind: str):
        self.rng = rng
        self.kind = kind
        (w0, w1), (l0, l1), (h0, h1) = ROOM_SIZES[kind]
        self.w = round(float(rng.uniform(w0, w1)), 1)
        self.l = round(float(rng.uniform(l0, l1)), 1)
        self.h = round(float(rng.uniform(h0, h1)), 1)
        self.ctx: dict[str, Any] = {}

    def u(self, lo: float, hi: float) -> float:
        return float(self.rng.uniform(lo, hi))

    def pick(self, options: Sequence):
        return options[int(self.rng.integers(len(options)))]

    def _fit(self, x: float, y: float, z: float) -> Vec:
        return (min(max(x, 0.25), self.w - 0.25), min(max(y, 0.25), self.l - 0.25),
                min(max(z, 0.15), self.h - 0.15))

    def wall(self, sides: str | Sequence[str], along: tuple[float, float],
             h: tuple[float, float], inset: tuple[float, float] = (0.3, 0.5),
             at: float | None = None) -> Spot:
        """In front of a wall: side y0 (the door wall), y1, x0 or x1; `along` is the
        fraction of the wall's length, `at` (metres along the wall) overrides it."""
        side = sides if isinstance(sides, str) else self.pick(sides)
        i, z = self.u(*inset), self.u(*h)
        length = self.w if side in ("y0", "y1") else self.l
        a = at if at is not None else self.u(*along) * length
        if side == "y0":
            return self._fit(a, i, z), (0.0, -1.0, 0.0)
        if side == "y1":
            return self._fit(a, self.l - i, z), (0.0, 1.0, 0.0)
        if side == "x0":
            return self._fit(i, a, z), (-1.0, 0.0, 0.0)
        return self._fit(self.w - i, a, z), (1.0, 0.0, 0.0)

    def corner(self, corners: Sequence[str], h: tuple[float, float],
               inset: tuple[float, float] = (0.35, 0.55)) -> Spot:
        """In a corner: "00" is x = 0, y = 0; "11" is x = width, y = length."""
        c = self.pick(corners)
        x = self.u(*inset) if c[0] == "0" else self.w - self.u(*inset)
        y = self.u(*inset) if c[1] == "0" else self.l - self.u(*inset)
        r = math.sqrt(0.5)
        return self._fit(x, y, self.u(*h)), (-r if c[0] == "0" else r,
                                             -r if c[1] == "0" else r, 0.0)

    def ceiling(self, frac: tuple[float, float] = (0.3, 0.7)) -> Spot:
        """Held up under the ceiling (the device 0.25-0.35 m below it)."""
        z = self.h - self.u(0.25, 0.35)
        return (self._fit(self.u(*frac) * self.w, self.u(*frac) * self.l, z),
                (0.0, 0.0, 1.0))

    def middle(self, fx: tuple[float, float], fy: tuple[float, float],
               h: tuple[float, float]) -> Spot:
        """Over a table or bed in the room; its hiding places are below."""
        return (self._fit(self.u(*fx) * self.w, self.u(*fy) * self.l, self.u(*h)),
                (0.0, 0.0, -1.0))

    def near(self, key: str, shift: tuple[float, float], h: tuple[float, float],
             sign: int | None = None) -> Spot | None:
        """Beside an earlier wall fixture `key` (e.g. the desk), `shift` metres along
        its wall either way (or to side `sign`)."""
        base = self.ctx.get(key)
        if base is None:
            return None
        side, at = base
        s = sign if sign is not None else (1 if self.rng.random() < 0.5 else -1)
        return self.wall(side, (0, 0), h, at=at + s * self.u(*shift))

    def remember(self, key: str, spot: Spot) -> Spot:
        """Store the wall and position along it of a fixture others are placed beside."""
        (x, y, _), t = spot
        side = {(0.0, -1.0): "y0", (0.0, 1.0): "y1", (-1.0, 0.0): "x0", (1.0, 0.0): "x1"}
        s = side[(t[0], t[1])]
        self.ctx[key] = (s, x if s in ("y0", "y1") else y)
        return spot


# A fixture: (probability of being in the room, names to choose from, where).
Fixture = tuple[float, tuple[str, ...], Callable[[_Room], "Spot | None"]]


def _door(r: _Room) -> Spot:
    return r.wall("y0", (0.1, 0.3), (1.1, 1.3))


def _hotel(r: _Room) -> list[Fixture]:
    r.ctx["bed"] = r.u(0.5, 0.72) * r.l

    def beside_bed(sign: int):
        return lambda r: r.wall("x0", (0, 0), (0.55, 0.75),
                                at=r.ctx["bed"] + sign * r.u(1.05, 1.25))

    def bed_foot(r: _Room) -> Spot:  # over the foot of the bed (2 m long from x = 0)
        return r._fit(r.u(2.0, 2.3), r.ctx["bed"], r.u(0.5, 0.7)), (0.0, 0.0, -1.0)

    return [
        (1.0, ("door",), _door),
        (0.7, ("bathroom-door",), lambda r: r.wall("x0", (0.15, 0.33), (1.1, 1.3))),
        (0.8, ("wardrobe",), lambda r: r.wall("x1", (0.08, 0.28), (1.2, 1.5))),
        (0.4, ("minibar", "fridge"), lambda r: r.wall("x1", (0.25, 0.45), (0.4, 0.6))),
        (0.9, ("desk", "desk-lamp"), lambda r: r.wall("x1", (0.4, 0.6), (0.8, 0.95))),
        (0.9, ("tv",), lambda r: r.wall("x1", (0.62, 0.85), (1.1, 1.4))),
        (0.8, ("window",), lambda r: r.wall("y1", (0.3, 0.7), (1.1, 1.5))),
        (0.5, ("armchair", "floor-lamp"), lambda r: r.corner(("11",), (0.6, 1.2))),
        (1.0, ("headboard",), lambda r: r.wall("x0", (0, 0), (0.9, 1.1), at=r.ctx["bed"])),
        (0.8, ("nightstand-left", "bedside-lamp-left"), beside_bed(-1)),
        (0.8, ("nightstand-right", "clock-radio"), beside_bed(+1)),
        (0.5, ("bed-foot", "bench"), bed_foot),
        (0.8, ("smoke-detector",), lambda r: r.ceiling((0.35, 0.65))),
        (0.4, ("air-conditioner",), lambda r: r.wall(("y1", "x1"), (0.15, 0.85),
                                                      (r.h - 0.55, r.h - 0.3))),
        (0.3, ("usb-charger", "power-socket"), lambda r: r.wall("x1", (0.3, 0.7), (0.25, 0.4))),
        (0.3, ("luggage-rack",), lambda r: r.wall("y0", (0.5, 0.85), (0.5, 0.7))),
        (0.3, ("picture-frame", "mirror"), lambda r: r.wall("x0", (0.3, 0.95), (1.5, 1.8))),
    ]


def _bathroom(r: _Room) -> list[Fixture]:
    def sink(r: _Room) -> Spot:
        return r.remember("sink", r.wall(("x0", "x1"), (0.25, 0.6), (0.85, 0.95)))

    return [
        (1.0, ("door",), lambda r: r.wall("y0", (0.25, 0.75), (1.1, 1.3))),
        (0.9, ("sink", "washbasin"), sink),
        (0.6, ("mirror", "mirror-cabinet"), lambda r: r.near("sink", (0.0, 0.05), (1.7, 1.85))),
        (0.9, ("toilet",), lambda r: r.wall(("x0", "x1", "y1"), (0.3, 0.8), (0.4, 0.6))),
        (0.8, ("shower", "shower-head"), lambda r: r.corner(("01", "11"), (1.8, 2.0))),
        (0.3, ("bathtub",), lambda r: r.wall(("x0", "x1"), (0.55, 0.9), (0.5, 0.7))),
        (0.6, ("towel-rail", "towel-hook", "radiator"),
         lambda r: r.wall(("x0", "x1", "y1"), (0.2, 0.8), (1.0, 1.3))),
        (0.6, ("extractor-fan",), lambda r: r.ceiling((0.25, 0.75))),
        (0.5, ("ceiling-light",), lambda r: r.ceiling((0.35, 0.65))),
        (0.4, ("shelf", "toiletry-shelf"), lambda r: r.wall(("x0", "x1", "y1"), (0.2, 0.8),
                                                            (1.4, 1.7))),
        (0.3, ("hair-dryer",), lambda r: r.wall(("x0", "x1"), (0.2, 0.8), (1.2, 1.4))),
        (0.3, ("air-freshener",), lambda r: r.wall(("x0", "x1", "y1"), (0.2, 0.8), (1.6, 2.0))),
        (0.2, ("bin", "laundry-basket"), lambda r: r.corner(("01", "11", "10"), (0.2, 0.4))),
    ]


def _office(r: _Room) -> list[Fixture]:
    def desk(r: _Room) -> Spot:
        return r.remember("desk", r.wall(("x0", "x1", "y1"), (0.3, 0.7), (0.75, 0.9)))

    return [
        (1.0, ("door",), lambda r: r.wall("y0", r.pick(((0.1, 0.3), (0.7, 0.9))), (1.1, 1.3))),
        (1.0, ("desk",), desk),
        (0.7, ("desk-drawer", "desk-pedestal"), lambda r: r.near("desk", (0.6, 0.8), (0.45, 0.6),
                                                                 sign=-1)),
        (0.5, ("desk-phone", "monitor", "docking-station"),
         lambda r: r.near("desk", (0.7, 0.9), (0.8, 1.0), sign=+1)),
        (0.6, ("bookshelf",), lambda r: r.wall(("x0", "x1", "y1"), (0.15, 0.85), (1.2, 1.8))),
        (0.5, ("filing-cabinet",), lambda r: r.wall(("x0", "x1"), (0.15, 0.85), (0.8, 1.1))),
        (0.5, ("meeting-table",), lambda r: r.middle((0.35, 0.65), (0.4, 0.65), (0.7, 0.8))),
        (0.7, ("window",), lambda r: r.wall("y1", (0.25, 0.75), (1.2, 1.5))),
        (0.4, ("whiteboard",), lambda r: r.wall(("x0", "x1"), (0.2, 0.8), (1.4, 1.8))),
        (0.5, ("wall-clock",), lambda r: r.wall(("x0", "x1", "y1", "y0"), (0.3, 0.7),
                                                (1.9, min(2.3, r.h - 0.2)))),
        (0.7, ("smoke-detector",), lambda r: r.ceiling((0.3, 0.7))),
        (0.3, ("projector", "ceiling-light"), lambda r: r.ceiling((0.3, 0.7))),
        (0.4, ("printer",), lambda r: r.corner(("01", "11", "10"), (0.9, 1.1))),
        (0.4, ("plant",), lambda r: r.corner(("01", "11", "10", "00"), (0.5, 1.0))),
        (0.4, ("power-strip", "usb-charger", "floor-socket"),
         lambda r: r.wall(("x0", "x1", "y1"), (0.2, 0.8), (0.2, 0.35))),
        (0.3, ("coat-stand", "coat-hook"), lambda r: r.corner(("00", "10"), (1.5, 1.7))),
        (0.3, ("air-conditioner",), lambda r: r.wall(("x0", "x1", "y1"), (0.2, 0.8),
                                                      (r.h - 0.55, r.h - 0.3))),
    ]


def _living(r: _Room) -> list[Fixture]:
    def sofa(r: _Room) -> Spot:
        return r.remember("sofa", r.wall(("x0", "x1"), (0.35, 0.65), (0.5, 0.7)))

    def tv(r: _Room) -> Spot | None:
        s = r.ctx.get("sofa")
        side = ("x1" if s[0] == "x0" else "x0") if s else r.pick(("x0", "x1"))
        return r.remember("tv", r.wall(side, (0.35, 0.65), (1.1, 1.4)))

    return [
        (1.0, ("door",), _door),
        (0.9, ("sofa", "couch"), sofa),
        (0.9, ("tv",), tv),
        (0.5, ("media-console", "set-top-box", "game-console"),
         lambda r: r.near("tv", (0.7, 0.9), (0.4, 0.55))),
        (0.7, ("coffee-table",), lambda r: r.middle((0.4, 0.6), (0.35, 0.6), (0.4, 0.5))),
        (0.6, ("bookshelf",), lambda r: r.wall(("x0", "x1", "y0"), (0.15, 0.85), (1.2, 1.8))),
        (0.8, ("window",), lambda r: r.wall("y1", (0.25, 0.75), (1.1, 1.5))),
        (0.5, ("floor-lamp",), lambda r: r.corner(("01", "11", "10"), (1.3, 1.6))),
        (0.8, ("smoke-detector",), lambda r: r.ceiling((0.3, 0.7))),
        (0.4, ("wall-clock",), lambda r: r.wall(("x0", "x1", "y1"), (0.2, 0.8),
                                                (1.9, min(2.2, r.h - 0.2)))),
        (0.4, ("picture-frame",), lambda r: r.wall(("x0", "x1", "y1"), (0.2, 0.8), (1.4, 1.8))),
        (0.4, ("plant",), lambda r: r.corner(("01", "11", "10", "00"), (0.5, 1.0))),
        (0.4, ("speaker", "smart-speaker"), lambda r: r.wall(("x0", "x1", "y1"), (0.15, 0.85),
                                                             (0.8, 1.1))),
        (0.4, ("dining-table",), lambda r: r.middle((0.35, 0.65), (0.7, 0.85), (0.7, 0.8))),
        (0.3, ("air-conditioner",), lambda r: r.wall(("x0", "x1", "y1"), (0.2, 0.8),
                                                      (r.h - 0.55, r.h - 0.3))),
        (0.4, ("usb-charger", "power-socket"), lambda r: r.wall(("x0", "x1", "y0"), (0.2, 0.8),
                                                                (0.25, 0.4))),
        (0.3, ("kitchen-counter",), lambda r: r.wall("y0", (0.55, 0.9), (0.9, 1.0))),
    ]


CATALOGUES: dict[str, Callable[[_Room], list[Fixture]]] = {
    "hotel-room": _hotel, "bathroom": _bathroom, "office": _office, "living-room": _living}
MIN_WAYPOINTS = {"hotel-room": 7, "bathroom": 4, "office": 6, "living-room": 7}


@dataclass
class _Place:
    name: str
    position: Vec
    toward: Vec


def _r2(v: float) -> float:
    return round(float(v), 2) + 0.0  # + 0.0: no "-0.0"


def _r2v(p) -> Vec:
    return (_r2(p[0]), _r2(p[1]), _r2(p[2]))


def _place_fixtures(room: _Room) -> list[_Place]:
    places: list[_Place] = []
    for prob, names, where in CATALOGUES[room.kind](room):
        if room.rng.random() >= prob:
            continue
        name = room.pick(names)
        for _ in range(5):
            spot = where(room)
            if spot is None:
                break
            pos = _r2v(spot[0])
            if all(math.dist(pos, p.position) >= MIN_WAYPOINT_SPACING_M for p in places):
                places.append(_Place(name, pos, spot[1]))
                break
    if room.rng.random() < 0.5:  # mirror the layout: door and bed on the other side
        for p in places:
            x, y, z = p.position
            p.position = (_r2(room.w - x), y, z)
            p.toward = (-p.toward[0] + 0.0, p.toward[1], p.toward[2])
    return places


def _walking_order(places: list[_Place]) -> list[_Place]:
    """From the door (first), nearest neighbour first, then 2-opt on the open path."""
    n = len(places)
    d = [[math.dist(a.position, b.position) for b in places] for a in places]
    tour, left = [0], set(range(1, n))
    while left:
        last = tour[-1]
        nxt = min(sorted(left), key=lambda j: d[last][j])
        tour.append(nxt)
        left.remove(nxt)
    improved = True
    while improved:
        improved = False
        for i in range(1, n - 1):
            for j in range(i + 1, n):
                a, b, c = tour[i - 1], tour[i], tour[j]
                delta = d[a][c] - d[a][b]
                if j + 1 < n:
                    delta += d[b][tour[j + 1]] - d[c][tour[j + 1]]
                if delta < -1e-9:
                    tour[i:j + 1] = reversed(tour[i:j + 1])
                    improved = True
    return [places[i] for i in tour]


def _sweep(rng: np.random.Generator, order: list[_Place]) -> tuple[list[SweepStop], float]:
    speed = round(float(rng.uniform(*WALK_SPEED_M_S)), 2)
    stops: list[SweepStop] = []
    t = round(float(rng.uniform(0.3, 1.0)), 1)
    for k, p in enumerate(order):
        if k:
            prev = stops[-1]
            move = max(MIN_MOVE_S, math.dist(order[k - 1].position, p.position) / speed)
            t = round(prev.arrive_s + prev.dwell_s + move + float(rng.uniform(0.0, 0.5)), 1)
            t = max(t, round(prev.arrive_s + MIN_STOP_SPACING_S + 0.1, 1))
        stops.append(SweepStop(p.name, t, DWELLS_S[int(rng.integers(len(DWELLS_S)))]))
    return stops, speed


# --- emitters -----------------------------------------------------------------------------


@dataclass
class _Draw:
    """One emitter drawn, with the comments written beside it."""

    emitter: Emitter
    note: str  # after kind =
    eirp_note: str
    loss_note: str = ""
    role: str = ""  # for the description


def _fmt_num(x: float) -> str:
    text = f"{x:.4f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


WIFI_CHANNELS_MHZ = (2412.0, 2437.0, 2462.0)  # channels 1, 6, 11
# DECT carriers (EN 300 175-2 [std]): 1897.344 - c x 1.728 MHz, c = 0..9
DECT_CARRIERS_MHZ = tuple(round(1897.344 - c * 1.728, 3) for c in range(10))
# 5.8 GHz FPV "raceband" and 1.2 GHz video channels (fpvhandbook.com via ref §6/§7)
VIDEO_CHANNELS_MHZ = (5658.0, 5695.0, 5732.0, 5769.0, 5806.0, 5843.0, 5880.0, 5917.0,
                      1080.0, 1120.0, 1160.0, 1200.0, 1240.0, 1280.0)
# BLE advertising intervals, multiples of 0.625 ms within 20 ms..10.24 s (ref §6);
# the values past 100 ms are Apple's recommended ones [std: Apple Accessory Design
# Guidelines], kept to at most ~1 s so a 3-6 s dwell holds a few events.
BLE_INTERVALS_MS = (20.0, 100.0, 152.5, 211.25, 318.75, 417.5, 546.25, 1022.5)
BLE_TX_DBM = (-12.0, -9.0, -6.0, -3.0, 0.0, 3.0, 6.0, 9.0)  # ESP32 steps, ref §7


def _gsm_uplink(rng: np.random.Generator) -> tuple[float, float, str]:
    """(band MHz, max power dBm, band name): GSM900 class 4 33 dBm, DCS1800 class 1
    30 dBm (ref §7); uplink carriers every 200 kHz, 880-915 / 1710-1785 MHz [std:
    3GPP TS 45.005]."""
    if rng.random() < 0.6:
        return round(880.2 + 0.2 * int(rng.integers(174)), 1), 33.0, "GSM900"
    return round(1710.2 + 0.2 * int(rng.integers(374)), 1), 30.0, "DCS1800"


def _lte_uplink(rng: np.random.Generator) -> tuple[float, str]:
    """Uplink centre of EU bands 20 (832-862), 3 (1710-1785), 7 (2500-2570) MHz [std:
    3GPP TS 36.101]."""
    band, lo, hi = [("20", 832.0, 862.0), ("3", 1710.0, 1785.0), ("7", 2500.0, 2570.0)][
        int(rng.integers(3))]
    return round(float(rng.uniform(lo + 5, hi - 5)), 1), f"band {band}"


def _hidden_kind(rng: np.random.Generator, kind: str) -> tuple[float, float, dict, str, str]:
    """(eirp, band, params, what, eirp note) of a hidden transmitter of `kind`."""
    if kind == "wifi_camera":
        lo = round(float(rng.uniform(0.1, 0.35)), 2)
        hi = round(min(0.8, lo + float(rng.uniform(0.1, 0.4))), 2)
        return (round(float(rng.uniform(10.0, 20.0)) * 2) / 2,
                WIFI_CHANNELS_MHZ[int(rng.integers(3))], {"duty_min": lo, "duty_max": hi},
                "camera streaming video over 2.4 GHz Wi-Fi",
                "ref §7: ESP32 Wi-Fi TX setting 10-20 dBm, S3 module 20 dBm EIRP")
    if kind == "wifi_ap":
        return (round(float(rng.uniform(10.0, 20.0)) * 2) / 2,
                WIFI_CHANNELS_MHZ[int(rng.integers(3))],
                {"data_rate_hz": round(float(rng.uniform(1.0, 10.0)), 1)},
                "camera in access-point mode, beaconing, waiting for a viewer",
                "ref §7: ESP32-class Wi-Fi, 10-20 dBm")
    if kind == "ble":
        return (BLE_TX_DBM[int(rng.integers(len(BLE_TX_DBM)))], 2440.0,
                {"interval_ms": BLE_INTERVALS_MS[int(rng.integers(len(BLE_INTERVALS_MS)))]},
                "BLE tracker advertising",
                "ref §7: ESP32 BLE -12..+9 dBm, typical tags 0 dBm")
    if kind == "gsm":
        band, top, name = _gsm_uplink(rng)
        eirp = top - 2.0 * int(rng.integers(0, 11))
        return (eirp, band, {}, f"{name} audio bug in a call (traffic channel)",
                f"ref §7: {top:g} dBm peak; power control lowers it in 2 dB steps "
                f"[std: 3GPP TS 45.005]")
    if kind == "dect":
        return (24.0, DECT_CARRIERS_MHZ[int(rng.integers(10))], {},
                "DECT base (baby monitor / phone) used as an audio bug",
                "ref §7: DECT 250 mW")
    if kind == "lte":
        band, name = _lte_uplink(rng)
        return (round(float(rng.uniform(10.0, 23.0))), band,
                {"load": round(float(rng.uniform(0.2, 0.8)), 2)},
                f"4G camera/bug uploading ({name} uplink)",
                "ref §7: class 3 UE 23 dBm max [unconf.], power-controlled below")
    if kind == "analog_video":
        return (round(float(rng.uniform(-1.0, 21.0)) * 2) / 2,
                VIDEO_CHANNELS_MHZ[int(rng.integers(len(VIDEO_CHANNELS_MHZ)))], {},
                "analog video sender (continuous FM carrier)",
                "ref §7: -1.2 dBm (FCC 15.249) .. 14 dBm (EU 25 mW) .. ~21 dBm measured")
    if kind == "bt_classic":
        eirp = 4.0 if rng.random() < 0.7 else round(float(rng.uniform(10.0, 20.0)))
        return (eirp, round(2402.0 + int(rng.integers(79)), 1),
                {"occupancy": round(float(rng.uniform(0.15, 0.6)), 2)},
                "Bluetooth audio bug (classic, frequency hopping)",
                "[std: Bluetooth Core spec power class 2 4 dBm, class 1 20 dBm]")
    raise ValueError(f"no hidden {kind}")


HIDDEN_LABELS = {"gsm": "gsm-bug", "dect": "dect-bug", "wifi_camera": "wifi-camera",
                 "ble": "ble-tracker", "bt_classic": "bt-bug", "lte": "4g-bug",
                 "analog_video": "video-sender", "wifi_ap": "wifi-ap-camera"}


HIDDEN_WORDS = {"gsm": "GSM bug", "dect": "DECT bug", "wifi_camera": "Wi-Fi camera",
                "ble": "BLE tracker", "bt_classic": "Bluetooth bug", "lte": "4G bug",
                "analog_video": "analog video sender",
                "wifi_ap": "Wi-Fi camera in access-point mode"}


def _draw_hidden(rng: np.random.Generator, room: _Room, place: _Place, kind: str,
                 eid: str) -> _Draw:
    t = np.asarray(place.toward)
    off = t * rng.uniform(0.08, 0.25) + rng.uniform(-0.1, 0.1, 3)
    norm = float(np.linalg.norm(off))
    if norm > MAX_OFFSET_M:
        off *= (MAX_OFFSET_M - 0.01) / norm
    elif norm < MIN_OFFSET_M:  # not where the device itself is held
        off *= MIN_OFFSET_M / max(norm, 1e-9)
    size = np.array([room.w, room.l, room.h])
    pos = np.clip(np.asarray(place.position) + off, 0.02, size - 0.02)
    position = _r2v(pos)
    eirp, band, params, what, eirp_note = _hidden_kind(rng, kind)
    em = Emitter(id=eid, kind=kind, position_m=position, eirp_dbm=float(eirp),
                 band_mhz=float(band), hidden=True, params=params)
    return _Draw(em, what, eirp_note, role=f"{HIDDEN_WORDS[kind]} at the {place.name}")


def _corridor_name(room: _Room) -> str:
    return {"bathroom": "hall", "living-room": "stairwell"}.get(room.kind, "corridor")


# Friendly emitters to draw from, each at most once a room (neighbours on both sides
# may both have Wi-Fi; several phones may pass).
AMBIENT_ROLES = ("corridor-ap", "neighbour-ap", "neighbour-ap", "upstairs-ap",
                 "corridor-phone", "corridor-phone", "neighbour-dect", "neighbour-phone",
                 "street-phone", "neighbour-headset")


def _draw_ambient(rng: np.random.Generator, room: _Room, role: str) -> _Draw:
    """One friendly emitter outside the room, of `role` (one of AMBIENT_ROLES)."""
    w, l, h = room.w, room.l, room.h
    corridor = _corridor_name(room)
    side = "x0" if rng.random() < 0.5 else "x1"

    def beyond_side(lo: float, hi: float) -> tuple[float, float]:
        d = float(rng.uniform(lo, hi))
        return (-d if side == "x0" else w + d), float(rng.uniform(0.3, l - 0.3))

    wall_note = "masonry wall [judgement: 6-12 dB]"
    if role == "corridor-ap":
        pos = (float(rng.uniform(0.2 * w, 0.8 * w)), -float(rng.uniform(1.0, 3.0)),
               float(rng.uniform(2.2, 2.8)))
        kind, eirp, band = "wifi_ap", float(round(rng.uniform(15.0, 20.0))), \
            WIFI_CHANNELS_MHZ[int(rng.integers(3))]
        loss = round(float(rng.uniform(3.0, 8.0)))
        params: dict = {"data_rate_hz": round(float(rng.uniform(2.0, 15.0)), 1)}
        note, eirp_note = (f"the building's access point on the {corridor} ceiling",
                           "2.4 GHz EU limit 20 dBm EIRP [std: ETSI EN 300 328]")
        loss_note, name = "door and partition wall [judgement: 3-8 dB]", f"{corridor}-ap"
        desc = f"an access point in the {corridor}"
    elif role == "neighbour-ap":
        x, y = beyond_side(1.0, 4.0)
        pos = (x, y, float(rng.uniform(0.5, 2.2)))
        kind, eirp, band = "wifi_ap", float(round(rng.uniform(14.0, 20.0))), \
            WIFI_CHANNELS_MHZ[int(rng.integers(3))]
        loss = round(float(rng.uniform(6.0, 12.0)))
        params = {"data_rate_hz": round(float(rng.uniform(1.0, 10.0)), 1)}
        note, eirp_note = ("the neighbour's Wi-Fi router",
                           "2.4 GHz EU limit 20 dBm EIRP [std: ETSI EN 300 328]")
        loss_note, name = wall_note, "neighbour-ap"
        desc = "the neighbour's Wi-Fi"
    elif role == "upstairs-ap":
        pos = (float(rng.uniform(0.2 * w, 0.8 * w)), float(rng.uniform(0.2 * l, 0.8 * l)),
               h + float(rng.uniform(1.2, 2.2)))
        kind, eirp, band = "wifi_ap", float(round(rng.uniform(14.0, 20.0))), \
            WIFI_CHANNELS_MHZ[int(rng.integers(3))]
        loss = round(float(rng.uniform(10.0, 18.0)))
        params = {"data_rate_hz": round(float(rng.uniform(1.0, 10.0)), 1)}
        note, eirp_note = ("Wi-Fi router in the room above",
                           "2.4 GHz EU limit 20 dBm EIRP [std: ETSI EN 300 328]")
        loss_note, name = "concrete floor slab [judgement: 10-18 dB]", "upstairs-ap"
        desc = "a router upstairs"
    elif role in ("corridor-phone", "neighbour-phone", "street-phone"):
        if role == "corridor-phone":
            pos = (float(rng.uniform(-0.5, w + 0.5)), -float(rng.uniform(0.8, 3.0)),
                   float(rng.uniform(1.0, 1.6)))
            loss = round(float(rng.uniform(3.0, 8.0)))
            loss_note, where = "door and partition wall [judgement: 3-8 dB]", corridor
        elif role == "neighbour-phone":
            x, y = beyond_side(1.0, 4.0)
            pos = (x, y, float(rng.uniform(0.5, 1.6)))
            loss = round(float(rng.uniform(6.0, 12.0)))
            loss_note, where = wall_note, "next room"
        else:
            pos = (float(rng.uniform(0.0, w)), l + float(rng.uniform(2.0, 8.0)),
                   float(rng.uniform(0.5, 1.6)))
            loss = round(float(rng.uniform(3.0, 8.0)))
            loss_note, where = "window and facade [judgement: 3-8 dB]", "street"
        if rng.random() < 0.65:
            kind = "lte"
            band, bname = _lte_uplink(rng)
            eirp = float(round(rng.uniform(0.0, 23.0)))
            params = {"load": round(float(rng.uniform(0.05, 0.4)), 2)}
            note = f"a phone in the {where} on 4G ({bname} uplink)"
            eirp_note = "ref §7: class 3 UE 23 dBm max [unconf.], power-controlled below"
        else:
            kind = "gsm"
            band, top, bname = _gsm_uplink(rng)
            eirp = top - 2.0 * int(rng.integers(0, 15))
            params = {}
            note = f"a phone in the {where} in a {bname} call"
            eirp_note = (f"ref §7: {top:g} dBm peak; power control lowers it in 2 dB steps "
                         f"[std: 3GPP TS 45.005]")
        name = {"corridor-phone": f"{corridor}-phone", "neighbour-phone": "neighbour-phone",
                "street-phone": "street-phone"}[role]
        desc = f"a phone in the {where}"
    elif role == "neighbour-dect":
        x, y = beyond_side(1.0, 4.0)
        pos = (x, y, float(rng.uniform(0.5, 1.5)))
        kind, eirp, band = "dect", 24.0, DECT_CARRIERS_MHZ[int(rng.integers(10))]
        loss = round(float(rng.uniform(6.0, 12.0)))
        params = {}
        note, eirp_note = "the neighbour's DECT phone base", "ref §7: DECT 250 mW"
        loss_note, name, desc = wall_note, "neighbour-dect", "a DECT base next door"
    else:  # neighbour-headset
        x, y = beyond_side(1.0, 4.0)
        pos = (x, y, float(rng.uniform(0.8, 1.6)))
        kind, eirp, band = "bt_classic", 4.0, round(2402.0 + int(rng.integers(79)), 1)
        loss = round(float(rng.uniform(6.0, 12.0)))
        params = {"occupancy": round(float(rng.uniform(0.2, 0.5)), 2)}
        note = "the neighbour's Bluetooth headset"
        eirp_note = "[std: Bluetooth Core spec power class 2, 4 dBm]"
        loss_note, name, desc = wall_note, "neighbour-headset", "a Bluetooth headset next door"
    position = _r2v(pos)
    em = Emitter(id=name, kind=kind, position_m=position, eirp_dbm=float(eirp),
                 band_mhz=float(band), hidden=False, params=params, outside=True,
                 loss_db=float(loss))
    return _Draw(em, note, eirp_note, loss_note, role=desc)


def _unique(base: str, taken: set[str]) -> str:
    if base not in taken:
        return base
    k = 2
    while f"{base}-{k}" in taken:
        k += 1
    return f"{base}-{k}"


# --- one scenario ---------------------------------------------------------------------------


@dataclass
class _Generated:
    scenario: Scenario
    room: _Room
    prop_key: str
    speed: float
    hidden: list[_Draw]
    ambient: list[_Draw]
    reports: dict[str, HiddenReport]


def _outside_box(p: Vec, room: _Room) -> bool:
    return not (0 <= p[0] <= room.w and 0 <= p[1] <= room.l and 0 <= p[2] <= room.h)


def _try_scenario(rng: np.random.Generator, name: str) -> _Generated | None:
    room = _Room(rng, ROOM_TYPES[int(rng.integers(len(ROOM_TYPES)))])
    places = _place_fixtures(room)
    if len(places) < MIN_WAYPOINTS[room.kind]:
        return None
    order = _walking_order(places)
    stops, speed = _sweep(rng, order)
    prop_key = ROOM_PROPAGATION[room.kind][int(rng.integers(len(ROOM_PROPAGATION[room.kind])))]
    exponent, sigma, _ = RAPPAPORT[prop_key]
    noise = float(round(rng.uniform(*NOISE_FLOOR_DBM)))
    base = Scenario(name=name, description="", seed=int(rng.integers(1, 2**31)),
                    room_size_m=(room.w, room.l, room.h), exponent=exponent,
                    shadowing_db=sigma,
                    waypoints=[Waypoint(p.name, p.position) for p in order], sweep=stops,
                    emitters=[], duration_s=stops[-1].arrive_s + stops[-1].dwell_s,
                    source=f"<generated {name}>", noise_floor_dbm=noise, ground_truth={})
    probe = _probe(base)
    taken: set[str] = set()

    # friendly emitters: outside, 2 m from the path, plausible peak level
    ambient: list[_Draw] = []
    roles = list(AMBIENT_ROLES)
    for _ in range(int(rng.integers(1, 5))):
        for _attempt in range(30):
            role = roles[int(rng.integers(len(roles)))]
            d = _draw_ambient(rng, room, role)
            d.emitter.id = _unique(d.emitter.id, taken)
            taken.add(d.emitter.id)  # a rejected id keeps its shadowing: do not reuse it
            p = d.emitter.position_m
            if not _outside_box(p, room):
                continue
            dist = np.linalg.norm(probe.positions - np.asarray(p), axis=1)
            if float(dist.min()) < FRIENDLY_MIN_DISTANCE_M:
                continue
            peak = float(np.max(mean_rx_dbm(base, d.emitter, probe.times)))
            if noise + AMBIENT_MIN_OVER_NOISE_DB <= peak <= AMBIENT_MAX_DBM:
                ambient.append(d)
                roles.remove(role)
                break
    if not ambient:
        return None

    # hidden emitters: one per waypoint at most, each must pass check_scenario
    want = int(rng.choice(len(HIDDEN_COUNT_WEIGHTS), p=HIDDEN_COUNT_WEIGHTS))
    want = min(want, len(order))
    hidden: list[_Draw] = []
    used: set[str] = set()
    for _ in range(want):
        for _attempt in range(40):
            free = [p for p in order if p.name not in used]
            place = free[int(rng.integers(len(free)))]
            kind = HIDDEN_KINDS[int(rng.integers(len(HIDDEN_KINDS)))]
            eid = _unique(f"{place.name}-{HIDDEN_LABELS[kind]}", taken)
            taken.add(eid)
            d = _draw_hidden(rng, room, place, kind, eid)
            trial = [h.emitter for h in hidden] + [d.emitter]
            gt = {h.emitter.id: h.emitter.position_m for h in hidden}
            scn = dataclasses.replace(
                base, emitters=trial + [a.emitter for a in ambient],
                ground_truth={**{k: base.nearest_waypoint(v) for k, v in gt.items()},
                              eid: place.name})
            if not check_scenario(scn):
                hidden.append(d)
                used.add(place.name)
                break
        else:
            return None  # could not place this many: draw another room
    scn = dataclasses.replace(
        base, emitters=[h.emitter for h in hidden] + [a.emitter for a in ambient],
        ground_truth={h.emitter.id: base.nearest_waypoint(h.emitter.position_m)
                      for h in hidden})
    reports = {r.id: r for r in hidden_reports(scn)}
    return _Generated(scn, room, prop_key, speed, hidden, ambient, reports)


def _describe(g: _Generated) -> str:
    r = g.room
    label = ROOM_LABELS[r.kind]
    if g.hidden:
        what = ", ".join(("an " if h.role.startswith("analog") else "a ") + h.role
                         for h in g.hidden)
    else:
        what = "nothing hidden (a clean room)"
    amb = ", ".join(a.role for a in g.ambient)
    return (f"A generated {r.w:g} m x {r.l:g} m {label} ({r.h:g} m high): {what}; "
            f"friendly emitters outside: {amb}. The door is in the y = 0 wall.")


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _vec(p) -> str:
    return "[" + ", ".join(f"{c:.2f}" for c in p) + "]"


def _params(params: dict) -> str:
    items = []
    for k, v in params.items():
        items.append(f"{k} = {str(v).lower() if isinstance(v, bool) else _fmt_num(v)}")
    return "{ " + ", ".join(items) + " }"


def _line(text: str, comment: str = "", col: int = 32) -> str:
    if not comment:
        return text + "\n"
    return f"{text.ljust(col - 1)} # {comment}\n"


def _emitter_toml(d: _Draw) -> str:
    e = d.emitter
    out = "[[emitters]]\n"
    out += _line(f"id = {_q(e.id)}")
    out += _line(f"kind = {_q(e.kind)}", d.note)
    out += _line(f"position_m = {_vec(e.position_m)}")
    out += _line(f"eirp_dbm = {e.eirp_dbm:.1f}", d.eirp_note)
    out += _line(f"band_mhz = {_fmt_num(e.band_mhz)}")
    if e.hidden:
        out += "hidden = true\n"
    if e.outside:
        out += "outside = true\n"
    if e.loss_db:
        out += _line(f"loss_db = {e.loss_db:.1f}", d.loss_note)
    if e.params:
        out += f"params = {_params(e.params)}\n"
    return out


def _render(g: _Generated, seed: int, index: int) -> str:
    s, r = g.scenario, g.room
    n, sigma, table_row = RAPPAPORT[g.prop_key]
    out = (f"# Generated by roomsweep.sim.generate: seed {seed}, index {index} (numpy "
           f"Generator seeded\n# with [{seed}, {index}]); `roomsweep scenarios generate "
           f"--seed {seed} --count N` writes it\n# again, byte for byte, for any N > "
           f"{index}. Format and sources: docs/scenarios.md.\n"
           f"# Every hidden emitter is detectable in principle for this file's seed: see "
           f"the\n# comments in [ground_truth] (roomsweep.sim.generate.check_scenario).\n\n")
    out += f"name = {_q(s.name)}\n"
    out += f"description = {_q(_describe(g))}\n"
    out += f"seed = {s.seed}\n\n"
    out += "[room]\n"
    out += _line(f"size_m = {_vec(s.room_size_m)}", ROOM_LABELS[r.kind])
    out += _line(f"exponent = {n:.1f}", f"Rappaport (ref §7): {table_row}")
    out += _line(f"shadowing_db = {sigma:.1f}", "sigma of the same row")
    out += f"noise_floor_dbm = {s.noise_floor_dbm:.1f}\n\n"
    out += "[waypoints]\n"
    for w in s.waypoints:
        out += f"{w.name} = {_vec(w.position_m)}\n"
    out += (f"\n# Walking at {g.speed:.2f} m/s between stops (at least {MIN_MOVE_S:g} s a "
            f"move), {min(DWELLS_S):g}-{max(DWELLS_S):g} s at each;\n# {s.duration_s:.1f} s "
            f"in all.\n")
    for st in s.sweep:
        out += (f"[[sweep]]\nwaypoint = {_q(st.waypoint)}\narrive_s = {st.arrive_s:.1f}\n"
                f"dwell_s = {st.dwell_s:.1f}\n\n")
    out += "# --- hidden " + "-" * 73 + "\n\n"
    if not g.hidden:
        out += "# none: a clean room\n\n"
    for d in g.hidden:
        out += _emitter_toml(d) + "\n"
    out += "# --- friendly, outside the room " + "-" * 53 + "\n\n"
    for d in g.ambient:
        out += _emitter_toml(d) + "\n"
    out += ("[ground_truth]                  # hidden emitter id = its nearest waypoint; "
            "the margins are\n#                                 at that waypoint, as the "
            "detector shows them\n")
    for d in g.hidden:
        rep = g.reports[d.emitter.id]
        amb = ("no friendly" if rep.ambient_margin_db == math.inf
               else f"{rep.ambient_margin_db:.1f} dB over the friendly")
        out += _line(f"{d.emitter.id} = {_q(rep.nearest_waypoint)}",
                     f"{rep.waypoint_distance_m:.2f} m away, {rep.level_dbm:.1f} dBm, "
                     f"{rep.noise_margin_db:.1f} dB over noise, {amb}", col=40)
    return out


def _summary(g: _Generated) -> str:
    r, s = g.room, g.scenario
    hid = ", ".join(f"{h.emitter.kind}@{g.reports[h.emitter.id].nearest_waypoint}"
                    for h in g.hidden) or "none"
    return (f"{ROOM_LABELS[r.kind]} {r.w:g}x{r.l:g}x{r.h:g} m, {len(s.waypoints)} waypoints, "
            f"{s.duration_s:.0f} s; hidden: {hid}; friendly: {len(g.ambient)}")


def generate_one(seed: int, index: int, optics: bool = True) -> tuple[str, str, str]:
    """Scenario `index` of `seed`: (file stem, TOML text, one-line summary). With
    `optics`, the lens finder's sections too (sim/lensgen.py, own random stream)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, not {seed!r}")
    rng = np.random.default_rng([int(seed), int(index)])
    for _ in range(200):
        # the name is fixed before the room type is known: keep it type-free, then rename
        g = _try_scenario(rng, "pending")
        if g is not None:
            break
    else:  # pragma: no cover - never seen; would be a bug in the catalogues
        raise RuntimeError(f"could not generate scenario {index} of seed {seed}")
    stem = f"s{seed}-{index:03d}-{g.room.kind}"
    g.scenario = dataclasses.replace(g.scenario, name=stem, source=f"<generated {stem}>")
    from roomsweep.sim.lensgen import draw_optics, optics_toml
    from roomsweep.sim.netgenerate import network_toml  # Wi-Fi and BLE devices, own random stream

    text = _render(g, int(seed), int(index)) + "\n" + network_toml(g.scenario, seed, index)
    if optics:  # the lens finder's lighting, hand, lenses and clutter: own random stream
        text += optics_toml(draw_optics(g.scenario, seed, index))
    return stem, text, _summary(g)


def _generate(seed: int, count: int, out_dir: Path,
              optics: bool = True) -> list[tuple[Path, str]]:
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 0:
        raise ValueError(f"count must be a non-negative integer, not {count!r}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for index in range(int(count)):
        stem, text, summary = generate_one(seed, index, optics)
        path = out_dir / f"{stem}.toml"
        path.write_bytes(text.encode("utf-8"))
        problems = check_scenario(load_scenario(path))  # what a reader of the file gets
        if problems:  # pragma: no cover - a bug: the file differs from what was checked
            raise RuntimeError(f"{path}: generated scenario fails its checks: {problems}")
        written.append((path, summary))
    return written


def generate_scenarios(seed: int, count: int, out_dir: Path, optics: bool = True) -> list[Path]:
    """Write `count` random scenarios drawn from `seed` into `out_dir` (created if
    needed; files of the same names are replaced) and return their paths. File i is
    ``s{seed}-{i:03d}-{room type}.toml`` and depends only on (seed, i)."""
    return [p for p, _ in _generate(seed, count, Path(out_dir), optics)]


def main_generate(seed: int, count: int, out: str | os.PathLike) -> int:
    """`roomsweep scenarios generate --seed S --count N --out DIR`: one line per file
    (path, room, waypoints, duration, hidden kind@waypoint, friendly count); exit code."""
    try:
        for path, summary in _generate(seed, count, Path(out)):
            print(f"{path}  {summary}")
    except ValueError as e:
        print(f"roomsweep scenarios generate: {e}", file=sys.stderr)
        return 2
    except (OSError, ScenarioError) as e:
        print(f"roomsweep scenarios generate: {e}", file=sys.stderr)
        return 1
    return 0
