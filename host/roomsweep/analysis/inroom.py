"""Is it in this room? and where, as the stops it is loudest at: per kind,
from its level at every stop (the track analysis.analyze builds).

A source plainly in the room need not single out one stop: between two stops,
on the ceiling, or pinning the detector at several, it reads alike at the
stops around it. What shows it in the room is its fall across the room and a
position fit inside the stops' hull (locate.in_room); what says where is the
region of stops within REGION_DB of its loudest. A source the fit puts beyond
the stops' hull that falls little across the room is beyond the walls
(beyond_walls).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from roomsweep.analysis.classifiers import BY_NAME
from roomsweep.analysis.components import (
    DETECTOR_FLOOR_DBM,
    SATURATION_DBM,
    Component,
    Stretch,
)
from roomsweep.analysis.confidence import probability
from roomsweep.analysis.locate import (
    HULL_MARGIN_M,
    IN_ROOM_FALL_DB,
    MIN_FALL_DB,
    among,
    in_room,
    planless_in_room,
)

# The most each kind may radiate (EIRP, dBm) and the lowest carrier it uses
# (MHz): a source HULL_MARGIN_M or more beyond the stops' hull reads at most that
# EIRP less the free-space loss over HULL_MARGIN_M (n = 2, the least loss; a wall
# in between takes more, 2-12 dB for drywall to brick at 1-6 GHz, ITU-R P.2040),
# so a louder level puts it in the room whatever the position fit says.
# DECT: 250 mW peak (ETSI EN 300 175-2, NTP 24 dBm), 1880 MHz (EU band);
# Bluetooth classic and LE: power class 1, 100 mW (Bluetooth Core 5.x, Vol 6
# Part A 3, Vol 2 Part A 3), 2402 MHz. GSM: power class 4, 2 W (3GPP TS 45.005
# 4.1.1), its lowest band GSM 450 (450.4 MHz uplink, TS 45.005 2): +7.5 dBm.
# LTE: power class 1, 31 dBm (3GPP TS 36.101 Table 6.2.2-1), its lowest band 31
# (452.5 MHz uplink, TS 36.101 Table 5.5-1): +5.5 dBm. Wi-Fi: 36 dBm EIRP (FCC
# 47 CFR 15.247(b)(3)-(4): 1 W with a 6 dBi antenna), 2400 MHz: -4.1 dBm. The
# last three only ever speak above the bare detector's ceiling (auto-ranging).
MOST_EIRP = {
    "dect": (24.0, 1880.0),
    "ble": (20.0, 2402.0),
    "bt_classic": (20.0, 2402.0),
    "gsm": (33.0, 450.4),
    "lte": (31.0, 452.5),
    "wifi_ap": (36.0, 2400.0),
    "wifi_camera": (36.0, 2400.0),
}
SPEED_OF_LIGHT_M_S = 299_792_458.0


def loudest_from_beyond(cls: str) -> float | None:
    """The loudest a source of this kind HULL_MARGIN_M beyond the stops reads
    at any stop (dBm), or None for kinds with no low enough ceiling."""
    if cls not in MOST_EIRP:
        return None
    return level_from_beyond(*MOST_EIRP[cls])


def level_from_beyond(eirp_dbm: float, mhz: float) -> float:
    """The level (dBm) a source of `eirp_dbm` at `mhz` reads HULL_MARGIN_M
    away in free space: the most it reads at a stop from beyond the walls.

    >>> round(level_from_beyond(8.0, 2402.0), 1)
    -32.1
    """
    fspl = 20 * np.log10(4 * np.pi * HULL_MARGIN_M * mhz * 1e6 / SPEED_OF_LIGHT_M_S)
    return float(eirp_dbm - fspl)


def too_loud_for_outside(
    level_dbm: float, fall_db: float | None, eirp_dbm: float, mhz: float
) -> bool:
    """A level louder than a source of `eirp_dbm` at `mhz` reads from beyond
    the walls (level_from_beyond) that falls across the room (MIN_FALL_DB):
    in the room, whatever a position fit says."""
    return bool(
        fall_db is not None
        and fall_db >= MIN_FALL_DB
        and level_dbm > level_from_beyond(eirp_dbm, mhz)
    )


# Kinds with no in-room level of their own (their classifier's in_room_dbm is
# None: LTE's least power, -40 dBm (3GPP TS 36.101 6.3.2), says nothing) count
# from this level
MASKED_IN_ROOM_DBM = -40.0


def in_room_level(cls: str) -> float:
    """The least a kind reads within reach of a stop (its classifier's
    in_room_dbm), or MASKED_IN_ROOM_DBM for kinds with none."""
    classifier = BY_NAME.get(cls)
    if classifier is not None and classifier.in_room_dbm is not None:
        return classifier.in_room_dbm
    return MASKED_IN_ROOM_DBM


# A region is the stops within this of the loudest: a device midway between two
# stops reads alike at both; 6 dB below it (peaks.SHARPNESS_DB, the peak
# rule's own contrast) no longer is.
REGION_DB = 6.0


def at_most(track: np.ndarray, parts: list[Stretch], j: int) -> float:
    """A class's level at stretch j, or where it was not heard, the most it can
    have been: "not heard" beneath louder traffic proves no fall."""
    if track[j] > DETECTOR_FLOOR_DBM:
        return float(track[j])
    return max(DETECTOR_FLOOR_DBM, parts[j].loudest_mode_dbm)


def unique_stops(
    parts: list[Stretch], track: np.ndarray, positions: dict[str, tuple[float, float]]
) -> dict[str, int]:
    """Each placed waypoint's loudest visit: label -> stretch index."""
    out: dict[str, int] = {}
    for st in parts:
        if st.label is None or st.label not in positions:
            continue
        if st.label not in out or track[st.index] > track[out[st.label]]:
            out[st.label] = st.index
    return out


