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

Modules: sim/gen_room.py draws the room, its waypoints and the sweep;
sim/gen_emitters.py the hidden and friendly emitters; sim/gen_check.py holds the
fairness conditions (`check_scenario`, `mean_rx_dbm`); sim/gen_toml.py writes the
file; sim/netgenerate.py and sim/lensgen.py add the Wi-Fi/BLE devices and the lens
finder's world from their own random streams. This module draws whole scenarios.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np

from roomsweep.errors import UsageError
from roomsweep.sim.gen_check import (  # noqa: F401 - DETECT_MARGIN_DB, MAX_CLOSEST_M re-exported
    DETECT_MARGIN_DB,
    FRIENDLY_MIN_DISTANCE_M,
    MAX_CLOSEST_M,
    SweepProbe,
    check_scenario,
    hidden_reports,
    mean_rx_dbm,
    probe_sweep,
)
from roomsweep.sim.gen_emitters import (  # noqa: F401 - MAX_OFFSET_M re-exported
    AMBIENT_ROLES,
    HIDDEN_KINDS,
    HIDDEN_LABELS,
    MAX_OFFSET_M,
    Draw,
    draw_ambient,
    draw_hidden,
    unique_id,
)
from roomsweep.sim.gen_room import (
    MIN_WAYPOINTS,
    ROOM_TYPES,
    Place,
    Room,
    Vec,
    draw_propagation,
    empty_scenario,
    place_fixtures,
    plan_sweep,
    walking_order,
)
from roomsweep.sim.gen_toml import Generated, render_toml, summary_line
from roomsweep.sim.gen_wide import check_wide, draw_wide
from roomsweep.sim.gen_wide_toml import render_wide_toml, wide_summary
from roomsweep.sim.lensgen import draw_optics, optics_toml
from roomsweep.sim.netgenerate import network_toml
from roomsweep.sim.scenario import Scenario, load_scenario

PROFILES = ("classic", "wide")  # sim/gen_wide.py: the wide profile

# --- generator choices ----------------------------------------------------------------

AMBIENT_MAX_DBM = -25.0  # a friendly emitter's peak along the sweep (about what a phone
#                          in the corridor gives the bundled hotel room) [judgement]
AMBIENT_MIN_OVER_NOISE_DB = 3.0  # and it must show above the noise floor somewhere
HIDDEN_COUNT_WEIGHTS = (0.10, 0.35, 0.35, 0.20)  # P(0, 1, 2, 3 hidden) [judgement]


# --- one scenario ---------------------------------------------------------------------------


def _outside_box(p: Vec, room: Room) -> bool:
    return not (0 <= p[0] <= room.w and 0 <= p[1] <= room.l and 0 <= p[2] <= room.h)


def _try_scenario(rng: np.random.Generator, name: str) -> Generated | None:
    """One attempt at a scenario (None: draw another room): the room and its sweep,
    then the friendly emitters, then the hidden ones."""
    drawn = _room_and_sweep(rng, name)
    if drawn is None:
        return None
    room, order, speed, prop_key, base = drawn
    probe = probe_sweep(base)
    taken: set[str] = set()
    ambient = _friendly_emitters(rng, room, base, probe, taken)
    if not ambient:
        return None
    hidden = _hidden_emitters(rng, room, order, base, ambient, taken)
    if hidden is None:
        return None
    scn = dataclasses.replace(
        base,
        emitters=[h.emitter for h in hidden] + [a.emitter for a in ambient],
        ground_truth={h.emitter.id: base.nearest_waypoint(h.emitter.position_m) for h in hidden},
    )
    reports = {r.id: r for r in hidden_reports(scn)}
    return Generated(scn, room, prop_key, speed, hidden, ambient, reports)


def _room_and_sweep(
    rng: np.random.Generator, name: str
) -> tuple[Room, list[Place], float, str, Scenario] | None:
    """(room, waypoints in walking order, walking speed, propagation row, the scenario
    without emitters), or None when the room has too few waypoints."""
    room = Room(rng, ROOM_TYPES[int(rng.integers(len(ROOM_TYPES)))])
    places = place_fixtures(room)
    if len(places) < MIN_WAYPOINTS[room.kind]:
        return None
    order = walking_order(places)
    stops, speed = plan_sweep(rng, order)
    prop_key, exponent, sigma, noise = draw_propagation(rng, room.kind)
    base = empty_scenario(rng, name, room, order, stops, exponent, sigma, noise)
    return room, order, speed, prop_key, base


def _friendly_emitters(
    rng: np.random.Generator, room: Room, base: Scenario, probe: SweepProbe, taken: set[str]
) -> list[Draw]:
    """1-4 friendly emitters: outside, 2 m from the path, plausible peak level. Their
    ids join `taken` (rejected ones too)."""
    noise = base.noise_floor_dbm
    ambient: list[Draw] = []
    roles = list(AMBIENT_ROLES)
    for _ in range(int(rng.integers(1, 5))):
        for _attempt in range(30):
            role = roles[int(rng.integers(len(roles)))]
            d = draw_ambient(rng, room, role)
            d.emitter.id = unique_id(d.emitter.id, taken)
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
    return ambient


