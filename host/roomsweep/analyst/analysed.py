"""One capture, analysed once for the analyst tools (report, plot, export, compare,
batch): the recording, its findings, the level along the sweep and at each stop.

Plain data only: the plot and report layers draw it, `batch` runs
`analyse_capture` in worker processes. Findings are handled generically (type,
class, time_s, waypoint, confidence, evidence) so that kinds added later (lens,
Wi-Fi, BLE) show up without code of their own here.

Every time here is device time (seconds from the first sample on the device's
clock, `Recording.device_time`): the findings' `time_s`, the stops' `start_s`
and `end_s`, `level_track`'s times, `duration_s`, `scan_gaps`. The samples are
indexed through `Recording.sample_time`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from roomsweep.analysis.analyze import (
    ANALYSIS_WINDOW_S,
    MIN_MODE_SAMPLES,
    MODE_HALF_WIDTH_DB,
    analyze,
    stretches,
)
from roomsweep.analysis.classifiers import BY_NAME
from roomsweep.analysis.dsp import line_strength
from roomsweep.analysis.features import component
from roomsweep.analysis.inroom import scan_alone
from roomsweep.analysis.recording import (
    DETECTOR_CEILING_DBM,
    Recording,
    from_capture,
    loudest_dbm,
    saturated,
)
from roomsweep.analyst.caveats import Caveats, caveats
from roomsweep.errors import UsageError
from roomsweep.link.capture import load, read_header
from roomsweep.protocol.calibration import Calibration
from roomsweep.protocol.plan import RoomPlan
from roomsweep.protocol.untrusted import printable, printable_tree

Progress = Callable[[str], None]


@dataclass
class SweepAnalysis:
    """A capture with its findings and per-stop levels (see `analyse_capture`)."""

    path: str
    header: dict[str, Any]
    rec: Recording
    findings: list[dict[str, Any]]
    stops: list[dict[str, Any]] = field(default_factory=list)
    # what the findings cannot speak for (unvisited stops, too short, damage)
    caveats: Caveats = field(default_factory=Caveats)

    @property
    def scenario(self) -> str | None:
        return (self.header.get("simulation") or {}).get("scenario")

    @property
    def duration_s(self) -> float:
        """The sweep's duration in device time (the samples and the gaps)."""
        return self.rec.device_duration_s

    @property
    def scan_gaps(self) -> list[tuple[float, float]]:
        """Device-time stretches with no samples (Wi-Fi scans, lost frames)."""
        return self.rec.scan_gaps


def analyse_capture(
    path: str | Path,
    calibration: str | Path | None = None,
    progress: Progress | None = None,
    plan: RoomPlan | None = None,
) -> SweepAnalysis:
    """Load a capture, run the analyzer, measure the level at each stop.

    `progress`, when given, is called with the name of each stage as it starts.
    `plan`: the room's plan given apart from the capture (`from_capture`).
    """
    path = Path(path)
    if not path.exists():
        raise UsageError(f"no such capture: {path}")
    step = progress or (lambda _stage: None)
    step("load")
    header, _ = read_header(path)
    header = printable_tree(header)
    rec, notes = load_recording(path, plan)
    rec = clean_names(rec)
    if calibration:
        rec.calibration = Calibration.load(calibration)
    step("analyze")
    findings = with_level_bounds(analyze(rec), rec.ceiling_dbm)
    return SweepAnalysis(str(path), header, rec, findings, stop_levels(rec), notes)


def load_recording(path: str | Path, plan: RoomPlan | None = None) -> tuple[Recording, Caveats]:
    """A capture's recording (`from_capture`) and what its findings cannot speak
    for (`caveats`), the file decoded once for both."""
    cap = load(path)
    rec = from_capture(path, cap, plan=plan)
    return rec, caveats(cap, rec, plan)


def plan_notes(rec: Recording, plan: RoomPlan | None) -> list[str]:
    """What a plan given apart from the capture (`--plan`) does not do for it:
    its waypoints name no stop (the findings get no positions), or the capture
    has more button presses than the plan's sweep has names."""
    if plan is None:
        return []
    notes = []
    presses = sum(1 for m in rec.marks if m.source == "button")
    if plan.sweep and presses > len(plan.sweep):
        named = len(plan.sweep)
        notes.append(
            f"the capture has {presses} button presses and the plan's sweep names {named}: "
            f"presses {named + 1} to {presses} are named 'mark {named + 1}' to 'mark {presses}'"
        )
    if plan.waypoints and not any(m.label in plan.waypoints for m in rec.marks):
        notes.append(
            "no stop of the capture is named after a waypoint of the plan (give the plan a "
            "sweep, or name its waypoints 'mark 1', 'mark 2', ...): no finding has a position"
        )
    return notes


