"""A BLE reading at a Wi-Fi camera's level is the camera's frames
(issue 14; analysis.analyze._a_cameras_frames).

At a high PHY rate a camera's frames last one or two samples; a window that
catches few of them reads them as advertising events. One device sends at one
power: where another window at the stop names a camera as surely at the same
level, the BLE reading makes no finding of its own (outsider round 4, rooms 4
and 18). A level shared with GSM or DECT is not so taken: a tag in a TDMA
train's gaps is told apart at the train's level.
"""

from __future__ import annotations

from roomsweep.analysis.analyze import _a_cameras_frames
from roomsweep.analysis.components import Component
from roomsweep.analysis.peaks import SAME_LEVEL_DB


def _at(cls: str, level: float, confidence: float, stretch: int = 3) -> Component:
    return Component(stretch, cls, confidence, level, 0.0, None)  # type: ignore[arg-type]


def test_a_ble_reading_at_a_cameras_level_is_its_frames():
    ble = _at("ble", -31.3, 1.0)
    # room 18 of outsider round 4: the camera's other window at the wardrobe
    assert _a_cameras_frames(ble, [ble, _at("wifi_camera", -30.8, 1.0)])


def test_a_ble_reading_keeps_its_own_where_the_camera_is_not_as_sure_or_elsewhere():
    ble = _at("ble", -31.3, 0.9)
    assert not _a_cameras_frames(ble, [ble, _at("wifi_camera", -30.8, 0.8)])
    assert not _a_cameras_frames(ble, [_at("wifi_camera", -31.3 + SAME_LEVEL_DB + 0.2, 1.0)])
    assert not _a_cameras_frames(ble, [_at("wifi_camera", -31.3 - SAME_LEVEL_DB - 0.2, 1.0)])
    assert not _a_cameras_frames(ble, [_at("wifi_camera", -31.3, 1.0, stretch=4)])
    assert _a_cameras_frames(ble, [_at("wifi_camera", -31.3 - SAME_LEVEL_DB + 0.1, 0.9)])


def test_a_tag_at_a_tdma_trains_level_keeps_its_own():
    # r2room23 of outsider round 2: a tag at -33.1 dBm beside GSM at -33.1
    ble = _at("ble", -33.1, 0.9)
    assert not _a_cameras_frames(ble, [_at("gsm", -33.1, 1.0), _at("dect", -33.0, 1.0)])


def test_analyze_asks_it_of_every_ble_top_only(monkeypatch):
    """analyze asks the rule of each BLE top it may report (the hand-made
    hotel room's tracker), and of no other kind's."""
    from pathlib import Path

    import roomsweep.analysis.analyze as A
    from roomsweep.eval.fastpath import from_scenario
    from roomsweep.sim.scenario import load_scenario

    sc = load_scenario(str(Path(__file__).parent / "scenarios" / "hand-hotel-ble-tracker.toml"))
    rec = from_scenario(sc)
    asked = []

    def spy(top, comps):
        asked.append(top.cls)
        return _a_cameras_frames(top, comps)

    monkeypatch.setattr(A, "_a_cameras_frames", spy)
    found = A.analyze(rec)
    assert asked and set(asked) == {"ble"}
    assert any(f["class"] == "ble" for f in found)
