"""`roomsweep compare A B`: what changed between two sweeps of the same room.

Findings are matched across the sweeps by class and place (the same waypoint,
or estimated positions within MATCH_M): a finding of B with no partner in A is
a new transmitter, one of A with none in B has vanished, matched ones report
their change of level. Waypoints present in both sweeps report the change of
their loudest level; MOVED_DB or more is flagged.
"""

from __future__ import annotations

import math
from typing import Any

from roomsweep.analyst.analysed import SweepAnalysis

MATCH_M = 1.5  # same transmitter when the estimated positions are this close
MOVED_DB = 6.0  # a level change at a waypoint worth pointing out (4x in power)


def _place(f: dict[str, Any], an: SweepAnalysis) -> tuple[float, float] | None:
    if f.get("position_m"):
        return float(f["position_m"][0]), float(f["position_m"][1])
    pos = (an.rec.waypoint_positions or {}).get(f.get("waypoint") or "")
    return (float(pos[0]), float(pos[1])) if pos else None


def _same(fa: dict[str, Any], a: SweepAnalysis, fb: dict[str, Any], b: SweepAnalysis) -> bool:
    if (fa.get("type"), fa.get("class")) != (fb.get("type"), fb.get("class")):
        return False
    if fa.get("waypoint") and fa.get("waypoint") == fb.get("waypoint"):
        return True
    pa, pb = _place(fa, a), _place(fb, b)
    return pa is not None and pb is not None and math.dist(pa, pb) <= MATCH_M


def _brief(f: dict[str, Any]) -> dict[str, Any]:
    return {
        k: f.get(k)
        for k in (
            "type",
            "class",
            "title",
            "waypoint",
            "position_m",
            "level_dbm",
            "confidence",
            "time_s",
        )
    }


def compare(a: SweepAnalysis, b: SweepAnalysis) -> dict[str, Any]:
    """Differences of sweep B against sweep A (plain data, what `--json` prints)."""
    unmatched_a = list(range(len(a.findings)))
    persisting, new = [], []
    for fb in b.findings:
        partner = next((i for i in unmatched_a if _same(a.findings[i], a, fb, b)), None)
        if partner is None:
            new.append(_brief(fb))
            continue
        unmatched_a.remove(partner)
        fa = a.findings[partner]
        change = None
        if fa.get("level_dbm") is not None and fb.get("level_dbm") is not None:
            change = round(float(fb["level_dbm"]) - float(fa["level_dbm"]), 1)
        persisting.append({"a": _brief(fa), "b": _brief(fb), "level_change_db": change})
    vanished = [_brief(a.findings[i]) for i in unmatched_a]

    def loudest(an: SweepAnalysis) -> dict[str, float]:
        out: dict[str, float] = {}
        for s in an.stops:
            if s["waypoint"]:
                out[s["waypoint"]] = max(out.get(s["waypoint"], -200.0), s["loudest_dbm"])
        return out

    la, lb = loudest(a), loudest(b)
    waypoints = []
    for name in [w for w in la if w in lb]:
        change = round(lb[name] - la[name], 1)
        waypoints.append(
            {
                "waypoint": name,
                "a_dbm": la[name],
                "b_dbm": lb[name],
                "change_db": change,
                "moved": abs(change) >= MOVED_DB,
            }
        )
    return {
        "a": a.path,
        "b": b.path,
        "new": new,
        "vanished": vanished,
        "persisting": persisting,
        "waypoints": waypoints,
        "waypoints_only_in_a": [w for w in la if w not in lb],
        "waypoints_only_in_b": [w for w in lb if w not in la],
        "changed": bool(new or vanished or any(w["moved"] for w in waypoints)),
    }


def _where(f: dict[str, Any]) -> str:
    where = f.get("waypoint") or (f"{f['time_s']:.1f} s" if f.get("time_s") is not None else "?")
    level = f" at {f['level_dbm']:.1f} dBm" if f.get("level_dbm") is not None else ""
    return f"{f.get('title') or f.get('class')} near {where}{level}"


def format_comparison(d: dict[str, Any]) -> str:
    lines = [f"A: {d['a']}", f"B: {d['b']}"]
    for f in d["new"]:
        lines.append(f"NEW       {_where(f)} (confidence {f.get('confidence', 0):.2f})")
    for f in d["vanished"]:
        lines.append(f"VANISHED  {_where(f)}")
    for p in d["persisting"]:
        change = p["level_change_db"]
        lines.append(
            f"STILL     {_where(p['b'])}" + (f" ({change:+.1f} dB)" if change is not None else "")
        )
    if not (d["new"] or d["vanished"] or d["persisting"]):
        lines.append("no findings in either sweep")
    if d["waypoints"]:
        lines.append(f"{'waypoint':<18}{'A dBm':>8}{'B dBm':>8}{'change':>8}")
        for w in d["waypoints"]:
            flag = "  <- moved" if w["moved"] else ""
            lines.append(
                f"{w['waypoint']:<18}{w['a_dbm']:>8.1f}{w['b_dbm']:>8.1f}"
                f"{w['change_db']:>+8.1f}{flag}"
            )
    for key, label in (("waypoints_only_in_a", "only in A"), ("waypoints_only_in_b", "only in B")):
        if d[key]:
            lines.append(f"waypoints {label}: {', '.join(d[key])}")
    lines.append(
        "changed"
        if d["changed"]
        else f"no change beyond {MOVED_DB:.0f} dB at any waypoint, same transmitters"
    )
    return "\n".join(lines)
