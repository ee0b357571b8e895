"""Lens finder: camera lenses from the photodiode channel (docs/lens.md).

Three LED groups on rings of different radii around the photodiode are modulated
at their own frequencies; a camera lens (a cat's-eye retro-reflector) returns the
inner ring's light far more than the outer rings', a mirror, window or chrome
returns every ring's alike. The analysis, by module:

1. `amplitude_tracks` (`roomsweep.analysis.lens_tracks`): a lock-in per group,
   each group's return amplitude 50 times a second, at full LED current.
2. `find_glints` (`roomsweep.analysis.lens_glints`): glints of the retro excess,
   checked against what the other rings can explain, judged lens or specular by
   the middle ring's share (or the plain excess where the fit cannot judge), and
   steady returns of a lens the beam rested on (docs/lens.md steps 2-5).
3. Here: `lens_findings`, findings of type "lens" (docs/findings.md), one per
   waypoint (`glint_confidence`), sightings of one lens from several waypoints
   merged (`merge_sightings`), and `merge_ranked` with the RF findings.

`amplitude_tracks`, `lockin_tracks` and `find_glints` are importable from here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from roomsweep.analysis.lens_glints import MIN_SNR, RETRO_RATIO_MAX, find_glints
from roomsweep.analysis.lens_tracks import amplitude_tracks, lockin_tracks, readable_groups
from roomsweep.analysis.recording import Recording

__all__ = [
    "amplitude_tracks",
    "find_glints",
    "glint_confidence",
    "lens_findings",
    "lockin_tracks",
    "merge_ranked",
    "merge_sightings",
]

MIN_CONFIDENCE = 0.55


def glint_confidence(glint: dict[str, Any]) -> float:
    """How sure a glint is a camera lens: strength over noise, and how far its
    retro ratio is below that of specular returns (~1)."""
    # the plain excess's SNR counts half: no fit has checked it against the walls
    snr = max(glint["snr"], 0.5 * glint.get("excess_snr", 0.0))
    snr_part = 1.0 - float(np.exp(-snr / MIN_SNR))
    ratio_part = min(1.0, max(0.0, 1.0 - glint["retro_ratio"] / RETRO_RATIO_MAX))
    c = snr_part * (0.75 + 0.25 * ratio_part)
    if glint["saturated"]:
        c *= 0.9  # clipped: the ratio is less certain
    return round(max(0.0, min(1.0, c)), 3)


def _waypoint_at(rec: Recording, t: float) -> str | None:
    marks = sorted(rec.marks, key=lambda mk: mk.time_s)
    label = None
    for mk in marks:
        if mk.time_s <= t:
            label = mk.label
        else:
            break
    return label


def lens_findings(rec: Recording, baseline: Recording | None = None) -> list[dict[str, Any]]:
    """Findings of type "lens" (docs/findings.md): one per waypoint where a
    retro-reflecting glint was seen, the strongest glint's time, strength and
    evidence; empty when the recording has no lit photodiode channel. With
    `baseline` (a known-clean sweep of the same room), waypoints where it saw a
    lens-like glint too are not reported."""
    found = _lens_findings(rec)
    if baseline is not None and found:
        # generous on the clean sweep: a weaker glint there is the same thing
        seen = {f["waypoint"] for f in _lens_findings(baseline, MIN_SNR / 2, 0.0)}
        found = [f for f in found if f["waypoint"] is None or f["waypoint"] not in seen]
    found = _join_before_first_mark(found, rec)
    return merge_sightings(found, getattr(rec, "waypoint_positions", None))


# Before the first mark the operator stands at (or walks to) the first stop, where
# the sweep begins. A lens seen then, and again from the first waypoint at about
# the same strength (within this factor either way: 1/d^4, so within 19 % of
# the distance), is the same lens seen from the same place.
PRE_MARK_SAME_LEVEL = 2.0


def _join_before_first_mark(found: list[dict[str, Any]], rec: Recording) -> list[dict[str, Any]]:
    """A finding with no waypoint (glints before the first mark) joins the finding
    at the first waypoint when their levels are within PRE_MARK_SAME_LEVEL: one
    lens, seen before and after the button press. Its glints join the evidence."""
    marks = sorted(rec.marks, key=lambda mk: mk.time_s)
    if not marks:
        return found
    first = next((f for f in found if f["waypoint"] == marks[0].label), None)
    if first is None:
        return found
    kept = []
    for f in found:
        if (
            f["waypoint"] is None
            and f["level"] > 0
            and first["level"] > 0
            and 1 / PRE_MARK_SAME_LEVEL <= f["level"] / first["level"] <= PRE_MARK_SAME_LEVEL
        ):
            ev = first["evidence"]
            ev.setdefault("also_seen_from", []).append(
                {
                    "waypoint": None,
                    "time_s": f["time_s"],
                    "level": f["level"],
                    "confidence": f["confidence"],
                    "before_first_mark": True,
                }
            )
            ev["glints"] = ev.get("glints", []) + f["evidence"].get("glints", [])
            first["why"] += (
                f"; seen as strongly before the first mark too "
                f"(at {f['time_s']:.1f} s): the same lens"
            )
            first["confidence"] = max(first["confidence"], f["confidence"])
            continue
        kept.append(f)
    return kept


# One lens seen from two waypoints. A lens retro-reflects only within about 20 deg
# of its axis (LAPD, docs/sources.md ref §3), so two places that both see it lie
# inside one 40 deg cone within the finder's reach (SAME_LENS_REACH_M, where a 1-8
# mm lens still clears the noise): at most that reach apart (the cone is narrower
# than 60 deg, so its radius is its widest chord). And its return falls as 1/d^4
# beyond arm's length: the farther sighting is the weaker, so the stronger one
# names the waypoint, and a sighting from elsewhere more than SAME_LENS_MAX_RATIO
# as strong is taken for another lens (the same lens about equally far from both
# places is then reported twice rather than two lenses merged).
SAME_LENS_REACH_M = 4.0
SAME_LENS_MAX_SEPARATION_M = SAME_LENS_REACH_M
SAME_LENS_MAX_RATIO = 0.5


def merge_sightings(
    findings: list[dict[str, Any]], waypoint_positions: dict[str, tuple[float, float]] | None
) -> list[dict[str, Any]]:
    """Lens findings from different waypoints that are one lens, as one finding.

    Strongest first, each finding absorbs the weaker ones that are the same lens
    by physics: their waypoints at most SAME_LENS_MAX_SEPARATION_M apart (both in
    the lens's +-20 deg retro-reflection cone, within reach) and their strength at
    most SAME_LENS_MAX_RATIO of its own (1/d^4: the far sighting is weaker). The
    absorbed sightings become evidence ("also_seen_from", and their glints join
    "glints"); the finding keeps the strongest waypoint, time and level. Without
    waypoint positions nothing is merged.

    Examples
    --------
    >>> f = [{"waypoint": "a", "level": 15.0, "time_s": 40.0, "confidence": 0.99,
    ...       "evidence": {"glints": [{"time_s": 40.0}]}},
    ...      {"waypoint": "b", "level": 5.0, "time_s": 33.0, "confidence": 0.85,
    ...       "evidence": {"glints": [{"time_s": 33.0}]}}]
    >>> [x["waypoint"] for x in merge_sightings(f, {"a": (1.0, 4.6), "b": (0.3, 3.5)})]
    ['a']
    >>> [x["waypoint"] for x in merge_sightings(f, {"a": (1.0, 4.6), "b": (4.0, 0.1)})]
    ['a', 'b']
    """
    if not waypoint_positions or len(findings) < 2:
        return findings
    kept: list[dict[str, Any]] = []
    for f in sorted(findings, key=lambda f: -f["level"]):
        home = None
        p = waypoint_positions.get(f["waypoint"]) if f["waypoint"] is not None else None
        for k in kept:
            q = waypoint_positions.get(k["waypoint"]) if k["waypoint"] is not None else None
            if p is None or q is None:
                continue
            apart = float(np.hypot(p[0] - q[0], p[1] - q[1]))
            if (
                apart <= SAME_LENS_MAX_SEPARATION_M
                and f["level"] <= SAME_LENS_MAX_RATIO * k["level"]
            ):
                home = (k, apart)
                break
        if home is None:
            kept.append(f)
            continue
        k, apart = home
        ev = k["evidence"]
        ev.setdefault("also_seen_from", []).append(
            {
                "waypoint": f["waypoint"],
                "time_s": f["time_s"],
                "level": f["level"],
                "confidence": f["confidence"],
                "waypoints_apart_m": round(apart, 2),
            }
        )
        ev["glints"] = ev.get("glints", []) + [
            dict(g, waypoint=f["waypoint"]) for g in f["evidence"].get("glints", [])
        ]
        k["why"] = k.get("why", "") + (
            f"; seen more weakly from {f['waypoint']} too ({apart:.1f} m away): the same lens"
        )
    kept.sort(key=lambda f: -f["confidence"])
    return kept


def _lens_findings(
    rec: Recording, min_snr: float = MIN_SNR, min_confidence: float = MIN_CONFIDENCE
) -> list[dict[str, Any]]:
    if (
        getattr(rec, "pd_counts", None) is None
        or not rec.led_hz
        or not any(rec.led_lit or (True,))
        or not any(readable_groups(rec))  # a fallback rate too low for every group
    ):
        return []
    tracks, props = amplitude_tracks(rec)
    glints, info = find_glints(tracks, props, min_snr=min_snr)
    by_place: dict[str | None, list[dict[str, Any]]] = {}
    for g in glints:
        if g["retro_ratio"] > RETRO_RATIO_MAX:
            continue  # specular: mirror, window, screen, chrome, glass
        g["confidence"] = glint_confidence(g)
        if g["confidence"] < min_confidence:
            continue
        by_place.setdefault(_waypoint_at(rec, g["time_s"]), []).append(g)
    rejected = sum(1 for g in glints if g["retro_ratio"] > RETRO_RATIO_MAX)
    findings = []
    for place, gs in by_place.items():
        top = max(gs, key=lambda g: (g["confidence"], g["rise"]))
        findings.append(
            {
                "type": "lens",
                "class": "camera_lens",
                "title": "camera lens (retro-reflecting glint)",
                "time_s": round(top["time_s"], 3),
                "waypoint": place,
                "position_m": None,  # one photodiode: no range or bearing
                "bearing_deg": None,  # the device has no compass
                "level": round(top["rise"], 2),
                "level_units": (
                    "ADC counts (lock-in amplitude of the inner LED ring's return, "
                    "at full LED current)"
                ),
                "confidence": top["confidence"],
                "evidence": {
                    "glints": [
                        {
                            "time_s": round(g["time_s"], 3),
                            "rise": round(g["rise"], 2),
                            "snr": round(g["snr"], 1),
                            "retro_ratio": round(g["retro_ratio"], 3),
                            "judged_by": g["judged_by"],
                            **(
                                {"excess_snr": round(g["excess_snr"], 1)}
                                if "excess_snr" in g
                                else {}
                            ),
                            **({"steady": True} if g.get("steady") else {}),
                        }
                        for g in gs
                    ],
                    "judged_by": top["judged_by"],
                    "snr": round(top["snr"], 1),
                    "excess_snr": (round(top["excess_snr"], 1) if "excess_snr" in top else None),
                    "retro_ratio": round(top["retro_ratio"], 3),
                    "middle_ratio": None
                    if top["middle_ratio"] is None
                    else round(top["middle_ratio"], 3),
                    "width_s": round(top["width_s"], 3),
                    "saturated": top["saturated"],
                    "wall_ratio": round(info["wall_ratio"], 3),
                    "specular_glints_rejected": rejected,
                },
                "why": _why(top, place),
            }
        )
    findings.sort(key=lambda f: -f["confidence"])
    return findings


def _why(top: dict[str, Any], place: str | None) -> str:
    """One sentence: what was seen and which test called it a lens."""
    if top["judged_by"] == "steady":
        seen = f"a steady return {top['snr']:.0f} x above the noise while the beam rested on it"
    elif top["judged_by"] == "plain excess":
        seen = (
            f"a glint {top['excess_snr']:.0f} x above the noise in the rings' plain "
            f"excess (the ring fit, at {top['snr']:.0f} x, could not judge it)"
        )
    else:
        seen = f"a glint {top['snr']:.0f} x above the noise"
    return (
        seen + ", on the LED ring next to the photodiode and hardly on the outer rings "
        f"(their share {top['retro_ratio']:.2f}): retro-reflection, as from a camera lens"
        + (f", seen from {place}" if place else "")
    )


def merge_ranked(rf: list[dict[str, Any]], lens: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """RF and lens findings in one list ranked by confidence (stable: RF order
    kept among equals)."""
    return sorted(rf + lens, key=lambda f: -f["confidence"])
