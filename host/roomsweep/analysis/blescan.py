"""The device's own BLE scan as in-room evidence for BLE advertisers.

A BLE tracker or bug advertises: short PDUs every 20 ms to 10.24 s (Bluetooth
Core 5.4 Vol 6 Part B 4.4.2.2). The RF detector hears them only where they
rise above the room's other traffic, a few 0.1-0.4 ms bursts per second at
most, and not at all below its floor. The device's BLE scan hears each one by
its address down to about -97 dBm (ESP32 datasheet, receiver sensitivity), so
it follows an advertiser across most of the room, though a scan can miss any
one advert (its window, the shared antenna). Its RSSI at the stops where it was
heard is the advertiser's level: where the same in-room test the RF levels pass
(locate.in_room: a fall no source beyond the walls gives, a fit inside the
stops' hull; for a tracker's payload, also a level no tag beyond the walls
reaches) puts it in the room, it is reported as a BLE transmitter there,
from the scan alone when its payload names it (a tracker's or a camera's,
network.signatures.ble_verdict), else only where the RF detector heard a BLE
level at that stop too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from roomsweep.analysis.components import Component, Stretch
from roomsweep.analysis.inroom import scan_finding
from roomsweep.analysis.recording import Recording
from roomsweep.analysis.wifiscan import (
    claimed,
    in_findings,
    like_level,
    placed_in_room,
    with_scans_strongest,
)
from roomsweep.network.devices import build_devices
from roomsweep.network.signatures import ble_verdict, parse_adv


@dataclass(frozen=True)
class Advertiser:
    """One BLE address the scan heard: its level per stop and what its payload
    says (`kind`: "tracker", "camera" or None when it names no kind)."""

    address: str
    kind: str | None
    what: str | None
    levels: dict[str, float]  # stop -> its mean RSSI at its best visit, dBm
    strongest: str
    time_s: float  # its first reading at its strongest stop


def advertisers(rec: Recording, baseline: Recording | None = None) -> list[Advertiser]:
    """The BLE addresses the device's scan heard, with their levels per stop;
    not those a known-clean `baseline` sweep's scan also heard (by address)."""
    if not getattr(rec, "ble", None):
        return []
    heard_before = {b.address for b in getattr(baseline, "ble", None) or []}
    out = []
    for d in build_devices([], rec.ble, rec.marks):
        if d.mac in heard_before:
            continue
        # every stop's level, however few readings: an advertiser every 2 s is
        # read once or twice per stop, and the in-room test weighs the whole
        # room, not one reading
        strongest = d.strongest_waypoint
        if strongest is None:
            continue
        v = ble_verdict(parse_adv(d.adv_data))
        kind = v.kind if v.kind in ("tracker", "camera") else None
        out.append(
            Advertiser(
                d.mac,
                kind,
                v.what if kind else None,
                dict(d.by_waypoint),
                strongest,
                d.time_by_waypoint[strongest],
            )
        )
    return out


def vouched_by_ble_scan(
    best_in: dict[int, Component],
    parts: list[Stretch],
    positions: dict[str, tuple[float, float]],
    scanned: list[Advertiser],
    found: list[dict[str, Any]],
) -> list[tuple[Advertiser, Component | None, dict[str, Any]]]:
    """BLE advertisers the scan puts in the room that no RF ble finding stands
    for: the in-room test on their RSSI passes and its fit lands within
    MERGE_RADIUS_M of the stop they are strongest at (for a tracker's payload,
    wherever it lands: the test alone says in the room). An advertiser whose
    payload names no kind counts only where the RF detector heard a ble
    component at that stop at a like level (its bursts and its adverts are the
    same received power: within network.findings.RF_LEVEL_MATCH_DB); with one,
    it comes with that component (not one a finding is made of already). None
    for an advertiser an RF ble finding claims (wifiscan.claimed: that finding
    is this device): that finding gains the advertiser's evidence
    (scan_evidence), so the network merge joins its tracker finding to it, and
    the advertiser's strongest stop in its region.
    `best_in`: the ble kind's component per stretch of `parts` (analyze's). Each:
    (advertiser, component or None, in-room evidence)."""
    stops = {st.label for st in parts if st.label is not None}
    out: list[tuple[Advertiser, Component | None, dict[str, Any]]] = []
    rf_ble = [f for f in found if f["class"] == "ble"]
    taken = claimed([(a.strongest, a.levels[a.strongest]) for a in scanned], rf_ble, positions)
    for k, i in taken.items():
        rf_ble[i].setdefault("evidence", {})["ble_scan"] = scan_evidence(scanned[k])
        with_scans_strongest(rf_ble[i], scanned[k].strongest)
    reported = in_findings({"ble": best_in}, parts, found)
    for k, adv in enumerate(scanned):
        if k in taken:
            continue
        tag = TAG_MOST_EIRP_DBM if adv.kind == "tracker" else None
        # a tag the in-room test puts in the room is reported at its strongest
        # stop wherever the fit lands, as the detector's levels are (its fit
        # only says where; a tag's few adverts a stop, each faded, pull it far)
        room = placed_in_room(
            adv.levels,
            adv.strongest,
            positions,
            stops,
            tag,
            BLE_LOWEST_MHZ,
            fit_near_strongest=adv.kind != "tracker",
        )
        if room is None:
            continue
        level = adv.levels[adv.strongest]
        heard = like_level({"ble": best_in}, parts, adv.strongest, level, reported)
        if heard is None and adv.kind is None:
            continue  # a gadget naming nothing, not heard by the detector: the room's own
        out.append((adv, heard[1] if heard else None, room))
    return out


# A payload naming a tracker names a coin-cell tag (AirTag, Tile, SmartTag,
# Chipolo): the tag SoCs transmit at most +8 dBm (Nordic nRF52840 product
# specification, the strongest of them; an AirTag's nRF52832 reaches +4 dBm), on
# BLE's lowest channel 2402 MHz at the least (Bluetooth Core 5.4 Vol 6 Part A 2)
TAG_MOST_EIRP_DBM = 8.0
BLE_LOWEST_MHZ = 2402.0


def scan_only_finding(
    adv: Advertiser,
    room: dict[str, Any],
    parts: list[Stretch],
    near: dict[int, list[int]],
    positions: dict[str, tuple[float, float]] | None = None,
) -> dict[str, Any]:
    """A ble finding from the scan alone (inroom.scan_finding)."""
    what = f"{adv.what} heard by the device's BLE scan"
    return scan_finding(
        "ble", adv.levels, adv.strongest, adv.time_s, room, parts, near, "ble", what, positions
    )


# what a finding is called when the advertiser's payload names its kind
TITLES = {"tracker": "BLE tracker advertising", "camera": "camera advertising over BLE"}


def scan_evidence(adv: Advertiser) -> dict[str, Any]:
    """What the scan says of an advertiser, for its finding's evidence."""
    return {
        "address": adv.address,
        "payload_says": adv.what,
        "rssi_by_waypoint": dict(sorted(adv.levels.items(), key=lambda kv: -kv[1])),
    }