def planless_evidence(track: np.ndarray, parts: list[Stretch], top: Component) -> dict[str, Any]:
    """room_evidence for a capture without a plan (no waypoint positions, as
    from a real sweep): locate.planless_in_room over the loudest stretch at
    each other waypoint (at_most), leaving out a waypoint where the kind was
    not heard beneath traffic as loud as `top` (it shows no fall either way,
    as in locate.in_room); or in the room when the level is too loud for any
    source beyond the walls (_judged_loud)."""
    label = parts[top.stretch].label
    visits: dict[str, float] = {}
    for st in parts:
        if st.label is None or st.label == label:
            continue
        level = at_most(track, parts, st.index)
        if track[st.index] > DETECTOR_FLOOR_DBM or level < top.level_dbm:
            visits[st.label] = max(visits.get(st.label, level), level)
    return _judged_loud(planless_in_room(top.level_dbm, list(visits.values())), top)


def _judged_loud(evidence: dict[str, Any], top: Component) -> dict[str, Any]:
    """`evidence` with `too_loud_for_outside` (louder than any source of its
    kind beyond the walls, MOST_EIRP, and falling across the room), which puts
    it in the room whatever the rest says."""
    most = MOST_EIRP.get(top.cls)
    evidence["too_loud_for_outside"] = most is not None and too_loud_for_outside(
        top.level_dbm, evidence["fall_db"], *most
    )
    if evidence["too_loud_for_outside"]:
        evidence["in_room"] = True
    return evidence


def room_evidence(
    track: np.ndarray,
    parts: list[Stretch],
    top: Component,
    others: list[Component],
    positions: dict[str, tuple[float, float]],
    saturated_at: float = SATURATION_DBM,
) -> dict[str, Any]:
    """locate.in_room over the stops this source speaks for: each waypoint once
    (its loudest visit), without those nearer another source of the kind;
    planless_evidence where the capture has no waypoint positions."""
    label = parts[top.stretch].label
    if label is not None and label not in positions:
        # no position for this stop (no plan, or a plan whose marks are not
        # named after its waypoints): the fall across the sweep alone
        return planless_evidence(track, parts, top)
    stops = unique_stops(parts, track, positions)
    if label is None or label not in stops:
        return {
            "fall_db": None,
            "near_fall_db": None,
            "fit_xy": None,
            "outside_hull_m": None,
            "room_fit_outside_hull_m": None,
            "high_fit_outside_hull_m": None,
            "in_room": False,
        }
    here = np.array(positions[label])
    rivals = [
        np.array(positions[lb])
        for o in others
        if o is not top and (lb := parts[o.stretch].label) in positions and lb != label
    ]
    keep = [
        lb
        for lb in stops
        if all(
            np.hypot(*(np.array(positions[lb]) - r)) >= np.hypot(*(np.array(positions[lb]) - here))
            for r in rivals
        )
    ]
    idx = [stops[lb] for lb in keep]
    levels = track[idx]
    bounds = np.array([at_most(track, parts, j) for j in idx])
    evidence = in_room(
        np.array([positions[lb] for lb in keep]),
        levels,
        bounds,
        levels > DETECTOR_FLOOR_DBM,
        keep.index(label),
        clipped=levels >= saturated_at,  # with auto-ranging: even with the pad in
    )
    return _judged_loud(evidence, top)


