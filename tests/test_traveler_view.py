"""What the traveler is told, told once and on one clock (issue 16).

- device time is the time base of every output: a capture whose Wi-Fi scans
  stalled the samples gives findings, stops and durations in device time, and
  nothing else of a finding changes;
- the live view: the class guess with its uncertainty and what else is heard,
  a locate cue across the detector's range, Elapsed and the waypoints on the
  device clock, a level at the ceiling flagged as saturated, rows cut at word
  boundaries in 80 columns, the planned stops visited;
- after the sweep: the findings wrapped at word boundaries, and on an early quit
  a "sweep incomplete" verdict (also in --json).
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import numpy as np
import pytest

from roomsweep.analysis.analyze import SATURATION_DBM, analyze
from roomsweep.analysis.recording import (
    DETECTOR_CEILING_DBM,
    Recording,
    clock_breaks,
    from_capture,
    level_text,
    loudest_dbm,
)
from roomsweep.analyst.analysed import analyse_capture, level_track, with_level_bounds
from roomsweep.cli import main
from roomsweep.cli.output import format_findings
from roomsweep.cli.traveler import _sweep_results
from roomsweep.eval.fastpath import from_scenario
from roomsweep.link import capture as C
from roomsweep.live.state import LiveState, beep_interval_s
from roomsweep.live.view import HEIGHT, WIDTH, render_text
from roomsweep.protocol import rsproto as P
from roomsweep.protocol.calibration import Calibration
from roomsweep.protocol.encoding import samples_payload
from roomsweep.protocol.plan import plan_header
from roomsweep.protocol.records import Mark, Samples, Status
from roomsweep.sim.scenario import load_scenario

BLOCK = 256
SCAN_US = 1_600_000  # a Wi-Fi scan stalls the samples this long (docs/protocol.md)
# The stalled capture below takes the gapless recording's samples as they
# are, as if the room had stood still during each scan; a real room's
# transmitters go on, and the frame timing (timing.frame_phase) reads their
# phase on device time. A stall of whole 60 ms (6 DECT frames, 13 GSM frames,
# 60 LTE subframes) is one the room's frames agree with either way.
STALL_US = 1_620_000


def _counts_for(dbm: float) -> int:
    cal = Calibration()  # the default law (datasheet detector, the chip's ADC), inverted
    return int(round(((20.0 - dbm) * 25 - cal.adc_offset_mv) / cal.adc_mv_per_count))


def _block(seq: int, t_us: int, counts: np.ndarray, fs: float = 8000.0) -> Samples:
    return Samples(
        P.T_SAMPLES,
        seq,
        t_us,
        channel=P.CH_RF,
        t_first_us=t_us,
        span_us=int((counts.size - 1) / fs * 1e6),
        rate_hz=fs,
        samples=counts.astype(np.uint16),
    )


def _blocks(levels_dbm: list[float], t0_us: int = 0, seq0: int = 0) -> list[Samples]:
    return [
        _block(seq0 + i, t0_us + i * 32_000, np.full(BLOCK, _counts_for(v)))
        for i, v in enumerate(levels_dbm)
    ]


# --- one clock: device time in every output -------------------------------------------


def test_the_recording_maps_the_sample_clock_onto_device_time():
    t = np.r_[np.arange(8000) * 125, 2_600_000 + np.arange(8000) * 125]
    breaks = clock_breaks(t, 8000.0)
    assert breaks == [(0, 0.0), (8000, 2.6)]
    rec = Recording(np.zeros(16000, np.uint16), 8000.0, clock_breaks=breaks)
    assert rec.scan_gaps == [(1.0, 2.6)]
    assert rec.duration_s == 2.0 and rec.device_duration_s == pytest.approx(3.6)
    s = np.array([0.0, 0.5, 0.999, 1.0, 1.5])
    assert np.allclose(rec.device_time(s), [0.0, 0.5, 0.999, 2.6, 3.1])
    assert np.allclose(rec.sample_time(rec.device_time(s)), s)
    assert rec.sample_time(1.8) == 1.0  # inside the gap: the first sample after it
    # no gap: the two clocks are one (a recording straight from a scenario)
    assert clock_breaks(np.arange(100) * 125, 8000.0) == []
    plain = Recording(np.zeros(800, np.uint16), 8000.0)
    assert plain.device_time(0.05) == 0.05 and plain.scan_gaps == []
    findings = [{"time_s": 0.5}]
    assert plain.findings_in_device_time(findings) is findings


def _stalled_capture(path: Path, rec: Recording, scenario) -> tuple[Path, list[float]]:
    """`rec`'s RF samples written as a device with its Wi-Fi scan on would send
    them: a button MARK at each stop, then STALL_US without samples (the scan),
    then the samples go on. Returns the path and the marks' device times."""
    fs = rec.fs
    at = sorted(int(round(m.time_s * fs)) for m in rec.marks)
    edges = [0, *at, rec.rf_counts.size]
    frames: list[bytes] = []
    mark_times: list[float] = []
    stalled_us = 0
    for k, (s0, s1) in enumerate(zip(edges, edges[1:])):
        if k > 0:  # a mark at s0, then the scan
            t_mark = int(round(s0 * 1e6 / fs)) + stalled_us
            frames.append(
                P.encode_frame(P.T_MARK, len(frames), t_mark, P.encode_mark(k, 1, "button"))
            )
            mark_times.append(t_mark / 1e6)
            stalled_us += STALL_US
        for a in range(s0, s1, BLOCK):
            block = rec.rf_counts[a : min(s1, a + BLOCK)]
            frames.append(_frame(len(frames), a, block, stalled_us, fs))
    header = {"device": {"rate_hz": int(fs)}, **plan_header(scenario)}
    path.write_bytes(C.encode_header(header) + b"".join(frames))
    return path, mark_times