def clean_names(rec: Recording) -> Recording:
    """The waypoint names a capture's header gives (its planned sweep, its
    waypoint positions) made `untrusted.printable`, as the decoder makes MARK
    labels and SSIDs: every name the findings, report and plots carry is clean."""
    for m in rec.marks:
        m.label = printable(m.label)
    if rec.waypoint_positions:
        rec.waypoint_positions = {printable(k): v for k, v in rec.waypoint_positions.items()}
    return rec


def stop_levels(rec: Recording, dbm: np.ndarray | None = None) -> list[dict[str, Any]]:
    """The RF level at each stretch of the sweep the analyzer looks at (a waypoint's
    dwell, or a fixed window without marks): median and loudest 50 ms
    (`recording.loudest_dbm`), in dBm; `saturated` when the loudest is at the
    detector's ceiling (a lower bound). Start (the mark's button press) and end
    in device time; `samples`, the stretch's sample indices."""
    dbm = rec.rf_dbm() if dbm is None else dbm
    positions = rec.waypoint_positions or {}
    # a dwell begins at its mark: when the button was pressed (device time; a
    # Wi-Fi scan may follow at once, the samples going on after it)
    pressed = {m.time_s: m.device_s for m in rec.marks}
    rows = []
    for st in stretches(rec):
        first, end = int(st.start_s * rec.fs), int(st.end_s * rec.fs)
        seg = dbm[first:end]
        loudest = loudest_dbm(seg, rec.fs)
        if loudest is None:
            continue
        pos = positions.get(st.label) if st.label else None
        rows.append(
            {
                "waypoint": st.label,
                "start_s": round(pressed.get(st.start_s, rec.device_time(st.start_s)), 3),
                "end_s": round(rec.device_time(st.end_s), 3),
                "median_dbm": round(float(np.median(seg)), 1),
                "loudest_dbm": round(loudest, 1),
                "saturated": saturated(loudest, rec.ceiling_dbm),
                "position_m": [pos[0], pos[1]] if pos else None,
                # its samples [first, end): the rows of a per-sample export (the
                # rounded device times could fall into a scan's gap after a mark)
                "samples": [first, end],
            }
        )
    return rows