# A fit this far beyond the stops' hull puts a source beyond the walls however
# much it falls across the room: twice the reach of a stop (HULL_MARGIN_M), where
# a device a stop could hide would have to be; a steep fall there is the
# fading at one stop (a Rayleigh fade takes 10 dB or more 10 % of the time)
FAR_BEYOND_M = 2 * HULL_MARGIN_M
# A source the in-room test (locate.in_room) already rejects needs its fit only
# half a reach beyond the stops' hull to count as beyond the walls: a phone in the
# corridor 1.2 m past the door, heard loudest at the stop by the door, fits about
# a metre out, just inside the margin that alone would settle it
DOUBTED_BEYOND_M = HULL_MARGIN_M / 2


def beyond_walls(room: dict[str, Any], level: float, saturated_at: float = SATURATION_DBM) -> bool:
    """A source the fit puts outside the stops' hull (locate.HULL_MARGIN_M)
    that falls less than locate.IN_ROOM_FALL_DB across the room: a phone in the
    corridor or next door, heard loudest at the stop nearest to it. A saturated
    level has no shape to fit and is not judged so, nor is a source in the
    room above the stops (above_the_stops)."""
    return (
        level < saturated_at
        and not room.get("too_loud_for_outside")
        and not above_the_stops(room)
        and room["room_fit_outside_hull_m"] is not None
        and room["fall_db"] is not None
        and (
            room["room_fit_outside_hull_m"] > HULL_MARGIN_M
            # the in-room test already failed: the fit need not reach as far
            or (not room["in_room"] and room["room_fit_outside_hull_m"] > DOUBTED_BEYOND_M)
        )
        and (
            room["fall_db"] < IN_ROOM_FALL_DB
            # the fit near the source: the room's may be pulled by another
            # device of the kind
            or (room["outside_hull_m"] or 0.0) > FAR_BEYOND_M
        )
    )


def above_the_stops(room: dict[str, Any]) -> bool:
    """The in-room test passed on the fit with the source's height free, which
    lands among the stops where the fit in their plane does not: a source on
    the ceiling above them. Its plane fits (near the loudest stop and over
    every stop that heard it) read its flat levels as a source far away, and
    are not what puts it beyond the walls (beyond_walls)."""
    return bool(
        room.get("in_room")
        and among(room.get("high_fit_outside_hull_m"))
        and not among(room.get("outside_hull_m"))
    )


def regional_peaks(
    track: np.ndarray,
    best_in: dict[int, Component],
    parts: list[Stretch],
    near: dict[int, list[int]],
    positions: dict[str, tuple[float, float]],
    peaks: list[Component],
    least: float,
) -> dict[int, dict[str, Any]]:
    """Sources plainly in the room that no single stop singles out (between
    stops, on the ceiling): the loudest stop of its neighbourhood (or one
    within REGION_DB of it whose fit lands among the stops), away from the
    peaks already found, whose fall across the room and position fit say "in
    this room" (locate.in_room), down to AMONG_RELIEF_DB beneath `least` (its
    kind's in-room level). Returns stretch -> its in-room evidence."""
    taken = {p.stretch for p in peaks} | {j for p in peaks for j in near[p.stretch]}
    labels_taken = {parts[p.stretch].label for p in peaks}
    found: dict[int, dict[str, Any]] = {}
    chosen = list(peaks)
    for idx in sorted(best_in, key=lambda i: -best_in[i].level_dbm):
        c = best_in[idx]
        if (
            idx in taken
            or parts[idx].label in labels_taken
            or c.level_dbm < least - AMONG_RELIEF_DB
        ):
            continue
        # Beneath a source on the ceiling or between stops several stops read
        # alike, and the fading picks which is loudest: when that one fails
        # the in-room test (its fall taken from the wrong stop), another
        # within REGION_DB of it may speak for the source, but only with a
        # fit that lands among the stops: being second, its fall alone says
        # less (a phone beyond a wall reads nearly as loud one stop further in)
        louder = [j for j in near[idx] if track[j] > c.level_dbm]
        if any(track[j] > c.level_dbm + REGION_DB for j in louder):
            continue  # beneath the region of its neighbourhood's loudest
        evidence = room_evidence(track, parts, c, chosen, positions)
        if not (among_stops(evidence) if louder else evidence["in_room"]):
            continue
        found[idx] = evidence
        chosen.append(c)
        taken |= {idx, *near[idx]}
        labels_taken.add(parts[idx].label)
    return found


