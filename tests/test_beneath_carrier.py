"""Issue 14, masked by louder traffic: bursts beneath a steady carrier.

An analog video sender's carrier is on all the time. A log detector reads the
sum of the powers at its input, so a GSM bug 6 dB beneath that carrier lifts
the reading by 1 dB during its bursts and never shows a level of its own: the
window's level modes read the carrier alone. What the bursts add to the
reading (dsp.above_carrier) is a window of its own, with the bug's timing.
"""

from __future__ import annotations

import numpy as np
import pytest

from roomsweep.analysis import analyze, components, peaks
from roomsweep.analysis.components import Component, classify
from roomsweep.analysis.dsp import above_carrier
from tests.test_lte_lattice import FS, _levels, _mix

CARRIER = ("analog_video", -20.0, {})


def _beneath(x: np.ndarray) -> list[Component]:
    """components._beneath_carrier as components.components calls it for one
    window, given what the window's own level modes heard."""
    heard = []
    for f in _levels(x):
        cls, conf, scores = classify(f)
        heard.append(Component(0, cls, conf, f.level_dbm, 0.0, f, scores))
    modes = sorted(c.level_dbm for c in heard)
    assert components.steady_floor(x, modes[0])  # the carrier is beneath all
    return components._beneath_carrier(0, x, FS, 0, modes[0], heard)


@pytest.mark.parametrize("seed", range(1, 5))
def test_a_gsm_bug_6_db_beneath_a_video_carrier_is_heard_as_gsm(seed):
    x = _mix(CARRIER, ("gsm", -26.0, {"pc_range_db": 0.0}), seed=seed)
    # the window's own modes: the carrier only (1 dB of lift is inside its mode)
    assert [classify(f)[0] for f in _levels(x)] == ["analog_video"]
    found = _beneath(x)
    assert [c.cls for c in found] == ["gsm"], [(c.cls, c.scores) for c in found]
    bug = found[0]
    assert bug.beneath_carrier and not bug.separated  # not by timing
    assert bug.confidence >= 0.8
    assert abs(bug.level_dbm - -26.0) <= 2.0  # its own power, not the lift


@pytest.mark.parametrize("seed", range(1, 5))
def test_a_dect_base_3_db_beneath_a_video_carrier_is_heard_as_dect(seed):
    x = _mix(CARRIER, ("dect", -23.0, {}), seed=seed)
    found = _beneath(x)
    assert [c.cls for c in found] == ["dect"]
    assert abs(found[0].level_dbm - -23.0) <= 2.0


@pytest.mark.parametrize("above", [0.0, 2.0, 3.5])
@pytest.mark.parametrize("seed", range(1, 4))
def test_a_gsm_bug_as_loud_as_a_video_carrier_or_a_little_louder_is_heard(seed, above):
    """Its bursts read 3-5 dB above the carrier (the sum of the two powers):
    too close for a level mode of their own (modes stand 2 x MODE_HALF_WIDTH_DB
    apart), so the window's modes read the carrier alone, and what the bursts
    add to it is the bug's own power."""
    level = CARRIER[1] + above
    x = _mix(CARRIER, ("gsm", level, {"pc_range_db": 0.0}), seed=seed)
    assert [classify(f)[0] for f in _levels(x)] == ["analog_video"]
    found = _beneath(x)
    assert [c.cls for c in found] == ["gsm"], [(c.cls, c.level_dbm) for c in found]
    assert abs(found[0].level_dbm - level) <= 2.0


@pytest.mark.parametrize("seed", range(1, 7))
def test_a_carrier_alone_holds_nothing_beneath_it(seed):
    x = _mix(CARRIER, seed=seed)
    assert _beneath(x) == []


def test_a_bug_20_db_beneath_lifts_the_reading_too_little_to_hear():
    """0.04 dB of lift against 0.1 dB of noise: beyond what the detector
    tells, which is the physics, not a threshold to tune away."""
    x = _mix(CARRIER, ("gsm", -40.0, {"pc_range_db": 0.0}), seed=3)
    assert _beneath(x) == []


