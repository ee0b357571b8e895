"""Where a kind's level peaks over the room: the stops that single out a
transmitter (docs/findings.md, step 5).

A device hidden at a stop is much louder there than at the stops around it; one
beyond a wall is heard alike along it. `peaks` finds the local maxima of a
kind's track (its level per stretch) that only a device within reach of the
stop can make, and two devices of one kind at neighbouring stops; `neighbours`
says which stops are around each.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from roomsweep.analysis.components import DETECTOR_FLOOR_DBM, SATURATION_DBM, Component, Stretch
from roomsweep.analysis.inroom import HOLD_M, at_most, in_room_level, room_evidence
from roomsweep.analysis.recording import Recording

# A device hidden at a waypoint is much louder there than at the next waypoint
# (0.3 m -> 1 m is 13 dB at n = 2.5); one beyond a wall is heard alike at the
# waypoints along it.
SHARPNESS_DB = 6.0
# Waypoints this close to a peak must read SHARPNESS_DB lower: a device HOLD_M
# from the peak's stop falls at least 16.6 dB by 2 m in free space (n = 2; indoor
# exponents run 1.6-3.5, ITU-R P.1238), which leaves 10 dB for its height, a
# body or furniture in between. Beyond 2 m walls and reflections dominate, so
# the fall is held against the free-space bound instead (FALL_SLACK_DB).
NEIGHBOUR_M = 2.0
# ... and waypoints further away by more: a device within reach of a waypoint
# falls at least _free_space_drop_db(d) at one d away, less this much (it may sit
# up to a metre from where the user holds the detector, above or below it). A
# phone in the corridor, heard loudest at the door, falls far less.
FALL_SLACK_DB = 10.0
# Two devices of one kind at neighbouring waypoints read alike at both, as one
# device beyond a wall does along it. They differ in what the levels can mean: a
# device held HOLD_M from the detector is at least _free_space_drop_db(d) quieter
# at a waypoint d away (free space, n = 2: the slowest fall indoors), so equal
# loud levels at two such waypoints need a device at each; a far device also
# reads alike at the waypoints around the pair, a near pair stands
# CO_PEAK_CONTRAST_DB above them.
# (HOLD_M, the distance at which a device counts as "at" a stop: inroom.HOLD_M)
CO_PEAK_CONTRAST_DB = 10.0
# One device read in two windows of a stop: its level differs by the fading and
# the detector's log conformance (+-1 dB, AD8318 datasheet), while how clearly a
# window shows its kind varies with what else is on the air then (room12 of
# outsider round 4: a camera's two windows at -24.2 and -24.4 dBm, classed at
# 0.48 and 0.67). Within this of the loudest, the surest window speaks for the stop.
SAME_LEVEL_DB = 1.0
# A peak shown only by "not heard" beneath other traffic (see _stands_alone):
# the least confidence (and its kind's in-room level, inroom.in_room_level)
MASKED_MIN_CONFIDENCE = 0.8


def loudest_per_stretch(comps: list[Component], above: float = -np.inf) -> dict[int, Component]:
    """Of the components louder than `above`, the loudest in each stretch (the
    first of equals): stretch index -> component."""
    best: dict[int, Component] = {}
    for c in comps:
        if c.level_dbm > (best[c.stretch].level_dbm if c.stretch in best else above):
            best[c.stretch] = c
    return best


def surest_per_stretch(
    comps: list[Component],
    above: float = -np.inf,
    same_level_db: float = SAME_LEVEL_DB,
    clipped_dbm: float = np.inf,
) -> dict[int, Component]:
    """Of the components louder than `above`, each stretch's loudest, or of
    those within `same_level_db` of it the most confident where one is more
    confident than it (the first of those equally confident): stretch index ->
    component. A loudest at `clipped_dbm` or above stays: a clipped reading is
    the stop's lower bound, which a window under it cannot give."""
    loudest = loudest_per_stretch(comps, above)
    best = dict(loudest)
    for c in comps:
        top = loudest.get(c.stretch)
        if (
            top is not None
            and top.level_dbm < clipped_dbm
            and c.level_dbm > above
            and c.level_dbm >= top.level_dbm - same_level_db
            and c.confidence > best[c.stretch].confidence
        ):
            best[c.stretch] = c
    return best


def stretch_levels(best: dict[int, Component], n_stretches: int) -> np.ndarray:
    """Each stretch's level (dBm) from its component in `best`, the detector's
    floor where it has none."""
    track = np.full(n_stretches, DETECTOR_FLOOR_DBM)
    for j, c in best.items():
        track[j] = c.level_dbm
    return track


