"""The "wide" generation profile: rooms without the classic generator's promises.

The classic profile (sim/generate.py) writes only rooms that are easy for the
analyzer by construction: waypoints at least 0.8 m apart, every hidden transmitter
0.1-0.3 m from its own waypoint, no two sharing a waypoint, each 10 dB over
everything else there and 3 dB stronger there than at any other stop, friendly
emitters 2 m from the sweep, the nominal ADC. Real rooms promise none of that
(issue 14). This profile draws, each range cited beside its constant:

- waypoints 0.3-3 m apart: the fixture catalogues of sim/gen_room.py placed
  0.3 m apart, some skipped, some doubled (a second stop 0.3-0.7 m beside a fixture),
  and stops in the open floor inserted where two consecutive stops would be more
  than 3 m apart; dwells 2-8 s;
- 1-6 hidden transmitters anywhere within 1 m of a stop, between two stops, on
  the ceiling, or 0.3-1 m from another hidden one; several may share a nearest stop;
- walls with penetration loss per material (sim/walls.py: ITU-R P.2040, 3GPP TR
  38.901) and neighbours' phones, access points, DECT bases and headsets 0-3 m
  behind them, upstairs and downstairs; nothing keeps them away from the sweep;
- GSM and LTE uplink power control, and transmitters close enough to saturate
  the detector;
- Wi-Fi cameras sending video frame by frame at PHY rates 6-300 Mb/s, with or
  without A-MPDU aggregation (signals._WifiVideo);
- a per-unit detector: the ESP32 ADC's ESP-IDF characteristic with an eFuse Vref
  drawn in 1000-1200 mV, and the AD8318 intercept offset per band (sim/unit.py);
- clocks that drift: every GSM, DECT, Bluetooth and LTE transmitter keeps its
  frames on its own clock, against the detector's ESP32 crystal (_clocks), so a
  train's phase walks along the sweep as a real one does.

The only check kept is physics: a hidden transmitter must rise at least
DETECTABLE_OVER_NOISE_DB over the noise floor somewhere along the sweep path (as
received while it transmits, walls and shadowing included); one that does not is
drawn again elsewhere. Ground truth: every hidden emitter with its position and its
nearest stop.

File ``index`` of seed ``S`` is drawn from a numpy Generator seeded with
``[S, index, WIDE_TAG]`` alone, so the files are reproducible and independent of
the classic profile's stream. Numbers marked [std] come from the named standard,
[judgement] marks plain choices.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np

from roomsweep.sim.gen_check import mean_rx_dbm, path_times
from roomsweep.sim.gen_emitters import HIDDEN_KINDS, HIDDEN_LABELS, HIDDEN_WORDS, Draw
from roomsweep.sim.gen_room import (
    ROOM_TYPES,
    Place,
    Room,
    Vec,
    draw_propagation,
    empty_scenario,
    place_fixtures,
    plan_sweep,
    r2v,
    walking_order,
)
from roomsweep.sim.gen_wide_emitters import (
    WideDraw,
    hidden_params,
    neighbours,
    r1,
    unique_id,
)
from roomsweep.sim.scenario import Emitter, Scenario
from roomsweep.sim.unit import DetectorUnit
from roomsweep.sim.walls import Wall

WIDE_TAG = 0x57494445  # "WIDE": third word of the profile's seed
# Clocks, drawn from their own stream ([S, index, CLOCK_TAG]) so that adding them
# left every other draw of a file as it was
CLOCK_TAG = 0x434C4B  # "CLK"
# The detector samples on the ESP32's 40 MHz crystal, +-10 ppm [std: ESP32
# datasheet, external crystal frequency stability]. Each transmitter's frame
# clock against true time, ppm: a GSM or LTE handset locks to its base station,
# itself within 0.05 ppm [std: 3GPP TS 45.010 5.1; TS 36.104 6.5]; a DECT fixed
# part +-5 ppm [std: ETSI EN 300 175-2 4.2.2]; a Bluetooth native clock
# +-20 ppm [std: Core 5.4 Vol 2 Part B 1.1]
ESP32_CLOCK_PPM = 10.0
OWN_CLOCK_PPM = {"gsm": 0.05, "lte": 0.05, "dect": 5.0, "bt_classic": 20.0}

# --- waypoints and sweep ---------------------------------------------------------------

WAYPOINT_MIN_M = 0.3  # issue 14: stops as close as 0.3 m (two spots on one nightstand)
WAYPOINT_MAX_GAP_M = 3.0  # issue 14: and as far as 3 m; open-floor stops fill longer gaps
SKIP_FIXTURE_P = 0.15  # an operator passes some fixtures by [judgement]
EXTRA_STOP_P = 0.3  # a second stop beside a fixture (left and right of a TV) [judgement]
EXTRA_STOP_M = (0.3, 0.7)  # [judgement]
MIN_STOPS = 3
DWELLS_S = tuple(float(x) for x in np.arange(2.0, 8.01, 0.5))  # [judgement]

# --- hidden transmitters ------------------------------------------------------------

# P(1..6 hidden) [judgement; issue 14: 1-6 a room]
HIDDEN_COUNT_WEIGHTS = (0.35, 0.27, 0.16, 0.1, 0.07, 0.05)
NEAR_STOP_M = 1.0  # issue 14: anywhere within 1 m of a stop
MIN_FROM_STOP_M = 0.05  # not in the operator's hand
CLUSTER_M = (0.3, 1.0)  # issue 14: a camera at the TV and a sender at the desk 1 m apart
CEILING_DROP_M = (0.02, 0.08)  # a smoke detector's or ceiling light's housing [judgement]
# how a hidden transmitter is placed, when another hidden one exists (else the
# cluster share goes to "stop") [judgement]
PLACEMENTS = (("stop", 0.45), ("between", 0.2), ("ceiling", 0.15), ("cluster", 0.2))
# Multipath fading (sim/fading.py), 3GPP TR 38.901 Table 7.5-6, indoor hotspot:
# LOS Ricean K 7 dB, sigma 4 dB; lgDS (log10 of the delay spread in s) LOS
# -0.01 log10(1 + fc) - 7.692, sigma 0.18, at fc = 2.4 GHz
LOS_K_DB = (7.0, 4.0)
LOS_K_CLIP_DB = (-5.0, 19.0)  # +-3 sigma
NLOS_K_DB = -30.0  # Rayleigh: no line of sight (through a wall, inside furniture)
HIDDEN_NLOS_P = 0.3  # a hidden device behind or inside something solid [judgement]
LG_DELAY_SPREAD = (-0.01 * math.log10(1 + 2.4) - 7.692, 0.18)
DETECTABLE_OVER_NOISE_DB = 3.0  # physics: it must show somewhere along the path
PLACE_ATTEMPTS = 30

# Wall materials per room type and face group: (material, thickness m) [judgement,
# typical European construction]: plasterboard stud walls (2 x 12.5 mm, or doubled
# boards), half-brick and full-brick walls (115 / 240 mm), concrete walls and slabs.
_SIDE = (
    ("drywall", 0.025),
    ("drywall", 0.05),
    ("brick", 0.115),
    ("brick", 0.24),
    ("concrete", 0.15),
    ("reinforced-concrete", 0.2),
)
_PARTITION = (("drywall", 0.025), ("drywall", 0.05), ("brick", 0.115), ("wood", 0.04))
_FACADE = (("brick", 0.24), ("concrete", 0.2), ("reinforced-concrete", 0.25))
_SLAB = (("reinforced-concrete", 0.2), ("concrete", 0.2), ("concrete", 0.15))
WALL_CHOICES = {
    "hotel-room": {"x": _SIDE, "y0": _PARTITION, "y1": _FACADE},
    "bathroom": {"x": _SIDE[2:] + _PARTITION[:2], "y0": _PARTITION, "y1": _SIDE},
    "office": {"x": _PARTITION + _SIDE[2:3], "y0": _PARTITION, "y1": _FACADE},
    "living-room": {"x": _SIDE, "y0": _SIDE, "y1": _FACADE},
}

# --- the unit's detector -------------------------------------------------------------

VREF_STEP_MV = 7.0  # eFuse Vref: 1100 mV + k x 7 mV [std: ESP-IDF esp_adc_cal.c]
VREF_STEPS = 14  # |k| <= 14: 1002-1198 mV, within ESP-IDF's 1000-1200 mV spread
INTERCEPT_ANCHORS_MHZ = (900.0, 1900.0, 2450.0, 5800.0)
INTERCEPT_SIGMA_DB = 1.0  # per-band intercept spread [judgement; the AD8318 datasheet
ADC_NOISE_LSB = (2, 8)  # +-n counts per read [judgement: the nominal unit's 2 up to a
#   board without the 0.1 uF pad capacitor ESP-IDF recommends; ref §2 reports ~25 LSB]
INTERCEPT_CLIP_DB = 2.5  #   lists the intercept per frequency, see sim/unit.py]


@dataclass
class WideGenerated:
    scenario: Scenario
    room: Room
    prop_key: str
    speed: float
    hidden: list[WideDraw]
    ambient: list[WideDraw]
    dropped: int = 0  # hidden transmitters no stop could ever see, drawn again
    notes: dict[str, str] = field(default_factory=dict)


# --- room, stops, sweep ------------------------------------------------------------------


def _side_stop(room: Room, p: Place, taken: list[Place], names: set[str]) -> Place | None:
    """A second stop 0.3-0.7 m beside fixture `p`, horizontally."""
    rng = room.rng
    t = np.asarray(p.toward, dtype=float)
    if abs(t[2]) > 0.9:  # a ceiling or table fixture: any horizontal direction
        a = float(rng.uniform(0, 2 * math.pi))
        d = np.array([math.cos(a), math.sin(a), 0.0])
    else:
        d = np.array([-t[1], t[0], 0.0]) * (1 if rng.random() < 0.5 else -1)
    pos = np.asarray(p.position) + d * float(rng.uniform(*EXTRA_STOP_M))
    spot = r2v(room._fit(*(float(c) for c in pos)))
    if any(math.dist(spot, q.position) < WAYPOINT_MIN_M for q in taken):
        return None
    name = unique_id(f"{p.name}-side", names)
    names.add(name)
    return Place(name, spot, p.toward)


def _fill_gaps(room: Room, order: list[Place], names: set[str]) -> list[Place]:
    """Open-floor stops wherever two consecutive stops are over 3 m apart."""
    out = [order[0]]
    for b in order[1:]:
        a = out[-1]
        gap = math.dist(a.position, b.position)
        k = math.ceil(gap / WAYPOINT_MAX_GAP_M) - 1
        for j in range(1, k + 1):
            f = j / (k + 1)
            x = a.position[0] + f * (b.position[0] - a.position[0])
            y = a.position[1] + f * (b.position[1] - a.position[1])
            z = float(room.rng.uniform(0.9, 1.4))
            spot = r2v(room._fit(x, y, z))
            if all(math.dist(spot, q.position) >= WAYPOINT_MIN_M for q in out + order):
                name = unique_id("open-floor", names)
                names.add(name)
                out.append(Place(name, spot, (0.0, 0.0, -1.0)))
        out.append(b)
    return out


def _stops(room: Room) -> list[Place] | None:
    """Waypoints in walking order (door first), or None for too few."""
    rng = room.rng
    fixtures = place_fixtures(room, WAYPOINT_MIN_M)
    if not fixtures:
        return None
    kept = [fixtures[0]] + [p for p in fixtures[1:] if rng.random() >= SKIP_FIXTURE_P]
    names = {p.name for p in kept}
    extra: list[Place] = []
    for p in list(kept):
        if rng.random() < EXTRA_STOP_P:
            q = _side_stop(room, p, kept + extra, names)
            if q is not None:
                extra.append(q)
    places = kept + extra
    if len(places) < MIN_STOPS:
        return None
    return _fill_gaps(room, walking_order(places), names)


def _walls(rng: np.random.Generator, kind: str) -> dict[str, Wall]:
    choice = WALL_CHOICES[kind]

    def pick(options) -> Wall:
        m, t = options[int(rng.integers(len(options)))]
        return Wall(m, float(t))

    slab = pick(_SLAB)
    return {
        "x0": pick(choice["x"]),
        "x1": pick(choice["x"]),
        "y0": pick(choice["y0"]),
        "y1": pick(choice["y1"]),
        "floor": slab,
        "ceiling": slab,
    }


def _unit(rng: np.random.Generator) -> DetectorUnit:
    vref = 1100.0 + VREF_STEP_MV * int(rng.integers(-VREF_STEPS, VREF_STEPS + 1))
    offsets = np.clip(
        rng.normal(0.0, INTERCEPT_SIGMA_DB, len(INTERCEPT_ANCHORS_MHZ)),
        -INTERCEPT_CLIP_DB,
        INTERCEPT_CLIP_DB,
    )
    pairs = tuple((f, r1(o)) for f, o in zip(INTERCEPT_ANCHORS_MHZ, offsets))
    noise = int(rng.integers(ADC_NOISE_LSB[0], ADC_NOISE_LSB[1] + 1))
    return DetectorUnit("esp-idf", vref, pairs, noise)


# --- placing hidden transmitters ----------------------------------------------------------


def _clip_in(room: Room, p) -> Vec:
    size = np.array([room.w, room.l, room.h])
    return r2v(np.clip(np.asarray(p, dtype=float), 0.02, size - 0.02))


def _ball(rng: np.random.Generator, lo: float, hi: float) -> np.ndarray:
    v = rng.normal(size=3)
    v /= max(float(np.linalg.norm(v)), 1e-9)
    r = hi * float(rng.random()) ** (1.0 / 3.0)
    return v * max(r, lo)


def _placement(
    rng: np.random.Generator, room: Room, order: list[Place], placed: list[Emitter]
) -> tuple[Vec, str]:
    names = [n for n, _ in PLACEMENTS]
    w = np.array([p for _, p in PLACEMENTS])
    if not placed:
        w[names.index("stop")] += w[names.index("cluster")]
        w[names.index("cluster")] = 0.0
    how = names[int(rng.choice(len(names), p=w / w.sum()))]
    if how == "stop":
        p = order[int(rng.integers(len(order)))]
        off = _ball(rng, MIN_FROM_STOP_M, NEAR_STOP_M)
        toward = np.asarray(p.toward, dtype=float)
        along = float(off @ toward)
        if along < 0 and rng.random() < 0.5:  # toward the fixture rather than away
            off = off - 2.0 * along * toward
        pos = _clip_in(room, np.asarray(p.position) + off)
        return pos, f"{math.dist(pos, p.position):.2f} m from the {p.name} stop"
    if how == "between" and len(order) > 1:
        i = int(rng.integers(len(order) - 1))
        a, b = np.asarray(order[i].position), np.asarray(order[i + 1].position)
        d = b - a
        side = np.array([-d[1], d[0], 0.0])
        side /= max(float(np.linalg.norm(side)), 1e-9)
        pos = _clip_in(
            room,
            a
            + float(rng.uniform(0.2, 0.8)) * d
            + side * float(rng.uniform(-0.6, 0.6))
            + np.array([0.0, 0.0, float(rng.uniform(-0.8, 0.6))]),
        )
        return pos, f"between the {order[i].name} and {order[i + 1].name} stops"
    if how == "cluster":
        q = placed[int(rng.integers(len(placed)))]
        off = _ball(rng, CLUSTER_M[0], CLUSTER_M[1])
        pos = _clip_in(room, np.asarray(q.position_m) + off)
        return pos, f"{math.dist(pos, q.position_m):.2f} m from {q.id}"
    pos = _clip_in(
        room,
        (
            float(rng.uniform(0.3, room.w - 0.3)),
            float(rng.uniform(0.3, room.l - 0.3)),
            room.h - float(rng.uniform(*CEILING_DROP_M)),
        ),
    )
    return pos, "on the ceiling"


def _peak_over_noise(base: Scenario, e: Emitter, times: np.ndarray) -> float:
    return float(np.max(mean_rx_dbm(base, e, times))) - base.noise_floor_dbm


def _hidden(
    rng: np.random.Generator,
    room: Room,
    order: list[Place],
    base: Scenario,
    taken: set[str],
    times: np.ndarray,
) -> tuple[list[WideDraw], int]:
    want = 1 + int(rng.choice(len(HIDDEN_COUNT_WEIGHTS), p=HIDDEN_COUNT_WEIGHTS))
    out: list[WideDraw] = []
    dropped = 0
    for _ in range(want):
        for _attempt in range(PLACE_ATTEMPTS):
            kind = HIDDEN_KINDS[int(rng.integers(len(HIDDEN_KINDS)))]
            pos, how = _placement(rng, room, order, [d.draw.emitter for d in out])
            near = base.nearest_waypoint(pos)
            where = "ceiling" if how == "on the ceiling" else near
            eid = unique_id(f"{where}-{HIDDEN_LABELS[kind]}", taken)
            taken.add(eid)
            eirp, band, params, what, note = hidden_params(rng, kind)
            em = Emitter(eid, kind, pos, float(eirp), float(band), True, params)
            em.fading_k_db = (
                r1(np.clip(rng.normal(*LOS_K_DB), *LOS_K_CLIP_DB))
                if rng.random() >= HIDDEN_NLOS_P
                else NLOS_K_DB
            )
            if _peak_over_noise(base, em, times) >= DETECTABLE_OVER_NOISE_DB:
                role = f"{HIDDEN_WORDS[kind]} {how}"
                out.append(WideDraw(Draw(em, what, note, role=role), how))
                break
            dropped += 1
    return out, dropped


# --- one scenario ---------------------------------------------------------------------------


def _try(rng: np.random.Generator, name: str) -> WideGenerated | None:
    room = Room(rng, ROOM_TYPES[int(rng.integers(len(ROOM_TYPES)))])
    order = _stops(room)
    if order is None:
        return None
    stops, speed = plan_sweep(rng, order, DWELLS_S)
    prop_key, exponent, sigma, noise = draw_propagation(rng, room.kind)
    walls = _walls(rng, room.kind)
    unit = _unit(rng)
    delay_spread = float(round(10.0 ** (rng.normal(*LG_DELAY_SPREAD)) * 1e9))
    base = empty_scenario(
        rng,
        name,
        room,
        order,
        stops,
        exponent,
        sigma,
        noise,
        walls=walls,
        detector=unit,
        delay_spread_ns=delay_spread,
    )
    taken = {p.name for p in order}
    ambient = neighbours(rng, room, walls, taken)
    times = path_times(base)
    hidden, dropped = _hidden(rng, room, order, base, taken, times)
    if not hidden:
        return None
    scn = dataclasses.replace(
        base,
        emitters=[h.draw.emitter for h in hidden] + [a.draw.emitter for a in ambient],
        ground_truth={
            h.draw.emitter.id: base.nearest_waypoint(h.draw.emitter.position_m) for h in hidden
        },
    )
    return WideGenerated(scn, room, prop_key, speed, hidden, ambient, dropped)


def draw_wide(seed: int, index: int, name: str = "pending") -> WideGenerated:
    """Wide scenario `index` of `seed` (the Generator seeded [seed, index, WIDE_TAG])."""
    rng = np.random.default_rng([int(seed), int(index), WIDE_TAG])
    for _ in range(200):
        g = _try(rng, name)
        if g is not None:
            _clocks(g.scenario, np.random.default_rng([int(seed), int(index), CLOCK_TAG]))
            return g
    raise RuntimeError(
        f"could not generate wide scenario {index} of seed {seed}"
    )  # pragma: no cover


def _clocks(scenario: Scenario, rng: np.random.Generator) -> None:
    """Each framed transmitter's frames on the detector's clock (params
    clock_ppm, signals.make_process: + is frames that run long), one ESP32
    crystal for the whole sweep. Each clock's error is drawn as how slow it
    runs: a transmitter slow by s ppm sends frames s ppm long in true time,
    and an ESP32 slow by e ppm reads every interval e ppm short, so on the
    detector's axis a frame runs s - e ppm long."""
    esp32_slow = float(rng.uniform(-ESP32_CLOCK_PPM, ESP32_CLOCK_PPM))
    for e in scenario.emitters:
        own = OWN_CLOCK_PPM.get(e.kind)
        if own is not None:
            own_slow = float(rng.uniform(-own, own))
            e.params = {**e.params, "clock_ppm": r1(own_slow - esp32_slow, 2)}


def check_wide(scenario: Scenario) -> list[str]:
    """The wide profile's checks ([] if it passes): physics and bookkeeping only.
    Every hidden emitter has a [ground_truth] entry naming its nearest waypoint, and
    rises DETECTABLE_OVER_NOISE_DB over the noise floor somewhere along the sweep."""
    problems = []
    times = path_times(scenario)
    for e in scenario.emitters:
        if not e.hidden:
            continue
        where = f"hidden emitter {e.id!r} ({e.kind})"
        near = scenario.nearest_waypoint(e.position_m)
        gt = scenario.ground_truth.get(e.id)
        if gt is None:
            problems.append(f"{where} has no [ground_truth] entry")
        elif gt != near:
            problems.append(f"{where}: ground truth says {gt!r} but the nearest is {near!r}")
        peak = _peak_over_noise(scenario, e, times)
        if peak < DETECTABLE_OVER_NOISE_DB:
            problems.append(
                f"{where}: peaks only {peak:.1f} dB over the noise floor along the sweep"
            )
    return problems
