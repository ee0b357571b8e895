"""Wi-Fi access point beacons.

IEEE 802.11-2020, 11.1.3: beacons at the Target Beacon Transmission Time, every
dot11BeaconPeriod time units of 1024 us, 100 TU (102.4 ms) by default; a beacon
at 1 Mb/s lasts about 1-2 ms. The timings are in roomsweep.standards
(WIFI_TU_S, WIFI_BEACON_INTERVAL_S).

A beacon is scheduled at each TBTT but sent only when the medium is free (DCF /
EDCA, 10.3; 11.1.3.2): a frame on the air (the access point's own data, say a
camera's video) defers it, never brings it forward, and the next TBTT stays on
the grid, so delays do not add up. A beacon train is therefore a 102.4 ms grid
whose phase is its earliest beacon's, each beacon late by 0 to at most one
PPDU plus contention (deferred_train): fitted here, not partners on the dot.
"""

from __future__ import annotations

import numpy as np

from roomsweep.analysis.classifiers.base import (
    CARRIER_DUTY,
    CARRIER_DUTY_FULL,
    FRAME_MULTIPLES,
    FRAME_TOLERANCE_S,
    Classifier,
    ramp,
    within,
)
from roomsweep.analysis.dsp import partner_fraction, remembered
from roomsweep.analysis.features import Features
from roomsweep.standards import GSM_FRAME_S, WIFI_BEACON_INTERVAL_S

# A 2 ms beacon every 102.4 ms is 2 % on air; an access point's own data frames
# add some, up to 6 % fully; the score falls to nothing by 12 % unless the train
# is clear (BUSY_BEACON_REGULARITY).
MAX_DUTY = 0.06
# Bursts closer than this are one beacon (its edges can break up on the envelope).
EVENT_GAP_S = 0.3e-3
MIN_EVENTS = 4  # fewer than four beacons say nothing about an interval
# The partner test on the dot (ble.py tells BLE from beacons by it): a beacon's
# partner within this of one to five intervals later (beacons lost under other
# traffic skip some); deferred beacons are deferred_train's, below.
BEACON_TOLERANCE_S = 0.8e-3
BEACON_MULTIPLES = (1, 2, 3, 4, 5)
# A deferred beacon is late by the rest of the PPDU on the air plus contention:
# aPPDUMaxTime is 5.484 ms for HT-mixed, VHT and HE PPDUs (IEEE 802.11-2020
# Tables 21-29 and 27-53; L-SIG's limit, MathWorks WLAN Toolbox "Packet Size and
# Duration Dependencies"), then DIFS (50 us, DSSS, 16.3.4) and a backoff of at
# most CWmin = 31 slots of 20 us (Table 16-5): 6.15 ms at most.
MAX_LATENESS_S = 5.484e-3 + 50e-6 + 31 * 20e-6
# The lateness spreads tried, tightest first: on the dot (an edge blurred by a
# sample or two, and the 0.8 ms the partner test allows), behind a short frame,
# behind a long one, and the standard's bound. The tightest spread that holds
# the train wins: random traffic fills a wider window more often by chance.
LATENESS_STEPS_S = (0.8e-3, 2.0e-3, 4.0e-3, MAX_LATENESS_S)
# Share of TBTTs with a beacon in its lateness window, beyond what events at
# random at the same rate reach (1 - exp(-rate * lateness)): from nothing at
# 0.3 to fully at 0.6 (beacons hidden under a louder source leave some empty).
BEACON_REGULARITY = (0.3, 0.6)
# A busy access point (over MAX_DUTY) only on a clearer train: most TBTTs filled
# beyond chance, from 0.45, fully from 0.6
BUSY_BEACON_REGULARITY = (0.45, 0.6)
# Beacons go at a basic rate: 100-300 bytes at 1 Mbit/s DSSS last 0.9-2.6 ms with
# the 192 us long preamble (IEEE 802.11-2020 16.2.2); among shorter data frames
# the bursts that long hold the train alone (at 6 Mbit/s OFDM, 0.3-0.5 ms, they
# are as short as data and only all events together show it)
BEACON_MIN_WIDTH_S = 0.9e-3
# Grids that are no beacon interval, for what the fit reaches by chance: apart
# from 102.4 ms by more than a spread per interval (9-17 %), and no simple
# fraction of it (a beacon train fills none of them)
CONTROL_PERIODS = (0.83, 0.91, 1.09, 1.17)
# 22 GSM frames (101.5 ms) come within 1 ms of a beacon interval: a GSM train has
# partners at 102.4 ms too, but far more on its own frame grid; from 30 % of events
# with GSM partners the score falls, to nothing by 60 %.
GSM_PARTNERS = (0.3, 0.6)


