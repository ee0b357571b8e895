"""Clocks that drift: a framed transmitter keeps its frames on its own clock,
the detector samples on the ESP32's (sim.signals.make_process, params
clock_ppm; the wide generator draws them, sim.gen_wide._clocks). The
analysis's frame timing allows for it (analysis.timing.CLOCK_DRIFT)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from roomsweep.analysis import timing
from roomsweep.analysis.analyze import analyze
from roomsweep.analysis.components import Component, classify
from roomsweep.analysis.features import component
from roomsweep.eval.fastpath import from_scenario
from roomsweep.sim import gen_wide
from roomsweep.sim.kinds import check_params
from roomsweep.sim.scenario import Emitter, load_scenario
from roomsweep.sim.signals import make_process
from roomsweep.sim.tomlcheck import Bad
from roomsweep.standards import DECT_FRAME_S
from tests.test_analysis import FS, envelope

DATA = Path(__file__).parent / "data"


def _starts(kind: str, ppm: float, blocks: int = 60) -> np.ndarray:
    em = Emitter("e", kind, (1, 1, 1), 0.0, 1890.0, False, {"clock_ppm": ppm})
    proc = make_process(em, seed=5)
    return np.concatenate([proc.bursts(k)[0] for k in range(blocks)])


@pytest.mark.parametrize("kind", ["dect", "gsm", "bt_classic", "lte"])
def test_clock_ppm_stretches_every_period(kind):
    """At +20 ppm every frame or slot lasts 20 ppm longer on the detector's
    clock, so the bursts walk 20 us a second behind the exact clock's."""
    exact, slow = _starts(kind, 0.0), _starts(kind, 20.0)
    n = min(exact.size, slow.size, 200)
    frames = {"dect": 10e-3, "gsm": 120e-3 / 26, "bt_classic": 625e-6, "lte": 1e-3}[kind]
    # the smallest start-to-start gap is one period
    assert np.min(np.diff(slow[:n])) == pytest.approx(frames * (1 + 20e-6), rel=1e-9)
    assert np.min(np.diff(exact[:n])) == pytest.approx(frames, rel=1e-9)


def test_clock_ppm_is_signed_and_bounded():
    assert check_params("dect", {"clock_ppm": -12.5})["clock_ppm"] == -12.5
    assert check_params("dect", {"clock_ppm": -1000})["clock_ppm"] == -1000
    assert check_params("gsm", {})["clock_ppm"] == 0.0
    for bad in (2000.0, -1000.5, True, "fast", float("nan")):
        with pytest.raises(Bad, match="clock_ppm must be a number from -1000 to 1000"):
            check_params("lte", {"clock_ppm": bad})
    with pytest.raises(Bad, match="unknown wifi_ap parameter 'clock_ppm'"):
        check_params("wifi_ap", {"clock_ppm": 1.0})


def test_the_wide_generator_draws_each_framed_clock_against_one_esp32(monkeypatch):
    """Every GSM, DECT, Bluetooth and LTE emitter gets a clock within its
    standard's tolerance plus the ESP32's; handsets locked to one network
    share the ESP32's offset (to 0.1 ppm), which differs from sweep to sweep;
    other kinds get none; and the clocks leave every other draw as it was."""
    offsets = []
    framed = 0
    for index in range(12):
        sc = gen_wide.draw_wide(5, index).scenario
        locked = []
        for e in sc.emitters:
            own = gen_wide.OWN_CLOCK_PPM.get(e.kind)
            if own is None:
                assert "clock_ppm" not in e.params
                continue
            framed += 1
            assert abs(e.params["clock_ppm"]) <= own + gen_wide.ESP32_CLOCK_PPM + 0.01
            if e.kind in ("gsm", "lte"):
                locked.append(e.params["clock_ppm"])
        if locked:
            assert np.ptp(locked) <= 0.1 + 0.01
            offsets.append(locked[0])
    assert framed >= 5 and len(offsets) >= 3
    assert np.ptp(offsets) > 2.0  # one crystal per sweep, not one for all
    assert max(abs(o) for o in offsets) > 1.0
    with_clocks = gen_wide.draw_wide(5, 3).scenario
    monkeypatch.setattr(gen_wide, "_clocks", lambda scenario, rng: None)
    without = gen_wide.draw_wide(5, 3).scenario
    assert [e.id for e in with_clocks.emitters] == [e.id for e in without.emitters]
    for a, b in zip(with_clocks.emitters, without.emitters):
        assert {k: v for k, v in a.params.items() if k != "clock_ppm"} == b.params
        assert (a.position_m, a.eirp_dbm, a.band_mhz) == (b.position_m, b.eirp_dbm, b.band_mhz)


