"""Random rooms for the scenario generator: size, furniture and fixtures as named
waypoints, the walking order from the door, and the sweep's timing.

Everything is drawn from the generator's numpy Generator passed in, in a fixed
order (roomsweep.sim.generate: a file depends only on its seed and index).

Sources: "ref §n" is docs/sources.md, section n.
Numbers marked [std] come from the named standard and are not in the reference
notes; [judgement] marks plain choices.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from roomsweep.sim.scenario import MIN_STOP_SPACING_S, Scenario, SweepStop, Waypoint

# --- generator choices ----------------------------------------------------------------

MIN_WAYPOINT_SPACING_M = 0.8  # so a hidden emitter 0.3 m off its waypoint stays nearest

ROOM_TYPES = ("hotel-room", "bathroom", "office", "living-room")
ROOM_LABELS = {
    "hotel-room": "hotel room",
    "bathroom": "bathroom",
    "office": "office",
    "living-room": "rental living room",
}
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
    "bathroom": (
        "factory-1300",
        "factory-4000",
        "factory-4000-hi",
        "grocery-914",
        "office-hard-1500",
    ),
    "office": ("office-soft-900", "office-soft-1900", "office-hard-1500"),
    "living-room": ("office-soft-900", "office-hard-1500", "retail-914", "grocery-914"),
}
NOISE_FLOOR_DBM = (-67.0, -62.0)  # around the AD8318's bottom, ~ -60..-65 dBm (ref §1)

WALK_SPEED_M_S = (0.5, 0.9)  # carrying the device from stop to stop [judgement]
MIN_MOVE_S = 1.0  # even a short hand move takes this long
DWELLS_S = (3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0)


# --- rooms and waypoints ----------------------------------------------------------------

Vec = tuple[float, float, float]
Spot = tuple[Vec, Vec]  # (device position at the waypoint, unit vector toward the fixture)


class Room:
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
        return (
            min(max(x, 0.25), self.w - 0.25),
            min(max(y, 0.25), self.l - 0.25),
            min(max(z, 0.15), self.h - 0.15),
        )

    def wall(
        self,
        sides: str | Sequence[str],
        along: tuple[float, float],
        h: tuple[float, float],
        inset: tuple[float, float] = (0.3, 0.5),
        at: float | None = None,
    ) -> Spot:
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

    def corner(
        self,
        corners: Sequence[str],
        h: tuple[float, float],
        inset: tuple[float, float] = (0.35, 0.55),
    ) -> Spot:
        """In a corner: "00" is x = 0, y = 0; "11" is x = width, y = length."""
        c = self.pick(corners)
        x = self.u(*inset) if c[0] == "0" else self.w - self.u(*inset)
        y = self.u(*inset) if c[1] == "0" else self.l - self.u(*inset)
        r = math.sqrt(0.5)
        return self._fit(x, y, self.u(*h)), (
            -r if c[0] == "0" else r,
            -r if c[1] == "0" else r,
            0.0,
        )

    def ceiling(self, frac: tuple[float, float] = (0.3, 0.7)) -> Spot:
        """Held up under the ceiling (the device 0.25-0.35 m below it)."""
        z = self.h - self.u(0.25, 0.35)
        return (self._fit(self.u(*frac) * self.w, self.u(*frac) * self.l, z), (0.0, 0.0, 1.0))

    def middle(
        self, fx: tuple[float, float], fy: tuple[float, float], h: tuple[float, float]
    ) -> Spot:
        """Over a table or bed in the room; its hiding places are below."""
        return (
            self._fit(self.u(*fx) * self.w, self.u(*fy) * self.l, self.u(*h)),
            (0.0, 0.0, -1.0),
        )

    def near(
        self, key: str, shift: tuple[float, float], h: tuple[float, float], sign: int | None = None
    ) -> Spot | None:
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
Fixture = tuple[float, tuple[str, ...], Callable[[Room], "Spot | None"]]


def _door(r: Room) -> Spot:
    return r.wall("y0", (0.1, 0.3), (1.1, 1.3))


def _hotel(r: Room) -> list[Fixture]:
    r.ctx["bed"] = r.u(0.5, 0.72) * r.l

    def beside_bed(sign: int):
        return lambda r: r.wall(
            "x0", (0, 0), (0.55, 0.75), at=r.ctx["bed"] + sign * r.u(1.05, 1.25)
        )

    def bed_foot(r: Room) -> Spot:  # over the foot of the bed (2 m long from x = 0)
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
        (
            0.4,
            ("air-conditioner",),
            lambda r: r.wall(("y1", "x1"), (0.15, 0.85), (r.h - 0.55, r.h - 0.3)),
        ),
        (0.3, ("usb-charger", "power-socket"), lambda r: r.wall("x1", (0.3, 0.7), (0.25, 0.4))),
        (0.3, ("luggage-rack",), lambda r: r.wall("y0", (0.5, 0.85), (0.5, 0.7))),
        (0.3, ("picture-frame", "mirror"), lambda r: r.wall("x0", (0.3, 0.95), (1.5, 1.8))),
    ]


def _bathroom(r: Room) -> list[Fixture]:
    def sink(r: Room) -> Spot:
        return r.remember("sink", r.wall(("x0", "x1"), (0.25, 0.6), (0.85, 0.95)))

    return [
        (1.0, ("door",), lambda r: r.wall("y0", (0.25, 0.75), (1.1, 1.3))),
        (0.9, ("sink", "washbasin"), sink),
        (0.6, ("mirror", "mirror-cabinet"), lambda r: r.near("sink", (0.0, 0.05), (1.7, 1.85))),
        (0.9, ("toilet",), lambda r: r.wall(("x0", "x1", "y1"), (0.3, 0.8), (0.4, 0.6))),
        (0.8, ("shower", "shower-head"), lambda r: r.corner(("01", "11"), (1.8, 2.0))),
        (0.3, ("bathtub",), lambda r: r.wall(("x0", "x1"), (0.55, 0.9), (0.5, 0.7))),
        (
            0.6,
            ("towel-rail", "towel-hook", "radiator"),
            lambda r: r.wall(("x0", "x1", "y1"), (0.2, 0.8), (1.0, 1.3)),
        ),
        (0.6, ("extractor-fan",), lambda r: r.ceiling((0.25, 0.75))),
        (0.5, ("ceiling-light",), lambda r: r.ceiling((0.35, 0.65))),
        (
            0.4,
            ("shelf", "toiletry-shelf"),
            lambda r: r.wall(("x0", "x1", "y1"), (0.2, 0.8), (1.4, 1.7)),
        ),
        (0.3, ("hair-dryer",), lambda r: r.wall(("x0", "x1"), (0.2, 0.8), (1.2, 1.4))),
        (0.3, ("air-freshener",), lambda r: r.wall(("x0", "x1", "y1"), (0.2, 0.8), (1.6, 2.0))),
        (0.2, ("bin", "laundry-basket"), lambda r: r.corner(("01", "11", "10"), (0.2, 0.4))),
    ]


def _office(r: Room) -> list[Fixture]:
    def desk(r: Room) -> Spot:
        return r.remember("desk", r.wall(("x0", "x1", "y1"), (0.3, 0.7), (0.75, 0.9)))

    return [
        (1.0, ("door",), lambda r: r.wall("y0", r.pick(((0.1, 0.3), (0.7, 0.9))), (1.1, 1.3))),
        (1.0, ("desk",), desk),
        (
            0.7,
            ("desk-drawer", "desk-pedestal"),
            lambda r: r.near("desk", (0.6, 0.8), (0.45, 0.6), sign=-1),
        ),
        (
            0.5,
            ("desk-phone", "monitor", "docking-station"),
            lambda r: r.near("desk", (0.7, 0.9), (0.8, 1.0), sign=+1),
        ),
        (0.6, ("bookshelf",), lambda r: r.wall(("x0", "x1", "y1"), (0.15, 0.85), (1.2, 1.8))),
        (0.5, ("filing-cabinet",), lambda r: r.wall(("x0", "x1"), (0.15, 0.85), (0.8, 1.1))),
        (0.5, ("meeting-table",), lambda r: r.middle((0.35, 0.65), (0.4, 0.65), (0.7, 0.8))),
        (0.7, ("window",), lambda r: r.wall("y1", (0.25, 0.75), (1.2, 1.5))),
        (0.4, ("whiteboard",), lambda r: r.wall(("x0", "x1"), (0.2, 0.8), (1.4, 1.8))),
        (
            0.5,
            ("wall-clock",),
            lambda r: r.wall(("x0", "x1", "y1", "y0"), (0.3, 0.7), (1.9, min(2.3, r.h - 0.2))),
        ),
        (0.7, ("smoke-detector",), lambda r: r.ceiling((0.3, 0.7))),
        (0.3, ("projector", "ceiling-light"), lambda r: r.ceiling((0.3, 0.7))),
        (0.4, ("printer",), lambda r: r.corner(("01", "11", "10"), (0.9, 1.1))),
        (0.4, ("plant",), lambda r: r.corner(("01", "11", "10", "00"), (0.5, 1.0))),
        (
            0.4,
            ("power-strip", "usb-charger", "floor-socket"),
            lambda r: r.wall(("x0", "x1", "y1"), (0.2, 0.8), (0.2, 0.35)),
        ),
        (0.3, ("coat-stand", "coat-hook"), lambda r: r.corner(("00", "10"), (1.5, 1.7))),
        (
            0.3,
            ("air-conditioner",),
            lambda r: r.wall(("x0", "x1", "y1"), (0.2, 0.8), (r.h - 0.55, r.h - 0.3)),
        ),
    ]


def _living(r: Room) -> list[Fixture]:
    def sofa(r: Room) -> Spot:
        return r.remember("sofa", r.wall(("x0", "x1"), (0.35, 0.65), (0.5, 0.7)))

    def tv(r: Room) -> Spot | None:
        s = r.ctx.get("sofa")
        side = ("x1" if s[0] == "x0" else "x0") if s else r.pick(("x0", "x1"))
        return r.remember("tv", r.wall(side, (0.35, 0.65), (1.1, 1.4)))

    return [
        (1.0, ("door",), _door),
        (0.9, ("sofa", "couch"), sofa),
        (0.9, ("tv",), tv),
        (
            0.5,
            ("media-console", "set-top-box", "game-console"),
            lambda r: r.near("tv", (0.7, 0.9), (0.4, 0.55)),
        ),
        (0.7, ("coffee-table",), lambda r: r.middle((0.4, 0.6), (0.35, 0.6), (0.4, 0.5))),
        (0.6, ("bookshelf",), lambda r: r.wall(("x0", "x1", "y0"), (0.15, 0.85), (1.2, 1.8))),
        (0.8, ("window",), lambda r: r.wall("y1", (0.25, 0.75), (1.1, 1.5))),
        (0.5, ("floor-lamp",), lambda r: r.corner(("01", "11", "10"), (1.3, 1.6))),
        (0.8, ("smoke-detector",), lambda r: r.ceiling((0.3, 0.7))),
        (
            0.4,
            ("wall-clock",),
            lambda r: r.wall(("x0", "x1", "y1"), (0.2, 0.8), (1.9, min(2.2, r.h - 0.2))),
        ),
        (0.4, ("picture-frame",), lambda r: r.wall(("x0", "x1", "y1"), (0.2, 0.8), (1.4, 1.8))),
        (0.4, ("plant",), lambda r: r.corner(("01", "11", "10", "00"), (0.5, 1.0))),
        (
            0.4,
            ("speaker", "smart-speaker"),
            lambda r: r.wall(("x0", "x1", "y1"), (0.15, 0.85), (0.8, 1.1)),
        ),
        (0.4, ("dining-table",), lambda r: r.middle((0.35, 0.65), (0.7, 0.85), (0.7, 0.8))),
        (
            0.3,
            ("air-conditioner",),
            lambda r: r.wall(("x0", "x1", "y1"), (0.2, 0.8), (r.h - 0.55, r.h - 0.3)),
        ),
        (
            0.4,
            ("usb-charger", "power-socket"),
            lambda r: r.wall(("x0", "x1", "y0"), (0.2, 0.8), (0.25, 0.4)),
        ),
        (0.3, ("kitchen-counter",), lambda r: r.wall("y0", (0.55, 0.9), (0.9, 1.0))),
    ]


CATALOGUES: dict[str, Callable[[Room], list[Fixture]]] = {
    "hotel-room": _hotel,
    "bathroom": _bathroom,
    "office": _office,
    "living-room": _living,
}
MIN_WAYPOINTS = {"hotel-room": 7, "bathroom": 4, "office": 6, "living-room": 7}


@dataclass
class Place:
    name: str
    position: Vec
    toward: Vec


def _r2(v: float) -> float:
    return round(float(v), 2) + 0.0  # + 0.0: no "-0.0"


def r2v(p) -> Vec:
    """A point rounded to centimetres, as the file writes it."""
    return (_r2(p[0]), _r2(p[1]), _r2(p[2]))


def place_fixtures(room: Room, min_spacing_m: float = MIN_WAYPOINT_SPACING_M) -> list[Place]:
    """The room's waypoints: each fixture of its catalogue present with its
    probability and `min_spacing_m` from the others; mirrored half the time."""
    places: list[Place] = []
    for prob, names, where in CATALOGUES[room.kind](room):
        if room.rng.random() >= prob:
            continue
        name = room.pick(names)
        for _ in range(5):
            spot = where(room)
            if spot is None:
                break
            pos = r2v(spot[0])
            if all(math.dist(pos, p.position) >= min_spacing_m for p in places):
                places.append(Place(name, pos, spot[1]))
                break
    if room.rng.random() < 0.5:  # mirror the layout: door and bed on the other side
        for p in places:
            x, y, z = p.position
            p.position = (_r2(room.w - x), y, z)
            p.toward = (-p.toward[0] + 0.0, p.toward[1], p.toward[2])
    return places


def walking_order(places: list[Place]) -> list[Place]:
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
                    tour[i : j + 1] = reversed(tour[i : j + 1])
                    improved = True
    return [places[i] for i in tour]


def plan_sweep(
    rng: np.random.Generator, order: list[Place], dwells: Sequence[float] = DWELLS_S
) -> tuple[list[SweepStop], float]:
    """The sweep visiting `order` once: (stops, walking speed in m/s)."""
    speed = round(float(rng.uniform(*WALK_SPEED_M_S)), 2)
    stops: list[SweepStop] = []
    t = round(float(rng.uniform(0.3, 1.0)), 1)
    for k, p in enumerate(order):
        if k:
            prev = stops[-1]
            move = max(MIN_MOVE_S, math.dist(order[k - 1].position, p.position) / speed)
            t = round(prev.arrive_s + prev.dwell_s + move + float(rng.uniform(0.0, 0.5)), 1)
            t = max(t, round(prev.arrive_s + MIN_STOP_SPACING_S + 0.1, 1))
        stops.append(SweepStop(p.name, t, dwells[int(rng.integers(len(dwells)))]))
    return stops, speed


def draw_propagation(rng: np.random.Generator, kind: str) -> tuple[str, float, float, float]:
    """(Rappaport row, path-loss exponent, shadowing sigma, noise floor dBm) for a
    room of `kind`."""
    prop_key = ROOM_PROPAGATION[kind][int(rng.integers(len(ROOM_PROPAGATION[kind])))]
    exponent, sigma, _ = RAPPAPORT[prop_key]
    noise = float(round(rng.uniform(*NOISE_FLOOR_DBM)))
    return prop_key, exponent, sigma, noise


def empty_scenario(
    rng: np.random.Generator,
    name: str,
    room: Room,
    order: Sequence[Place],
    stops: list[SweepStop],
    exponent: float,
    sigma: float,
    noise: float,
    **extra: Any,
) -> Scenario:
    """The scenario of a room and its sweep, without emitters yet (draws its seed)."""
    return Scenario(
        name=name,
        description="",
        seed=int(rng.integers(1, 2**31)),
        room_size_m=(room.w, room.l, room.h),
        exponent=exponent,
        shadowing_db=sigma,
        waypoints=[Waypoint(p.name, p.position) for p in order],
        sweep=stops,
        emitters=[],
        duration_s=stops[-1].arrive_s + stops[-1].dwell_s,
        source=f"<generated {name}>",
        noise_floor_dbm=noise,
        ground_truth={},
        **extra,
    )
