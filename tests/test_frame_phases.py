"""Two GSM or DECT transmitters of one kind are two sources by the phase of
their frame: split at one level (phases.phase_trains, components._trains), and
reported from their own levels when heard beside a louder one
(timing.sources_beside, analyze step 5c)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from roomsweep.analysis import timing
from roomsweep.analysis.analyze import analyze
from roomsweep.analysis.components import Component, _trains, classify
from roomsweep.analysis.features import component
from roomsweep.analysis.phases import circular_mean, phase_trains
from roomsweep.analyst.evidence import as_text, describe
from roomsweep.eval.fastpath import from_scenario
from roomsweep.sim.scenario import load_scenario
from roomsweep.standards import DECT_FRAME_S, GSM_FRAME_S
from tests.test_analysis import FS, envelope


def test_phase_trains_checks_its_arguments():
    with pytest.raises(ValueError, match="period"):
        phase_trains(np.arange(3.0), 0.0, 0.1, 0.05)
    with pytest.raises(ValueError, match="period"):
        phase_trains(np.arange(3.0), float("nan"), 0.1, 0.05)
    with pytest.raises(ValueError, match="gap"):
        phase_trains(np.arange(3.0), 0.01, 0.0003, 0.01)
    with pytest.raises(ValueError, match="ascending"):
        phase_trains(np.array([0.0, 0.02, 0.01]), 0.01, 0.0003, 0.001)
    with pytest.raises(ValueError, match="finite"):
        phase_trains(np.array([0.0, np.nan, 0.02]), 0.01, 0.0003, 0.001)
    with pytest.raises(ValueError, match="min_size"):
        phase_trains(np.arange(3.0), 0.01, 0.0003, 0.001, min_size=0)
    with pytest.raises(ValueError, match="one-dimensional"):
        phase_trains(np.zeros((2, 2)), 0.01, 0.0003, 0.001)


def test_circular_mean_checks_its_arguments():
    with pytest.raises(ValueError, match="period"):
        circular_mean(np.arange(3.0), 0.0)
    with pytest.raises(ValueError, match="not empty"):
        circular_mean(np.zeros(0), 0.01)
    with pytest.raises(ValueError, match="finite"):
        circular_mean(np.array([0.0, np.nan]), 0.01)


def test_one_train_across_the_frames_edge_is_one():
    """Phases either side of the frame's start are one train on the circle."""
    rng = np.random.default_rng(1)
    t = np.arange(40) * DECT_FRAME_S + 0.00995 + rng.normal(0, 40e-6, 40)
    labels, props = phase_trains(np.sort(t), DECT_FRAME_S, 0.0003, 0.0002)
    assert props["sizes"].tolist() == [40] and (labels == 0).all()
    phase = props["phases"][0]
    assert min(phase, DECT_FRAME_S - phase) < 100e-6


def test_two_trains_and_the_strays_between_them():
    t = np.r_[np.arange(30) * GSM_FRAME_S, np.arange(30) * GSM_FRAME_S + 2 * 577e-6]
    strays = np.array([0.0123, 0.0517, 0.0771])  # another kind's bursts, no partners
    labels, props = phase_trains(np.sort(np.r_[t, strays]), GSM_FRAME_S, 0.0003, 0.0002)
    assert props["sizes"].tolist() == [30, 30]
    assert np.count_nonzero(labels == -1) == 3
    gap = abs(props["phases"][1] - props["phases"][0]) % GSM_FRAME_S
    assert abs(min(gap, GSM_FRAME_S - gap) - 2 * 577e-6) < 1e-5


def _two_bases(shift_s: float) -> np.ndarray:
    """Two DECT bases at one level, the second `shift_s` later in the frame."""
    x = envelope("dect", 1.5, level=-20.0)
    y = np.roll(x, int(round(shift_s * FS)))
    return np.maximum(x, y)


