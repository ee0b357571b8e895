"""Scoring the analyzer against scenarios with ground truth (`roomsweep eval`).

A finding matches a hidden transmitter when the place it points at (its fitted
position, or else its waypoint) lies within MATCH_RADIUS_M of the transmitter,
or it names the transmitter's ground-truth waypoint as its waypoint or in its
`region` (the stops it is loudest at); each transmitter and each finding is
matched at most once. The pairing is the best over all of them
(match_pairs): as many matches as the pairs allow, then as many of the right
class, then as many naming the transmitter's waypoint, then the least
distance; pairing greedily (right class first, then closest) can take a
finding for the farther of two transmitters and leave the nearer one missed.

`waypoint_accuracy` counts matched findings whose waypoint is the truth's;
`waypoint_or_region_accuracy` also those whose region holds it.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from roomsweep.analysis.analyze import analyze
from roomsweep.analysis.recording import Recording, from_capture
from roomsweep.eval.fastpath import from_scenario
from roomsweep.eval.lens_eval import score_lenses, summarize_lenses
from roomsweep.eval.network_eval import score_network, summarize_network
from roomsweep.sim.radios import RADIO_SETTINGS
from roomsweep.sim.runner import simulate
from roomsweep.sim.scenario import load_scenario

MATCH_RADIUS_M = 1.5


@dataclass
class Truth:
    id: str
    kind: str
    xy: tuple[float, float]
    waypoint: str | None


def hidden_emitters(scenario: Any) -> list[Truth]:
    """The hidden transmitters a sweep must report: the RF emitters marked
    hidden, and the camera access points and BLE trackers and cameras inside
    the room that no RF emitter stands for (sim/netdevices.py: the RF simulator
    draws no bursts for them, but they beacon and advertise all the same; the
    device's own scans hear them), as kinds wifi_ap and ble."""
    gt = getattr(scenario, "ground_truth", {}) or {}
    out = []
    for e in scenario.emitters:
        if e.hidden:
            out.append(Truth(e.id, e.kind, (e.position_m[0], e.position_m[1]), gt.get(e.id)))
    for kind, devices in (
        ("wifi_ap", getattr(scenario, "access_points", None)),
        ("ble", getattr(scenario, "ble_devices", None)),
    ):
        for d in devices or []:
            if d.reportable and d.emitter is None:
                xy = (d.position_m[0], d.position_m[1])
                out.append(Truth(d.id, kind, xy, scenario.nearest_waypoint(d.position_m)))
    return out


def _where(finding: dict, rec: Recording) -> tuple[float, float] | None:
    if finding.get("position_m"):
        return tuple(finding["position_m"])  # type: ignore[return-value]
    if finding.get("waypoint") and rec.waypoint_positions:
        return rec.waypoint_positions.get(finding["waypoint"])
    return None


def _names(finding: dict, waypoint: str | None) -> bool:
    """The finding names `waypoint`: as its waypoint or in its region."""
    if not waypoint:
        return False
    return finding.get("waypoint") == waypoint or waypoint in (finding.get("region") or [])


# The pairing's cost (match_pairs): each match outweighs any number of the
# terms after it, each term any number of those after it (distances are metres,
# a room's few)
_MATCH_COST = -1e9
_WRONG_CLASS_COST = 1e6
_UNNAMED_COST = 1e3


def match_pairs(pairs: list[tuple[bool, bool, float, int, int]]) -> list[tuple[int, int]]:
    """The best pairing of findings with transmitters, each at most once, from
    the candidate `pairs` (wrong class, waypoint not named, distance m, finding
    index, transmitter index): the most matches, then the most of the right
    class, then the most naming the transmitter's waypoint, then the least
    total distance (an assignment problem, scipy's linear_sum_assignment).

    >>> ok = (False, False)  # the right class, naming the transmitter's stop
    >>> match_pairs([(*ok, 0.2, 0, 0), (*ok, 1.0, 0, 1), (*ok, 0.5, 1, 0)])
    [(0, 1), (1, 0)]
    """
    if not pairs:
        return []
    n_f = 1 + max(p[3] for p in pairs)
    n_t = 1 + max(p[4] for p in pairs)
    cost = np.zeros((n_f, n_t))
    allowed = np.zeros((n_f, n_t), bool)
    for wrong, unnamed, d, i, j in pairs:
        cost[i, j] = _MATCH_COST + _WRONG_CLASS_COST * wrong + _UNNAMED_COST * unnamed + d
        allowed[i, j] = True
    rows, cols = linear_sum_assignment(cost)
    return [(int(i), int(j)) for i, j in zip(rows, cols) if allowed[i, j]]


def score_scenario(findings: list[dict], truth: list[Truth], rec: Recording) -> dict[str, Any]:
    pairs = []
    for i, f in enumerate(findings):
        w = _where(f, rec)
        if w is None:
            continue
        for j, t in enumerate(truth):
            d = float(np.hypot(w[0] - t.xy[0], w[1] - t.xy[1]))
            named = _names(f, t.waypoint)
            if d <= MATCH_RADIUS_M or named:
                pairs.append((f["class"] != t.kind, not named, d, i, j))
    paired = sorted(match_pairs(pairs), key=lambda ij: ij[1])
    used_f = {i for i, _ in paired}
    used_t = {j for _, j in paired}
    matches = []
    for i, j in paired:
        f, t = findings[i], truth[j]
        pos_err = None
        if f.get("position_m"):
            pos_err = float(np.hypot(f["position_m"][0] - t.xy[0], f["position_m"][1] - t.xy[1]))
        matches.append(
            {
                "truth": t.id,
                "kind": t.kind,
                "class": f["class"],
                "class_ok": f["class"] == t.kind,
                "waypoint": f.get("waypoint"),
                "truth_waypoint": t.waypoint,
                "waypoint_ok": f.get("waypoint") == t.waypoint,
                "waypoint_or_region_ok": bool(_names(f, t.waypoint)),
                "region": list(f.get("region") or []),
                "confidence": f.get("confidence"),
                "position_error_m": pos_err,
            }
        )
    return {
        "matches": matches,
        "missed": [
            {"truth": t.id, "kind": t.kind, "waypoint": t.waypoint}
            for j, t in enumerate(truth)
            if j not in used_t
        ],
        "false": [
            {"class": f["class"], "waypoint": f.get("waypoint"), "confidence": f["confidence"]}
            for i, f in enumerate(findings)
            if i not in used_f
        ],
    }


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def summarize(results: list[dict[str, Any]]) -> dict[str, Any]:
    matches = [m for r in results for m in r["matches"]]
    missed = [m for r in results for m in r["missed"]]
    false = [f for r in results for f in r["false"]]
    n_truth = len(matches) + len(missed)
    n_found = len(matches) + len(false)
    errs = [m["position_error_m"] for m in matches if m["position_error_m"] is not None]
    per_class: dict[str, Any] = {}
    kinds = sorted(
        {m["kind"] for m in matches} | {m["kind"] for m in missed} | {f["class"] for f in false}
    )
    for k in kinds:
        km = [m for m in matches if m["kind"] == k]
        kmiss = [m for m in missed if m["kind"] == k]
        kfalse = [f for f in false if f["class"] == k]
        kclass = [m for m in matches if m["class"] == k]
        per_class[k] = {
            "present": len(km) + len(kmiss),
            "recall": _ratio(len(km), len(km) + len(kmiss)),
            "precision": _ratio(len(kclass), len(kclass) + len(kfalse)),
            "class_accuracy": _ratio(sum(m["class_ok"] for m in km), len(km)),
            "false_findings": len(kfalse),
        }
    return {
        "rf": {
            "recall": _ratio(len(matches), n_truth),
            "precision": _ratio(len(matches), n_found),
            "class_accuracy": _ratio(sum(m["class_ok"] for m in matches), len(matches)),
            "waypoint_accuracy": _ratio(sum(m["waypoint_ok"] for m in matches), len(matches)),
            "waypoint_or_region_accuracy": _ratio(
                sum(m.get("waypoint_or_region_ok", m["waypoint_ok"]) for m in matches),
                len(matches),
            ),
            "median_position_error_m": round(float(np.median(errs)), 3) if errs else None,
            "hidden_transmitters": n_truth,
            "findings": n_found,
            "false_findings": len(false),
            "per_class": per_class,
        },
        "scenarios": len(results),
    }


def evaluate(
    paths: list[Path],
    via_firmware: bool = False,
    seed: int | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    stalls: bool = False,
) -> dict[str, Any]:
    """Run every scenario, analyse it, and score the findings against ground truth.
    `stalls`: the fast path's sampling stands still while the radio scans, as
    the device's does (eval.stalls; the firmware path always does)."""

    results = []
    for n, path in enumerate(paths, 1):
        sc = load_scenario(str(path))
        if progress:
            progress(n, len(paths), sc.name)
        if via_firmware:
            with tempfile.TemporaryDirectory() as tmp:
                cap = Path(tmp) / "eval.cap"

                radios = bool(sc.access_points or sc.ble_devices)
                simulate(sc, cap, seed=seed, settings=RADIO_SETTINGS if radios else "")
                rec = from_capture(cap)
        else:
            rec = from_scenario(sc, seed=seed, stalls=stalls)
        findings = analyze(rec)
        r = score_scenario(
            [f for f in findings if f.get("type", "rf") == "rf"], hidden_emitters(sc), rec
        )
        r["network"] = score_network(findings, sc)
        if getattr(sc, "optics", None) is not None:  # the lens finder's score
            r["lens"] = score_lenses(findings, sc)
        r["scenario"] = sc.name
        r["path"] = str(path)
        results.append(r)
    out = summarize(results)
    out["network"] = summarize_network(results)
    out["lens"] = summarize_lenses(results)
    out["details"] = results
    return out


def stderr_progress(n: int, total: int, name: str) -> None:
    """Scenario `n` of `total` on one redrawn line: on a terminal only, like every
    progress bar (roomsweep.analyst.progress); a log or a pipe stays clean."""
    if not sys.stderr.isatty():
        return
    sys.stderr.write(f"\r[{n}/{total}] {name[:50]:<50}")
    if n == total:
        sys.stderr.write("\n")
    sys.stderr.flush()