def neighbours(parts: list[Stretch], rec: Recording) -> dict[int, list[int]]:
    """Stretches near each stretch: waypoints within NEIGHBOUR_M when positions
    are known, else the stretches before and after it in the sweep."""
    pos = rec.waypoint_positions or {}
    out: dict[int, list[int]] = {}
    # the stretches at known waypoints, their positions as arrays: one hypot per
    # stretch over all of them (the same arithmetic as pair by pair)
    placed = [o for o in parts if o.label is not None and o.label in pos]
    xs = np.array([pos[o.label][0] for o in placed if o.label is not None], dtype=np.float64)
    ys = np.array([pos[o.label][1] for o in placed if o.label is not None], dtype=np.float64)
    for st in parts:
        p = pos.get(st.label) if st.label else None
        if p is not None:
            d_all = np.hypot(xs - p[0], ys - p[1]).tolist()
            dist = {o.index: d for o, d in zip(placed, d_all) if o.label != st.label}
            close = [i for i, d in dist.items() if d <= NEIGHBOUR_M]
            # a lone waypoint is compared with the two nearest, however far
            out[st.index] = close or sorted(dist, key=dist.__getitem__)[:2]
        else:
            out[st.index] = [i for i in (st.index - 1, st.index + 1) if 0 <= i < len(parts)]
    return out


@functools.lru_cache(maxsize=4096)  # asked for the same few distances again and again
def free_space_drop_db(d_m: float) -> float:
    """The least a device HOLD_M from one waypoint falls at a waypoint d_m away."""
    return float(20.0 * np.log10(np.hypot(d_m, HOLD_M) / HOLD_M))


def peaks(
    track: np.ndarray,
    best_in: dict[int, Component],
    parts: list[Stretch],
    near: dict[int, list[int]],
    positions: dict[str, tuple[float, float]],
    ceiling: float = SATURATION_DBM,
    levels_at: dict[int, list[Component]] | None = None,
) -> list[Component]:
    """Local maxima of a class's level over the room: one per transmitter.

    A device hidden at a waypoint is much louder there than at the waypoints
    around it (0.3 m -> 1 m is 13 dB at n = 2.5); one beyond a wall is heard
    alike along it. A clipped (saturated) level has no shape, so it only needs
    to be the loudest around. Two devices at neighbouring waypoints are both
    peaks when neither could make the other's level (see HOLD_M). `levels_at`: all
    the class's components per stretch, for a kind sent at one power (one
    device, one level): a stop beside a louder peak whose device is heard
    there at once at a level of its own is a peak by the rest (_own_beside).
    """
    return peaks_apart(track, best_in, parts, near, positions, ceiling, levels_at)[0]


def peaks_apart(
    track: np.ndarray,
    best_in: dict[int, Component],
    parts: list[Stretch],
    near: dict[int, list[int]],
    positions: dict[str, tuple[float, float]],
    ceiling: float = SATURATION_DBM,
    levels_at: dict[int, list[Component]] | None = None,
) -> tuple[list[Component], set[int]]:
    """The peaks (peaks), and the stretches of those beside rivals (stops
    within SHARPNESS_DB of them, or louder) whose devices are heard there at
    once at levels of their own (_own_beside): a device of its own by that
    level, which a region shared with a rival does not make the same source
    (echoes.unexplained)."""
    loudest = max(c.level_dbm for c in best_in.values())

    def distance(i: int, j: int) -> float | None:
        a, b = positions.get(parts[i].label or ""), positions.get(parts[j].label or "")
        if a is None or b is None:
            return None
        return float(np.hypot(a[0] - b[0], a[1] - b[1]))

    distance = functools.lru_cache(maxsize=None)(distance)  # pure: asked per pair many times
    found, rest = [], []
    own: list[Component] = []  # peaks beside a rival, by a level of their own
    need = SHARPNESS_DB
    # each stretch's level, or where the class was not heard, the most it can have been
    bounds = np.array([at_most(track, parts, j) for j in range(len(parts))])
    for idx, c in best_in.items():
        others = [track[j] for j in near[idx]] or [DETECTOR_FLOOR_DBM]
        margin = c.level_dbm - max(others)
        saturated = c.level_dbm >= ceiling
        if c.level_dbm >= loudest and saturated and margin >= 0:
            found.append(c)
        elif margin >= need and _falls_enough(c.level_dbm, idx, near[idx], track, distance, need):
            if _shown(c, near[idx], bounds, distance, ceiling):
                found.append(c)
        else:
            rest.append(c)
    clear = list(found)
    peaks_at = {p.stretch for p in clear}
    if levels_at:
        own = [
            c
            for c in rest
            if _own_beside(c, peaks_at, best_in, near, track, bounds, levels_at, distance, ceiling)
        ]
        found += own
        rest = [c for c in rest if c not in own]
    for c in rest:
        # a waypoint as loud as a clear peak's device can make it there says
        # nothing about this one
        spilled = [
            j
            for j in near[c.stretch]
            if j not in peaks_at
            and track[j] > DETECTOR_FLOOR_DBM
            and any(
                (d := distance(p.stretch, j)) is not None and track[j] <= _spill_dbm(p, d)
                for p in clear
            )
        ]
        if _co_peak(
            c.level_dbm, c.stretch, near[c.stretch], track, parts, distance, need, spilled
        ):
            found.append(c)
    found = _beneath_no_peak(found, peaks_at, track, near)
    # the same waypoint visited twice: keep its loudest visit
    best: dict[str | None, Component] = {}
    for c in found:
        key = parts[c.stretch].label if parts[c.stretch].label else str(c.stretch)
        if key not in best or c.level_dbm > best[key].level_dbm:
            best[key] = c
    return list(best.values()), {c.stretch for c in best.values() if c in own}