def test_a_quantized_carrier_without_visible_noise_gives_no_bursts():
    """A reading that sits on two codes shows no spread beneath its median: the
    noise estimate is then nothing, and min_rise_db keeps a code's step from
    counting as a burst."""
    codes = np.where(np.arange(12000) % 7 == 0, -19.97, -20.0)
    excess, p = above_carrier(codes, FS, min_rise_db=components.CARRIER_MIN_RISE_DB)
    assert p["noise_db"] < 0.01
    assert not np.isfinite(excess).any()
    excess, _ = above_carrier(codes, FS, min_rise_db=0.0)  # each upper code a "burst"
    assert np.isfinite(excess).sum() > 1000


def test_the_burst_power_is_the_difference_of_the_powers():
    x = np.full(8000, -20.0)
    x[::40] = 10 * np.log10(10 ** (-20 / 10) + 10 ** (-25 / 10))
    excess, p = above_carrier(x, FS, min_rise_db=0.5)
    assert np.allclose(excess[::40], -25.0, atol=0.01)
    assert not np.isfinite(np.delete(excess, np.arange(0, 8000, 40))).any()
    assert np.allclose(p["carrier_dbm"], -20.0, atol=0.01)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"dbm": np.zeros((2, 400))}, "dbm"),
        ({"fs": 0.0}, "fs must be a positive sample rate"),
        ({"block_s": 0.0}, "block_s must be positive"),
        ({"block_s": "x"}, "block_s must be a number"),
        ({"percentile": 60.0}, "percentile must be within 5..50"),
        ({"block_s": np.inf}, "block_s must be positive and finite"),
        ({"threshold_sigma": -1.0}, "threshold_sigma must be positive"),
        ({"min_rise_db": -0.1}, "min_rise_db must be non-negative"),
        ({"dbm": np.zeros(100)}, "at least one block of 200 samples"),
    ],
)
def test_above_carrier_checks_its_arguments(kwargs, message):
    args = {"dbm": np.zeros(1000), "fs": FS} | kwargs
    with pytest.raises(ValueError, match=message):
        above_carrier(**args)


def test_a_peak_heard_only_on_a_carrier_does_not_stand_alone():
    """Where the carrier is louder the bursts sink under its noise: a stop
    that did not hear them says nothing about their fall, and the carrier's
    own fall across the room would make such a peak anywhere."""
    x = _mix(CARRIER, ("gsm", -26.0, {"pc_range_db": 0.0}), seed=2)
    bug = _beneath(x)[0]
    assert peaks._stands_alone(bug.__class__(**{**bug.__dict__, "beneath_carrier": False}))
    assert not peaks._stands_alone(bug)


def test_a_finding_heard_beneath_a_carrier_is_not_dropped_as_the_carriers_echo():
    from roomsweep.analysis.echoes import drop_echoes

    carrier = {"waypoint": "tv", "level_dbm": -20.0, "class": "analog_video", "evidence": {}}
    bug = {"waypoint": "tv", "level_dbm": -26.0, "class": "gsm", "evidence": {}}
    assert drop_echoes([carrier, bug]) == [carrier]
    bug["evidence"]["beneath_carrier"] = True
    assert drop_echoes([carrier, bug]) == [carrier, bug]


@pytest.mark.parametrize("seed", [1, 2, 4, 5, 6, 7, 8])
def test_an_lte_handset_beneath_a_carrier_is_heard_by_its_subframe_lattice(seed, monkeypatch):
    """Power control spreads its subframes over 12 dB, so what they add to the
    carrier makes no level a classifier names, but their edges keep the 1 ms
    lattice (step 2c) there as they do on their own. A handset loaded most of
    the time fills most of a 25 ms block and the carrier's estimate then sits
    on it; loaded 40 % of the time, 5 dB beneath the carrier, seven seeds of
    eight are heard (seed 3 is not)."""
    level = -25.0
    x = _mix(CARRIER, ("lte", level, {"load": 0.4, "pc_range_db": 12.0}), seed=seed)
    assert [classify(f)[0] for f in _levels(x)] == ["analog_video"]
    found = _beneath(x)
    assert [c.cls for c in found] == ["lte"]
    # at its power range's top, where runs on the lattice outnumber chance most
    assert found[0].beneath_carrier and level - 6.0 <= found[0].level_dbm <= level + 2.0
    monkeypatch.setattr(components, "_subframe_lattice", lambda *a: [])
    assert _beneath(x) == []  # the lattice heard it, not a classifier