def _frame(seq: int, first: int, block: np.ndarray, stalled_us: int, fs: float) -> bytes:
    t = int(round(first * 1e6 / fs)) + stalled_us
    span = int(round((block.size - 1) * 1e6 / fs))
    payload = samples_payload(P.CH_RF, block, t, span, int(fs * 1000), 0)
    return P.encode_frame(P.T_SAMPLES, seq, t, payload)


@pytest.fixture(scope="module")
def stalled(tmp_path_factory):
    scenario = load_scenario("hotel-room")
    rec = from_scenario(scenario)
    # the RF channel only (the lens finder and the radios have their own tests)
    rec.pd_counts = None
    rec.wifi, rec.ble, rec.radio_busy = [], [], []
    # the counts as written, without the RF range (auto-ranging: test_autorange.py)
    rec.rf_pad_start = rec.rf_pad_db = None
    path, mark_times = _stalled_capture(
        tmp_path_factory.mktemp("stall") / "stalled.cap", rec, scenario
    )
    return rec, path, mark_times


def test_findings_of_a_capture_with_stalled_scans_are_on_device_time(stalled):
    rec, path, mark_times = stalled
    got = from_capture(path)
    assert got.rf_counts.size == rec.rf_counts.size
    assert len(got.scan_gaps) == len(mark_times)
    assert all(b - a == pytest.approx(STALL_US / 1e6, abs=1e-3) for a, b in got.scan_gaps)
    # the analysis cuts on the sample clock: the marks are where they were
    assert [round(m.time_s, 3) for m in got.marks] == [round(m.time_s, 3) for m in rec.marks]
    assert [m.device_s for m in got.marks] == pytest.approx(mark_times, abs=1e-6)
    sample_clock = [f for f in analyze(rec) if f["type"] == "rf"]
    device_clock = [f for f in analyze(got) if f["type"] == "rf"]
    assert sample_clock and len(device_clock) == len(sample_clock)
    for a, b in zip(sample_clock, device_clock):
        # every scan before it moved it on by the scan's length; nothing else changed
        before = sum(1 for m in rec.marks if m.time_s <= a["time_s"])
        assert b["time_s"] == pytest.approx(a["time_s"] + before * STALL_US / 1e6, abs=2e-3)
        assert {k: v for k, v in b.items() if k != "time_s"} == {
            k: v for k, v in a.items() if k != "time_s"
        }
    # the analyst's view: stops begin at their marks' device times, the sweep
    # lasts the samples and the scans, the level track is on device time
    an = analyse_capture(path)
    named = [s for s in an.stops if s["waypoint"]]
    assert [s["start_s"] for s in named] == pytest.approx(mark_times, abs=2e-3)
    for f in an.findings:
        if f["type"] == "rf":
            stop = next(s for s in named if s["waypoint"] == f["waypoint"])
            assert stop["start_s"] <= f["time_s"] <= stop["end_s"] + 0.75
    assert an.duration_s == pytest.approx(
        rec.duration_s + len(mark_times) * STALL_US / 1e6, abs=0.01
    )
    track = level_track(an.rec, bin_s=0.5)
    assert np.nanmax(track["t_s"]) <= an.duration_s
    assert np.isnan(track["peak_dbm"]).sum() == len(an.scan_gaps)  # the line breaks there