def _filled(
    t: np.ndarray,
    duration_s: float,
    periods: tuple[float, ...],
    candidates: np.ndarray | None = None,
) -> np.ndarray:
    """For each grid period (rows) and LATENESS_STEPS_S spread (columns), the
    largest share of a grid's points (period apart, phase one event's) that an
    event starts 0..spread after. With `candidates` (some of the events, in
    order), only their phases are tried: each the very share it has among all,
    so the largest is at most the largest of all (deferred_train's bound).

    Each candidate grid's points ask only for the next event at or after them:
    n candidates x the window's few grid points, not n x n pairs. With the
    candidates in phase order the grid points rise column by column (point k of
    every candidate, then point k + 1: a phase is under one period), so where
    each falls among the events is one pass over both sorted lists, not a binary
    search per point (_first_at_or_after); all the periods asked go at once (the
    analyzer's hot spot: thousands of components, five grids each)."""
    t = np.sort(np.asarray(t, dtype=np.float64))
    period = np.asarray(periods, dtype=np.float64)[:, None]
    tried = t if candidates is None else np.asarray(candidates, dtype=np.float64)
    # every event's phase is a candidate grid's; in order, so the points rise
    phase = np.sort(np.mod(tried[None, :], period), axis=1)  # (period, candidate)
    # grid points inside the window for each candidate phase
    points = np.floor((duration_s - phase) / period).astype(np.intp)
    points += 1
    np.maximum(points, 1, out=points)
    k = np.arange(int(points.max()))
    grid = (period * k)[:, :, None] + phase[:, None, :]  # (period, grid point, candidate)
    # an event a rounding error before its own grid point starts on it
    query = grid - _ROUNDING_S
    idx = _first_at_or_after(t, query.reshape(period.size, -1)).reshape(grid.shape)
    following = np.empty(t.size + 1)  # no event after the point: never filled
    following[:-1] = t
    following[-1] = np.inf
    late = np.take(following, idx)
    late -= grid  # a rounding error early is on time: under every spread
    # beyond the window: only the last grid points of the later phases
    first = int(points.min())
    late[:, first:, :][k[None, first:, None] >= points[:, None, :]] = np.inf
    # (spread, period, candidate): how many of the candidate's points are filled
    filled = np.less_equal(late, _SPREADS[:, None, None, None]).sum(axis=2)
    return np.max(filled / points, axis=2).T


def _first_at_or_after(t: np.ndarray, points: np.ndarray) -> np.ndarray:
    """For each row of `points`, the index of the first of the ascending times
    `t` at or after each point (``np.searchsorted(t, points, side="left")``).
    The first event at or after a point is the count of events before it, so
    for rising points one pass over both lists gives it (where each event falls
    among the points, accumulated) instead of a binary search per point; points
    in any other order, or fewer than _MERGE_MIN_POINTS (where the pass's
    several steps cost more than the searches), are searched for one by one.

    Examples
    --------
    >>> t = np.array([0.1, 0.2, 0.35])
    >>> _first_at_or_after(t, np.array([[0.0, 0.1, 0.3, 0.4], [0.4, 0.3, 0.1, 0.0]])).tolist()
    [[0, 0, 2, 3], [3, 2, 0, 0]]
    """
    rows, size = points.shape
    if points.size < _MERGE_MIN_POINTS or not np.all(points[:, 1:] >= points[:, :-1]):
        return np.searchsorted(t, points, side="left")
    at = np.concatenate([np.searchsorted(row, t, side="right") for row in points])
    at += np.repeat(np.arange(rows) * (size + 1), t.size)  # each row's own bins
    before = np.bincount(at, minlength=rows * (size + 1)).reshape(rows, size + 1)
    return np.cumsum(before, axis=1)[:, :size]


