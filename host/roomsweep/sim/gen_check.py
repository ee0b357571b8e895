"""The fairness conditions of a scenario for the analyzer (`check_scenario`).

A hidden emitter is detectable in principle when the sweep passes close to it,
closest at its ground-truth waypoint, and there it stands clear of the noise floor,
of the friendly emitters and of the other hidden emitters, and shows stronger than
at any other waypoint (details: roomsweep.sim.generate, which only writes scenarios
that pass; hand-written scenarios can be run through `check_scenario` as well).
Received powers come from the simulator itself (`mean_rx_dbm`).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from roomsweep.sim.fading import DEFAULT_BANDWIDTH_MHZ
from roomsweep.sim.scenario import Emitter, Scenario
from roomsweep.sim.signals import (
    DET_INTERCEPT_DBM,
    DET_SLOPE_V_PER_DB,
    FeedGenerator,
    detector_volts,
)

# --- the fairness conditions (check_scenario) -------------------------------------------

MAX_CLOSEST_M = 1.5  # the sweep passes at least this close to every hidden emitter
DETECT_MARGIN_DB = 10.0  # over the noise floor and over the friendly emitters
SEPARATION_DB = 3.0  # over any other hidden emitter, at its own waypoint
CONTRAST_DB = 3.0  # detector level at its waypoint over that at any other waypoint
FRIENDLY_MIN_DISTANCE_M = 2.0  # friendly emitters keep this far from the sweep path
CLOSEST_TOLERANCE_M = 0.05  # "closest at its waypoint" up to this much
PATH_STEP_S = 0.05  # sweep path sampling for closest approaches


# --- received power from the simulator -------------------------------------------------


def mean_rx_dbm(scenario: Scenario, emitter: Emitter, t_s) -> np.ndarray:
    """Mean received power (dBm) of `emitter` alone while it transmits, at the device's
    positions at times `t_s`, exactly as the simulator computes it (path loss, walls,
    the shadowing drawn for the scenario's seed and the emitter's id).

    It asks `FeedGenerator.rf_dbm` about a copy of the emitter turned into a continuous
    carrier (the shadowing depends on the seed and id, not on the kind) in a copy of
    the scenario with no noise floor."""
    carrier = dataclasses.replace(emitter, kind="analog_video", params={})
    if emitter.fading_k_db is not None:  # the fading of its own bandwidth
        bandwidth = emitter.bandwidth_mhz or DEFAULT_BANDWIDTH_MHZ[emitter.kind]
        carrier = dataclasses.replace(carrier, bandwidth_mhz=bandwidth)
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
class SweepProbe:
    """A scenario's sweep sampled once: path times/positions and the dwell midpoints."""

    times: np.ndarray
    positions: np.ndarray
    stop_times: dict[str, float]  # waypoint -> the middle of its (first) dwell
    noise_dbm: float


def probe_sweep(scenario: Scenario) -> SweepProbe:
    times = path_times(scenario)
    stop_times: dict[str, float] = {}
    for s in scenario.sweep:
        stop_times.setdefault(s.waypoint, s.arrive_s + 0.5 * s.dwell_s)
    return SweepProbe(times, scenario.position_at(times), stop_times, scenario.noise_floor_dbm)


def _levels(scenario: Scenario, emitter: Emitter, probe: SweepProbe) -> dict[str, float]:
    """Mean received power of `emitter` at each visited waypoint."""
    names = list(probe.stop_times)
    dbm = mean_rx_dbm(scenario, emitter, [probe.stop_times[n] for n in names])
    return {n: float(v) for n, v in zip(names, dbm)}


def _hidden_report(
    scenario: Scenario, e: Emitter, probe: SweepProbe, levels: dict[str, dict[str, float]]
) -> HiddenReport:
    pos = np.asarray(e.position_m)
    nearest = scenario.nearest_waypoint(pos)
    wp_d = float(np.linalg.norm(np.asarray(scenario.waypoint(nearest).position_m) - pos))
    closest = float(np.min(np.linalg.norm(probe.positions - pos, axis=1)))
    noise = probe.noise_dbm
    own = levels[e.id]
    if nearest not in own:  # the sweep never stops there
        unknown = [float("nan")] * 6  # level_dbm .. contrast_db: never there
        return HiddenReport(
            e.id, e.kind, scenario.ground_truth.get(e.id), nearest, wp_d, closest, *unknown
        )
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
    separation = (
        seen - float(detector_dbm(_power_sum_dbm(max(others), noise))) if others else math.inf
    )
    elsewhere = [v for n, v in own.items() if n != nearest]
    contrast = (
        seen - float(detector_dbm(_power_sum_dbm(max(elsewhere), noise)))
        if elsewhere
        else math.inf
    )
    return HiddenReport(
        e.id,
        e.kind,
        scenario.ground_truth.get(e.id),
        nearest,
        wp_d,
        closest,
        level,
        noise_margin,
        ambient,
        ambient_margin,
        separation,
        contrast,
    )


def hidden_reports(scenario: Scenario) -> list[HiddenReport]:
    """The fairness figures of every hidden emitter of `scenario`."""
    probe = probe_sweep(scenario)
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
    probe = probe_sweep(scenario)
    for f in scenario.emitters:
        if f.hidden:
            continue
        d = float(np.min(np.linalg.norm(probe.positions - np.asarray(f.position_m), axis=1)))
        if d < FRIENDLY_MIN_DISTANCE_M:
            problems.append(
                f"friendly emitter {f.id!r} comes within {d:.2f} m of the sweep "
                f"(keep it {FRIENDLY_MIN_DISTANCE_M:g} m away or mark it hidden)"
            )
    taken: dict[str, str] = {}
    for r in hidden_reports(scenario):
        where = f"hidden emitter {r.id!r} ({r.kind})"
        if r.waypoint is None:
            problems.append(f"{where} has no [ground_truth] entry")
        elif r.waypoint != r.nearest_waypoint:
            problems.append(
                f"{where}: ground truth says {r.waypoint!r} but the nearest "
                f"waypoint is {r.nearest_waypoint!r}"
            )
        if r.nearest_waypoint in taken:
            problems.append(
                f"{where} shares waypoint {r.nearest_waypoint!r} with "
                f"{taken[r.nearest_waypoint]!r}"
            )
        taken.setdefault(r.nearest_waypoint, r.id)
        if math.isnan(r.level_dbm):
            problems.append(f"{where}: the sweep never stops at {r.nearest_waypoint!r}")
            continue
        if r.closest_m > MAX_CLOSEST_M:
            problems.append(f"{where}: the sweep passes no closer than {r.closest_m:.2f} m")
        if r.closest_m < r.waypoint_distance_m - CLOSEST_TOLERANCE_M:
            problems.append(
                f"{where}: the sweep passes closer ({r.closest_m:.2f} m) between "
                f"waypoints than at {r.nearest_waypoint!r} "
                f"({r.waypoint_distance_m:.2f} m)"
            )
        for what, value, need in (
            ("the noise floor", r.noise_margin_db, DETECT_MARGIN_DB),
            ("the friendly emitters", r.ambient_margin_db, DETECT_MARGIN_DB),
            ("the other hidden emitters", r.separation_db, SEPARATION_DB),
            ("its own level at any other waypoint", r.contrast_db, CONTRAST_DB),
        ):
            if value < need:
                problems.append(
                    f"{where}: only {value:.1f} dB over {what} at "
                    f"{r.nearest_waypoint!r} (needs {need:g})"
                )
    return problems