def test_the_timeline_hatches_the_scans(stalled, tmp_path):
    from roomsweep.analyst import plot

    _, path, _ = stalled
    an = analyse_capture(path)
    fig = plot.timeline(an)
    ax = fig.axes[0]
    assert ax.get_xlim()[1] == pytest.approx(an.duration_s)
    hatched = [p for p in ax.patches if p.get_hatch()]
    assert len(hatched) == len(an.scan_gaps)
    labels = ax.get_legend_handles_labels()[1]
    assert any("no samples" in label for label in labels)


# --- level figures, defined once ------------------------------------------------------

# a GSM finding whose level pinned the detector (-0.0 dBm read at its ceiling)
SATURATED_GSM = {
    "type": "rf",
    "class": "gsm",
    "title": "GSM handset or bug",
    "time_s": 44.2,
    "waypoint": "headboard",
    "level_dbm": -0.0,
    "confidence": 0.89,
    "evidence": {"level_above_room_db": 26.9, "room_typical_dbm": -30.0},
    "why": "GSM heard 27 dB above its level elsewhere in the room",
}


def test_saturated_levels_are_flagged_never_minus_zero():
    assert DETECTOR_CEILING_DBM == SATURATION_DBM  # one ceiling
    assert level_text(-0.0) == "≥ -3 dBm (saturated)" and level_text(-2.9).endswith("(saturated)")
    assert level_text(-3.1) == "-3.1 dBm"
    text = format_findings([SATURATED_GSM])
    assert "level ≥ -3 dBm (saturated)" in text and "-0.0" not in text
    state = LiveState()
    state.feed(_blocks([-0.0] * 40))
    view = render_text(state)
    assert "RF ≥ -3 dBm (saturated)" in view and "peak ≥ -3" in view
    assert "loudest 50 ms so far: ≥ -3 dBm (saturated)" in view and "-0.0" not in view


