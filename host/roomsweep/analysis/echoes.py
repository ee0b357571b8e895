"""One finding per device: a weaker pattern at a louder finding's stop (an
echo: the louder one's bursts mixed with other traffic), or a kind's second
peak that the louder finding's fitted source already explains or whose region
it shares, is not a second device (docs/findings.md step 7)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from roomsweep.analysis.classifiers import UNKNOWN_PERIODIC
from roomsweep.analysis.classifiers.base import CARRIER_DUTY
from roomsweep.analysis.components import MODE_HALF_WIDTH_DB
from roomsweep.analysis.locate import DEFAULT_EXPONENT

# A weaker finding at a louder one's waypoint is its own device when its level
# is this far beneath: below the louder one's level mode (which spans
# components.MODE_HALF_WIDTH_DB either side of its centre), where the louder
# one's bursts mixed with other traffic never read, a log detector reading
# overlapping bursts at their power sum, at or above the louder level. Twice
# the half width (modes that do not overlap) was the rule before: on the wide
# tuning sets it dropped an LTE bug 5.4 dB under a BT bug and a BT bug 5.8 dB
# under an access point, both in the room; tuning 482 / 67 -> 483 / 67, fresh
# 331 / 38 -> 332 / 38 (docs/benchmarks.md round 14)
ECHO_GAP_DB = MODE_HALF_WIDTH_DB
# An unnamed periodic pattern this close to a named finding is that device's
# bursts mixed with other traffic: a mixture no classifier names. 1.5 m is the
# reach within which one source reads alike at neighbouring stops (a device
# midway between stops 3 m apart); on the wide tuning sets such unnamed
# findings were 6 false to 2 true (both of those a wrong-class match)
BESIDE_NAMED_M = 1.5
# A fitted source this close to a stop is taken as this close (the fit's
# grid and the detector's size: a level is not predicted from nearer)
FIT_NEAREST_M = 0.1
# A louder source's fit explains a level up to this far above what it predicts
# at another stop: multipath fading lifts one stop's level over its local mean
# (a Rayleigh-faded power exceeds its mean by 6 dB 2 % of the time, exp(-10^0.6),
# and a sweep has a dozen stops or more), and a second peak that high is the
# same device. Measured on the wide tuning sets (matched / false): 475 / 67 with
# none, 474 / 66 with 3 dB, 475 / 64 with 6, 473 / 64 with 10
FADE_UP_DB = 6.0


def unexplained(
    of_kind: list[dict[str, Any]],
    positions: dict[str, tuple[float, float]],
    timed: dict[int, int] | None = None,
) -> list[dict[str, Any]]:
    """A kind's findings without those a louder one's source explains: a
    finding no louder at its stop than the louder finding's position fit
    (fitted without this stop, analyze._finding) says that source reads there,
    give or take a fade (FADE_UP_DB), is
    the same device heard again (fading made a second local maximum), not a
    second one; so is one that shares the louder one's region both ways
    (_one_region), unless their frame timing makes them two sources
    (`timed`: id of a finding -> its source, timing.one_device_groups)."""
    timed = timed or {}
    kept: list[dict[str, Any]] = []
    # loudest first; at one level the surer, then by waypoint (a fixed order)
    for f in sorted(
        of_kind, key=lambda f: (-f["level_dbm"], -f["confidence"], f["waypoint"] or "")
    ):
        here = positions.get(f["waypoint"] or "")
        if (
            here is None
            or f["evidence"].get("own_frame_phase")  # timing says: not the louder one
            or not any(
                _explains(k, here, f["level_dbm"]) or _one_region(k, f, timed) for k in kept
            )
        ):
            kept.append(f)
    return kept


def _one_region(louder: dict[str, Any], f: dict[str, Any], timed: dict[int, int]) -> bool:
    """Whether each finding's stop lies in the other's region (inroom.region),
    neither level a lower bound (a clipped level says nothing of the
    distance), neither proven a device of its own by a level of its own
    heard beside the other's stop (peaks.peaks_apart, `heard_apart`) and
    their frame timing (`timed`, as unexplained's) not two sources.
    The weaker stop is then a neighbour of the louder one reading within
    REGION_DB of its level (or within CLOSE_STOP_M of it, down to a fade
    beneath), or one where the kind was drowned: as far as the levels tell,
    one source between the two stops, which a pair of co-peaks (two stops
    standing together over the rest) is too unless timing or a level of its
    own tells them apart (the co-peak's reading of two devices rests on
    HOLD_M, a device within arm's reach of a stop, which real rooms need not
    keep to). Outsider round 6 room28: an analog
    sender at the wardrobe and again at the desk; wide tuning w1357-033: a
    camera at two stops of one open floor. Over every set: 8 findings fewer
    that were false or a device's second, 2 matches fewer, both wrong-class
    (docs/benchmarks.md round 30)."""
    if louder.get("level_is_lower_bound") or f.get("level_is_lower_bound"):
        return False
    if f["evidence"].get("heard_apart") or louder["evidence"].get("heard_apart"):
        return False
    sources = {timed.get(id(louder)), timed.get(id(f))}
    if None not in sources and len(sources) == 2:
        return False  # two sources by their frame timing
    return f["waypoint"] in (louder.get("region") or []) and louder["waypoint"] in (
        f.get("region") or []
    )


def _explains(louder: dict[str, Any], at: tuple[float, float], level: float) -> bool:
    """The louder finding's fitted source reads at least `level` at `at`, or
    within FADE_UP_DB of it."""
    at_1m = louder["evidence"].get("fit_at_1m_dbm")
    if at_1m is None or not louder.get("position_m"):
        return False
    d = float(np.hypot(at[0] - louder["position_m"][0], at[1] - louder["position_m"][1]))
    return level <= at_1m - 10 * DEFAULT_EXPONENT * np.log10(max(d, FIT_NEAREST_M)) + FADE_UP_DB


def drop_echoes(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One finding per waypoint: the loudest. Weaker patterns there are the
    nearest transmitter seen through mixed levels (its bursts overlapping the
    room's other traffic), not a second device at the same spot; not so one
    told apart by timing or heard beneath a carrier, a steady carrier (duty
    CARRIER_DUTY or more), one at a level of its own, or one a scan heard by
    its own address (a second camera's access point, a tracker). A scan's own
    finding counts as loudest at its stop too: its RSSI is the received power
    the detector reads of that device's bursts, which mixed with other traffic
    make the weaker patterns there (leaving scan findings out of the loudest
    was tried: two more false findings on the wide tuning sets, no true one)."""
    loudest: dict[str, dict[str, Any]] = {}
    for f in findings:
        w = f["waypoint"]
        if w and (w not in loudest or f["level_dbm"] > loudest[w]["level_dbm"]):
            loudest[w] = f
    return [
        f
        for f in findings
        if not f["waypoint"]
        or loudest[f["waypoint"]] is f
        or f["evidence"].get("separated_by_timing")  # a second source, told apart
        or f["evidence"].get("own_frame_phase")  # another phase of its kind's frame
        or f["evidence"].get("beneath_carrier")  # another kind beneath a carrier
        or _steady(f)  # a carrier: no burst mixture makes one
        or f["evidence"].get("vouched_by_wifi_scan")  # a scan heard its own address
        or f["evidence"].get("vouched_by_ble_scan")
        or _own_level(f, loudest[f["waypoint"]])
    ]


def one_radio(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The findings without a camera's stream heard at an access point's
    beacons' stop within ECHO_GAP_DB of their level: one radio, a camera that
    is its own access point. The access point's finding (of those at the stop,
    the nearest in level) is kept, with `stream_too` and the surer confidence
    of the two; an access point so marked is never taken for the building's
    own (network.identified)."""
    beacons: dict[str, list[dict[str, Any]]] = {}
    for f in findings:
        if f["class"] == "wifi_ap" and f["waypoint"]:
            beacons.setdefault(f["waypoint"], []).append(f)
    out = []
    for f in findings:
        aps = beacons.get(f["waypoint"], []) if f["class"] == "wifi_camera" else []
        ap = min(aps, key=lambda a: abs(a["level_dbm"] - f["level_dbm"]), default=None)
        if ap is None or abs(ap["level_dbm"] - f["level_dbm"]) > ECHO_GAP_DB:
            out.append(f)
            continue
        ap["evidence"]["stream_too"] = True
        ap["confidence"] = max(ap["confidence"], f["confidence"])
    return out


def _steady(f: dict[str, Any]) -> bool:
    """A steady carrier (an analog video sender): on all the time. Another
    kind's bursts mixed with other traffic never fill the gaps between them,
    so a carrier at a louder finding's stop is a device of its own."""
    duty = f["evidence"].get("duty")
    return duty is not None and duty >= CARRIER_DUTY


def _own_level(f: dict[str, Any], loudest: dict[str, Any]) -> bool:
    """A weaker finding at a louder one's waypoint that is a device of its own:
    a level more than ECHO_GAP_DB beneath the louder one (a log detector
    reads overlapping bursts at their power sum, at or above the louder level,
    never far beneath it) that the in-room test puts in the room."""
    room = f.get("in_room_evidence") or {}
    return bool(room.get("in_room")) and f["level_dbm"] < loudest["level_dbm"] - ECHO_GAP_DB


def unnamed_beside_named(
    findings: list[dict[str, Any]], positions: dict[str, tuple[float, float]]
) -> list[dict[str, Any]]:
    """The findings without the unknown_periodic ones within BESIDE_NAMED_M of
    a finding of a named kind (its bursts mixed with other traffic)."""

    def beside(f: dict[str, Any], g: dict[str, Any]) -> bool:
        a, b = positions.get(f["waypoint"] or ""), positions.get(g["waypoint"] or "")
        return a is not None and b is not None and math.dist(a, b) <= BESIDE_NAMED_M

    named = [g for g in findings if g["class"] != UNKNOWN_PERIODIC]
    return [
        f
        for f in findings
        if f["class"] != UNKNOWN_PERIODIC or not any(beside(f, g) for g in named)
    ]