# A source away from every stop (on the ceiling, between stops) reads less
# than its kind's in-room level (the least within reach of a stop, its
# classifier's in_room_dbm): down to this much less it is still a candidate
# when the in-room test puts it in the room, and how far beneath weighs in its
# confidence (confidence.TERMS "below_10db", fitted on outcomes). 10 dB is the
# distance from within reach (1 m) to across a 3 m span at n = 2, the slowest
# indoor fall (ITU-R P.1238 gives 1.6-3.5 indoors; 20 log10(3 / 1) = 9.5 dB):
# a ceiling fitting above a stop, or a shelf midway between two.
AMONG_RELIEF_DB = 10.0


def among_stops(evidence: dict[str, Any]) -> bool:
    """The in-room test passed and its position fit (in the stops' plane, or
    with the source's height free: locate.in_room) lands inside the stops'
    hull, not merely within reach of it (locate.HULL_MARGIN_M): a source
    beyond a wall is loudest at the stops along that wall and its fit lands
    at or beyond them, on its own side; one the stops surround is in the room
    whatever its level."""
    return bool(evidence.get("in_room")) and (
        among(evidence.get("outside_hull_m")) or among(evidence.get("high_fit_outside_hull_m"))
    )


# The distance at which a device counts as "at" a stop: the detector held
# within arm's reach of the place something could hide (a shelf, a lamp, a
# vent). It defines the single-stop rule's scope (analysis.peaks), not a room: a
# device further from every stop (between stops, on the ceiling) is found by
# the in-room test and reported with a region (locate.in_room).
HOLD_M = 0.3
# Any stop this close to the loudest may be the one nearest the source: a device
# within reach of the loudest stop (HOLD_M) is nearer another stop only when
# that stop is less than twice that away, and then which of the two reads
# louder is the fading's choice, not the distance's: such a stop is in the
# region unless it read (or, not heard beneath louder traffic, could have read)
# no more than REGION_DB + FADE_DB beneath the loudest; a Rayleigh fade takes
# 10 dB or more only 10 % of the time
CLOSE_STOP_M = 2 * HOLD_M
FADE_DB = 10.0


# A stop where the kind was drowned joins a region this close to its loudest
# stop at most: the neighbours the peak rule weighs (analysis.peaks.NEIGHBOUR_M;
# beyond 2 m walls and reflections dominate what a level says of a distance)
DROWNED_REACH_M = 2.0


def region(
    track: np.ndarray,
    parts: list[Stretch],
    idx: int,
    near: dict[int, list[int]],
    positions: dict[str, tuple[float, float]] | None = None,
) -> list[str]:
    """The stops a source is loudest at: its loudest stop and the neighbours
    within REGION_DB of it, loudest first, each waypoint once; with `positions`,
    the stops within CLOSE_STOP_M of the loudest, down to a fade beneath that
    (FADE_DB), and the drowned neighbours (_drowned_near: the kind's level
    there is unknown, so the source may be as near them; a camera between two
    stops, drowned at one by an analog sender's carrier)."""
    around = sorted({idx, *near[idx]}, key=lambda j: -track[j])
    placed = positions or {}
    here = placed.get(parts[idx].label or "")
    out: list[str] = []
    for j in around:
        label = parts[j].label
        if not label or label in out:
            continue
        if _joins(track[idx], track[j], at_most(track, parts, j), here, placed.get(label)):
            out.append(label)
    return out + [s for s in _drowned_near(track, parts, idx, near, placed) if s not in out]


def not_heard(
    track: np.ndarray, parts: list[Stretch], stops: list[str], top_dbm: float
) -> list[str]:
    """The stops of a region (`stops`, region) where the kind was drowned
    (_drowned) beneath its loudest level `top_dbm`: what a finding names in
    its evidence (region_not_heard)."""
    return [s for s in stops if _drowned(track, parts, s, top_dbm)]


