"""From a recording to ranked findings.

1-3. What is heard where, as classified components: `roomsweep.analysis.components`.
4. Per class, the level along the sweep is compared with the room's typical
   level for that class: how far a peak stands above it (or falls across the
   room) weighs in its confidence, at the waypoint where it peaked.
   Beside the peaks, "is it in this room?" (`roomsweep.analysis.inroom`):
   a source whose fall across the room and position fit put it inside is
   reported even when no single stop stands out, with the region of stops it
   is loudest at; one the fit puts beyond the walls that falls little is not.
   A GSM or DECT device is one source by the phase of its frame wherever it is
   heard, and a second one heard at once at another phase gets a track of its
   own (`roomsweep.analysis.timing`).
5. With waypoint positions known, a log-distance fit estimates (x, y).
6. The confidence is a calibrated probability (`roomsweep.analysis.confidence`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from roomsweep.analysis.blescan import (
    TITLES,
    advertisers,
    scan_evidence,
    scan_only_finding,
    vouched_by_ble_scan,
)
from roomsweep.analysis.classifiers import BY_NAME, UNKNOWN
from roomsweep.analysis.components import (  # noqa: F401 - some re-exported for callers
    ANALYSIS_WINDOW_S,
    DETECTOR_FLOOR_DBM,
    MIN_FINDING_DBM,
    MIN_MODE_SAMPLES,
    MODE_HALF_WIDTH_DB,
    SATURATION_DBM,
    Component,
    Stretch,
    classify,
    components,
    stretches,
)
from roomsweep.analysis.dsp import line_strength
from roomsweep.analysis.echoes import (
    drop_echoes,
    one_radio,
    unexplained,
    unnamed_beside_named,
)
from roomsweep.analysis.inroom import (
    among_stops,
    at_most,
    beyond_walls,
    calibrated,
    in_room_level,
    not_heard,
    region,
    regional_peaks,
    room_evidence,
    scan_alone,
    scan_finding,
    scan_region,
    with_region,
)
from roomsweep.analysis.lens import lens_findings, merge_ranked
from roomsweep.analysis.locate import fit_position
from roomsweep.analysis.motion import apply_motion_test, motion_test, without_stimulus_marks
from roomsweep.analysis.peaks import (
    SAME_LEVEL_DB,
    evidence_after,
    neighbours,
    peaks,
    peaks_apart,
    stretch_levels,
    surest_per_stretch,
)
from roomsweep.analysis.phone import not_the_phone, phone_moved_along
from roomsweep.analysis.recording import Recording
from roomsweep.analysis.timing import (
    TIMED_FRAMES_S,
    frame_phases,
    one_device_groups,
    one_per_source,
    same_source_groups,
    sources_beside,
)
from roomsweep.analysis.wifiscan import scan_cameras, vouched_by_scan
from roomsweep.network.findings import (
    RF_MERGE_CLASSES,
    add_network_findings,
)

# a kind's track over the stretches, its component per stretch (surest_per_stretch), its
# typical level and the components chosen as its sources
Kind = tuple[np.ndarray, dict[int, Component], float, list[Component]]

# A finding's level above the room's typical level for its class that makes
# its raw confidence 0.75 of its score (PROXIMITY_CONFIDENCE_BASE, below)
PROXIMITY_DB = 6.0
# A kind with an in-room level (access points, BLE) quieter than that still counts
# when its peak is this much above every neighbouring waypoint: a device D beyond
# the nearest waypoint falls only 25 log10((D + s) / D) dB at the next one s away
# (n = 2.5), so 13 dB within peaks.NEIGHBOUR_M puts it within about s / 2.3 of the peak:
# in the room, however weak it is. Down to LONE_PEAK_RELIEF_DB below that level.
LONE_PEAK_DB = 13.0
LONE_PEAK_RELIEF_DB = 10.0
# Kinds sent at one power, whose two levels heard at once at a stop are two
# devices (peaks.peaks `heard`): not GSM or LTE (power control), not the
# TDMA kinds told apart by their frame phase, not a continuous carrier
ONE_POWER = frozenset({"wifi_camera", "wifi_ap", "ble", "bt_classic"})
FIT_RADIUS_M = 3.0  # waypoints used to fit a position around a peak
MIN_CONFIDENCE = 0.6  # weaker candidates are not reported
# ... nor those whose calibrated confidence (confidence.probability) says they
# are more likely false than true
MIN_PROBABILITY = 0.5
BASELINE_MARGIN_DB = 6.0  # louder than the clean sweep by this much: new
# A finding's confidence is its component's score times 0.5 + above / this: 0.75
# at PROXIMITY_DB above the room's typical level, full at twice that
PROXIMITY_CONFIDENCE_BASE = 0.5
PROXIMITY_FULL_SCALE_DB = 4 * PROXIMITY_DB


def baseline_levels(rec: Recording) -> dict[tuple[str, str], float]:
    """(class, waypoint) -> loudest level heard there: a known-clean room's sweep."""
    comps, parts = components(rec)
    out: dict[tuple[str, str], float] = {}
    for c in comps:
        label = parts[c.stretch].label
        if label and c.cls != UNKNOWN:
            key = (c.cls, label)
            out[key] = max(out.get(key, DETECTOR_FLOOR_DBM), c.level_dbm)
    return out