def test_two_dect_bases_at_one_level_are_two_components():
    f = component(_two_bases(3.3e-3), FS, -20.0, 3.0, top=True)
    assert classify(f)[0] == "dect"
    parts = _trains(f, "dect", FS)
    assert len(parts) == 2 and all(cls == "dect" for _, cls, _, _ in parts)
    assert sorted(p.count for p, _, _, _ in parts) == [f.count // 2, f.count - f.count // 2]
    # one base alone, and a kind without a frame, stay whole
    alone = component(envelope("dect", 1.5, level=-20.0), FS, -20.0, 3.0, top=True)
    assert _trains(alone, "dect", FS) == []
    assert _trains(f, "wifi_ap", FS) == []


def test_each_train_reads_its_own_level_not_the_shared_modes():
    """Two bases 1.5 dB apart share one level mode; each train is read at the
    median of its own bursts' loudest samples."""
    x = envelope("dect", 1.5, level=-20.0)
    y = np.roll(envelope("dect", 1.5, level=-21.5), int(round(3.3e-3 * FS)))
    f = component(np.maximum(x, y), FS, -20.7, 3.0, top=True)
    levels = sorted(p.level_dbm for p, _, _, _ in _trains(f, "dect", FS))
    assert len(levels) == 2
    assert abs(levels[0] - -21.5) < 0.6 and abs(levels[1] - -20.0) < 0.6


def test_two_bases_two_slots_apart_are_two_and_in_neighbouring_slots_one():
    """Two slots on (834 us) is 6.7 samples at 8 kS/s. In the very next slot
    the second burst starts 49 us (DECT's guard space) after the first ends,
    less than a sample: at one level the two run together into one burst."""
    f = component(_two_bases(2 * 417e-6), FS, -20.0, 3.0, top=True)
    assert len(_trains(f, "dect", FS)) == 2
    g = component(_two_bases(417e-6), FS, -20.0, 3.0, top=True)
    assert g.count == f.count // 2 and _trains(g, "dect", FS) == []


def _at(x: np.ndarray, start_s: float, stretch: int, level: float) -> Component:
    """The component of the envelope's window at start_s, heard at `level`."""
    a = int(start_s * FS)
    f = component(x[a : a + int(1.5 * FS)], FS, -25.0, 3.0, top=True)
    cls, conf, scores = classify(f)
    return Component(stretch, cls, conf, level, start_s + 0.1, f, scores, window_start_s=a / FS)


def test_sources_beside_joins_a_sources_pieces_and_drops_the_chosen_ones():
    """A chosen bug A; B heard beside it at its stop; 20 s on (beyond
    timing.LINK_S, so the chains break) A and B heard again at another stop."""
    x = envelope("gsm", 30.0)
    y = np.roll(x, int(round(3 * 577e-6 * FS)))  # three timeslots later
    a0, b0 = _at(x, 0.0, 0, -20.0), _at(y, 0.0, 0, -30.0)
    a1, b1 = _at(x, 20.0, 5, -35.0), _at(y, 20.0, 5, -25.0)
    comps = [a0, b0, a1, b1]
    groups = timing.same_source_groups(comps)
    assert len(set(groups.values())) == 4  # four chains
    beside = timing.sources_beside(comps, [a0], groups)
    assert beside == [{0: b0, 5: b1}]  # B once, A's later piece not at all
    # B never heard at a chosen source's stop: nothing tells it apart
    assert timing.sources_beside([a0, b1], [a0], timing.same_source_groups([a0, b1])) == []


def test_two_sources_heard_at_once_stay_two_however_long_apart():
    """Two minutes on, 15 ppm of drift would cover 1.8 ms of phase; heard at
    once, three slots apart, they are two all the same."""
    x = envelope("gsm", 125.0)
    y = np.roll(x, int(round(3 * 577e-6 * FS)))
    a0 = _at(x, 0.0, 0, -20.0)
    a1, b1 = _at(x, 120.0, 5, -35.0), _at(y, 120.0, 5, -25.0)
    comps = [a0, a1, b1]
    groups = timing.same_source_groups(comps)
    assert timing.sources_beside(comps, [a0], groups) == [{5: b1}]


def test_one_device_handed_over_to_another_slot_is_not_two():
    """A handover moves a device to another timeslot: at one stop, first one
    phase, then another, never both at once."""
    x = envelope("gsm", 6.0)
    y = np.roll(x, int(round(3 * 577e-6 * FS)))
    before, after = _at(x, 0.0, 0, -20.0), _at(y, 3.0, 0, -20.5)
    groups = timing.same_source_groups([before, after])
    assert groups[id(before)] != groups[id(after)]
    assert timing.sources_beside([before, after], [before], groups) == []


def _split(y_level: float) -> list[Component]:
    """A DECT base at -20 dBm and a second train 3.3 ms later at y_level, heard
    in one window and split by phase (components._trains)."""
    x = envelope("dect", 1.5, level=-20.0)
    # the second train's own noise (another seed), as a second slot's would be
    y = np.roll(envelope("dect", 1.5, level=y_level, seed=4), int(round(3.3e-3 * FS)))
    f = component(np.maximum(x, y), FS, -20.0, 3.0, top=True)
    return [
        Component(0, cls, conf, g.level_dbm, 0.1, g, scores)
        for g, cls, conf, scores in _trains(f, "dect", FS)
    ]


def test_one_base_in_two_slots_is_one_device_two_bases_are_two():
    """Two trains at one level in the same windows everywhere are one device
    sending in two slots (a dummy bearer beside a traffic bearer); 1.5 dB apart
    they are two devices."""
    for y_level, devices in ((-20.0, 1), (-21.5, 2)):
        a, b = sorted(_split(y_level), key=lambda c: -c.level_dbm)
        groups = timing.same_source_groups([a, b])
        assert groups[id(a)] != groups[id(b)]
        beside = timing.sources_beside([a, b], [a], groups)
        assert len(beside) == devices - 1, y_level


SCENARIO = Path(__file__).parent / "data" / "dect_twins.toml"


def _rf(path: Path) -> list[dict]:
    rec = from_scenario(load_scenario(str(path)))
    return [f for f in analyze(rec) if f["type"] == "rf"]


def test_two_dect_bugs_side_by_side_are_two_findings(tmp_path):
    twins = _rf(SCENARIO)
    assert [(f["class"], f["waypoint"]) for f in twins] == [("dect", "desk")] * 2
    second = [f for f in twins if f["evidence"].get("own_frame_phase")]
    assert len(second) == 1
    assert "another phase of the frame" in as_text(describe(second[0]))
    # the second bug is the file's last emitter: without it, one finding
    text = SCENARIO.read_text()
    cut = text.index('[[emitters]]\nid = "desk-dect-bug-2"')
    rest = text[text.index("[ground_truth]") :].replace('desk-dect-bug-2 = "desk"\n', "")
    (tmp_path / "one.toml").write_text(text[:cut] + rest)
    one = _rf(tmp_path / "one.toml")
    assert [(f["class"], f["waypoint"]) for f in one] == [("dect", "desk")]


def test_two_gsm_bugs_in_different_timeslots_are_two_findings():
    """Seed 8 puts the two bugs' bursts in different timeslots. With seeds 7
    and 9 they fall in one slot (two handsets may share a timeslot number on
    different carriers): the bursts overlap, one train, and no timing tells
    them apart; one finding."""
    found = _rf(Path(__file__).parent / "data" / "gsm_twins.toml")
    assert [(f["class"], f["waypoint"]) for f in found] == [("gsm", "desk")] * 2
    assert sum(bool(f["evidence"].get("own_frame_phase")) for f in found) == 1


def test_analyze_gives_every_region_the_stops_positions(monkeypatch):
    """The close stops (inroom.CLOSE_STOP_M) need the positions: analyze passes
    them wherever it makes a region."""
    from roomsweep.analysis import analyze as analyze_module

    seen = []
    real = analyze_module.region

    def spy(track, parts, idx, near, positions=None):
        seen.append(positions)
        return real(track, parts, idx, near, positions)

    monkeypatch.setattr(analyze_module, "region", spy)
    _rf(SCENARIO)
    assert seen and all(p for p in seen)


def test_a_source_beside_between_stops_is_judged_by_the_in_room_test():
    """A second DECT amid door, desk and lamp (tests/test_in_room.py's room):
    on its own track no stop stands 6 dB out, but it falls 17 dB across the
    room, so analyze._beside takes it through the in-room test (not a peak)."""
    from roomsweep.analysis import analyze as analyze_module
    from roomsweep.analysis import peaks
    from roomsweep.analysis.recording import Recording
    from tests.test_in_room import ROOM, _from, _track

    parts, track, best = _track(_from((0.6, 0.45), -10.0))
    near = peaks.neighbours(parts, Recording(np.zeros(8, np.uint16), FS, waypoint_positions=ROOM))
    (top, own, room, is_peak), *more = analyze_module._beside(
        [best], parts, near, ROOM, 17.0, "dect", []
    )
    assert not more and not is_peak and room["in_room"]
    assert parts[top.stretch].label in ("door", "desk", "lamp")
    assert (own == track).all()
    # the same levels from 2 m beyond the wall behind the door: no source beside
    parts, _, best = _track(_from((-2.0, -0.5), -10.0))
    assert analyze_module._beside([best], parts, near, ROOM, 17.0, "dect", []) == []


def test_analyze_tells_unexplained_which_source_each_finding_is(monkeypatch):
    """Two GSM bugs beside the desk in different timeslots (data/gsm_twins.toml):
    analyze hands echoes.unexplained each finding's source by frame timing,
    two sources (the plumbing; what unexplained does with them is
    tests/test_decide_wide.py's; here the second bug is kept by its own
    phase of the frame as well)."""
    from roomsweep.analysis import analyze as analyze_module
    from roomsweep.eval.fastpath import from_scenario
    from roomsweep.sim.scenario import load_scenario

    asked, real = [], analyze_module.unexplained

    def spy(of_kind, positions, timed=None):
        if of_kind and of_kind[0]["class"] == "gsm":
            asked.append({timed[id(f)] for f in of_kind if id(f) in (timed or {})})
        return real(of_kind, positions, timed)

    monkeypatch.setattr(analyze_module, "unexplained", spy)
    path = Path(__file__).parent / "data" / "gsm_twins.toml"
    found = analyze_module.analyze(from_scenario(load_scenario(str(path))))
    assert [len(sources) for sources in asked] == [2]
    assert [f["waypoint"] for f in found if f.get("class") == "gsm"] == ["desk", "desk"]