def _falls_enough(
    level: float,
    idx: int,
    around: list[int],
    track: np.ndarray,
    distance: Callable[[int, int], float | None],
    need: float,
) -> bool:
    """Every waypoint around falls at least `need`, and the far ones as much as
    a device within reach of this waypoint must fall there (FALL_SLACK_DB)."""
    for j in around:
        d = distance(idx, j)
        want = need if d is None else max(need, free_space_drop_db(d) - FALL_SLACK_DB)
        if level - track[j] < want:
            return False
    return True


def _spill_dbm(p: Component, d: float) -> float:
    """The most the device of `p` can read d metres from its stop (one within
    HOLD_M of it, falling as in free space)."""
    return p.level_dbm - free_space_drop_db(d)


def _at_once(a: Component, b: Component) -> bool:
    """The windows the two components were read from overlap in time."""
    return (
        a.window_start_s < b.window_start_s + b.features.duration_s
        and b.window_start_s < a.window_start_s + a.features.duration_s
    )


def _heard_apart(
    c: Component, other: Component, d: float, levels_at: dict[int, list[Component]]
) -> bool:
    """The device of `other`'s stop, d metres away, is heard at `c`'s stop at
    once (in an overlapping window) at a level of its own: SHARPNESS_DB or
    more beneath c's, and as quiet as that device can be there (_spill_dbm,
    down to FALL_SLACK_DB beneath it: a level far beneath is a third
    device's). One device sends at one power, so c's level is another
    device's, no spill of other's. A reading on top of a carrier is no level
    of its own."""
    spill = _spill_dbm(other, d)
    return any(
        spill - FALL_SLACK_DB <= q.level_dbm <= min(spill, c.level_dbm - SHARPNESS_DB)
        for q in levels_at.get(c.stretch, [])
        if not q.beneath_carrier and _at_once(q, c)
    )


def _own_beside(
    c: Component,
    clear_at: set[int],
    best_in: dict[int, Component],
    near: dict[int, list[int]],
    track: np.ndarray,
    bounds: np.ndarray,
    levels_at: dict[int, list[Component]],
    distance: Callable[[int, int], float | None],
    ceiling: float,
) -> bool:
    """A stop whose rivals (neighbours within SHARPNESS_DB of it, or louder)
    are each another device: a clear peak whose device is heard here apart
    from this level (_heard_apart), or a stop that also hears this one's
    device apart (each stop's level its own device's: one such level can be a
    third device's by coincidence, both together hardly). It is a peak by its
    other neighbours, of which it needs one at least, as a peak is (fall and
    shown fall, _shown). Not a clear peak: like a co-peak, _beneath_no_peak
    drops it beneath a rival that ends up no peak."""
    rivals = [j for j in near[c.stretch] if track[j] > c.level_dbm - SHARPNESS_DB]
    others = [j for j in near[c.stretch] if j not in rivals]
    if not rivals or not others:
        return False  # nothing to set aside, or no fall left to show
    for j in rivals:
        other, d = best_in.get(j), distance(c.stretch, j)
        if other is None or d is None or not _heard_apart(c, other, d, levels_at):
            return False
        if j not in clear_at and not _heard_apart(other, c, d, levels_at):
            return False
    return _falls_enough(c.level_dbm, c.stretch, others, track, distance, SHARPNESS_DB) and _shown(
        c, others, bounds, distance, ceiling
    )


def _shown(
    c: Component,
    around: list[int],
    bounds: np.ndarray,
    distance: Callable[[int, int], float | None],
    ceiling: float,
) -> bool:
    """A peak's fall is shown: saturated, or falling against the most its kind
    can have read around (`bounds`), or standing on its own (_stands_alone)."""
    return (
        c.level_dbm >= ceiling
        or _falls_enough(c.level_dbm, c.stretch, around, bounds, distance, SHARPNESS_DB)
        or _stands_alone(c)
    )


