"""Scoring network findings against a scenario's radios (`roomsweep eval`).

Truth: the scenario's access points of kind camera and BLE devices of kind
tracker or camera inside the room; each should be reported by its MAC, at the
waypoint nearest to it. A camera claim (a camera_ap / ble_camera finding, or an
RF finding carrying Wi-Fi evidence) about any other device is a false camera
flag.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from roomsweep.analysis.recording import Recording, WaypointMark
from roomsweep.network.findings import is_camera_claim, network_findings
from roomsweep.sim.radios import sightings
from roomsweep.sim.scenario import load_scenario


def _macs(f: dict[str, Any]) -> list[str]:
    ev = f.get("evidence") or {}
    out = []
    if f.get("type") in ("wifi", "ble") and ev.get("mac"):
        out.append(ev["mac"])
    for radio in ("wifi", "ble"):  # a network finding merged into an RF one
        if isinstance(ev.get(radio), dict) and ev[radio].get("mac"):
            out.append(ev[radio]["mac"])
    return out


def score_network(findings: list[dict[str, Any]], scenario: Any) -> dict[str, Any]:
    devices = [*getattr(scenario, "access_points", []), *getattr(scenario, "ble_devices", [])]
    by_mac = {getattr(d, "bssid", None) or d.address: d for d in devices}
    truth = {mac: d for mac, d in by_mac.items() if d.reportable}
    reported: dict[str, dict[str, Any]] = {}
    false_camera = []
    for f in findings:
        for mac in _macs(f):
            d = by_mac.get(mac)
            if mac in truth and mac not in reported:
                reported[mac] = f
            if is_camera_claim(f) and (d is None or d.kind != "camera"):
                false_camera.append(
                    {"mac": mac, "kind": d.kind if d else None, "id": d.id if d else None}
                )
    matches, missed = [], []
    for mac, d in truth.items():
        want = scenario.nearest_waypoint(d.position_m)
        if mac in reported:
            got = reported[mac].get("waypoint")
            matches.append(
                {
                    "id": d.id,
                    "kind": d.kind,
                    "waypoint": got,
                    "truth_waypoint": want,
                    "waypoint_ok": got == want,
                }
            )
        else:
            missed.append({"id": d.id, "kind": d.kind, "truth_waypoint": want})
    return {"matches": matches, "missed": missed, "false_camera": false_camera}


def summarize_network(results: list[dict[str, Any]]) -> dict[str, Any]:
    nets = [r["network"] for r in results if "network" in r]
    matches = [m for n in nets for m in n["matches"]]
    missed = [m for n in nets for m in n["missed"]]
    false = [f for n in nets for f in n["false_camera"]]
    total = len(matches) + len(missed)
    return {
        "recall": round(len(matches) / total, 4) if total else None,
        "false_camera_flags": len(false),
        "waypoint_accuracy": round(sum(m["waypoint_ok"] for m in matches) / len(matches), 4)
        if matches
        else None,
        "devices_to_report": total,
        "reported": len(matches),
    }


def network_only(paths: list[Any], seed: int | None = None) -> dict[str, Any]:
    """Network metrics alone: sightings from the simulator, no RF analysis (fast)."""
    results = []
    for path in paths:
        sc = load_scenario(str(path))
        heard = sightings(sc, seed=seed)
        rec = Recording(
            rf_counts=np.zeros(0, np.uint16),
            fs=8000.0,
            marks=[WaypointMark(s.arrive_s, s.waypoint, "button") for s in sc.sweep],
            wifi=heard.wifi,
            ble=heard.ble,
            radio_busy=heard.busy,
        )
        findings = network_findings(rec, [])
        results.append({"scenario": sc.name, "network": score_network(findings, sc)})
    out = summarize_network(results)
    out["details"] = results
    return out
