"""Issue 14, part 3, round 3: hearing every transmitter at a stop. A camera's
video frames on a fixed clock are not BLE's random walk of advertising events;
a quieter handset beneath a louder kind's bursts keeps its whole subframes (a
louder burst on top hides it, it does not switch it off); an LTE handset whose
power control spreads its subframes over 18 dB is heard by its subframe
lattice among other kinds at its level, and no mixture without one shows it."""

from __future__ import annotations

import numpy as np

from roomsweep.analysis.components import classify, components
from roomsweep.analysis.features import component
from roomsweep.analysis.recording import Recording
from roomsweep.analysis.subframes import lattice_score, subframe_component
from roomsweep.sim.kinds import KIND_PARAMS
from roomsweep.sim.scenario import Emitter
from roomsweep.sim.signals import make_process
from tests.test_analysis import FS, _power_sum, burst_envelope, envelope

FLOOR_DBM = -63.0


def summed_power(sources: tuple[tuple[str, float, dict], ...], t: np.ndarray, seed: int):
    """Power (mW) at times t of several transmitters at once over the floor,
    each (kind, level, params) with the simulator's timing and power control:
    a log detector reads the sum of their powers."""
    total = np.full(t.size, 10 ** (FLOOR_DBM / 10))
    for i, (kind, level, params) in enumerate(sources):
        p = {k: v for k, v in KIND_PARAMS[kind].items() if v is not None}
        p.update(params)
        proc = make_process(Emitter(f"x{i}", kind, (0, 0, 0), 0.0, 2400.0, True, p), seed + i)
        gain = proc.gain_db(t)
        power = 10 ** ((level + (0.0 if gain is None else gain)) / 10)
        total += power * proc.on(t)
    return total


def _mix(*sources: tuple[str, float, dict], seconds: float = 1.5, seed: int = 5) -> np.ndarray:
    """dBm at 8 kS/s of several transmitters at once (summed_power)."""
    t = np.arange(int(seconds * FS)) / FS + 5.0
    rng = np.random.default_rng(seed)
    return 10 * np.log10(summed_power(sources, t, seed)) + rng.normal(0, 0.1, t.size)


def test_a_camera_sending_frames_on_a_clock_is_not_ble():
    """Video frames every 50 ms, each a few ms late, come in events of two or
    three packets like BLE's PDUs; BLE's advDelay accumulates (Core 5.4 Vol 6
    Part B 4.4.2.2.1), the camera's delays do not."""
    video = {"phy_mbps": 24.0, "bitrate_kbps": 390.0, "fps": 20.0, "ampdu_mpdus": 1.0}
    for seed in (1, 2, 3):
        f = component(envelope("wifi_camera", 1.5, seed=seed, params=video), FS, -25.0, 3.0, True)
        cls, _, scores = classify(f)
        assert cls != "ble", scores
    ble = {"interval_ms": 50.0, "pdus": 3}
    for seed in (1, 2, 3):
        f = component(envelope("ble", 1.5, seed=seed, params=ble), FS, -25.0, 3.0, True)
        cls, conf, scores = classify(f)
        assert cls == "ble" and conf >= 0.8, scores


def test_a_handset_beneath_louder_bursts_keeps_its_whole_subframes():
    x = _mix(("lte", -32.0, {"load": 0.5}), ("dect", -18.0, {}), ("gsm", -20.0, {}))
    f = component(x, FS, -32.0, 3.0, top=False)
    cls, _, scores = classify(f)
    assert cls == "lte", scores


def test_a_power_controlled_handset_is_heard_by_its_subframe_lattice():
    lte = ("lte", -25.0, {"load": 0.5, "pc_range_db": 18.0})
    others = (("dect", -26.0, {}), ("wifi_camera", -28.0, {}), ("bt_classic", -40.0, {}))
    x = _mix(lte, *others)
    score, phase = lattice_score(x, FS)
    assert score >= 0.45
    f = subframe_component(x, FS, phase, FLOOR_DBM)
    assert f is not None and -29.0 <= f.level_dbm <= -24.0, f and f.level_dbm
    # the same kinds without the handset (and GSM, whose frame drifts over the
    # millisecond) keep no lattice
    assert lattice_score(_mix(*others, ("gsm", -30.0, {})), FS)[0] == 0.0


def test_a_slow_tag_at_a_dect_bases_level_is_heard_in_its_gaps():
    """A BLE tag every second 1 dB under a DECT base (ETSI EN 300 175-2: one
    slot per 10 ms frame): too few samples for a level mode of its own in a
    window, and at the DECT's level over the dwell; off the DECT's frame train
    its events are BLE's."""
    tag = {"interval_ms": 1000.0, "pdus": 3, "pdu_ms": 0.35, "pdu_spacing_ms": 0.6}
    for seed in (5, 6):
        x = _mix(("dect", -25.0, {}), ("ble", -26.0, tag), seconds=3.0, seed=seed)
        found, _ = components(Recording(np.zeros(x.size, dtype=np.uint16), FS), dbm=x)
        classes = {c.cls for c in found}
        assert {"dect", "ble"} <= classes, [(c.cls, round(c.level_dbm)) for c in found]


