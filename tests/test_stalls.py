"""The fast path with the device's scan stalls (eval.stalls): the samples jump
across each Wi-Fi scan while the room goes on, as a capture's do, and the
analysis reads it on device time."""

from __future__ import annotations

import json
from importlib import resources

import numpy as np
import pytest

from roomsweep.analysis.analyze import analyze
from roomsweep.analysis.components import ANALYSIS_WINDOW_S, components, stretches
from roomsweep.analysis.recording import Recording, WaypointMark
from roomsweep.cli import main
from roomsweep.errors import RoomsweepError
from roomsweep.eval.fastpath import from_scenario
from roomsweep.eval.stalls import stalled
from roomsweep.sim.scenario import load_scenario


@pytest.fixture(scope="module")
def both():
    sc = load_scenario("hotel-room")
    assert sc.access_points or sc.ble_devices  # the device scans: it stalls
    return from_scenario(sc, seconds=40), from_scenario(sc, seconds=40, stalls=True)


def test_the_samples_jump_across_each_scan_and_the_room_goes_on(both):
    plain, st = both
    busy = [(b.start_s, b.end_s) for b in plain.radio_busy if b.start_s < plain.duration_s]
    assert len(busy) >= 3 and all(1.2 < e - s < 2.6 for s, e in busy)
    gaps = np.array(st.scan_gaps)
    assert gaps.shape == (len(busy), 2)
    assert np.max(np.abs(gaps - np.array(busy))) <= 1 / plain.fs
    lost = sum(int(np.ceil(e * plain.fs)) - int(np.ceil(s * plain.fs)) for s, e in busy)
    assert st.rf_counts.size == plain.rf_counts.size - lost
    assert st.device_duration_s == pytest.approx(plain.duration_s)
    # after a stall, the sample there is the one the room gave at that device time
    for i0, t in st.clock_breaks[1:]:
        assert st.rf_counts[i0 : i0 + 50].tolist() == (
            plain.rf_counts[round(t * plain.fs) : round(t * plain.fs) + 50].tolist()
        )
    # each mark keeps its device time; on the sample clock it is where its samples are
    assert [m.device_s for m in st.marks] == pytest.approx([m.time_s for m in plain.marks])
    assert [m.time_s for m in st.marks] == pytest.approx(
        [float(st.sample_time(m.time_s)) for m in plain.marks]
    )
    # the scans' sightings are where their scans are on the new clock
    assert {round(w.time_s, 3) for w in st.wifi} <= {round(b.start_s, 3) for b in st.radio_busy}


def test_the_analysis_of_a_stalled_sweep_is_on_device_time(both):
    plain, st = both
    found = [f for f in analyze(st) if f["type"] == "rf"]
    assert found  # the hotel room's devices are still there with 1.6 s less of each stop
    marks = {m.label: m.device_s for m in st.marks}
    for f in found:
        assert f["time_s"] >= marks[f["waypoint"]] - 0.5  # device time, not the sample clock


def test_stalled_takes_a_recording_without_gaps_only():
    from roomsweep.protocol.observations import RadioBusy

    r = Recording(np.zeros(100, np.uint16), 100.0, clock_breaks=[(0, 0.0), (50, 2.0)])
    with pytest.raises(RoomsweepError, match="already has gaps"):
        stalled(r)
    quiet = Recording(np.zeros(100, np.uint16), 100.0, radio_busy=[RadioBusy(5.0, 6.0, True)])
    assert stalled(quiet).rf_counts.size == 100  # a scan after the samples: nothing stalls


def test_eval_stalls_runs_the_fast_path_stalled(tmp_path, capsys, monkeypatch):
    import roomsweep.eval.evaluate as E

    made = []

    def spy(sc, **kwargs):
        rec = from_scenario(sc, **kwargs)
        made.append(rec)
        return rec

    monkeypatch.setattr(E, "from_scenario", spy)
    room = tmp_path / "rooms"
    room.mkdir()
    src = resources.files("roomsweep").joinpath("scenarios", "hotel-room.toml")
    (room / "hotel-room.toml").write_text(src.read_text())
    assert main(["eval", str(room), "--stalls", "--json"]) == 0
    stalled_result = json.loads(capsys.readouterr().out)
    assert main(["eval", str(room), "--json"]) == 0
    plain_result = json.loads(capsys.readouterr().out)
    assert stalled_result["rf"]["hidden_transmitters"] == plain_result["rf"]["hidden_transmitters"]
    assert stalled_result["rf"]["recall"] is not None
    # the first run's recording had the scans' gaps, the second none
    assert [bool(r.scan_gaps) for r in made] == [True, False]