def level_track(
    rec: Recording, bin_s: float = 0.05, dbm: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """RF level along the sweep in bins of `bin_s`: time (bin centre, device
    time), median and peak dBm. A 10-minute capture is 4.8 M samples; a plot
    needs a few thousand. A gap in the samples (`scan_gaps`) gets a NaN row at
    its middle, so that a line drawn through the track breaks there."""
    if bin_s <= 0:
        raise ValueError(f"bin_s must be positive, got {bin_s}")
    dbm = rec.rf_dbm() if dbm is None else dbm
    n = max(1, int(round(rec.fs * bin_s)))
    whole = dbm[: dbm.size // n * n].reshape(-1, n)
    if whole.size == 0:
        whole = dbm.reshape(1, -1)
        n = dbm.size
    t = rec.device_time((np.arange(whole.shape[0]) + 0.5) * n / rec.fs)
    median, peak = np.median(whole, axis=1), whole.max(axis=1)
    gaps = rec.scan_gaps
    if gaps:
        mid = np.array([(a + b) / 2 for a, b in gaps])
        at = np.searchsorted(t, mid)
        t = np.insert(t, at, mid)
        median = np.insert(median, at, np.nan)
        peak = np.insert(peak, at, np.nan)
    return {"t_s": np.asarray(t, dtype=float), "median_dbm": median, "peak_dbm": peak}


def ceiling_dbm(an: SweepAnalysis) -> float:
    """The level at and above which this capture's detector saturated (its
    recording's `ceiling_dbm`: higher with the auto-ranging pad in)."""
    return float(getattr(an.rec, "ceiling_dbm", DETECTOR_CEILING_DBM))


def is_rf(finding: dict[str, Any]) -> bool:
    """A finding of the RF detector: its level_dbm is on the detector's scale and its
    envelope is in the samples (network findings, and RF findings a scan made
    alone, `sources` ["wifi"] or ["ble"], carry a radio's RSSI instead)."""
    return finding.get("type", "rf") == "rf" and not scan_alone(finding)


def level_is_lower_bound(finding: dict[str, Any], ceiling: float) -> bool:
    """Whether a finding's `level_dbm` is only a lower bound: a detector level
    at the recording's ceiling (`recording.saturated`; a radio's RSSI never is).
    The one rule behind the text's "≥ -3 dBm (saturated)" (`recording.level_text`),
    the findings' `level_is_lower_bound`, compare's and batch's flags."""
    return is_rf(finding) and saturated(finding.get("level_dbm"), ceiling)


def with_level_bounds(findings: list[dict[str, Any]], ceiling: float) -> list[dict[str, Any]]:
    """The findings as the commands give them (docs/findings.md): each of `type`
    "rf" with `level_is_lower_bound`, and where that is true with the ceiling
    as its `level_dbm`, the figure the text shows ("≥ -3 dBm (saturated)"), not
    the saturated reading (-0.0 dBm says nothing of the true level).

    Examples
    --------
    >>> [(f["level_dbm"], f["level_is_lower_bound"]) for f in with_level_bounds(
    ...     [{"type": "rf", "level_dbm": -0.0}, {"type": "rf", "level_dbm": -3.1}], -3.0)]
    [(-3.0, True), (-3.1, False)]
    """
    out = []
    for f in findings:
        if f.get("type", "rf") != "rf":
            out.append(f)
            continue
        bound = level_is_lower_bound(f, ceiling)
        g = {**f, "level_is_lower_bound": bound}
        if bound:
            g["level_dbm"] = ceiling
        out.append(g)
    return out


def class_period_s(cls: str) -> float | None:
    """The repetition period a class's classifier declares (GSM frame, DECT frame,
    beacon interval, LTE subframe, Bluetooth slot: roomsweep.standards), or None:
    the envelope of a TDMA or beaconing transmitter repeats at 1/period and
    harmonics."""

    classifier = BY_NAME.get(cls)
    return classifier.period_s if classifier is not None else None


def finding_spectrum(
    rec: Recording, finding: dict[str, Any], dbm: np.ndarray | None = None
) -> dict[str, Any]:
    """Spectrum of a finding's on/off envelope around its strongest evidence.

    The samples within MODE_HALF_WIDTH_DB of the finding's level (what the
    analyzer took as its bursts) in the ANALYSIS_WINDOW_S around `time_s`; Welch
    PSD of that indicator. With the class's period known, `expected_hz` lists
    its fundamental and harmonics below Nyquist.
    """

    if not is_rf(finding) or finding.get("time_s") is None or finding.get("level_dbm") is None:
        raise UsageError(
            f"finding {finding.get('class', '?')!r} has no RF time and level to take a spectrum of"
        )
    dbm = rec.rf_dbm() if dbm is None else dbm
    centre = int(rec.sample_time(float(finding["time_s"])) * rec.fs)
    half = int(ANALYSIS_WINDOW_S * rec.fs / 2)
    a, b = max(0, centre - half), min(dbm.size, centre + half)
    x = dbm[a:b]
    level = float(finding["level_dbm"])
    # the top mode takes everything above it too (a saturating transmitter)
    top = int(np.count_nonzero(x > level + 2 * MODE_HALF_WIDTH_DB)) < MIN_MODE_SAMPLES
    feats = component(x, rec.fs, level, MODE_HALF_WIDTH_DB, top=top)
    _, props = line_strength(feats.on, rec.fs, 100.0, harmonics=1)
    period = class_period_s(str(finding.get("class", "")))
    expected = []
    if period:
        f0 = 1.0 / period
        expected = [f0 * k for k in range(1, 64) if f0 * k < rec.fs / 2][:8]
    return {
        "freqs_hz": props["freqs"],
        "psd": props["psd"],
        "period_s": period,
        "expected_hz": expected,
        "window_s": (rec.device_time(a / rec.fs), rec.device_time(b / rec.fs)),
        "duty": feats.duty,
        "bursts": feats.count,
    }


def summary_row(an: SweepAnalysis) -> dict[str, Any]:
    """One line of `roomsweep batch`'s summary: the capture and its top findings."""
    top = an.findings[0] if an.findings else {}
    loudest = max(an.stops, key=lambda s: s["loudest_dbm"]) if an.stops else {}
    return {
        "capture": an.path,
        "scenario": an.scenario or "",
        "duration_s": round(an.duration_s, 3),
        "waypoints": sum(1 for s in an.stops if s["waypoint"]),
        "findings": len(an.findings),
        "classes": ";".join(sorted({str(f.get("class", "")) for f in an.findings})),
        "top_class": top.get("class", ""),
        "top_waypoint": top.get("waypoint") or "",
        "top_confidence": top.get("confidence", ""),
        "top_level_dbm": top.get("level_dbm", ""),
        # a level at the detector's ceiling is a lower bound (a radio's RSSI is not)
        "top_saturated": _yes_no(level_is_lower_bound(top, ceiling_dbm(an)))
        if top.get("level_dbm") is not None
        else "",
        "loudest_waypoint": loudest.get("waypoint") or "",
        "loudest_dbm": loudest.get("loudest_dbm", ""),
        "loudest_saturated": _yes_no(bool(loudest.get("saturated"))) if loudest else "",
        # what the findings cannot speak for: unvisited stops, too short, damage
        "caveats": "; ".join(an.caveats.lines()),
        "error": "",
    }


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"