def _drowned(track: np.ndarray, parts: list[Stretch], label: str, top_dbm: float) -> bool:
    """At stop `label` the kind was heard at no visit, and at one at least
    traffic above the detector's floor could hide it at a region's level
    (REGION_DB beneath `top_dbm`, at_most): its level there is unknown."""
    visits = [st.index for st in parts if st.label == label]
    if not visits or any(track[j] > DETECTOR_FLOOR_DBM for j in visits):
        return False
    most = max(at_most(track, parts, j) for j in visits)
    return DETECTOR_FLOOR_DBM < most and most >= top_dbm - REGION_DB


def _drowned_near(
    track: np.ndarray,
    parts: list[Stretch],
    idx: int,
    near: dict[int, list[int]],
    positions: dict[str, tuple[float, float]],
) -> list[str]:
    """The neighbours of stretch `idx` within DROWNED_REACH_M of it (both
    placed) where the kind was drowned (_drowned), unless a stop that heard it
    lies nearer the middle between the two than they do and fell more than
    REGION_DB beneath the loudest: a source as near the drowned stop as the
    loudest would read as loud there."""
    top = float(track[idx])
    here = positions.get(parts[idx].label or "")
    if here is None:
        return []  # without a plan, no distance says which stops are near
    drowned = {
        label: positions[label]
        for j in near[idx]
        if (label := parts[j].label) in positions
        and math.dist(here, positions[label]) <= DROWNED_REACH_M
        and _drowned(track, parts, label, top)
    }
    if not drowned:
        return []
    heard = [
        (positions[label], float(track[j]))
        for label, j in unique_stops(parts, track, positions).items()
        if track[j] > DETECTOR_FLOOR_DBM
    ]
    out: list[str] = []
    for label, there in drowned.items():
        middle = ((here[0] + there[0]) / 2, (here[1] + there[1]) / 2)
        half = math.dist(here, middle)
        if not any(math.dist(p, middle) < half and level < top - REGION_DB for p, level in heard):
            out.append(label)
    return out


def _joins(
    top_dbm: float,
    level_dbm: float,
    most_dbm: float,
    here: tuple[float, float] | None,
    there: tuple[float, float] | None,
) -> bool:
    """Whether a stop at `there` reading `level_dbm` is in the region of a
    source loudest at `here` at `top_dbm` (region's rule): within REGION_DB
    of it, or within CLOSE_STOP_M of `here` and, read or not heard beneath
    louder traffic, able to have read (`most_dbm`) down to a fade beneath."""
    if level_dbm >= top_dbm - REGION_DB:
        return True
    close = here is not None and there is not None and math.dist(here, there) <= CLOSE_STOP_M
    return close and most_dbm >= top_dbm - REGION_DB - FADE_DB


def calibrated(cls: str, level_dbm: float, score: float, room: dict[str, Any]) -> float:
    """The calibrated probability (analysis.confidence) a finding of kind
    `cls` at `level_dbm` with raw `score` and in-room evidence `room` gets
    (with_region), unrounded."""
    below = in_room_level(cls) - round(level_dbm, 1)
    return probability(score, room["fall_db"], _outside(room), below)


def _outside(room: dict[str, Any]) -> float | None:
    """How far the fit lands outside the stops' hull; for a source above the
    stops the fit with its height free, which placed it, not the plane fits,
    which read its flat levels as a source far away."""
    return room["high_fit_outside_hull_m"] if above_the_stops(room) else room["outside_hull_m"]