def test_overlapping_scans_are_one_stall_and_its_steps_the_last_in_force():
    """Two busy stretches that overlap are one gap; of the pad's (and the LED
    drive's) steps a stall puts at one sample, the one in force when sampling
    resumed; a step before the stall stays where it was."""
    from roomsweep.protocol.observations import RadioBusy

    r = Recording(
        np.zeros(8000, np.uint16),
        1000.0,
        radio_busy=[RadioBusy(2.0, 3.5, True), RadioBusy(3.0, 4.0, True)],
        rf_pad_start=np.array([0, 1000, 2500, 3200]),
        rf_pad_db=np.array([0.0, 20.0, 0.0, 20.0]),
        pd_level_start=np.array([0, 2100, 3900]),
        pd_level=np.array([0.0, 1.0, 2.0]),
    )
    s = stalled(r)
    assert s.clock_breaks == [(0, 0.0), (2000, 4.0)] and s.scan_gaps == [(2.0, 4.0)]
    assert s.rf_pad_start.tolist() == [0, 1000, 2000] and s.rf_pad_db.tolist() == [0, 20, 20]
    assert s.pd_level_start.tolist() == [0, 2000] and s.pd_level.tolist() == [0, 2]


def test_no_analysis_window_joins_the_air_either_side_of_a_stall(both):
    """A window across a scan's stall would put two stretches of air 1.6 s
    apart side by side as one (a frame train's phase jumping at the join):
    each side of a stall is windowed on its own, and the windows still tile
    every stretch."""
    _, st = both
    breaks = [i / st.fs for i, _ in st.clock_breaks if i > 0]
    parts = stretches(st)
    inside = [b for b in breaks if any(p.start_s < b < p.end_s for p in parts)]
    assert inside  # the hotel room's scans stall it in the middle of stops
    for p in parts:
        wins = st.windows(p.start_s, p.end_s, ANALYSIS_WINDOW_S)
        assert wins[0][0] == p.start_s and wins[-1][1] == p.end_s
        assert all(w1 == w0 for (_, w1), (w0, _) in zip(wins, wins[1:]))
        assert all(w1 - w0 <= 1.5 * ANALYSIS_WINDOW_S for w0, w1 in wins)
        assert not any(w0 < b < w1 for w0, w1 in wins for b in breaks)
    comps, _ = components(st)
    assert comps
    for c in comps:
        start = c.window_start_s
        end = start + c.features.duration_s
        assert not any(start + 1 / st.fs < b < end - 1 / st.fs for b in breaks), (c, breaks)


def test_a_slow_advertisers_events_are_not_timed_across_a_stall():
    """A tag every 0.7 s leaves too few samples for a window's level mode, so
    its few events are read over the whole dwell (components._sparse_component):
    over the part after the scan's stall, which the device starts 0.05 s after
    the desk's mark, not across it (its events' intervals would lose 1.6 s)."""
    fs, rng = 8000.0, np.random.default_rng(5)
    counts = np.full(int(12 * fs), 2400) + rng.integers(-5, 6, int(12 * fs))  # -63 dBm
    t = 0.3
    while t < 12.0:  # three 0.25 ms PDUs 0.75 ms apart at -28 dBm, advDelay 0-10 ms
        for k in range(3):
            a = int((t + k * 0.75e-3) * fs)
            counts[a : a + 2] = 1300
        t += 0.7 + rng.uniform(0, 0.01)
    stall = int(4.05 * fs)
    marks = [WaypointMark(0.5, "door", "button"), WaypointMark(4.0, "desk", "button")]
    marks.append(WaypointMark(8.0, "bed", "button"))
    rec = Recording(
        counts.astype(np.uint16), fs, marks=marks, clock_breaks=[(0, 0.0), (stall, 5.65)]
    )
    comps, parts = components(rec)
    (desk,) = [c for c in comps if parts[c.stretch].label == "desk"]
    assert desk.cls == "ble" and desk.features.duration_s > 2.5  # the whole dwell's events
    assert desk.window_start_s == stall / fs
    assert rec.unbroken(4.0, 7.0) == (stall, 7 * 8000)