# Fewer points than this are searched for one by one (_first_at_or_after):
# timed on the ten-minute benchmark's fits, the pass wins from about 10 000
_MERGE_MIN_POINTS = 10_000
# float rounding of phase + k x period against the event's own start
_ROUNDING_S = 1e-9
_SPREADS = np.array(LATENESS_STEPS_S)
_CONTROL_PERIODS_S = tuple(k * WIFI_BEACON_INTERVAL_S for k in CONTROL_PERIODS)
# Candidates of the controls' first, partial fit (deferred_train): about this
# many, evenly through the events
BOUND_CANDIDATES = 16


def deferred_train(starts: np.ndarray, duration_s: float) -> float:
    """How clearly events hold a beacon train: the share of TBTTs filled beyond
    chance (at most 1). The TBTTs are a grid of WIFI_BEACON_INTERVAL_S whose
    phase is one event's (the earliest beacon of the fit), each counted when an
    event starts 0..spread after it; the best phase and LATENESS_STEPS_S spread
    win. Chance is what the same fit reaches on CONTROL_PERIODS grids (traffic
    of any regularity fills those alike), or for events at random at the same
    rate 1 - exp(-rate * spread), whichever is more.

    Exact where it is above BEACON_REGULARITY[0], the foot of every ramp it
    is read on; an answer at or beneath that foot may come back as any value
    from the exact one up to the foot (the fit stops as soon as it is sure).
    """
    t = np.asarray(starts, dtype=np.float64)
    if t.size < MIN_EVENTS or duration_s <= 0:
        return 0.0
    filled = _beyond_random(t, duration_s)
    if np.max(filled) <= BEACON_REGULARITY[0]:
        return float(np.max(filled))  # the controls only lower it
    poisson = 1.0 - np.exp(-(t.size / duration_s) * np.asarray(LATENESS_STEPS_S))
    if t.size >= 2 * BOUND_CANDIDATES:
        # each candidate's share is the same whoever else is tried, so the
        # controls' fit over some reaches at most what all reach, and this is
        # at least the answer: beneath the ramp's foot it is answer enough
        some = np.sort(t)[:: t.size // BOUND_CANDIDATES]
        least = np.mean(_filled(t, duration_s, _CONTROL_PERIODS_S, some), axis=0)
        most = float(np.max(filled + poisson - np.maximum(least, poisson)))
        if most < BEACON_REGULARITY[0]:
            return most
    control = np.mean(_filled(t, duration_s, _CONTROL_PERIODS_S), axis=0)
    return float(np.max(filled + poisson - np.maximum(control, poisson)))


def _beyond_random(t: np.ndarray, duration_s: float) -> np.ndarray:
    """The beacon interval's fit (per spread) beyond events at random: the
    first step of deferred_train, of four or more events."""
    filled = _filled(t, duration_s, (WIFI_BEACON_INTERVAL_S,))[0]
    filled -= 1.0 - np.exp(-(t.size / duration_s) * np.asarray(LATENESS_STEPS_S))
    return filled


def beacon_train(f: Features) -> float:
    """deferred_train of the component's events, or of its long bursts alone
    (beacons at the 1 Mbit/s basic rate among an access point's shorter data
    frames), whichever holds the train better. Asked by wifi_ap and twice by
    wifi_stream for each component: answered once (dsp.remembered)."""
    key = ("beacon_train", f.duration_s, f.widths_s.tobytes())
    train, _ = remembered(f.starts_s, key, lambda: (_beacon_train(f), {}))
    return float(train)


def _beacon_train(f: Features) -> float:
    return max(deferred_train(t, f.duration_s) for t in _fitted(f))


def _fitted(f: Features) -> list[np.ndarray]:
    """The event starts beacon_train fits: the component's events, and their
    long bursts alone where those are enough and not all of them."""
    starts, widths = f.events(EVENT_GAP_S)
    long = starts[widths >= BEACON_MIN_WIDTH_S]
    return [starts, long] if MIN_EVENTS <= long.size < starts.size else [starts]


def _cheap_terms(f: Features, starts: np.ndarray) -> tuple[float, float, float]:
    """The score's terms that take no beacon fit: the low duty's, the busy
    access point's and the GSM partners' of the events' `starts` (each in
    0..1); all 0 where the duty's two are, the GSM partners' then not asked."""
    low_duty = within(f.duty, 0.0, MAX_DUTY, MAX_DUTY)
    # an access point busy with its own data (a camera in access-point mode
    # streaming video) keeps its beacons between the frames: a clear train
    # counts at any duty short of a carrier
    busy = 1.0 - ramp(f.duty, CARRIER_DUTY, CARRIER_DUTY_FULL)
    if max(low_duty, busy) == 0:
        return 0.0, 0.0, 0.0
    tdma, _ = partner_fraction(starts, GSM_FRAME_S, FRAME_TOLERANCE_S, multiples=FRAME_MULTIPLES)
    return low_duty, busy, 1 - ramp(tdma, *GSM_PARTNERS)


def score(f: Features) -> float:
    starts, _ = f.events(EVENT_GAP_S)
    if starts.size < MIN_EVENTS:
        return 0.0
    # the terms without the beacon fit first: where the duty's or the GSM
    # partners' is 0 so is the score, whatever the train (all in 0..1)
    low_duty, busy, not_gsm = _cheap_terms(f, starts)
    if max(low_duty, busy) == 0 or not_gsm == 0:
        return 0.0
    train = beacon_train(f)
    periodic = ramp(train, *BEACON_REGULARITY)
    if periodic == 0:
        return 0.0
    duty_ok = max(low_duty, busy * ramp(train, *BUSY_BEACON_REGULARITY))
    return periodic * duty_ok * not_gsm


def bound(f: Features) -> float:
    """At least score(f), and cheaper. The score is the train's ramp times the
    duty's term times the GSM partners' term, each in 0..1, so it is no more
    than either of the last two (rounding keeps a product by a factor of at
    most 1 from growing); and it is nothing where the beacon interval's fit
    beyond chance, before the controls (which only lower it, but for a
    rounding error far under 1e-9), is under the ramp's foot for the events
    and for their long bursts alike (deferred_train's first step)."""
    starts, _ = f.events(EVENT_GAP_S)
    if starts.size < MIN_EVENTS or f.duration_s <= 0:
        return score(f)  # nothing to fit: as cheap
    low_duty, busy, not_gsm = _cheap_terms(f, starts)
    most = min(max(low_duty, busy), not_gsm)
    if most == 0:
        return 0.0
    fit = max(float(np.max(_beyond_random(t, f.duration_s))) for t in _fitted(f))
    return 0.0 if fit + 1e-9 <= BEACON_REGULARITY[0] else most


CLASSIFIER = Classifier(
    "wifi_ap",
    "Wi-Fi access point beacons (102.4 ms)",
    "IEEE 802.11-2020 11.1.3",
    score,
    # a 13-20 dBm AP (802.11 EIRP, 20 dBm the ETSI EN 300 328 limit at
    # 2.4 GHz) within about 1 m (FSPL 40 dB at 1 m): -22 dBm needs even
    # the loudest AP within 1.3 m in free space (n = 2, the slowest
    # fall indoors), so an AP on a corridor ceiling or beyond a wall
    # (3-15 dB more, ITU-R P.2040 drywall to concrete) reads less
    in_room_dbm=-22.0,
    period_s=WIFI_BEACON_INTERVAL_S,
    bound=bound,
)
