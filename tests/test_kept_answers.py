"""Answers the analyzer keeps instead of working out again are the ones it
would work out.

- `locate.fit_position` keeps the model's fall-off over the grid for the last
  few stops/grid/height asked and the last question's misfits per height: a
  fit asked again, with other heights, or after other fits, is the one made
  with nothing kept, to the bit.
- `dsp.remembered` keeps the answers about the last few arrays of times asked;
  `Features.events` with nothing to merge hands back the bursts' own starts
  (the very array), and read-only starts when it merged some.
- `wifi_ap` and `wifi_camera` ask their cheap zero-making terms first: their
  scores equal those of the order they were written in (kept here as the
  reference) on every component of the bundled hotel room and its parts.
- `dsp.above_carrier`'s block percentiles are np.nanpercentile's, to the bit,
  with and without non-finite samples.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from roomsweep.analysis import dsp, locate
from roomsweep.analysis.classifiers import wifi_beacon, wifi_stream
from roomsweep.analysis.classifiers.base import ramp, within
from roomsweep.analysis.features import Features, subset


def _fresh_fit(*args, **kwargs):
    locate._FITS.clear()
    locate._FALLS.clear()
    return locate.fit_position(*args, **kwargs)


def _same(a, b) -> bool:
    (xa, ea), pa = a
    (xb, eb), pb = b
    return xa.tobytes() == xb.tobytes() and ea == eb and pa == pb


def test_fit_position_kept_answers_are_the_fresh_ones():
    rng = np.random.default_rng(3)
    asked = []
    for n in (3, 3, 5, 7):
        pts = rng.uniform(0, 4, (n, 2))
        lv = -30 - 25 * np.log10(np.hypot(*(pts - rng.uniform(0, 4, 2)).T) + 0.3)
        lv += rng.normal(0, 2, n)
        clipped = np.zeros(n, bool)
        clipped[0] = n > 3
        asked.append((pts, lv, clipped))
    kw = {"reach_m": locate.BEYOND_M, "grid_m": locate.IN_ROOM_GRID_M}
    fresh = {}
    for i, (pts, lv, cl) in enumerate(asked):
        for heights in ((0.0,), locate.SOURCE_HEIGHTS_M, locate.BEYOND_CEILING_M):
            fresh[i, heights] = _fresh_fit(pts, lv, at_least=cl, heights_m=heights, **kw)
    locate._FITS.clear()
    locate._FALLS.clear()
    # as in_room asks: the plane, again, with heights; then others in between
    for _ in range(2):
        for i, (pts, lv, cl) in enumerate(asked):
            for heights in ((0.0,), (0.0,), locate.SOURCE_HEIGHTS_M, locate.BEYOND_CEILING_M):
                got = locate.fit_position(pts, lv, at_least=cl, heights_m=heights, **kw)
                assert _same(got, fresh[i, heights])
            # the same stops, other levels: the fall-off is kept, the misfits not
            other = locate.fit_position(pts, lv[::-1].copy(), at_least=cl[::-1].copy(), **kw)
            assert _same(other, _fresh_fit(pts, lv[::-1].copy(), at_least=cl[::-1].copy(), **kw))
    # the default grid and the docstring's case
    pts = np.array([[0, 0], [4, 0], [0, 4], [4, 4], [2, 2]], float)
    lv = 10 - 25 * np.log10(np.hypot(*(pts - [1.0, 3.0]).T))
    assert _same(locate.fit_position(pts, lv), _fresh_fit(pts, lv))


def test_remembered_keeps_several_arrays():
    arrays = []
    for k in range(dsp.RECENT_ARRAYS):
        t = np.arange(10 + k) * 0.01
        t.flags.writeable = False
        arrays.append(t)
    calls = []

    def ask(t):
        return dsp.remembered(t, ("size",), lambda: calls.append(1) or (float(t.size), {}))

    for _ in range(3):
        for t in arrays:
            assert ask(t)[0] == t.size
    assert len(calls) == len(arrays)  # each worked out once
    extra = np.arange(3) * 0.1
    extra.flags.writeable = False
    ask(extra)  # one more array: the least recently asked goes
    ask(arrays[0])
    assert len(calls) == len(arrays) + 2


def test_events_hand_back_read_only_starts():
    on = np.zeros(200, bool)
    on[[10, 11, 40, 41, 43, 80, 81]] = True
    (st, w), p = dsp.find_bursts(on, 1000.0)
    st.flags.writeable = False
    f = Features(1000.0, 0.2, -20.0, on, st, w, p["duty"])
    alone, _ = f.events(0.5e-3)  # nothing within 0.5 ms: nothing merged
    assert alone is f.starts_s
    merged, widths = f.events(1.5e-3)  # 41 and 43 are one event
    assert merged.size == st.size - 1 and not merged.flags.writeable
    np.testing.assert_array_equal(merged, st[[0, 1, 3]])
    np.testing.assert_allclose(widths, [2e-3, 4e-3, 2e-3])


def _wifi_ap_as_written(f: Features) -> float:
    starts, _ = f.events(wifi_beacon.EVENT_GAP_S)
    if starts.size < wifi_beacon.MIN_EVENTS:
        return 0.0
    low_duty = within(f.duty, 0.0, wifi_beacon.MAX_DUTY, wifi_beacon.MAX_DUTY)
    busy = 1.0 - ramp(f.duty, wifi_beacon.CARRIER_DUTY, wifi_beacon.CARRIER_DUTY_FULL)
    if max(low_duty, busy) == 0:
        return 0.0
    train = wifi_beacon.beacon_train(f)
    periodic = ramp(train, *wifi_beacon.BEACON_REGULARITY)
    if periodic == 0:
        return 0.0
    tdma, _ = dsp.partner_fraction(
        starts,
        wifi_beacon.GSM_FRAME_S,
        wifi_beacon.FRAME_TOLERANCE_S,
        multiples=wifi_beacon.FRAME_MULTIPLES,
    )
    duty_ok = max(low_duty, busy * ramp(train, *wifi_beacon.BUSY_BEACON_REGULARITY))
    return periodic * duty_ok * (1 - ramp(tdma, *wifi_beacon.GSM_PARTNERS))


def _wifi_camera_as_written(f: Features) -> float:
    w = wifi_stream
    if f.count < w.MIN_BURSTS and f.events(w.CLUSTER_GAP_S)[0].size < w.MIN_BURSTS // 2:
        return 0.0
    frames = ramp(f.burst_rate_hz, *w.BUSY_RATE_HZ) if f.count >= w.MIN_BURSTS else 0.0
    if frames:
        frames *= 1.0 - w._beacons(f)
    busy = max(frames, ramp(f.duty, *w.CLUSTER_DUTY) * w._clusters(f))
    if busy:
        busy *= w._beyond_noise(f)
    not_continuous = 1.0 - ramp(f.duty, w.CARRIER_DUTY, w.CARRIER_DUTY_FULL)
    if busy * not_continuous == 0:
        return 0.0
    no_grid = 1.0 - ramp(w._grid(f), *w.ON_GRID)
    if no_grid == 0:
        return 0.0
    no_grid *= 1.0 - ramp(w._tdma(f), *w.TDMA_REGULARITY)
    no_grid *= 1.0 - ramp(w._subframes_lattice_z(f), *w.NO_LATTICE_Z)
    spread = ramp(float(np.std(f.widths_s)) if f.count else 0.0, *w.WIDTH_SPREAD_S)
    return busy * no_grid * max(spread, w.SAME_WIDTHS_SCORE) * not_continuous


@pytest.fixture(scope="module")
def hotel_features(hotel_room_features) -> list[Features]:
    """The hotel room's components and a random half of those with 8 bursts or more."""
    rng = np.random.default_rng(1)
    halves = [subset(f, rng.random(f.count) < 0.5) for f in hotel_room_features if f.count >= 8]
    return hotel_room_features + halves


