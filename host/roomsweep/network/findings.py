"""Network findings: every device scored on its evidence, with its reasons.

Evidence combines as a noisy OR (1 - prod(1 - weight)). A device is reported
as a camera only with at least one *strong* piece of evidence: a camera SSID
pattern, a BLE camera signature, or an RF Wi-Fi-camera finding at its
strongest waypoint; or a camera maker's prefix together with two other signs
(open or hidden network, peak inside the room). A vendor prefix alone never
makes a camera: smart plugs share camera makers' prefixes (IoT Sentinel data:
Edimax plugs and cameras share 74:da:38).

Network findings corroborated by an RF finding of class ``wifi_camera`` at the
same waypoint are merged into it: one finding carrying both kinds of evidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from roomsweep.network.devices import Device, devices_of
from roomsweep.network.identified import Identified, explained, identified_macs, identify
from roomsweep.network.registry import lookup
from roomsweep.network.signatures import ble_verdict, camera_ssid, parse_adv, vendor_kind
from roomsweep.protocol.observations import AUTHMODE_NAMES

MIN_NETWORK_CONFIDENCE = 0.5
IN_ROOM_DBM = -45.0  # a strongest reading this high is within a few metres
IN_ROOM_CONTRAST_DB = 6.0  # and this far above its typical level over the sweep
MERGE_RADIUS_M = 1.5
W_VENDOR_CAMERA = 0.3
W_VENDOR_MIXED = 0.1
W_OPEN = 0.15
W_HIDDEN = 0.15
W_IN_ROOM = 0.2
W_RF = 0.8
# the same transmitter: its beacons' RSSI and its bursts' detector level (both
# received power, same EIRP) agree within this much; a router beyond the wall
# strongest at the camera's waypoint is tens of dB weaker
RF_LEVEL_MATCH_DB = 15.0
# RF classes a camera access point may be: streaming video, or beaconing as an AP
RF_MERGE_CLASSES = ("wifi_camera", "wifi_ap")


@dataclass
class Score:
    score: float = 0.0
    strong: int = 0
    weak: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    parts: dict[str, float] = field(default_factory=dict)
    category: str | None = None  # "camera", "tracker" or None

    def add(self, key: str, weight: float, reason: str, strong: bool) -> None:
        self.parts[key] = round(weight, 3)
        self.score = 1.0 - (1.0 - self.score) * (1.0 - weight)
        self.reasons.append(reason)
        if strong:
            self.strong += 1
        else:
            self.weak.append(key)


def _in_room(d: Device) -> bool:
    return d.strongest_dbm >= IN_ROOM_DBM and d.strongest_dbm - d.median_dbm >= IN_ROOM_CONTRAST_DB


def score_device(
    d: Device, rf_camera_waypoints: dict[str, float] | None = None, identified: bool = False
) -> Score:
    """Evidence for one device. `rf_camera_waypoints`: waypoint -> level (dBm) of
    RF Wi-Fi camera findings, which corroborate a Wi-Fi device strongest there
    at a like level, unless it is `identified` (network.identified: the
    building's network, a printer, a TV, whose traffic the finding may be)."""
    s = Score()
    info = lookup(d.mac, random_address=d.random_address)
    vkind = vendor_kind(info.vendor)
    if d.radio == "wifi":
        pat = camera_ssid(d.ssid) if d.ssid else None
        if pat:
            s.add("ssid", pat.weight, f"SSID {d.ssid!r} matches {pat.what} [{pat.source}]", True)
        if vkind == "camera":
            s.add(
                "vendor", W_VENDOR_CAMERA, f"BSSID registered to camera maker {info.vendor}", False
            )
        elif vkind == "mixed":
            s.add(
                "vendor",
                W_VENDOR_MIXED,
                f"BSSID registered to {info.vendor}, who also makes cameras",
                False,
            )
        if d.authmode == 0:
            s.add("open", W_OPEN, "open network (cameras in setup mode are open)", False)
        if d.hidden:
            s.add("hidden", W_HIDDEN, "hidden SSID", False)
        if _in_room(d):
            s.add(
                "in_room",
                W_IN_ROOM,
                f"peaks at {d.strongest_dbm:.0f} dBm at "
                f"{d.strongest_waypoint}, {d.strongest_dbm - d.median_dbm:.0f} dB above "
                "its typical level: inside the room",
                False,
            )
        rf_level = (rf_camera_waypoints or {}).get(d.strongest_waypoint or "")
        if (
            rf_level is not None
            and abs(d.strongest_dbm - rf_level) <= RF_LEVEL_MATCH_DB
            and not identified
        ):
            s.add(
                "rf",
                W_RF,
                f"an RF Wi-Fi camera finding at {d.strongest_waypoint}, where "
                "this access point is strongest",
                True,
            )
        camera_by_weak = "vendor" in s.weak and vkind == "camera" and len(s.weak) >= 3
        if s.strong or camera_by_weak:
            s.category = "camera"
    else:
        v = ble_verdict(parse_adv(d.adv_data))
        if v.kind in ("tracker", "camera"):
            s.add(v.kind, v.weight, f"{v.what} [{v.source}]", True)
            s.category = v.kind
        if vkind == "camera":
            s.add(
                "vendor",
                W_VENDOR_CAMERA,
                f"address registered to camera maker {info.vendor}",
                False,
            )
        if s.category and _in_room(d):
            s.add(
                "in_room",
                W_IN_ROOM,
                f"peaks at {d.strongest_dbm:.0f} dBm at {d.strongest_waypoint}: inside the room",
                False,
            )
    return s


def network_findings(
    rec: Any, rf_findings: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """Findings of type "wifi"/"ble" for the recording's network sightings."""
    devices = devices_of(rec)
    return _scored(devices, identify(devices), rf_findings or [])


def _scored(
    devices: list[Device], known: list[Identified], rf_findings: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """network_findings of `devices`, `known` the access points among them
    that say what they are (network.identified)."""
    rf_wp = {
        f["waypoint"]: f["level_dbm"]
        for f in rf_findings
        if f.get("class") == "wifi_camera" and f.get("waypoint")
    }
    theirs = identified_macs(known)
    out = []
    for d in devices:
        s = score_device(d, rf_wp, d.mac in theirs)
        if s.category is None or s.score < MIN_NETWORK_CONFIDENCE:
            continue
        out.append(_finding(d, s))
    return out


def _finding(d: Device, s: Score) -> dict[str, Any]:
    info = lookup(d.mac, random_address=d.random_address)
    if d.radio == "wifi":
        cls, title = "camera_ap", "camera access point"
    elif s.category == "tracker":
        cls, title = "tracker", "BLE tracker"
    else:
        cls, title = "ble_camera", "camera advertising over BLE"
    where = f" strongest at {d.strongest_waypoint}" if d.strongest_waypoint else ""
    evidence: dict[str, Any] = {
        "mac": d.mac,
        "vendor": info.vendor,
        "locally_administered": info.locally_administered,
        "rssi_by_waypoint": dict(sorted(d.by_waypoint.items(), key=lambda kv: -kv[1])),
        "score_parts": s.parts,
        "reasons": s.reasons,
    }
    if d.radio == "wifi":
        evidence.update(
            ssid=d.ssid,
            channel=d.channel,
            hidden=d.hidden,
            authmode=AUTHMODE_NAMES.get(d.authmode or 0, str(d.authmode)),
        )
    else:
        evidence.update(adv_data=d.adv_data.hex(), random_address=d.random_address)
    return {
        "type": d.radio,
        "class": cls,
        "title": title,
        "standard": "IEEE 802.11" if d.radio == "wifi" else "Bluetooth LE",
        "time_s": round(d.strongest_time_s, 3),
        "waypoint": d.strongest_waypoint,
        "position_m": None,
        "position_uncertainty_m": None,
        "level_dbm": round(d.strongest_dbm, 1),
        "confidence": round(s.score, 3),
        "evidence": evidence,
        "why": f"{title}{where}: " + "; ".join(s.reasons),
    }


def is_camera_claim(f: dict[str, Any]) -> bool:
    """Whether a finding says "this network device is a camera"."""
    return f.get("class") in ("camera_ap", "ble_camera") or "wifi" in (f.get("evidence") or {})


def merge_findings(
    rf: list[dict[str, Any]],
    net: list[dict[str, Any]],
    waypoint_positions: dict[str, tuple[float, float]] | None = None,
) -> list[dict[str, Any]]:
    """RF findings of class wifi_camera absorb the camera access points found at
    their waypoint (or within MERGE_RADIUS_M of it): one finding, both kinds of
    evidence, confidence combined as a noisy OR. RF ble findings the BLE scan
    vouched for (analysis.blescan, evidence "ble_scan") absorb the tracker or
    BLE camera of the same address; their confidence already weighs the scan."""
    pos = waypoint_positions or {}
    merged_rf = [dict(f) for f in rf]
    rest = []
    for n in net:
        target = None
        if n["class"] == "camera_ap":
            for f in merged_rf:
                if f.get("class") not in RF_MERGE_CLASSES or "wifi" in f.get("evidence", {}):
                    continue
                same_level = abs(f["level_dbm"] - n["level_dbm"]) <= RF_LEVEL_MATCH_DB
                if same_level and (f.get("waypoint") == n["waypoint"] or _near(f, n, pos)):
                    target = f
                    break
        elif n["type"] == "ble":
            target = next(
                (
                    f
                    for f in merged_rf
                    if (f.get("evidence") or {}).get("ble_scan", {}).get("address")
                    == n["evidence"]["mac"]
                ),
                None,
            )
        if target is None:
            rest.append(n)
            continue
        ev = dict(target.get("evidence") or {})
        ev[n["type"]] = n["evidence"]
        target["evidence"] = ev
        target["sources"] = [*dict.fromkeys([*target.get("sources", ["rf"]), n["type"]])]
        if n["type"] == "wifi" and "rf" in target["sources"][:1]:  # not from the scan alone
            target["confidence"] = round(1 - (1 - target["confidence"]) * (1 - n["confidence"]), 3)
        target["why"] = f"{target['why']}; also a {n['why']}"
    return merged_rf + rest


def _near(f: dict[str, Any], n: dict[str, Any], pos: dict[str, tuple[float, float]]) -> bool:
    a = f.get("position_m") or pos.get(f.get("waypoint") or "")
    b = pos.get(n.get("waypoint") or "")
    if a is None or b is None:
        return False
    return float(((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) ** 0.5) <= MERGE_RADIUS_M


def add_network_findings(
    findings: list[dict[str, Any]], rec: Any, baseline: Any = None
) -> list[dict[str, Any]]:
    """The analyzer's hook: RF findings plus network findings, merged, ranked.
    Devices a known-clean `baseline` sweep also heard are not reported again."""
    if not getattr(rec, "wifi", None) and not getattr(rec, "ble", None):
        return findings
    devices = devices_of(rec)
    identified = identify(devices)
    net = _scored(devices, identified, findings)
    if baseline is not None:
        known = {
            getattr(s, "bssid", None) or s.address
            for s in [*getattr(baseline, "wifi", []), *getattr(baseline, "ble", [])]
        }
        net = [n for n in net if n["evidence"]["mac"] not in known]
    out = merge_findings(findings, net, rec.waypoint_positions)
    # an RF access point that is the building's network, a printer or a TV
    # by what its own beacons say (network.identified): said in the caveats
    theirs = explained(out, devices, identified, rec.waypoint_positions, MERGE_RADIUS_M)
    out = [f for i, f in enumerate(out) if i not in theirs]
    out.sort(key=lambda f: (-f["confidence"], -f["level_dbm"]))
    return out