def _at(x: np.ndarray, start_s: float, stretch: int) -> Component:
    a = int(start_s * FS)
    f = component(x[a : a + int(1.5 * FS)], FS, -25.0, 3.0, top=True)
    cls, conf, scores = classify(f)
    return Component(stretch, cls, conf, -20.0, start_s + 0.1, f, scores, window_start_s=a / FS)


def test_one_base_heard_at_stops_12_s_apart_is_one_source_by_the_drift_allowance(
    monkeypatch,
):
    """A DECT base whose frames run 20 ppm long on the detector's clock heard
    11.9 s apart: its phase walks 238 us, read as 250 us (a burst's start is
    read to about a sample, 125 us: the standards' 15 ppm walks 180 us, which
    reads as one sample or two). Beyond the 150 us a phase is matched to
    (timing.PHASE_TOLERANCE_S), one source only by the drift allowed for
    (timing.CLOCK_DRIFT, 178 us over 11.9 s); without it, two."""
    x = envelope("dect", 13.5, params={"clock_ppm": 20.0})
    a, b = _at(x, 0.0, 0), _at(x, 11.9, 4)
    walk = (timing.frame_phase(b) - timing.frame_phase(a)) % DECT_FRAME_S
    assert 200e-6 < walk < 300e-6
    groups = timing.same_source_groups([a, b])
    assert groups[id(a)] == groups[id(b)]
    monkeypatch.setattr(timing, "CLOCK_DRIFT", 0.0)
    groups = timing.same_source_groups([a, b])
    assert groups[id(a)] != groups[id(b)]


def test_two_bases_whose_phases_walk_past_each_other_stay_two():
    """Two DECT bases heard in one window 375 us apart in phase; 10 s on, a
    component 250 us on from the first (125 us from the second) agrees with
    both (its drift allowance is 300 us). It joins the nearer in phase, in
    whatever order the three come, never both: two phases heard at once are
    two sources."""
    x = envelope("dect", 12.0)
    first, second = x, np.roll(x, 3)  # 3 samples: 375 us later
    a0, b0 = _at(first, 0.0, 0), _at(second, 0.0, 0)
    later = _at(np.roll(x, 2), 10.0, 3)  # 250 us on
    for comps in ([a0, b0, later], [b0, a0, later], [later, a0, b0]):
        groups = timing.same_source_groups(comps)
        assert groups[id(a0)] != groups[id(b0)]
        assert groups[id(later)] == groups[id(b0)]


# A street phone's GSM components in wide room w4141-014 (time s, stop, frame
# phase us): heard at four stops, in three chains more than LINK_S apart, its
# fades made "peaks" at three of them
STREET_PHONE = [
    (7.25, "door-side", 2160.8), (11.84, "open-floor", 2084.1),
    (45.93, "wall-clock-side", 2059.1), (48.74, "wall-clock-side", 2047.1),
    (69.82, "dining-table", 1990.0), (70.42, "dining-table", 2005.9),
]  # fmt: skip


def _gsm(heard: list[tuple[float, str, float]], offset_s: float = 0.0):
    comps = [
        Component(k, "gsm", 1.0, -10.0, t, None, window_start_s=t - 0.5)  # type: ignore[arg-type]
        for k, (t, _, _) in enumerate(heard)
    ]
    phases = {
        id(c): (phase * 1e-6 + offset_s) % timing.TIMED_FRAMES_S["gsm"]
        for c, (_, _, phase) in zip(comps, heard)
    }
    return comps, phases