def test_scores_asked_in_another_order_are_the_same(hotel_features):
    zero_first = {"wifi_ap": 0, "wifi_camera": 0}
    for f in hotel_features:
        assert wifi_beacon.score(f) == _wifi_ap_as_written(f)
        assert wifi_stream.score(f) == _wifi_camera_as_written(f)
        zero_first["wifi_ap"] += wifi_beacon.score(f) == 0
        zero_first["wifi_camera"] += wifi_stream.score(f) == 0
    assert len(hotel_features) > 50 and min(zero_first.values()) > 10


def test_block_percentiles_are_nanpercentile():
    rng = np.random.default_rng(5)
    for trial in range(20):
        blocks, n = int(rng.integers(1, 40)), int(rng.integers(1, 250))
        x = -30 + rng.normal(0, 3, blocks * n).round(int(rng.integers(1, 4)))
        if trial % 2:
            x[rng.integers(0, x.size, 1 + x.size // 50)] = rng.choice([np.nan, -np.inf, np.inf])
            x[: n * int(rng.integers(0, 2))] = np.nan  # a whole block, or none
        finite = np.isfinite(x)
        for q in (5.0, 20.0, 50.0, 100 * 0.15865525393145707):
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                want = np.nanpercentile(np.where(finite, x, np.nan).reshape(blocks, n), q, axis=1)
            got = dsp._block_percentiles(x, finite, blocks, q)
            assert got.tobytes() == want.tobytes()
