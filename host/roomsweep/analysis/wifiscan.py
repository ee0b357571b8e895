"""The device's own Wi-Fi scan as in-room evidence for RF Wi-Fi levels.

A camera access point beacons: the scan reads its RSSI at the stops where a
scan ran (network.findings names it a camera by its SSID or maker). The RF
detector hears the same transmitter's bursts at the same received power. Where
the RF rules alone leave a Wi-Fi level out (its kind heard at too few stops to
show a fall, beneath louder traffic), the beacons' own fall across the room and
their position fit (locate.in_room) answer "is it in this room?" for it, and
analysis.analyze reports it; the network merge then joins the two into one
finding.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from typing import Any

import numpy as np

from roomsweep.analysis.components import Component, Stretch
from roomsweep.analysis.echoes import drop_echoes
from roomsweep.analysis.inroom import level_from_beyond, too_loud_for_outside
from roomsweep.analysis.locate import FIT_RADIUS_M, in_room, planless_in_room
from roomsweep.analysis.recording import Recording
from roomsweep.network.findings import (
    MERGE_RADIUS_M,
    RF_LEVEL_MATCH_DB,
    RF_MERGE_CLASSES,
    network_findings,
)


def scan_cameras(rec: Recording, baseline: Recording | None = None) -> list[dict[str, Any]]:
    """The camera access points the device's own Wi-Fi scan found inside the
    room on their own evidence (network.findings: a camera SSID, or a camera
    maker's prefix with other signs; peaking there well above its typical
    level), without any RF finding's help; not those a known-clean `baseline`
    sweep's scan also heard (by BSSID)."""
    if not getattr(rec, "wifi", None):
        return []
    heard_before = {w.bssid for w in getattr(baseline, "wifi", None) or []}
    return [
        n
        for n in network_findings(rec, [])
        if n["class"] == "camera_ap"
        and (
            "in_room" in n["evidence"]["score_parts"]
            # louder than any camera beyond the walls can read: tested in
            # vouched_by_scan (placed_in_room)
            or n["level_dbm"] > level_from_beyond(CAMERA_MOST_EIRP_DBM, WIFI_LOWEST_MHZ)
        )
        and n["evidence"]["mac"] not in heard_before
    ]


def vouched_by_scan(
    wifi_kinds: dict[str, tuple[np.ndarray, dict[int, Component], float, list[Component]]],
    parts: list[Stretch],
    positions: dict[str, tuple[float, float]],
    scan: list[dict[str, Any]],
    found: list[dict[str, Any]],
) -> list[tuple[str, Component | None, dict[str, Any], dict[str, Any]]]:
    """The camera access points the scan found in the room (scan_cameras) that
    the RF decision left out: where the beacons' own in-room test
    (scan_in_room) passes and their fit lands within MERGE_RADIUS_M of the stop
    they are strongest at, or where they are too loud for any camera beyond
    the walls (placed_in_room with CAMERA_MOST_EIRP_DBM). Each comes with the
    Wi-Fi component at that stop at a like level (its beacons' RSSI and its
    bursts' detector level are the same
    received power: within network.findings.RF_LEVEL_MATCH_DB), the loudest of
    the Wi-Fi kinds that no finding is made of already (in_findings: that is
    another device's); or with None and kind wifi_ap (an access point beaconing)
    where the detector heard none there, for a finding from the scan alone.
    None for an access point an RF Wi-Fi finding claims (claimed: that finding
    is this device, and the network merge joins them): that finding gains the
    access point's strongest stop in its region (with_scans_strongest), and is
    marked vouched_by_wifi_scan where the scan heard it there (_heard_as_itself). Each:
    (kind, component or None, in-room evidence, the scan's finding)."""
    out: list[tuple[str, Component | None, dict[str, Any], dict[str, Any]]] = []
    rf_wifi = [f for f in found if f["class"] in RF_MERGE_CLASSES]
    heard_at = [(n["waypoint"], n["level_dbm"]) for n in scan]
    stops = {st.label for st in parts if st.label is not None}
    for k, i in claimed(heard_at, rf_wifi, positions).items():
        if _heard_as_itself(rf_wifi[i], scan[k], positions, stops):
            rf_wifi[i].setdefault("evidence", {})["vouched_by_wifi_scan"] = True
    # a finding the echo test drops (a quieter pattern of its stop's loudest
    # device: s2718-012, a camera pattern at -37 dBm beside a DECT bug at 0 dBm,
    # 35 dB under the access point's beacons) stands for no device: the claims
    # are made again without it, so the scan's device goes to a finding kept
    # or keeps its own
    kept = {id(f) for f in drop_echoes(found)}
    rf_wifi = [f for f in rf_wifi if id(f) in kept]
    taken = claimed(heard_at, rf_wifi, positions)
    for k, i in taken.items():
        with_scans_strongest(rf_wifi[i], scan[k]["waypoint"])
        if _heard_as_itself(rf_wifi[i], scan[k], positions, stops):
            rf_wifi[i].setdefault("evidence", {})["vouched_by_wifi_scan"] = True
    by_kind = {cls: kind[1] for cls, kind in wifi_kinds.items()}
    reported = in_findings(by_kind, parts, found)
    for k, n in enumerate(scan):
        if k in taken:
            continue
        rssi = n["evidence"].get("rssi_by_waypoint") or {}
        room = placed_in_room(rssi, n["waypoint"], positions, stops, CAMERA_MOST_EIRP_DBM)
        if room is None:
            continue
        heard = like_level(by_kind, parts, n["waypoint"], n["level_dbm"], reported)
        out.append((*(heard or ("wifi_ap", None)), room, n))
    return out