def test_components_hears_a_gsm_bug_beneath_a_carrier_in_a_recording():
    """The whole path of components.components: windows, level modes, the
    steady floor, and the bug's component beside the carrier's."""
    from roomsweep.analysis.recording import Recording

    x = np.concatenate(
        [_mix(CARRIER, ("gsm", -26.0, {"pc_range_db": 0.0}), seed=s) for s in (1, 2)]
    )
    found, parts = components.components(Recording(np.zeros(x.size, np.uint16), FS), x)
    assert parts and {c.cls for c in found if not c.beneath_carrier} == {"analog_video"}
    bugs = [c for c in found if c.beneath_carrier]
    assert bugs and {c.cls for c in bugs} == {"gsm"}
    assert all(abs(c.level_dbm - -26.0) <= 1.5 for c in bugs)
    # the carrier alone: nothing beneath it
    x = np.concatenate([_mix(CARRIER, seed=s) for s in (1, 2)])
    found, _ = components.components(Recording(np.zeros(x.size, np.uint16), FS), x)
    assert not [c for c in found if c.beneath_carrier]


def test_a_finding_heard_beneath_a_carrier_says_so():
    from roomsweep.analysis.recording import Recording
    from roomsweep.analyst.evidence import as_text, describe
    from tests.test_in_room import ROOM, _track

    x = _mix(CARRIER, ("gsm", -26.0, {"pc_range_db": 0.0}), seed=2)
    bug = _beneath(x)[0]
    levels = {"door": -40.0, "desk": -26.0, "lamp": -36.0, "bed": -45.0, "window": -47.0}
    levels["wardrobe"] = -46.0
    parts, track, _ = _track(levels, "gsm")
    desk = next(st.index for st in parts if st.label == "desk")
    top = bug.__class__(**{**bug.__dict__, "stretch": desk})
    rec = Recording(np.zeros(8, dtype=np.uint16), FS, waypoint_positions=ROOM)
    labels = {st.index: st.label for st in parts}
    f = analyze._finding("gsm", top, track, -45.0, parts, labels, rec, 10.0, set())
    assert f is not None and f["evidence"]["beneath_carrier"] is True
    assert "Heard beneath a steady carrier" in as_text(describe(f))
    plain = bug.__class__(**{**bug.__dict__, "stretch": desk, "beneath_carrier": False})
    g = analyze._finding("gsm", plain, track, -45.0, parts, labels, rec, 10.0, set())
    assert "beneath_carrier" not in g["evidence"]
    assert "beneath a steady carrier" not in as_text(describe(g))


def test_a_steady_carrier_at_a_louder_findings_stop_is_no_echo():
    """Another kind's bursts mixed with other traffic never fill the time: a
    carrier at a louder access point's stop is a sender of its own."""
    from roomsweep.analysis.echoes import drop_echoes

    ap = {"waypoint": "tv", "level_dbm": -15.0, "class": "wifi_ap", "evidence": {"duty": 0.04}}
    sender = {"waypoint": "tv", "level_dbm": -17.0, "class": "analog_video"}
    sender["evidence"] = {"duty": 0.6}
    assert drop_echoes([ap, sender]) == [ap]
    sender["evidence"]["duty"] = 1.0
    assert drop_echoes([ap, sender]) == [ap, sender]


def test_non_finite_samples_hold_no_burst_and_break_nothing():
    x = _mix(CARRIER, ("gsm", -26.0, {"pc_range_db": 0.0}), seed=1)
    clean, _ = above_carrier(x, FS)
    y = x.copy()
    y[:400] = np.nan  # two whole blocks
    y[5000:5003] = np.inf
    excess, p = above_carrier(y, FS)
    assert not np.isfinite(excess[:400]).any() and not np.isfinite(excess[5000:5003]).any()
    assert np.isfinite(p["noise_db"]) and np.isfinite(p["carrier_dbm"]).all()
    both = np.isfinite(clean[400:]) & np.isfinite(excess[400:])
    assert both.sum() > 0.9 * np.isfinite(clean[400:]).sum()  # the rest heard alike
    nothing, p = above_carrier(np.full(1000, np.nan), FS)
    assert not np.isfinite(nothing).any() and np.isnan(p["noise_db"])