def analyze(rec: Recording, baseline: Recording | None = None) -> list[dict[str, Any]]:
    """Ranked findings (dicts in the documented findings JSON shape).

    With `baseline` (a sweep of the same room known to be clean, with the same
    waypoint names), what it already heard at a waypoint, of the same class and
    within BASELINE_MARGIN_DB of the level, is not reported again.
    """
    # the motion-stimulus test (analysis.motion): its marks time phases, not waypoints
    stimulus = motion_test(rec)
    rec = without_stimulus_marks(rec)
    baseline = without_stimulus_marks(baseline) if baseline is not None else None
    known = baseline_levels(baseline) if baseline is not None else {}
    comps, parts = components(rec)
    labels = {st.index: st.label for st in parts}
    positions = rec.waypoint_positions or {}
    scan = scan_cameras(rec, baseline)
    # each kind's track, its component per stretch, its typical level
    # and the components chosen: for the scans' devices (wifiscan, blescan)
    kinds: dict[str, Kind] = {}
    near = neighbours(parts, rec)
    findings = []
    for cls in sorted({c.cls for c in comps}):
        if cls == UNKNOWN:
            continue
        of_class = [c for c in comps if c.cls == cls]
        # level of this class in every stretch (floor where it was not heard),
        # from the window that shows the kind most clearly at that level
        best_in = surest_per_stretch(
            of_class, above=DETECTOR_FLOOR_DBM, clipped_dbm=rec.ceiling_dbm
        )
        track = stretch_levels(best_in, len(parts))
        typical = float(np.median(track))
        # saturated: at the detector's ceiling, with auto-ranging even with the pad in
        ceiling = rec.ceiling_dbm
        levels_at: dict[int, list[Component]] | None = None
        if cls in ONE_POWER:
            levels_at = {}
            for c in of_class:
                levels_at.setdefault(c.stretch, []).append(c)
        at_peaks, apart = peaks_apart(track, best_in, parts, near, positions, ceiling, levels_at)
        # a peak that makes no finding claims no stops from the others' in-room
        # tests where a kind's power varies (peaks.evidence_after)
        rooms = {
            p.stretch: room_evidence(track, parts, p, at_peaks, positions, ceiling)
            for p in at_peaks
        }
        standing = [
            p
            for p in at_peaks
            if _stands(cls, p, track, typical, parts, rec, near, rooms[p.stretch])
        ]
        rooms = evidence_after(track, parts, standing, rooms, positions, ceiling, cls in ONE_POWER)
        at_peaks = standing
        regional = regional_peaks(
            track, best_in, parts, near, positions, at_peaks, in_room_level(cls)
        )
        rooms.update(regional)
        chosen = at_peaks + [best_in[i] for i in regional]
        # each top with the track it stands on, its in-room evidence, and whether a peak
        tops = [(top, track, rooms[top.stretch], top in at_peaks) for top in chosen]
        sources: dict[int, int] = {}  # component -> its source by frame timing
        if cls in TIMED_FRAMES_S:  # one loud device heard at several stops: once
            phases = frame_phases(of_class, rec.device_time)
            groups = same_source_groups(of_class, phases)
            sources = one_device_groups(of_class, groups, phases)
            chosen = one_per_source(chosen, sources)
            tops = [t for t in tops if t[0] in chosen]
            beside = sources_beside(of_class, chosen, groups, phases)
            tops += _beside(beside, parts, near, positions, ceiling, cls, chosen)
        of_kind: list[dict[str, Any]] = []
        timed: dict[int, int] = {}  # finding -> its source by frame timing
        for top, own, room, is_peak in tops:
            if beyond_walls(room, top.level_dbm, ceiling):
                continue
            if cls == "ble" and _a_cameras_frames(top, comps):
                continue
            # another device of the kind must not pull this one's position fit
            here = parts[top.stretch].label
            elsewhere = {parts[p.stretch].label for p in chosen if p is not top} - {here}
            contrast = _contrast(top, own, parts, near)
            finding = _finding(
                cls, top, own, typical, parts, labels, rec, contrast, elsewhere, room
            )
            if finding is not None:
                finding = _placed(finding, own, parts, top.stretch, near, positions, room, is_peak)
                if own is not track:  # its own phase of the frame: a device of its own
                    finding["evidence"]["own_frame_phase"] = True
                if is_peak and top.stretch in apart:  # a level of its own beside a rival
                    finding["evidence"]["heard_apart"] = True
                if finding["confidence"] >= MIN_PROBABILITY:
                    of_kind.append(finding)
                    if id(top) in sources:
                        timed[id(finding)] = sources[id(top)]
        kinds[cls] = (track, best_in, typical, chosen)
        findings += unexplained(of_kind, positions, timed)
    wifi_kinds = {cls: kind for cls, kind in kinds.items() if cls in RF_MERGE_CLASSES}
    for cls, heard, room, claim in vouched_by_scan(wifi_kinds, parts, positions, scan, findings):
        if heard is None:  # the detector heard no Wi-Fi level there: the scan alone
            rssi, why = claim["evidence"]["rssi_by_waypoint"], "a camera access point's beacons"
            t = claim["time_s"]
            finding = scan_finding(
                cls, rssi, claim["waypoint"], t, room, parts, near, "wifi", why, positions
            )
        else:
            elsewhere = {parts[p.stretch].label for p in kinds[cls][3]}
            made = _vouched(cls, heard, kinds[cls], parts, labels, rec, near, room, elsewhere)
            if made is None:
                continue
            finding = made
        finding["evidence"]["vouched_by_wifi_scan"] = True
        # with a detector level, the network merge adds the scan's confidence
        if heard is not None or finding["confidence"] >= MIN_PROBABILITY:
            findings.append(finding)
    findings += _ble_scan_findings(rec, baseline, parts, labels, near, kinds.get("ble"), findings)
    if phone_moved_along(rec):  # the sweeper's phone left on (analysis.phone)
        findings = not_the_phone(findings, {c: k[0] for c, k in kinds.items()}, parts, positions)
    if known:
        findings = [
            f
            for f in findings
            if scan_alone(f)  # an RSSI: the scans filtered the baseline's by address
            or known.get((f["class"], f["waypoint"]), DETECTOR_FLOOR_DBM)
            < f["level_dbm"] - BASELINE_MARGIN_DB
        ]
    findings = unnamed_beside_named(drop_echoes(one_radio(findings)), positions)
    if any(st.label for st in parts):
        # a sweep with waypoint marks: what was heard before the first press
        # (walking in) is at no place to search, and the stops speak for the
        # room (docs/findings.md, `region`)
        findings = [f for f in findings if f["waypoint"]]
    findings.sort(key=lambda f: (-f["confidence"], -f["level_dbm"]))

    findings = add_network_findings(findings, rec, baseline)
    for f in findings:
        # a scan's finding says where as an RF finding does: by the stops its
        # RSSI is loudest at, not its strongest stop alone (the scans' readings
        # fade as the detector's do)
        if f.get("type") in ("wifi", "ble") and "region" not in f:
            rssi, at = f["evidence"]["rssi_by_waypoint"], f["waypoint"]
            f["region"] = scan_region(rssi, at, parts, near, positions) if at else []
    findings = merge_ranked(findings, lens_findings(rec, baseline))  # camera lenses (lens.py)
    findings = apply_motion_test(findings, stimulus)  # promoted / demoted, and its own entry
    # every time leaves the analysis on device time (issue 16; recording.py)
    return rec.findings_in_device_time(findings)