def _heard_as_itself(
    finding: dict[str, Any],
    scanned: dict[str, Any],
    positions: dict[str, tuple[float, float]],
    stops: Collection[str],
) -> bool:
    """An RF Wi-Fi finding that claims a camera access point the scan places in
    the room, strongest at the finding's own waypoint and at its level (within
    RF_LEVEL_MATCH_DB): the scan heard this device by its own address, so it
    is no echo of a louder finding at that stop (echoes.drop_echoes). Example,
    w1357-023: a GSM bug and a camera's access point both near -22 dBm at the
    TV, the access point's beacons strongest there."""
    if scanned["waypoint"] != finding.get("waypoint"):
        return False
    if abs(scanned["level_dbm"] - finding["level_dbm"]) > RF_LEVEL_MATCH_DB:
        return False
    rssi = scanned["evidence"].get("rssi_by_waypoint") or {}
    return (
        placed_in_room(rssi, scanned["waypoint"], positions, stops, CAMERA_MOST_EIRP_DBM)
        is not None
    )


def scan_in_room(
    levels: dict[str, float],
    strongest: str,
    positions: dict[str, tuple[float, float]],
    stops: Collection[str],
) -> dict[str, Any] | None:
    """The in-room test (locate.in_room) on a scanned device's RSSI (`levels`:
    stop -> dBm) at the sweep's `stops` where the scan heard it: its fall
    across the room and where its fit lands. A stop where it was not heard
    says nothing (a scan can miss a beacon or an advert at any level). None
    without the strongest stop among them or with fewer than three. Without
    positions (a capture without a plan): the fall alone
    (locate.planless_in_room)."""
    if not positions:
        if strongest not in stops:
            return None
        others = [level for w, level in levels.items() if w in stops and w != strongest]
        return planless_in_room(levels[strongest], others)
    placed = [w for w in levels if w in positions and w in stops]
    if strongest not in placed or len(placed) < 3:
        return None
    rssi = np.array([levels[w] for w in placed], dtype=np.float64)
    return in_room(
        np.array([positions[w] for w in placed], dtype=np.float64),
        rssi,
        rssi,
        np.ones(rssi.size, bool),
        placed.index(strongest),
    )


# The most a camera's access point radiates: 20 dBm EIRP, the limit for 2.4 GHz
# wideband transmitters in the EU (ETSI EN 300 328), on its lowest channel,
# 2412 MHz (IEEE 802.11 channel 1)
CAMERA_MOST_EIRP_DBM = 20.0
WIFI_LOWEST_MHZ = 2412.0


def with_scans_strongest(finding: dict[str, Any], stop: str | None) -> None:
    """An RF finding that claims a device a scan heard (claimed) gains, in its
    region, the `stop` the scan heard that device strongest at: the scan reads
    it by its address over several beacons or adverts a stop, where the
    detector's level is its loudest burst above the room's other traffic, so
    either may put it a stop or two from the other. Its `why` says so."""
    where = finding.get("region")
    if stop and finding.get("waypoint") and where is not None and stop not in where:
        where.append(stop)
        if "why" in finding:
            finding["why"] += f"; the device's own scan heard it strongest at {stop}"


