"""`roomsweep compare A B`: what changed between two sweeps of the same room.

Findings are matched across the sweeps by class and place (the same waypoint,
or estimated positions within MATCH_M): a finding of B with no partner in A is
a new transmitter, one of A with none in B has vanished, matched ones report
their change of level. Waypoints present in both sweeps report the change of
their loudest level; MOVED_DB or more is flagged.

A Wi-Fi or BLE finding needs the device's radio scans: when the other sweep
made none (the radios are off by default), it is neither new nor vanished but
`not_comparable`, and it does not count as a change. So is a finding at places
(its waypoint and region) the other sweep never stopped at.
"""

from __future__ import annotations

import math
import textwrap
from typing import Any

from roomsweep.analysis.recording import DETECTOR_CEILING_DBM, level_text, saturated
from roomsweep.analyst.analysed import SweepAnalysis, ceiling_dbm, level_is_lower_bound
from roomsweep.protocol.settings import settings_values

MATCH_M = 1.5  # same transmitter when the estimated positions are this close
MOVED_DB = 6.0  # a level change at a waypoint worth pointing out (4x in power)
SCAN_NAMES = {"wifi": "Wi-Fi", "ble": "BLE"}


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


def radio_scans(an: SweepAnalysis) -> set[str]:
    """Which radio scans a sweep made: "wifi" (any WIFI_SCAN), "ble" (any BLE_ADV,
    or BLE scanning switched on in its settings)."""
    rec = an.rec
    kinds = set()
    if getattr(rec, "radio_busy", None) or getattr(rec, "wifi", None):
        kinds.add("wifi")
    settings = settings_values(str(an.header.get("settings") or ""))
    if getattr(rec, "ble", None) or settings.get("ble_scan") == 1:
        kinds.add("ble")
    return kinds


def _needs_scan(f: dict[str, Any]) -> set[str]:
    """The radio scans a finding rests on ("wifi", "ble"): a scan's own finding,
    or one the device's scan made alone (its sources without the detector's)."""
    kind = str(f.get("type") or "rf")
    if kind in ("wifi", "ble"):
        return {kind}
    sources = f.get("sources") or ["rf"]
    return set() if "rf" in sources else {s for s in sources if s in SCAN_NAMES}


def visited(an: SweepAnalysis) -> set[str]:
    """The waypoints a sweep stopped at."""
    return {s["waypoint"] for s in an.stops if s["waypoint"]}


def _unheard(f: dict[str, Any], other: SweepAnalysis, scans: set[str], which: str) -> str | None:
    """Why the `which` sweep ("earlier", "later") could not have heard finding
    `f` of the other one: a radio scan it did not make, or the finding's places
    (its waypoint and the stops of its region where its kind was heard) none
    of which it stopped at. None when it could."""
    missing = sorted(_needs_scan(f) - scans)
    if missing:
        names = ", ".join(SCAN_NAMES[m] for m in missing)
        return f"the {which} sweep had no radio scans ({names})"
    # a region's stop where the finding's kind was drowned is no place it was heard
    drowned = set((f.get("evidence") or {}).get("region_not_heard") or [])
    places = {p for p in [f.get("waypoint"), *(f.get("region") or [])] if p and p not in drowned}
    stops = visited(other)
    if places and stops and not places & stops:
        return f"the {which} sweep did not stop at {', '.join(sorted(places))}"
    return None


def compare(a: SweepAnalysis, b: SweepAnalysis) -> dict[str, Any]:
    """Differences of sweep B against sweep A (plain data, what `--json` prints)."""
    scans_a, scans_b = radio_scans(a), radio_scans(b)
    unmatched_a = list(range(len(a.findings)))
    persisting, new, not_comparable = [], [], []
    for fb in b.findings:
        partner = next((i for i in unmatched_a if _same(a.findings[i], a, fb, b)), None)
        if partner is None:
            reason = _unheard(fb, a, scans_a, "earlier")
            if reason:
                not_comparable.append({**_brief(fb), "sweep": "b", "reason": reason})
            else:
                new.append(_brief(fb))
            continue
        unmatched_a.remove(partner)
        fa = a.findings[partner]
        change = None
        if fa.get("level_dbm") is not None and fb.get("level_dbm") is not None:
            change = round(float(fb["level_dbm"]) - float(fa["level_dbm"]), 1)
        persisting.append({"a": _brief(fa), "b": _brief(fb), "level_change_db": change})
    vanished = []
    for i in unmatched_a:
        reason = _unheard(a.findings[i], b, scans_b, "later")
        if reason:
            not_comparable.append({**_brief(a.findings[i]), "sweep": "a", "reason": reason})
        else:
            vanished.append(_brief(a.findings[i]))

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
        # each sweep's detector ceiling: a level at or above it is a lower bound
        "ceiling_dbm": {"a": ceiling_dbm(a), "b": ceiling_dbm(b)},
        "new": new,
        "vanished": vanished,
        "persisting": persisting,
        "not_comparable": not_comparable,
        "waypoints": waypoints,
        "waypoints_only_in_a": [w for w in la if w not in lb],
        "waypoints_only_in_b": [w for w in lb if w not in la],
        "changed": bool(new or vanished or any(w["moved"] for w in waypoints)),
    }