def _hidden_emitters(
    rng: np.random.Generator,
    room: Room,
    order: list[Place],
    base: Scenario,
    ambient: list[Draw],
    taken: set[str],
) -> list[Draw] | None:
    """0-3 hidden emitters, one per waypoint at most, each passing check_scenario
    with those before it (None: could not place as many as drawn)."""
    want = int(rng.choice(len(HIDDEN_COUNT_WEIGHTS), p=HIDDEN_COUNT_WEIGHTS))
    want = min(want, len(order))
    hidden: list[Draw] = []
    used: set[str] = set()
    for _ in range(want):
        for _attempt in range(40):
            free = [p for p in order if p.name not in used]
            place = free[int(rng.integers(len(free)))]
            kind = HIDDEN_KINDS[int(rng.integers(len(HIDDEN_KINDS)))]
            eid = unique_id(f"{place.name}-{HIDDEN_LABELS[kind]}", taken)
            taken.add(eid)
            d = draw_hidden(rng, room, place, kind, eid)
            trial = [h.emitter for h in hidden] + [d.emitter]
            gt = {h.emitter.id: h.emitter.position_m for h in hidden}
            scn = dataclasses.replace(
                base,
                emitters=trial + [a.emitter for a in ambient],
                ground_truth={
                    **{k: base.nearest_waypoint(v) for k, v in gt.items()},
                    eid: place.name,
                },
            )
            if not check_scenario(scn):
                hidden.append(d)
                used.add(place.name)
                break
        else:
            return None  # could not place this many: draw another room
    return hidden


def generate_one(
    seed: int, index: int, optics: bool = True, profile: str = "classic"
) -> tuple[str, str, str]:
    """Scenario `index` of `seed`: (file stem, TOML text, one-line summary). With
    `optics`, the lens finder's sections too (sim/lensgen.py, own random stream).
    `profile` "wide" draws a room without the classic promises (sim/gen_wide.py)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, not {seed!r}")
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {', '.join(PROFILES)}, not {profile!r}")
    if profile == "wide":
        return _wide_one(int(seed), int(index), optics)
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
    # the Wi-Fi and BLE devices: own random stream
    text = render_toml(g, int(seed), int(index)) + "\n" + network_toml(g.scenario, seed, index)
    if optics:  # the lens finder's lighting, hand, lenses and clutter: own random stream
        text += optics_toml(draw_optics(g.scenario, seed, index))
    return stem, text, summary_line(g)


def _wide_one(seed: int, index: int, optics: bool = True) -> tuple[str, str, str]:
    """Wide scenario `index` of `seed`: the RF room and its network radios, and with
    `optics` the lens finder's sections (sim/lensgen.py, lighting kinds drawn evenly,
    own random stream)."""
    g = draw_wide(seed, index)
    stem = f"w{seed}-{index:03d}-{g.room.kind}"
    g.scenario = dataclasses.replace(g.scenario, name=stem, source=f"<generated {stem}>")
    text = render_wide_toml(g, seed, index) + "\n" + network_toml(g.scenario, seed, index, True)
    if optics:
        text += optics_toml(draw_optics(g.scenario, seed, index))
    return stem, text, wide_summary(g)


def _generate(
    seed: int, count: int, out_dir: Path, optics: bool = True, profile: str = "classic"
) -> list[tuple[Path, str]]:
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 0:
        raise ValueError(f"count must be a non-negative integer, not {count!r}")
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {', '.join(PROFILES)}, not {profile!r}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    check = check_wide if profile == "wide" else check_scenario
    for index in range(int(count)):
        stem, text, summary = generate_one(seed, index, optics, profile)
        path = out_dir / f"{stem}.toml"
        path.write_bytes(text.encode("utf-8"))
        problems = check(load_scenario(path))  # what a reader of the file gets
        if problems:  # pragma: no cover - a bug: the file differs from what was checked
            raise RuntimeError(f"{path}: generated scenario fails its checks: {problems}")
        written.append((path, summary))
    return written


def generate_scenarios(
    seed: int, count: int, out_dir: Path, optics: bool = True, profile: str = "classic"
) -> list[Path]:
    """Write `count` random scenarios drawn from `seed` into `out_dir` (created if
    needed; files of the same names are replaced) and return their paths. File i is
    ``s{seed}-{i:03d}-{room type}.toml`` (``w{seed}-...`` for the wide profile) and
    depends only on (seed, i)."""
    return [p for p, _ in _generate(seed, count, Path(out_dir), optics, profile)]


def main_generate(seed: int, count: int, out: str | os.PathLike, profile: str = "classic") -> int:
    """`roomsweep scenarios generate --seed S --count N --out DIR [--profile P]`: one
    line per file (path, room, waypoints, duration, hidden kind@waypoint, friendly
    count); 0. A bad argument or an `--out` that is not a directory that can be
    written is a UsageError (the CLI says it in one line)."""
    out_dir = Path(out)
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"{out_dir} is not a directory; --out names the directory for the files")
    try:
        for path, summary in _generate(seed, count, out_dir, profile=profile):
            print(f"{path}  {summary}")
    except ValueError as e:
        raise UsageError(str(e)) from None
    except OSError as e:
        where = e.filename or out_dir
        raise UsageError(f"cannot write the scenarios to {where}: {e.strerror or e}") from None
    return 0