def placed_in_room(
    levels: dict[str, float],
    strongest: str,
    positions: dict[str, tuple[float, float]],
    stops: Collection[str],
    most_eirp_dbm: float | None = None,
    mhz: float = WIFI_LOWEST_MHZ,
    fit_near_strongest: bool = True,
) -> dict[str, Any] | None:
    """The scan's in-room evidence for a device (scan_in_room) where it puts the
    device in the room, with its fit within MERGE_RADIUS_M of the stop it is
    strongest at (a fit further away puts it away from that stop); else None.
    With `most_eirp_dbm`, also a device the test left out (amid the stops, on
    a ceiling, it reads alike at all of them and its fit flies off) that is
    too loud there for any device of that EIRP at `mhz` beyond the walls
    (inroom.too_loud_for_outside, as the detector's levels are judged): placed
    at that stop, the fit left out. With `fit_near_strongest` False, also one
    the test puts in the room with its fit further off: placed at that stop
    as the detector's levels are, the fit's position left out (it says where,
    and what it says is off), its distance outside the hull kept."""
    room = scan_in_room(levels, strongest, positions, stops)
    if room is None:
        return None
    fit = room["fit_xy"]
    if room["in_room"] and (fit is None or math.dist(fit, positions[strongest]) <= MERGE_RADIUS_M):
        return room
    unplaced = {"fit_xy": None, "fit_uncertainty_m": None}
    if most_eirp_dbm is not None and too_loud_for_outside(
        levels[strongest], room["fall_db"], most_eirp_dbm, mhz
    ):
        return {
            **room,
            **unplaced,
            "outside_hull_m": None,
            "in_room": True,
            "too_loud_for_outside": True,
        }
    if room["in_room"] and not fit_near_strongest:
        return {**room, **unplaced}
    return None


def like_level(
    best_in_by_kind: dict[str, dict[int, Component]],
    parts: list[Stretch],
    stop: str,
    level: float,
    reported: set[tuple[str, int, float]],
) -> tuple[str, Component] | None:
    """The loudest component of the kinds at `stop` within RF_LEVEL_MATCH_DB of
    a scanned device's RSSI `level` (its bursts and its beacons or adverts are
    the same received power) that no finding is made of (`reported`,
    in_findings), as (kind, component); None where the detector heard none.
    The one returned is added to `reported`: a finding is made of it now."""
    best: tuple[str, Component] | None = None
    for cls, best_in in best_in_by_kind.items():
        for c in best_in.values():
            if parts[c.stretch].label != stop or (cls, c.stretch, c.level_dbm) in reported:
                continue
            if abs(c.level_dbm - level) > RF_LEVEL_MATCH_DB:
                continue
            if best is None or c.level_dbm > best[1].level_dbm:
                best = (cls, c)
    if best is not None:
        reported.add((best[0], best[1].stretch, best[1].level_dbm))
    return best


def in_findings(
    best_in_by_kind: dict[str, dict[int, Component]],
    parts: list[Stretch],
    found: list[dict[str, Any]],
) -> set[tuple[str, int, float]]:
    """The components (kind, stretch, level) that findings are made of: a
    finding names its kind, stop and level (rounded to 0.1 dB)."""
    made = {(f["class"], f["waypoint"], f["level_dbm"]) for f in found}
    return {
        (cls, c.stretch, c.level_dbm)
        for cls, best_in in best_in_by_kind.items()
        for c in best_in.values()
        if (cls, parts[c.stretch].label, round(c.level_dbm, 1)) in made
    }


def claimed(
    heard: Sequence[tuple[str | None, float]],
    found: list[dict[str, Any]],
    positions: dict[str, tuple[float, float]],
) -> dict[int, int]:
    """Which of a scan's devices (`heard`: each one's strongest stop and its
    level there) RF findings stand for: device index -> finding index. Each
    finding claims the one strongest nearest its waypoint, within
    FIT_RADIUS_M (a scan reads a device once or a few times per stop, so one
    faded reading can move its strongest stop a couple of metres: a Rayleigh
    fade takes 10 dB or more 10 % of the time), the closer in level first
    where two are as near. A second device beside a reported one keeps its
    own. Without positions (no plan) a finding claims one strongest at its
    own waypoint, or else at a stop of its region."""
    out: dict[int, int] = {}
    for fi, f in enumerate(found):
        best: tuple[tuple[float, float], int] | None = None
        for k, (stop, level) in enumerate(heard):
            apart = _apart(f, stop, positions)
            if apart is None:
                continue
            key = (apart, abs(level - f["level_dbm"]))
            if best is None or key < best[0]:
                best = (key, k)
        if best is not None:
            out.setdefault(best[1], fi)
    return out


def _apart(
    finding: dict[str, Any], stop: str | None, positions: dict[str, tuple[float, float]]
) -> float | None:
    """How far a scanned device's strongest `stop` is from an RF finding, for
    claimed: metres within FIT_RADIUS_M; without positions at all (no plan),
    0 at the finding's waypoint and FIT_RADIUS_M at a stop of its region;
    else None (too far, or not to be told)."""
    if not positions:
        if stop is not None and stop == finding.get("waypoint"):
            return 0.0
        return FIT_RADIUS_M if stop in (finding.get("region") or []) else None
    at = positions.get(finding.get("waypoint") or "")
    there = positions.get(stop or "")
    if at is None or there is None:
        return None
    d = math.dist(at, there)
    return d if d <= FIT_RADIUS_M else None