def test_a_handset_over_a_video_senders_carrier_is_heard_by_its_lattice():
    """An LTE handset 7 dB over an analog video sender's carrier (heard at
    every sample), its power control spreading its subframes over 13 dB: they
    add 3-8 dB to the reading, never the 10 dB over the window's quietest level
    a subframe needs on the detector's own noise, and too much to be read
    beneath the carrier; on a carrier a step over it is on air."""
    for seed in (5, 6, 7):
        x = _mix(
            ("analog_video", -25.0, {}),
            ("lte", -18.0, {"load": 0.6, "pc_range_db": 13.0}),
            seed=seed,
        )
        found, _ = components(Recording(np.zeros(x.size, dtype=np.uint16), FS), dbm=x)
        heard = {c.cls: round(c.level_dbm) for c in found}
        assert "analog_video" in heard and "lte" in heard, heard
        assert -21 <= heard["lte"] <= -15, heard
    # the carrier alone keeps no lattice and gives no handset
    x = _mix(("analog_video", -25.0, {}), seed=5)
    found, _ = components(Recording(np.zeros(x.size, dtype=np.uint16), FS), dbm=x)
    assert {c.cls for c in found} == {"analog_video"}, [c.cls for c in found]


def test_a_few_dect_slots_at_a_cameras_level_are_no_dect_source():
    """A DECT fixed part that sends sends every 10 ms frame (ETSI EN 300 175-3):
    17 slots in a row at a camera's level, then none for the rest of the
    window (a louder neighbour's slots lifted there for 170 ms), are no DECT
    source to tell apart from the camera's frames (outsider round 6c, room 50:
    reported as a DECT bug beside the camera). A base sending every frame at
    that level still is (test_a_slow_tag_at_a_dect_bases_level_is_heard_in_its_gaps)."""
    camera = {"phy_mbps": 39.0, "bitrate_kbps": 330.0, "fps": 25.0, "ampdu_mpdus": 1.0}
    for seed in (1, 3):
        cam = envelope("wifi_camera", 1.5, level=-25.0, seed=seed, params=camera)
        slots = burst_envelope(
            0.3021 + 0.01 * np.arange(17), 0.37e-3, 1.5, seed, level=-25.0, floor=-200.0
        )
        x = _power_sum(cam, slots)  # the camera's envelope holds the floor
        found, _ = components(Recording(np.zeros(x.size, dtype=np.uint16), FS), dbm=x)
        assert "dect" not in {c.cls for c in found}, [(c.cls, c.features.count) for c in found]
    # the same camera beside a base sending every frame at its level: the
    # base's train told apart, the camera's frames in its gaps
    for seed in (1, 2, 3):
        base = burst_envelope(
            0.0021 + 0.01 * np.arange(150), 0.37e-3, 1.5, seed, level=-25.0, floor=-200.0
        )
        cam = envelope("wifi_camera", 1.5, level=-25.0, seed=seed, params=camera)
        x = _power_sum(cam, base)
        found, _ = components(Recording(np.zeros(x.size, dtype=np.uint16), FS), dbm=x)
        heard = {c.cls for c in found}
        assert {"dect", "wifi_camera"} <= heard, [(c.cls, c.features.count) for c in found]


def test_a_handset_beside_no_carrier_keeps_its_ten_db():
    """Over the detector's own noise a subframe must read ON_ABOVE_FLOOR_DB
    over the window's quietest level, law floor or not: 7 dB over the noise
    (under the law floor) is no handset's subframe; over a raised floor (a
    carrier) a step over it and over the law floor is."""
    x = _mix(("lte", -56.0, {"load": 0.6, "pc_range_db": 0.0}), seed=5)
    score, phase = lattice_score(x, FS)
    assert score >= 0.45  # its edges keep the lattice ...
    floor = float(np.percentile(x, 1))
    assert subframe_component(x, FS, phase, floor, law_floor_dbm=-48.0) is None
    # ... and 7 dB over a carrier over the law floor they are on air
    carrier = _mix(("analog_video", -45.0, {}), ("lte", -38.0, {"load": 0.6}), seed=5)
    score, phase = lattice_score(carrier, FS)
    on_carrier = float(np.percentile(carrier, 1))
    assert subframe_component(carrier, FS, phase, on_carrier, law_floor_dbm=-48.0) is not None
    assert subframe_component(carrier, FS, phase, on_carrier) is None