def with_region(
    finding: dict[str, Any], stops: list[str], room: dict[str, Any], single: bool
) -> dict[str, Any]:
    """The finding with its region (`stops`, see region) and the in-room
    evidence (docs/findings.md); its confidence becomes the calibrated
    probability, the raw score kept as evidence["score"]."""
    finding["region"] = stops if finding["waypoint"] else []
    cls, level, score = finding["class"], finding["level_dbm"], finding["confidence"]
    finding["evidence"]["score"] = score  # the uncalibrated score (confidence.py)
    below, outside = in_room_level(cls) - level, _outside(room)
    finding["confidence"] = round(calibrated(cls, level, score, room), 3)
    finding["in_room_evidence"] = {
        "single_stop_peak": single,
        "in_room": bool(room["in_room"]),
        "fall_across_room_db": None if room["fall_db"] is None else round(room["fall_db"], 1),
        "fall_to_nearer_stops_db": (
            None if room.get("near_fall_db") is None else round(room["near_fall_db"], 1)
        ),
        "outside_stops_hull_m": None if outside is None else round(outside, 2),
        "below_in_room_level_db": round(max(below, 0.0), 1),
    }
    if not single:
        if room["fall_db"] is not None:
            shown = f"falls {room['fall_db']:.0f} dB across it"
        elif room.get("near_fall_db") is not None:
            shown = f"falls {room['near_fall_db']:.0f} dB to the nearer stops"
        else:
            shown = "its position fit lies among the stops"
        finding["why"] += f"; plainly in the room ({shown}), at {', '.join(stops)}"
    return finding


# The raw score of a finding from a scan alone (analysis.wifiscan, blescan): the
# scan named it a camera or a tracker on its own evidence, by its address. Fitted
# on the tuning sets of confidence.COEFFICIENTS (2026-12-05): their 128 such
# findings were 94.5 % true, and this score makes the model's mean for them
# 0.94 (0.85, the tracker signature's weight, gave 0.87: too modest)
SCAN_ONLY_SCORE = 0.98


def scan_finding(
    cls: str,
    levels: dict[str, float],
    strongest: str,
    time_s: float,
    room: dict[str, Any],
    parts: list[Stretch],
    near: dict[int, list[int]],
    source: str,
    why: str,
    positions: dict[str, tuple[float, float]] | None = None,
) -> dict[str, Any]:
    """A finding of kind `cls` from the device's own `source` scan ("wifi" or
    "ble") alone: its level the scan's RSSI at its strongest stop (the same
    received power the detector reads), its position the fit on the scan's
    RSSI (`room`, locate.in_room), its region the stops within REGION_DB of
    the strongest by that RSSI (and with `positions`, those within
    CLOSE_STOP_M of it), its confidence the calibrated probability
    (with_region) of SCAN_ONLY_SCORE."""
    classifier = BY_NAME[cls]
    fit = room["fit_xy"]
    finding: dict[str, Any] = {
        "type": "rf",
        "class": cls,
        "title": classifier.title,
        "standard": classifier.standard,
        "time_s": round(time_s, 3),
        "waypoint": strongest,
        "position_m": [round(float(v), 2) for v in fit] if fit is not None else None,
        "position_uncertainty_m": (
            round(float(room["fit_uncertainty_m"]), 2)
            if fit is not None and room.get("fit_uncertainty_m") is not None
            else None
        ),
        "level_dbm": round(levels[strongest], 1),
        "confidence": SCAN_ONLY_SCORE,
        "evidence": {},
        "sources": [source],
        "why": f"{why}, strongest at {strongest}",
    }
    where = scan_region(levels, strongest, parts, near, positions)
    return with_region(finding, where, room, False)


def scan_region(
    levels: dict[str, float],
    strongest: str,
    parts: list[Stretch],
    near: dict[int, list[int]],
    positions: dict[str, tuple[float, float]] | None = None,
) -> list[str]:
    """The region of a device a scan heard, by its RSSI per stop (`levels`,
    each stop's best visit): by region's rule around `strongest` (the
    neighbours of each of its visits: a scan's reading says which stop, not
    which visit), `strongest` first. RSSI is on its own scale, and a stop
    where the scan did not hear the device says nothing of it: only heard
    stops join. [] where no stretch is at that stop."""
    visits = [st.index for st in parts if st.label == strongest]
    if not visits:
        return []
    around = sorted({j for i in visits for j in near[i]})
    placed = positions or {}
    out = [strongest]
    for j in sorted(around, key=lambda j: -levels.get(parts[j].label or "", -np.inf)):
        label = parts[j].label
        if label is None or label in out or label not in levels:
            continue
        level = levels[label]  # heard: its reading is the most it read
        if _joins(levels[strongest], level, level, placed.get(strongest), placed.get(label)):
            out.append(label)
    return out


def scan_alone(finding: dict[str, Any]) -> bool:
    """A finding the device's own Wi-Fi or BLE scan made alone (scan_finding):
    its level_dbm is that radio's RSSI, not the detector's."""
    return finding.get("sources") in (["wifi"], ["ble"])
