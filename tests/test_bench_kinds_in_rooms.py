"""tests/benchmarks/kinds_in_rooms.py: what a lone hidden transmitter's stop
reads comes from the recording, not from the scenario's truth."""

from __future__ import annotations

from pathlib import Path

from roomsweep.eval.fastpath import from_scenario
from roomsweep.sim.scenario import load_scenario
from tests.benchmarks.kinds_in_rooms import alone_reads

SCENARIOS = Path(__file__).parent / "scenarios"


def test_a_lone_sender_is_read_as_its_kind_at_its_stop():
    sc = load_scenario(str(SCENARIOS / "hand-bathroom-analog-video.toml"))
    assert alone_reads(sc, from_scenario(sc)) == [
        ("analog_video", "analog_video", "extractor-fan-video-sender")
    ]


def test_the_read_comes_from_the_recording():
    # the sender's room against the recording of a room without it: its stop
    # holds no analog video there, so it is not named
    sc = load_scenario(str(SCENARIOS / "hand-bathroom-analog-video.toml"))
    other = load_scenario(str(SCENARIOS / "hand-hotel-ble-tracker.toml"))
    reads = alone_reads(sc, from_scenario(other))
    assert [(kind, eid) for kind, _, eid in reads] == [
        ("analog_video", "extractor-fan-video-sender")
    ]
    assert reads[0][1] != "analog_video"