def _where(f: dict[str, Any], ceiling: float) -> str:
    where = f.get("waypoint") or (
        f"{f['time_s']:.1f} s into the sweep" if f.get("time_s") is not None else "?"
    )
    level = ""
    if f.get("level_dbm") is not None:
        level = " at " + (
            level_text(f["level_dbm"], ceiling=ceiling)
            if level_is_lower_bound(f, ceiling)
            else f"{f['level_dbm']:.1f} dBm"
        )
    return f"{f.get('title') or f.get('class')} near {where}{level}"


def _dbm_cell(dbm: float, ceiling: float) -> str:
    """A waypoint's loudest level in the table: "≥" and the ceiling for a saturated one."""
    return f"≥{ceiling:.1f}" if saturated(dbm, ceiling) else f"{dbm:.1f}"


def format_comparison(d: dict[str, Any], width: int | None = None) -> str:
    """`compare`'s result for people; with `width`, each finding's line wrapped
    at word boundaries to `width` columns (continued under its text)."""
    lines = [f"A: {d['a']}", f"B: {d['b']}"]
    ceil = d.get("ceiling_dbm") or {}
    ca = float(ceil.get("a", DETECTOR_CEILING_DBM))
    cb = float(ceil.get("b", DETECTOR_CEILING_DBM))
    for f in d["new"]:
        lines.append(f"NEW       {_where(f, cb)} (confidence {f.get('confidence', 0):.2f})")
    for f in d["vanished"]:
        lines.append(f"VANISHED  {_where(f, ca)}")
    for p in d["persisting"]:
        change = p["level_change_db"]
        if change is not None and (
            level_is_lower_bound(p["a"], ca) or level_is_lower_bound(p["b"], cb)
        ):
            note = " (change not known)"
        else:
            note = f" ({change:+.1f} dB)" if change is not None else ""
        lines.append(f"STILL     {_where(p['b'], cb)}{note}")
    for f in d.get("not_comparable", []):
        side = cb if f.get("sweep") == "b" else ca
        lines.append(f"NOT COMPARABLE  {_where(f, side)}: {f['reason']}")
    if not (d["new"] or d["vanished"] or d["persisting"] or d.get("not_comparable")):
        lines.append("no findings in either sweep")
    if d["waypoints"]:
        lines.append(f"{'waypoint':<18}{'A dBm':>8}{'B dBm':>8}{'change':>8}")
        for w in d["waypoints"]:
            flag = "  <- moved" if w["moved"] else ""
            both = saturated(w["a_dbm"], ca) and saturated(w["b_dbm"], cb)
            lines.append(
                f"{w['waypoint']:<18}{_dbm_cell(w['a_dbm'], ca):>8}"
                f"{_dbm_cell(w['b_dbm'], cb):>8}"
                + (f"{'?':>8}" if both else f"{w['change_db']:>+8.1f}")
                + flag
            )
        if any(saturated(w["a_dbm"], ca) or saturated(w["b_dbm"], cb) for w in d["waypoints"]):
            lines.append("(≥: the detector saturated there, the level is a lower bound)")
    for key, label in (("waypoints_only_in_a", "only in A"), ("waypoints_only_in_b", "only in B")):
        if d[key]:
            lines.append(f"waypoints {label}: {', '.join(d[key])}")
    lines.append(
        "changed (exit code 1)"
        if d["changed"]
        else f"no change beyond {MOVED_DB:.0f} dB at any waypoint, same transmitters"
    )
    if width is None:
        return "\n".join(lines)
    return "\n".join(
        textwrap.fill(
            line,
            width=width,
            subsequent_indent=" " * 10,
            break_long_words=False,
            break_on_hyphens=False,
        )
        for line in lines
    )
