"""What the live sweep view costs per second of sweep (target: under 10 % of one
core, so a phone or an old laptop keeps up with the device).

The loop per second of an 8 kS/s device: 31 RF blocks of 256 samples fed to
LiveState (level, peak, history), two class guesses on the last 1.5 s (the
analyzer's classifiers), four redraws of the 80x24 view. ``make bench`` times
each part; with the default ``--benchmark-disable`` each runs once as a test.
"""

from __future__ import annotations

import numpy as np
import pytest

from roomsweep.live.state import LiveState
from roomsweep.live.view import render_text
from roomsweep.protocol import rsproto as P
from roomsweep.protocol.records import Samples
from roomsweep.sim.scenario import load_scenario
from roomsweep.sim.signals import FeedGenerator

FS = 8000.0
BLOCK = 256
BLOCKS_PER_S = int(FS // BLOCK)  # 31
GUESSES_PER_S = 2
DRAWS_PER_S = 4


@pytest.fixture(scope="module")
def hotel_blocks() -> list[Samples]:
    """Three seconds of the hotel room's RF as the device would block it."""
    gen = FeedGenerator(load_scenario("hotel-room"), seed=3, step_us=10)
    n = int(3 * FS)
    feed = gen.chunk(int(n * 12.5) + 2)
    counts = (feed[np.round(np.arange(n) * 12.5).astype(np.int64), 0] >> 4).astype(np.uint16)
    out = []
    for i in range(n // BLOCK):
        t = int(i * BLOCK / FS * 1e6)
        out.append(
            Samples(
                P.T_SAMPLES,
                i,
                t,
                channel=P.CH_RF,
                t_first_us=t,
                span_us=int((BLOCK - 1) / FS * 1e6),
                rate_hz=FS,
                samples=counts[i * BLOCK : (i + 1) * BLOCK],
            )
        )
    return out


def _state(blocks: list[Samples]) -> LiveState:
    s = LiveState(capture_path="bench.cap", port="/dev/ttyUSB0")
    s.feed(blocks)
    return s


def test_feed_one_second_of_blocks(benchmark, hotel_blocks):
    state = _state(hotel_blocks[: BLOCKS_PER_S * 2])
    one_second = hotel_blocks[-BLOCKS_PER_S:]
    benchmark(state.feed, one_second)
    assert state.level_dbm is not None


def test_class_guess_on_the_last_window(benchmark, hotel_blocks):
    state = _state(hotel_blocks)
    state.update_guess()  # the analyzer's first call loads modules
    guess = benchmark(state.update_guess)
    assert guess is not None and guess.cls != "unknown"


def test_draw_the_view(benchmark, hotel_blocks):
    state = _state(hotel_blocks)
    state.update_guess()
    text = benchmark(render_text, state)
    assert "class:" in text