def _ble_scan_findings(
    rec: Recording,
    baseline: Recording | None,
    parts: list[Stretch],
    labels: dict[int, str | None],
    near: dict[int, list[int]],
    ble: Kind | None,
    found: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """BLE findings the device's own BLE scan vouches for (blescan): from the
    ble component the RF detector heard at the advertiser's strongest stop,
    or from the scan alone (also where that component's finding falls short of
    MIN_PROBABILITY and the payload names a kind); none a known-clean
    `baseline` also heard."""
    scanned = advertisers(rec, baseline)
    best_in = ble[1] if ble is not None else {}
    positions = rec.waypoint_positions or {}
    out = []
    for adv, top, room in vouched_by_ble_scan(best_in, parts, positions, scanned, found):
        made = None
        if top is not None and ble is not None:
            made = _vouched("ble", top, ble, parts, labels, rec, near, room, set())
        # a detector reading too weak to stand (a faint burst among louder
        # traffic) does not sink what the payload and the scan's fall say;
        # a payload naming no kind has only that reading to go on
        if adv.kind is not None and (made is None or made["confidence"] < MIN_PROBABILITY):
            made = scan_only_finding(adv, room, parts, near, positions)
        if made is None:
            continue
        finding = made
        finding["evidence"]["ble_scan"] = scan_evidence(adv)
        finding["evidence"]["vouched_by_ble_scan"] = True
        finding["title"] = TITLES.get(adv.kind or "", finding["title"])
        if finding["confidence"] >= MIN_PROBABILITY:
            out.append(finding)
    return out


def _vouched(
    cls: str,
    top: Component,
    kind: Kind,
    parts: list[Stretch],
    labels: dict[int, str | None],
    rec: Recording,
    near: dict[int, list[int]],
    room: dict[str, Any],
    elsewhere: set[str | None],
) -> dict[str, Any] | None:
    """The finding of a component a scan vouched for (steps 8 and 9), with the
    scan's in-room evidence and the component's region; None where _finding
    makes none."""
    track, _, typical, _ = kind
    made = _finding(cls, top, track, typical, parts, labels, rec, 0.0, elsewhere, room, True)
    if made is None:
        return None
    positions = rec.waypoint_positions or {}
    return _placed(made, track, parts, top.stretch, near, positions, room, False)


def _placed(
    finding: dict[str, Any],
    track: np.ndarray,
    parts: list[Stretch],
    idx: int,
    near: dict[int, list[int]],
    positions: dict[str, tuple[float, float]],
    room: dict[str, Any],
    single: bool,
) -> dict[str, Any]:
    """The finding with its region around stretch `idx` of `track` and its
    in-room evidence (inroom.with_region); the region's stops where the kind
    was not heard beneath louder traffic are named in its evidence."""
    where = region(track, parts, idx, near, positions)
    finding = with_region(finding, where, room, single)
    unheard = not_heard(track, parts, where, float(track[idx]))
    if unheard:
        finding["evidence"]["region_not_heard"] = unheard
    return finding


def _beside(
    sources: list[dict[int, Component]],
    parts: list[Stretch],
    near: dict[int, list[int]],
    positions: dict[str, tuple[float, float]],
    ceiling: float,
    cls: str,
    chosen: list[Component],
) -> list[tuple[Component, np.ndarray, dict[str, Any], bool]]:
    """The timed sources heard beside a chosen one (timing.sources_beside) that
    their own track puts in the room as the kind's track does its tops: a
    peak (peaks.peaks) or a regional candidate (inroom.regional_peaks) at the
    stretch where they are loudest. Each as (top, its track, its in-room
    evidence, whether a peak)."""
    out = []
    for best in sources:
        own = stretch_levels(best, len(parts))
        top = max(best.values(), key=lambda c: c.level_dbm)
        is_peak = top in peaks(own, best, parts, near, positions, ceiling)
        if is_peak:
            room = room_evidence(own, parts, top, chosen, positions, ceiling)
        else:
            # the in-room test at its loudest stretch only (the first regional_peaks
            # takes, with nothing taken yet: the rest of its track is not asked)
            only = {top.stretch: top}
            regional = regional_peaks(own, only, parts, near, positions, [], in_room_level(cls))
            if top.stretch not in regional:
                continue
            room = regional[top.stretch]
        out.append((top, own, room, is_peak))
    return out


def _a_cameras_frames(top: Component, comps: list[Component]) -> bool:
    """Whether a BLE reading is a Wi-Fi camera's frames: at its stop a window
    names a camera as surely, at the same level (peaks.SAME_LEVEL_DB). At a
    high PHY rate a camera's frames last 80-250 us, one or two samples, and
    a window that catches few of them reads them as advertising events; one
    device sends at one power, and its other windows name it. A camera that
    also advertises is a camera all the same (outsider round 4, rooms 4 and
    18: a camera's stream at -27.8 and -30.8 dBm read as BLE at -27.0 and
    -31.3 in another window). Not so a level shared with GSM or DECT: a tag
    in a TDMA train's gaps is told apart at the train's level (components)."""
    return any(
        c.cls == "wifi_camera"
        and c.stretch == top.stretch
        and abs(c.level_dbm - top.level_dbm) <= SAME_LEVEL_DB
        and c.confidence >= top.confidence
        for c in comps
    )


def _contrast(
    top: Component, track: np.ndarray, parts: list[Stretch], near: dict[int, list[int]]
) -> float:
    """How far a component stands above the most its kind can have read at
    the neighbouring stops (inroom.at_most)."""
    return top.level_dbm - max(
        [at_most(track, parts, j) for j in near[top.stretch]] or [DETECTOR_FLOOR_DBM]
    )


def _stands(
    cls: str,
    top: Component,
    track: np.ndarray,
    typical: float,
    parts: list[Stretch],
    rec: Recording,
    near: dict[int, list[int]],
    room: dict[str, Any],
) -> bool:
    """Whether a chosen component makes a finding with its in-room evidence
    `room` (as analyze's last step for each makes it: not beyond the walls,
    _finding's grounds, a calibrated confidence of MIN_PROBABILITY), without
    making the finding (its position fit)."""
    if beyond_walls(room, top.level_dbm, rec.ceiling_dbm):
        return False
    grounds = _grounds(cls, top, typical, _contrast(top, track, parts, near), room)
    return grounds is not None and (
        calibrated(cls, top.level_dbm, grounds[1], room) >= MIN_PROBABILITY
    )


def _grounds(
    cls: str,
    top: Component,
    typical: float,
    contrast: float,
    room: dict[str, Any] | None,
    vouched: bool = False,
) -> tuple[float, float] | None:
    """What a finding of a chosen component stands on: its level above the
    room (or its fall across the room, where the in-room test passed) and its
    confidence; None where the RF evidence alone makes no finding (_finding)."""
    above = top.level_dbm - typical
    # where the in-room test placed it: its fall across the room
    fall = room["fall_db"] if room is not None and room["in_room"] else None
    if fall is not None:
        # in a small room an in-room device sets the median itself: its fall
        # across the room (locate.in_room) stands for its level above it
        above = max(above, float(fall))
    # No "friendly background" veto: a level within PROXIMITY_DB of its kind's
    # median with no fall to show is weighed by its confidence, not dropped
    # for it. That median is no background where one kind fills a small room
    # or several devices of it share one (outsider rounds 6, 6b, 6c: a GSM bug
    # at -18 dBm, a camera at -21 dBm left out so); the confidence below grows
    # with the level above the median (MIN_CONFIDENCE asks 2.4 dB of a full
    # score), and the calibrated probability reads the fall and the fit
    if top.level_dbm < MIN_FINDING_DBM:
        return None
    classifier = BY_NAME.get(cls)
    if (
        not vouched
        and classifier is not None
        and classifier.in_room_dbm is not None
        and top.level_dbm < classifier.in_room_dbm
        and not (
            (contrast >= LONE_PEAK_DB or (room is not None and among_stops(room)))
            and top.level_dbm >= classifier.in_room_dbm - LONE_PEAK_RELIEF_DB
        )
    ):
        return None  # common kinds count only within reach of a waypoint
    confidence = top.confidence * min(
        1.0, PROXIMITY_CONFIDENCE_BASE + above / PROXIMITY_FULL_SCALE_DB
    )
    if confidence < MIN_CONFIDENCE and not vouched:
        return None
    return above, round(float(confidence), 3)  # as the finding keeps it


def _finding(
    cls: str,
    top: Component,
    track: np.ndarray,
    typical: float,
    parts: list[Stretch],
    labels: dict[int, str | None],
    rec: Recording,
    contrast: float,
    elsewhere: set[str | None],
    room: dict[str, Any] | None = None,
    vouched: bool = False,
) -> dict[str, Any] | None:
    """The finding for a chosen component, or None where the RF evidence alone
    does not make one. `vouched`: the device's own Wi-Fi or BLE scan put a
    device inside the room at this stop and level (wifiscan, blescan), which
    answers "within reach?" (the in-room level) in its place and needs no
    MIN_CONFIDENCE."""
    grounds = _grounds(cls, top, typical, contrast, room, vouched)
    if grounds is None:
        return None
    above, confidence = grounds
    classifier = BY_NAME.get(cls)
    position = None
    centre = (
        rec.waypoint_positions.get(labels.get(top.stretch) or "")
        if rec.waypoint_positions
        else None
    )
    if rec.waypoint_positions and centre is not None:
        # the waypoints around this peak: another transmitter of the same kind
        # elsewhere in the room must not pull the fit
        # one point per waypoint, its loudest visit (a waypoint visited twice
        # is one place; the fit's cost grows with its points)
        at: dict[str, float] = {}
        for st in parts:
            p = rec.waypoint_positions.get(st.label or "")
            if st.label is None or st.label in elsewhere or p is None:
                continue
            if np.hypot(p[0] - centre[0], p[1] - centre[1]) <= FIT_RADIUS_M:
                at[st.label] = max(at.get(st.label, DETECTOR_FLOOR_DBM), float(track[st.index]))
        if len(at) >= 4:
            pts = [rec.waypoint_positions[label] for label in at]
            (xy, err), _props = fit_position(np.array(pts), np.array(list(at.values())))
            position = {
                "xy": [round(float(v), 2) for v in xy],
                "uncertainty_m": round(float(err), 2),
                "at_1m_dbm": _props["A"],
            }
    ev = component_evidence(top)
    if position is not None:
        ev["fit_at_1m_dbm"] = round(float(position["at_1m_dbm"]), 1)
    if top.separated:
        ev["separated_by_timing"] = True  # from another kind's bursts at its level
    if top.beneath_carrier:
        ev["beneath_carrier"] = True  # by what it added to a steady carrier
    ev["level_above_room_db"] = round(above, 1)
    ev["room_typical_dbm"] = round(typical, 1)
    return {
        "type": "rf",
        "class": cls,
        "title": classifier.title if classifier else "periodic transmitter of unknown kind",
        "standard": classifier.standard if classifier else None,
        "time_s": round(top.time_s, 3),
        "waypoint": labels.get(top.stretch),
        "position_m": position["xy"] if position else None,
        "position_uncertainty_m": position["uncertainty_m"] if position else None,
        "level_dbm": round(top.level_dbm, 1),
        "confidence": confidence,
        "evidence": ev,
        "why": (
            f"{classifier.title if classifier else cls} heard {above:.0f} dB above "
            f"its level elsewhere in the room"
            + (f", strongest at {labels[top.stretch]}" if labels.get(top.stretch) else "")
        ),
    }


def component_evidence(c: Component) -> dict[str, Any]:
    """What a finding's evidence says of its component (docs/findings.md)."""
    f = c.features
    iv = f.intervals_s()
    _, props = line_strength(f.on, f.fs, 100.0, harmonics=1) if f.on.size >= 256 else (0, {})
    peak_hz = None
    if props:
        band = (props["freqs"] > 5) & (props["freqs"] < f.fs / 2)
        if band.any():
            peak_hz = float(props["freqs"][band][np.argmax(props["psd"][band])])
    return {
        "duty": round(f.duty, 4),
        "bursts": f.count,
        "burst_width_ms": round(f.width_median_s * 1e3, 3),
        "burst_interval_ms": round(float(np.median(iv)) * 1e3, 3) if iv.size else None,
        "burst_rate_hz": round(f.burst_rate_hz, 2),
        "peak_frequency_hz": round(peak_hz, 2) if peak_hz is not None else None,
        "scores": {k: round(v, 3) for k, v in sorted(c.scores.items(), key=lambda kv: -kv[1])[:3]},
    }