def test_a_gsm_phone_heard_far_apart_in_time_is_one_source_by_the_networks_rate(monkeypatch):
    """Every GSM source keeps the network's clock, so all drift against the
    ESP32's at one rate: the street phone's pairs 10 s or more apart agree on
    about -2 ppm, and at that rate its three chains are one source. Without
    the rate they are three (the drift allowed over 34 s, 510 us, is not
    trusted beyond LINK_S)."""
    comps, phases = _gsm(STREET_PHONE)
    rate = timing.network_rate([(c, phases[id(c)]) for c in comps], timing.TIMED_FRAMES_S["gsm"])
    assert rate is not None and -4e-6 < rate < -1e-6
    assert len(set(timing.same_source_groups(comps, phases).values())) == 1
    monkeypatch.setattr(timing, "NETWORK_LOCKED", frozenset())
    assert len(set(timing.same_source_groups(comps, phases).values())) == 3


def test_two_handsets_two_slots_apart_stay_two_at_the_networks_rate():
    """A second handset on the same network two timeslots (1154 us) on, heard
    at other stops far apart in time: the common rate never brings its phase
    near the first one's, and two phases stay two sources."""
    first, first_phases = _gsm(STREET_PHONE[:3])
    second_heard = [(t + 3.0, w, p) for t, w, p in STREET_PHONE[3:]]
    second, second_phases = _gsm(second_heard, offset_s=2 * 577e-6)
    comps = first + second
    groups = timing.same_source_groups(comps, {**first_phases, **second_phases})
    assert {groups[id(c)] for c in first}.isdisjoint({groups[id(c)] for c in second})


def _with_clocks(path: Path, tmp_path: Path, ppm: dict[str, float]) -> Path:
    text = path.read_text()
    for eid, value in ppm.items():
        head = f'id = "{eid}"\n'
        at = text.index(head)
        end = text.index("hidden = true\n", at) + len("hidden = true\n")
        text = text[:end] + f"params = {{ clock_ppm = {value} }}\n" + text[end:]
    out = tmp_path / path.name
    out.write_text(text)
    return out


def _rf(path: Path) -> list[dict]:
    return [f for f in analyze(from_scenario(load_scenario(str(path)))) if f["type"] == "rf"]


def test_two_dect_bugs_on_drifting_clocks_are_still_two_findings(tmp_path):
    """The two bugs of tests/test_frame_phases.py, their frames 12 and -3 ppm
    long on the detector's clock (15 ppm apart, beyond the 10 two bases
    sharing one ESP32 can be): their phases walk 0.4 ms apart over the
    26-s sweep, and each keeps a phase of its own in every window; two
    findings, as with exact clocks."""
    path = _with_clocks(
        DATA / "dect_twins.toml", tmp_path, {"desk-dect-bug": 12.0, "desk-dect-bug-2": -3.0}
    )
    bugs = {e.id: e for e in load_scenario(str(path)).emitters}
    assert bugs["desk-dect-bug"].params["clock_ppm"] == 12.0
    # the first bug's bursts, 26 s on, lie 0.3 ms behind an exact clock's
    exact, drifting = (
        make_process(Emitter("e", "dect", (1, 1, 1), 0.0, 1890.0, True, p), seed=5)
        for p in ({}, {"clock_ppm": 12.0})
    )
    walk = drifting.bursts(260)[0][0] - exact.bursts(260)[0][0]  # 0.1 s blocks
    assert 0.25e-3 < walk < 0.35e-3
    found = _rf(path)
    assert [(f["class"], f["waypoint"]) for f in found] == [("dect", "desk")] * 2
    assert sum(bool(f["evidence"].get("own_frame_phase")) for f in found) == 1


def test_two_gsm_bugs_on_one_networks_clock_are_still_two_findings(tmp_path):
    """Both handsets are locked to the network; an ESP32 10 ppm fast against
    it makes both their frames run 10 ppm long, as the wide generator draws
    them."""
    path = _with_clocks(
        DATA / "gsm_twins.toml", tmp_path, {"desk-gsm-bug": 10.0, "desk-gsm-bug-2": 10.02}
    )
    assert {e.params["clock_ppm"] for e in load_scenario(str(path)).emitters} == {10.0, 10.02}
    found = _rf(path)
    assert [(f["class"], f["waypoint"]) for f in found] == [("gsm", "desk")] * 2