def test_the_json_flags_a_saturated_level_with_the_number_the_text_shows(
    stalled, monkeypatch, capsys
):
    """`level_is_lower_bound` (docs/findings.md): true on an RF finding at the
    recording's ceiling, whose `level_dbm` is then that ceiling, as the text's
    "≥ -3 dBm (saturated)"; false just below it and on a radio's RSSI (a finding
    the scan made alone); absent on other types. The same in `analyze --json`."""
    from roomsweep.analyst.evidence import as_text, describe

    gsm = SATURATED_GSM
    below = {**gsm, "level_dbm": -3.1}
    rssi = {**gsm, "level_dbm": 2.0, "sources": ["wifi"]}
    lens = {"type": "lens", "class": "camera_lens", "level": 120.0}
    at, under, radio, other = with_level_bounds([gsm, below, rssi, lens], DETECTOR_CEILING_DBM)
    assert at["level_is_lower_bound"] is True and at["level_dbm"] == DETECTOR_CEILING_DBM
    assert under["level_is_lower_bound"] is False and under["level_dbm"] == -3.1
    assert radio["level_is_lower_bound"] is False and radio["level_dbm"] == 2.0
    assert other == lens and gsm["level_dbm"] == -0.0  # the input is left as it was
    text = format_findings([at, under], evidence=True)
    assert f"level ≥ {at['level_dbm']:g} dBm (saturated)" in text and "level -3.1 dBm" in text
    # the evidence does not weigh the bound as the level (-3 + 30 is not 26.9)
    said = as_text(describe(at), indent="")
    assert "26.9 dB or more" in said and "lower bound" in said and "falls" not in said
    # with the pad in, the ceiling is 17 dBm: 5 dBm is a measurement
    padded = with_level_bounds([{**gsm, "level_dbm": 5.0}, {**gsm, "level_dbm": 18.4}], 17.0)
    assert [(f["level_dbm"], f["level_is_lower_bound"]) for f in padded] == [
        (5.0, False),
        (17.0, True),
    ]
    # analyze --json: the findings as the analyzer made them, flagged on the way out
    _, path, _ = stalled
    monkeypatch.setattr("roomsweep.cli.analyst.analyze", lambda rec, baseline=None: [gsm, below])
    assert main(["analyze", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [(f["level_dbm"], f["level_is_lower_bound"]) for f in out] == [
        (DETECTOR_CEILING_DBM, True),
        (-3.1, False),
    ]


def test_the_live_loudest_50_ms_is_the_reports():
    fs = 8000.0
    rng = np.random.default_rng(3)
    dbm_levels = rng.uniform(-55, -20, 60)
    blocks = _blocks(list(dbm_levels))
    # a 30 ms burst straddling two blocks: the figure must not depend on where
    # the blocks (or the report's stops) begin
    blocks[20].samples[-120:] = _counts_for(-12.0)
    blocks[21].samples[:120] = _counts_for(-12.0)
    state = LiveState()
    state.feed(blocks)
    every = state.dbm(np.concatenate([b.samples for b in blocks]))
    assert state.max_dbm == pytest.approx(loudest_dbm(every, fs))
    assert "near" not in state.max_where and state.max_where == "at 00:00"


# --- the live view ---------------------------------------------------------------------


def test_elapsed_and_waypoints_are_on_the_device_clock():
    state = LiveState(sweep_names=["door", "desk"])
    state.feed(_blocks([-50.0] * 31))  # about 1 s
    # the device scans Wi-Fi after the mark: no samples for 1.6 s, its clock runs on
    state.feed([Mark(P.T_MARK, 100, 1_000_000, number=1, source=P.MARK_FROM_BUTTON, label="")])
    state.feed(_blocks([-50.0] * 31, t0_us=1_000_000 + SCAN_US, seq0=101))
    assert state.sampled_s == pytest.approx(62 * BLOCK / 8000)
    assert state.device_s == pytest.approx(1.0 + 1.6 + 31 * 0.032, abs=1e-3)
    assert state.marks[0].elapsed_s == pytest.approx(1.0)
    text = render_text(state)
    assert "Elapsed 00:03 · hold still 2.0 s  last waypoint #1 door at 00:01" in text
    # a mark whose samples have not arrived yet is no later than Elapsed
    state.feed([Mark(P.T_MARK, 200, 3_900_000, number=2, source=P.MARK_FROM_BUTTON, label="")])
    assert state.marks[-1].elapsed_s <= state.device_s
    # a restarted device's clock starts from zero: joined where the samples
    # stopped, as the capture reader joins it (Capture.on_one_clock)
    state.feed([Status(P.T_STATUS, 300, 3_950_000, uptime_ms=4_000)])
    state.feed([Status(P.T_STATUS, 0, 10_000, uptime_ms=10)] + _blocks([-50.0] * 31, t0_us=20_000))
    assert state.device_restarts == 1
    assert state.device_s == pytest.approx(1.0 + 1.6 + 2 * 31 * 0.032, abs=0.01)


def test_the_view_says_how_long_to_hold_still_at_a_waypoint():
    """The analysis hears a spot over the 3 s of samples after its mark; the
    Wi-Fi scan that follows the press stops them for 1.6 s. The view counts
    the samples still wanted, then says to walk on."""
    state = LiveState(sweep_names=["door", "desk"])
    state.feed(_blocks([-50.0] * 31))
    assert state.hold_s() is None and "hold still" not in render_text(state)
    state.feed([Mark(P.T_MARK, 100, 1_000_000, number=1, source=P.MARK_FROM_BUTTON, label="")])
    assert state.hold_s() == pytest.approx(3.0)
    # the scan: no samples for 1.6 s, the device's clock runs on; then 1 s of them
    state.feed(_blocks([-50.0] * 31, t0_us=1_000_000 + SCAN_US, seq0=101))
    assert state.hold_s() == pytest.approx(3.0 - 31 * BLOCK / 8000)
    assert "· hold still 2.0 s  last waypoint #1 door" in render_text(state)
    state.feed(_blocks([-50.0] * 63, t0_us=2_000_000 + SCAN_US, seq0=200))
    assert state.hold_s() == 0.0
    assert "· heard, walk on  last waypoint #1 door" in render_text(state)
    # the next press starts the count again
    state.feed([Mark(P.T_MARK, 300, 5_000_000, number=2, source=P.MARK_FROM_BUTTON, label="")])
    assert state.hold_s() == pytest.approx(3.0)


def test_the_locate_cue_spans_the_detectors_range():
    levels = np.arange(-59.5, 0.5, 0.5)
    ticks = [beep_interval_s(v) for v in levels]
    assert all(a > b for a, b in zip(ticks, ticks[1:]))  # faster at every step
    assert beep_interval_s(-8.6) > 1.5 * beep_interval_s(0.0)  # not the fastest yet
    assert beep_interval_s(-60.0) is None  # the detector's floor: silent
    state = LiveState(locate=True)
    state.feed(_blocks([-1.0] * 10))
    assert "tick every 0.05 s, the fastest (saturated)" in render_text(state)


def _fed(state: LiveState, rec: Recording, upto_s: float, every_s: float = 0.5) -> LiveState:
    """`state` fed `rec`'s RF in blocks up to `upto_s`, with a guess every `every_s`."""
    marks = sorted(rec.marks, key=lambda m: m.time_s)
    next_guess = 0.0
    start = int(round(state.sampled_s * rec.fs))
    for a in range(start, int(upto_s * rec.fs) - BLOCK + 1, BLOCK):
        t = a / rec.fs
        while marks and marks[0].time_s <= t:
            m = marks.pop(0)
            if m.time_s * rec.fs >= start:
                state.feed([Mark(P.T_MARK, 0, int(m.time_s * 1e6), number=1, source=1, label="")])
        block = _block(0, int(round(t * 1e6)), rec.rf_counts[a : a + BLOCK])
        pad = rec.rf_pad()  # the range the (simulated) device took the block in
        block.rf_pad = pad is not None and bool(pad[a])
        state.feed([block])
        if t >= next_guess:
            state.update_guess()
            next_guess = t + every_s
    return state


@pytest.mark.slow
def test_the_class_guess_shows_its_uncertainty_and_what_else_is_heard():
    scenario = load_scenario("hotel-room")
    rec = from_scenario(scenario)
    state = LiveState(sweep_names=[s.waypoint for s in scenario.sweep])
    # at the door the bug behind the headboard is loud already, as loud as it is
    # everywhere so far: a guess, not a finding
    _fed(state, rec, 4.0)
    g = state.guess
    assert g is not None and g.cls == "gsm" and g.score == pytest.approx(1.0)
    assert g.confidence < 0.8 and g.text().startswith("GSM? ")
    assert "Wi-Fi camera" in g.also
    text = render_text(state)
    assert re.search(r"class: GSM\? 0\.\d\d at -\d+\.\d dBm · also .*Wi-Fi camera", text)
    # at the headboard it stands far above its level elsewhere: sure
    headboard = next(s.arrive_s for s in scenario.sweep if s.waypoint == "headboard")
    _fed(state, rec, headboard + 3.0)
    assert state.guess is not None and state.guess.cls == "gsm" and state.guess.sure
    assert "class: GSM 1.00" in render_text(state) or "class: GSM 0.9" in render_text(state)


def _no_mid_word_cut(text: str) -> None:
    lines = text.rstrip("\n").split("\n")
    assert len(lines) <= HEIGHT and max(len(x) for x in lines) <= WIDTH
    for line in lines:
        # a cut shows " …" after a whole word; rich's own cut ("wor…") must not happen
        assert not re.search(r"\S…", line), line


def test_the_live_view_cuts_only_at_word_boundaries_in_80_columns():
    from roomsweep.protocol.records import AccessPoint, WifiScan

    names = [
        "the-wardrobe-with-the-mirrored-doors",
        "under the left-hand bedside lamp",
        "behind the television on the wall bracket",
        "smoke detector above the bed",
    ]
    state = LiveState(
        capture_path="/home/traveler/sweeps/2026-12-04/hotel-room-214-second-floor.cap",
        port="/dev/serial/by-id/usb-Silicon_Labs_CP2102N_USB_to_UART_Bridge_Controller-if00",
        sweep_names=names + ["window overlooking the courtyard", "door to the corridor"],
        title="room 214 at the hotel by the station, second floor, overlooking the courtyard",
        locate=True,
    )
    state.feed(_blocks([-30.0] * 40))
    for i in range(4):
        state.feed(
            [Mark(P.T_MARK, i, 1_000_000 + i, number=i + 1, source=P.MARK_FROM_BUTTON, label="")]
        )
    aps = [
        AccessPoint(
            "aa:bb:cc:00:00:01", "HotelGuest-Premium-5GHz-Floor2-East-Wing", 6, -48, 3, False
        )
    ]
    state.feed([WifiScan(0x10, 50, 1_200_000, access_points=aps)])
    state.message = "waypoint 'smoke detector above the bed' marked; the next one is the window"
    state.link = "connected"
    text = render_text(state)
    _no_mid_word_cut(text)
    assert "Stops 4 of 6 visited" in text
    assert "… " in text  # something was cut (at a word boundary)


def test_final_findings_are_wrapped_at_word_boundaries():
    findings = [
        {
            "type": "rf",
            "class": "wifi_camera",
            "title": "Wi-Fi camera streaming video",
            "time_s": 57.98,
            "waypoint": "smoke-detector",
            "position_m": [2.0, 2.8],
            "position_uncertainty_m": 0.4,
            "level_dbm": -7.2,
            "confidence": 1.0,
            "why": "Wi-Fi camera streaming video heard 26 dB above its level elsewhere in "
            "the room, strongest at smoke-detector; also a camera access point strongest "
            "at smoke-detector: SSID matches a camera access-point pattern",
        }
    ]
    text = format_findings(findings, width=80, indent="  ")
    lines = text.split("\n")
    assert len(lines) > 2 and max(len(x) for x in lines) <= 80
    flat = format_findings(findings)
    assert text.split() == flat.split()  # every word whole, none split
    assert lines[1].startswith("     ") and lines[0].startswith("  1. ")


# --- coverage and the early-quit verdict -------------------------------------------------


def _within_80(text: str) -> None:
    """Every line within 80 columns, but for one holding a word (a path) too long
    for any line."""
    for line in text.split("\n"):
        assert len(line) <= 80 or max(len(w) for w in line.split()) > 40, line


def test_an_early_quit_says_the_sweep_is_incomplete(tmp_path, capsys):
    names = ["door", "bathroom-door", "wardrobe", "desk", "tv"]
    state = LiveState(sweep_names=names)
    state.feed(_blocks([-50.0] * 100))
    for i in range(2):
        state.feed([Mark(P.T_MARK, i, i * 1_000_000, number=i + 1, source=1, label="")])
    cov = state.coverage()
    assert cov.visited == ["door", "bathroom-door"] and not cov.complete
    verdict = cov.verdict()
    assert verdict is not None and verdict.startswith(
        "sweep incomplete: 3 of 5 stops not visited (wardrobe, desk, tv)"
    )
    assert "Stops 2 of 5 visited · not yet: wardrobe, desk, tv" in render_text(state)
    # after the sweep: printed with the findings, and in --json
    cap = tmp_path / "early.cap"
    cap.write_bytes(C.encode_header({"notes": ""}) + b"")
    args = argparse.Namespace(out=str(cap), json=True, no_report=True, report=None)
    assert _sweep_results(args, state) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["coverage"]["not_visited"] == ["wardrobe", "desk", "tv"]
    assert result["coverage"]["verdict"] == verdict and result["coverage"]["complete"] is False
    args.json = False
    _sweep_results(args, state)
    out = capsys.readouterr().out
    assert "Sweep incomplete: 3 of 5 stops not visited (wardrobe, desk, tv)" in out
    _within_80(out)
    # every stop visited: no verdict
    for i, _ in enumerate(names[2:], 2):
        state.feed([Mark(P.T_MARK, i, i * 1_000_000, number=i + 1, source=1, label="")])
    assert state.coverage().complete and state.coverage().verdict() is None


def test_a_stop_the_sweep_returns_to_counts_once():
    # the door at the start and at the end: four marks name four of five places
    names = ["door", "desk", "bed", "tv", "window", "door"]
    state = LiveState(sweep_names=names)
    state.feed(_blocks([-50.0] * 100))
    for i in range(4):
        state.feed([Mark(P.T_MARK, i, i * 1_000_000, number=i + 1, source=1, label="")])
    cov = state.coverage()
    assert cov.planned == ["door", "desk", "bed", "tv", "window"]
    assert cov.visited == ["door", "desk", "bed", "tv"] and cov.missing == ["window"]
    assert cov.verdict() == (
        "sweep incomplete: 1 of 5 stops not visited (window); the findings speak "
        "only for the 4 visited"
    )
    assert "Stops 4 of 5 visited · not yet: window" in render_text(state)


@pytest.mark.slow
def test_a_simulated_sweep_quit_early_says_which_stops_are_missing(tmp_path, capsys):
    out = tmp_path / "early.cap"
    rc = main(
        [
            "sweep",
            "--sim",
            "hotel-room",
            "--seconds",
            "18",
            "--out",
            str(out),
            "--no-tty",
            "--speed",
            "0",
            "--no-report",
        ]
    )
    assert rc == 0
    text = capsys.readouterr().out
    assert re.search(r"Sweep incomplete: 7 of 10 stops not visited \(desk, tv, window,", text)
    assert "Findings (ranked; at the stops visited only):" in text
    _within_80(text)
