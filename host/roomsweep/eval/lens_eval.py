"""Scoring lens findings against a scenario's lenses (`roomsweep eval`, "lens" keys).

A lens finding lists the glints it stands for (evidence.glints). A glint is true
when a real lens was in the beam at that moment (the simulator's geometry,
`sim.optics.lens_exposures`, loose: any useful return); a finding is true when
one of its glints is, and false otherwise (a false lens: a mirror, window, TV,
chrome, glass, a wall corner or noise). The recall target counts the lenses
the sweep put within reach: within 3 m and 20 deg of the lens axis, in the
beam's half-intensity fan, during a stop (the issue's condition,
`lens_exposures(strict=True)`). False findings are attributed to the clutter
object that returned the most light at that moment ("none" if no clutter did).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from roomsweep.sim import optics

MATCH_SLACK_S = 0.15  # a glint's time within this of a lens's exposure


def _hit(t: float, intervals: list[tuple[float, float]]) -> bool:
    return any(a - MATCH_SLACK_S <= t <= b + MATCH_SLACK_S for a, b in intervals)


def _clutter_at(scenario: Any, t: float) -> str:

    scene = optics.scene_of(scenario)
    if not scene.clutter:
        return "none"
    ts = np.array([t - 0.05, t, t + 0.05])
    pos = scenario.position_at(ts)
    yaw = optics.beam_yaw(scenario, ts)
    best, best_p = "none", 0.0
    for c in scene.clutter:
        p = float(np.max(optics.clutter_return_w(c, pos, yaw, 0)))
        if p > best_p:
            best, best_p = c.kind, p
    # a return under ~0.3 ADC counts is no reason for anything
    if best_p * optics.LED_RESPONSIVITY_A_W * optics.counts_per_amp() < 0.3:
        return "none"
    return best


def score_lenses(findings: list[dict[str, Any]], scenario: Any) -> dict[str, Any]:
    """Per-scenario lens score: which lenses were in reach, found, and false findings."""

    scene = optics.scene_of(scenario)
    lens_f = [f for f in findings if f.get("type") == "lens"]
    loose = {L.id: optics.lens_exposures(scenario, L, strict=False) for L in scene.lenses}
    strict = {L.id: optics.lens_exposures(scenario, L, strict=True) for L in scene.lenses}
    found: set[str] = set()
    false = []
    for f in lens_f:
        times = [g["time_s"] for g in f.get("evidence", {}).get("glints", [])] or [f["time_s"]]
        hits = {lid for lid, iv in loose.items() for t in times if _hit(t, iv)}
        if hits:
            found |= hits
        else:
            false.append(
                {
                    "time_s": f["time_s"],
                    "waypoint": f.get("waypoint"),
                    "confidence": f["confidence"],
                    "clutter": _clutter_at(scenario, f["time_s"]),
                }
            )
    lenses = []
    for L in scene.lenses:
        lenses.append(
            {
                "id": L.id,
                "aperture_mm": L.aperture_mm,
                "hidden": L.hidden,
                "in_reach": bool(strict[L.id]),
                "found": L.id in found,
            }
        )
    kinds = sorted({c.kind for c in scene.clutter})
    return {
        "lighting": scene.lighting.kind,
        "clutter_kinds": kinds,
        "lenses": lenses,
        "false": false,
        "findings": len(lens_f),
    }


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def summarize_lenses(results: list[dict[str, Any]]) -> dict[str, Any]:
    """lens.recall (in-reach lenses found), lens.false_per_sweep, and both split
    by lighting and by the clutter a false finding came from."""
    scored = [r["lens"] for r in results if "lens" in r]
    sweeps = len(scored)

    def block(rows: list[dict[str, Any]]) -> dict[str, Any]:
        reach = [L for r in rows for L in r["lenses"] if L["in_reach"]]
        false = sum(len(r["false"]) for r in rows)
        return {
            "sweeps": len(rows),
            "lenses_in_reach": len(reach),
            "recall": _ratio(sum(L["found"] for L in reach), len(reach)),
            "false": false,
            "false_per_sweep": _ratio(false, len(rows)),
        }

    out = block(scored)
    out["lenses_total"] = sum(len(r["lenses"]) for r in scored)
    out["found_out_of_reach"] = sum(
        1 for r in scored for L in r["lenses"] if L["found"] and not L["in_reach"]
    )
    out["by_lighting"] = {
        k: block([r for r in scored if r["lighting"] == k])
        for k in sorted({r["lighting"] for r in scored})
    }
    specular = [
        r
        for r in scored
        if set(r["clutter_kinds"])
        & {"mirror", "window", "tv", "picture_glass", "chrome_tap", "water_glass"}
    ]
    out["false_per_sweep_with_specular"] = _ratio(
        sum(len(r["false"]) for r in specular), len(specular)
    )
    by_clutter: dict[str, int] = {}
    for r in scored:
        for f in r["false"]:
            by_clutter[f["clutter"]] = by_clutter.get(f["clutter"], 0) + 1
    present = {
        k: sum(1 for r in scored if k in r["clutter_kinds"])
        for k in sorted({k for r in scored for k in r["clutter_kinds"]})
    }
    out["by_clutter"] = {
        k: {"sweeps_with_it": present.get(k, 0), "false": by_clutter.get(k, 0)}
        for k in sorted(set(present) | set(by_clutter))
    }
    out["sweeps"] = sweeps
    return out