def _stands_alone(c: Component) -> bool:
    """A peak whose neighbours did not hear its kind beneath louder traffic:
    there its level could have been anything up to that traffic, so the fall
    is not shown. Such a peak counts on its own evidence only: timing that
    matched its kind clearly (a mixture of two kinds scores lower) and a level
    that puts it in the room."""
    return (
        c.confidence >= MASKED_MIN_CONFIDENCE
        and c.level_dbm >= in_room_level(c.cls)
        # heard on a carrier: where the carrier is louder its bursts fall
        # beneath the noise, so the carrier's own fall makes such peaks
        and not c.beneath_carrier
    )


def _beneath_no_peak(
    found: list[Component],
    clear_at: set[int],
    track: np.ndarray,
    near: dict[int, list[int]],
) -> list[Component]:
    """`found` without the co-peaks (_co_peak; the clear peaks are at the
    stretches `clear_at`) quieter than a neighbour that no
    rule makes a peak: that louder stop is nearer the one source between them,
    not a second device's. A co-peak takes louder neighbours as twins (each at
    its own device); one that is no peak itself says there is none there.
    Example, w202-007: a DECT bug between three stops read -8.8, -10.0 and
    -13.6 dBm; the quietest was taken as a co-peak, and the stops around it,
    the device's own, were then claimed by it. Dropping one may leave another
    beneath a stop no longer a peak: repeated until none is."""
    while True:
        at = {p.stretch for p in found}
        beneath = [
            c
            for c in found
            if c.stretch not in clear_at
            and any(track[j] > c.level_dbm and j not in at for j in near[c.stretch])
        ]
        if not beneath:
            return found
        found = [c for c in found if c not in beneath]


def _co_peak(
    level: float,
    idx: int,
    around: list[int],
    track: np.ndarray,
    parts: list[Stretch],
    distance: Callable[[int, int], float | None],
    need: float,
    spilled: list[int],
) -> bool:
    """One of two (or more) devices of a kind at neighbouring waypoints: every
    neighbour is either clearly quieter, or as loud as only its own device can
    make it; and the quieter ones are CO_PEAK_CONTRAST_DB down (see _at_most)."""
    twins, contrast = 0, []
    for j in around:
        diff = level - track[j]
        if j in spilled and diff < CO_PEAK_CONTRAST_DB:
            continue  # another clear peak's device explains it
        if diff >= need:
            bound = level - at_most(track, parts, j)
            # not heard beneath another kind's louder level proves nothing
            # either way: such a waypoint neither shows the pair's contrast
            # nor denies it
            if track[j] > DETECTOR_FLOOR_DBM or bound >= CO_PEAK_CONTRAST_DB:
                contrast.append(bound)
            continue
        d = distance(idx, j)
        if d is None or abs(diff) > free_space_drop_db(d) - need:
            return False
        if -diff >= need:
            # a neighbour this much louder is the peak; a device within
            # reach of it (not only HOLD_M) may make this level on its own
            return False
        twins += 1
    return twins > 0 and bool(contrast) and min(contrast) >= CO_PEAK_CONTRAST_DB


def evidence_after(
    track: np.ndarray,
    parts: list[Stretch],
    standing: list[Component],
    rooms: dict[int, dict[str, Any]],
    positions: dict[str, tuple[float, float]],
    ceiling: float,
    one_power: bool,
) -> dict[int, dict[str, Any]]:
    """The in-room evidence (inroom.room_evidence, stretch -> evidence) of the
    peaks `standing` once the peaks that make no finding are dropped: `rooms`
    is each peak's evidence with every peak as a rival (a rival's stops are
    left out of the others' fits). For most kinds a peak beside a finding
    that makes none of its own is that device's own level there (a GSM or LTE
    handset's louder bursts under power control, a DECT base's shadow fade:
    tests/data/dect_by_the_door.toml), part of its fall, so the finding's
    evidence is taken again without it as a rival. A kind sent at one power
    (`one_power`) makes a level of its own at a stop only by being near it or
    by a fade there: neither is a fall the others' fits can read, so the
    evidence stands as it was (outsider round 7, room 45: a camera's fade at
    the door, 4 dB over its true level there, put it 2.7 m beyond the walls
    once the door was no rival's; room 21, a camera's access point beside two
    weaker ones)."""
    if one_power or len(standing) == len(rooms):
        return {p.stretch: rooms[p.stretch] for p in standing}
    return {
        p.stretch: room_evidence(track, parts, p, standing, positions, ceiling) for p in standing
    }
