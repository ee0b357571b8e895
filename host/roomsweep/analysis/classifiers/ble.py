"""Bluetooth Low Energy advertising (beacons, trackers, some cameras).

Bluetooth Core Specification 5.4, Vol 6, Part B, 4.4.2.2: advertising events
every advInterval (20 ms to 10.24 s, in 0.625 ms steps) plus a pseudo-random
advDelay of 0-10 ms; each event sends the PDU on channels 37, 38 and 39 in turn
(about 0.3 ms each), which a sampled envelope sees as one short event. The
timings are in roomsweep.standards (BLE_ADV_INTERVAL_MIN_S, BLE_ADV_INTERVAL_MAX_S,
BLE_ADV_DELAY_MAX_S). The advDelay jitter is what tells it from a Wi-Fi beacon,
which keeps its 102.4 ms strictly.
"""

from __future__ import annotations

import numpy as np

from roomsweep.analysis.classifiers.base import Classifier, quartiles, ramp, within
from roomsweep.analysis.classifiers.wifi_beacon import (
    BEACON_MULTIPLES,
    BEACON_REGULARITY,
    BEACON_TOLERANCE_S,
)
from roomsweep.analysis.dsp import _median, partner_fraction
from roomsweep.analysis.features import Features
from roomsweep.standards import (
    BLE_ADV_DELAY_MAX_S,
    BLE_ADV_INTERVAL_MAX_S,
    BLE_ADV_INTERVAL_MIN_S,
    WIFI_BEACON_INTERVAL_DECIMAL_S,
)

# A strict 102.4 ms period is a Wi-Fi beacon, not advDelay jitter
BEACON_S = WIFI_BEACON_INTERVAL_DECIMAL_S
PDU_GAP_S = 0.6e-3  # PDUs of one event follow within this (channels 37, 38, 39)
SPARSE_INTERVAL_S = 0.25  # slower advertisers show only 2-5 events in a dwell
SPARSE_SCORE = 0.8  # few events, so never fully sure
MIXED_PDUS_PER_EVENT = 2.0  # most events show two PDUs or more
# An event of about 1 ms even every 20 ms (the least advInterval) is 5 % on air:
# quiet up to 8 % (other traffic at the level), no longer by 13 %
QUIET_DUTY = 0.08
QUIET_DUTY_SOFT = 0.05
MIN_EVENTS = 4  # fewer events give too few intervals for their quartiles
SPARSE_EVENTS = 6  # 2-5 events in a window: try the slow-advertiser test first
# advDelay uniform on 0-10 ms: intervals spread over ~10 ms, IQR about 5 ms;
# accepted from 1.5 to 8 ms, fading out 2 ms beyond
JITTER_IQR_S = (1.5e-3, 8e-3)
JITTER_IQR_SOFT_S = 2e-3
# ... and with many intervals, no lower than their spread allows: advDelay is
# uniform on 0-10 ms, so one advertiser's intervals have an IQR of 5 ms, which
# n intervals estimate to about 5 ms / sqrt(n) (the quartiles of a uniform
# sample); from JITTER_SE standard errors below it, they keep a stricter time
JITTER_SE = 2.5
# the median interval: advInterval plus on average half of advDelay, anywhere
# from the least advInterval to the greatest plus the whole advDelay
MEDIAN_INTERVAL_S = (BLE_ADV_INTERVAL_MIN_S, BLE_ADV_INTERVAL_MAX_S + BLE_ADV_DELAY_MAX_S)
MEDIAN_INTERVAL_SOFT_S = 5e-3
# an event as the envelope shows it: from one short PDU (0.1 ms) to three of up to
# about 0.4 ms with the gaps between them (1.6 ms); fading out 0.5 ms beyond
EVENT_WIDTH_S = (0.1e-3, 1.6e-3)
EVENT_WIDTH_SOFT_S = 0.5e-3
# with only a few events, or several advertisers mixed, the shape must be clearer:
# at least about one PDU's 0.3 ms, and not 0.3 ms beyond the window
PDU_EVENT_WIDTH_S = (0.3e-3, 1.6e-3)
PDU_EVENT_WIDTH_SOFT_S = 0.3e-3
# most of a slow advertiser's events still split into PDUs (1.5 per event or more)
SPARSE_PDUS_PER_EVENT = 1.5
# each interval may stray from k * base by k advDelays and this (the detector's
# timing of two events)
ADV_DELAY_SLACK_S = 1e-3
# every interval within this of a multiple of 102.4 ms (a Wi-Fi beacon's
# strictness), or of the shortest interval (a clock's), not advDelay's 0-10 ms
SPARSE_CLOCK_TOLERANCE_S = 0.3e-3
# three events or more: two intervals to compare; two events give one, less sure
SPARSE_SURE_EVENTS = 3
SPARSE_ONE_INTERVAL_FACTOR = 0.75
# advDelay is drawn afresh for every event and adds to the time of the next one
# (Core 5.4 Vol 6 Part B 4.4.2.2.1: T_advEvent = advInterval + advDelay): event
# times are a random walk, successive intervals independent (lag-1 correlation
# about 0, spread 1/sqrt(n) over n pairs). Bursts sent on a fixed clock, each a
# varying delay d_k after its tick (a camera's video frames after capture), have
# intervals T + d_k - d_(k-1): neighbours share one delay with opposite signs,
# correlation -0.5. The correlation in standard errors (r sqrt(n)): a clock from
# -1.5 (a random walk goes that low 7 % of the time), beyond doubt from -2.5
# (0.6 %); a clock at 20 ticks a second shows -2.7 in a 1.5 s window.
CLOCKED_Z = (-1.5, -2.5)
CLOCKED_MIN_PAIRS = 8  # fewer pairs of intervals say nothing about their correlation
# advDelay spreads the intervals evenly over 10 ms, so few land within two
# samples (EXACT_S) of their median: 5 % on average. A clock's land there
# however its other intervals split (a VoLTE handset's silence descriptor
# every 160 ms, AMR SCR, 3GPP TS 26.093 5, with a HARQ retransmission 8 ms
# after some: the 8 ms / 152 ms split gave an IQR like advDelay's). From 30 %
# of them within EXACT_S the score falls, to nothing at 50 %.
EXACT_S = 0.25e-3
EXACT_SHARE = (0.3, 0.5)


# How far apart the PDUs of one event may be is the stack's choice (Core 5.4
# Vol 6 Part B 4.4.2 only caps the time between their starts at 10 ms): a
# non-connectable advertiser hops within PDU_GAP_S, a connectable one listens
# for a scan request after each PDU (T_IFS 150 us, then a SCAN_REQ's 176 us and
# T_IFS again before it may answer), so its gaps run to a millisecond or more.
# Whatever the gap, one stack sends every event alike: the short gaps between
# an advertiser's bursts agree, event after event. Gaps up to INTRA_GAP_MAX_S
# (a tenth of the least advInterval: an event still well apart from the next)
# that agree within INTRA_GAP_SPREAD_S (two samples at 8 kS/s: each edge moves
# by one) join the PDUs into events at that spacing.
INTRA_GAP_MAX_S = 2e-3
INTRA_GAP_SPREAD_S = 0.25e-3
# About two short gaps per event (three channels), from one (a PDU lost to a
# fade or beneath other traffic) to three (a scan response in the event)
SHORT_PER_LONG = (0.8, 3.5)
# A legacy PDU's longest: 31 bytes of payload at LE 1M, 376 us (Vol 6 Part B 2.1)
PDU_MAX_S = 0.4e-3
MIN_SHORT_GAPS = 3


def event_gap(f: Features) -> float:
    """The gap that joins one advertiser's PDUs into events: PDU_GAP_S, or,
    where the short gaps between the bursts agree on one spacing wider than
    that, just above that spacing (a sample's slack).

    Examples
    --------
    >>> import numpy as np
    >>> from roomsweep.analysis.features import Features
    >>> ev = np.arange(10) * 0.1  # events every 100 ms, PDUs 1.2 ms apart
    >>> starts = np.sort(np.concatenate([ev, ev + 1.2e-3, ev + 2.4e-3]))
    >>> f = Features(8000.0, 1.0, -30.0, np.zeros(1), starts, np.full(30, 0.375e-3))
    >>> round(event_gap(f) * 1e3, 3)
    0.95
    """
    if f.count < 2 * MIN_SHORT_GAPS:
        return PDU_GAP_S
    gaps = f.gaps_s
    short = gaps[gaps <= INTRA_GAP_MAX_S]
    n_long = gaps.size - short.size
    if short.size < MIN_SHORT_GAPS or n_long < 2:
        return PDU_GAP_S
    if not SHORT_PER_LONG[0] <= short.size / n_long <= SHORT_PER_LONG[1]:
        return PDU_GAP_S
    low, high = np.percentile(short, [10, 90])
    if high - low > INTRA_GAP_SPREAD_S:
        return PDU_GAP_S  # short gaps of every length: data traffic, not a stack's hop
    return max(PDU_GAP_S, float(high) + 1.0 / f.fs)


def score(f: Features) -> float:
    """BLE advertising's score, its events joined at PDU_GAP_S or, where that
    finds none, at the spacing the advertiser's own gaps agree on (event_gap),
    or, for a slow advertiser's few events or events kept apart by silences
    whatever their own spacing, at INTRA_GAP_MAX_S (slow_events, quiet_groups)."""
    found = _score(f, PDU_GAP_S)
    if found > 0:
        return found
    gap = event_gap(f)
    if gap == PDU_GAP_S and (slow_events(f) or quiet_groups(f)):
        gap = INTRA_GAP_MAX_S
    return _score(f, gap) if gap > PDU_GAP_S else 0.0


def slow_events(f: Features) -> bool:
    """A slow advertiser's few events, too few for event_gap's agreement, and
    their gaps unlike (a scan response after some PDUs, T_IFS then the
    SCAN_REQ and T_IFS again, Core 5.4 Vol 6 Part B 4.4.2): every gap
    between its bursts is either within an event (INTRA_GAP_MAX_S) or
    between two (SPARSE_INTERVAL_S or more), none in between, and so joined
    they make 2-5 events (the slow-advertiser test's). Traffic keeps no such
    silence around its groups of bursts.

    >>> ev = np.array([0.1, 1.08, 2.05])  # ~1 s apart, PDUs 1.3 ms apart
    >>> starts = np.sort(np.concatenate([ev, ev + 1.3e-3, ev + 2.6e-3, [1.0808]]))
    >>> f = Features(8000.0, 3.0, -30.0, np.zeros(1), starts, np.full(10, 0.25e-3))
    >>> slow_events(f), slow_events(Features(8000.0, 3.0, -30.0, np.zeros(1),
    ...     np.sort(np.append(starts, 1.2)), np.full(11, 0.25e-3)))
    (True, False)
    """
    gaps = f.gaps_s
    if gaps.size == 0 or not np.all((gaps <= INTRA_GAP_MAX_S) | (gaps >= SPARSE_INTERVAL_S)):
        return False
    starts, _ = f.events(INTRA_GAP_MAX_S)
    return 2 <= starts.size < SPARSE_EVENTS


# Events closer together than the least advInterval that quiet_groups lets
# pass, as a share of all the gaps between bursts: a PDU and a scan response
# lost in a fade leave the rest of their event 2-4 ms on, a second event;
# more than this is traffic of its own
QUIET_STRAY_SHARE = 0.1


def quiet_groups(f: Features) -> bool:
    """Events whose PDUs keep no one spacing, too many for slow_events: a
    connectable advertiser answering some scan requests, some of its PDUs
    lost in a fade on their channel (37, 38 and 39 lie 78 MHz apart and fade
    apart), so the short gaps take several lengths and event_gap finds no
    agreement. Its events still stand apart. Joined where bursts are within
    INTRA_GAP_MAX_S of each other, the events start at least the least
    advInterval apart (BLE_ADV_INTERVAL_MIN_S, T_advEvent, Core 5.4 Vol 6
    Part B 4.4.2.2.1), bar a few (QUIET_STRAY_SHARE), with about two short
    gaps to an event (SHORT_PER_LONG, as event_gap's), and the bursts are
    PDUs: the median no longer than a legacy PDU's longest (PDU_MAX_S). A
    camera's video frames are groups of data frames of 1500 bytes, half a
    millisecond or more each at 24 Mbit/s or less; at faster rates, groups of
    more bursts.

    >>> ev = 0.03 + 0.231 * np.arange(6)  # 231 ms apart, PDUs 0.9-1.9 ms apart
    >>> starts = np.sort(np.concatenate([ev, ev + 0.9e-3, ev + 2.8e-3]))
    >>> f = Features(8000.0, 1.5, -30.0, np.zeros(1), starts, np.full(18, 0.3e-3))
    >>> quiet_groups(f), slow_events(f)
    (True, False)
    """
    if f.width_median_s > PDU_MAX_S:
        return False
    short = np.count_nonzero(f.gaps_s <= INTRA_GAP_MAX_S)
    starts, _ = f.events(INTRA_GAP_MAX_S)
    intervals = np.diff(starts)
    long = np.count_nonzero(intervals >= BLE_ADV_INTERVAL_MIN_S)
    if short < MIN_SHORT_GAPS or long < 2:
        return False
    if not SHORT_PER_LONG[0] <= short / long <= SHORT_PER_LONG[1]:
        return False
    return bool(intervals.size - long <= QUIET_STRAY_SHARE * f.gaps_s.size)


def _score(f: Features, gap: float) -> float:
    quiet = within(f.duty, 0.0, QUIET_DUTY, QUIET_DUTY_SOFT)
    if quiet == 0:
        return 0.0
    starts, widths = f.events(gap)
    # joined at a wider spacing, an event may span three PDUs and two such gaps
    wider = max(0.0, 3 * PDU_MAX_S + 2 * gap - EVENT_WIDTH_S[1]) if gap > PDU_GAP_S else 0.0
    if 2 <= starts.size < SPARSE_EVENTS:
        sparse = sparse_score(f, starts, widths, wider)
        if sparse > 0 or starts.size < MIN_EVENTS:
            return sparse
    if starts.size < MIN_EVENTS:
        return 0.0
    iv = np.diff(starts)
    q1, med, q3 = quartiles(iv)  # np.percentile(iv, [25, 50, 75])
    adv_iqr = BLE_ADV_DELAY_MAX_S / 2
    least = max(JITTER_IQR_S[0], adv_iqr * (1 - JITTER_SE / np.sqrt(iv.size)))
    jitter = within(float(q3 - q1), least, JITTER_IQR_S[1], JITTER_IQR_SOFT_S)
    interval = within(float(med), *MEDIAN_INTERVAL_S, MEDIAN_INTERVAL_SOFT_S)
    short = within(
        _median(widths), EVENT_WIDTH_S[0], EVENT_WIDTH_S[1] + wider, EVENT_WIDTH_SOFT_S
    )  # np.median's
    if jitter * interval * short == 0:
        return mixed_score(f, starts, widths, wider) * quiet
    _, props = partner_fraction(starts, BEACON_S, BEACON_TOLERANCE_S, multiples=BEACON_MULTIPLES)
    strict = 1 - ramp(props["regularity"], *BEACON_REGULARITY)
    strict *= 1 - ramp(exact_share(iv, med), *EXACT_SHARE)
    return jitter * interval * short * quiet * strict * (1 - clocked(iv, med))


def _pdu_events(widths: np.ndarray, wider: float) -> float:
    """How well the events' median width is that of PDUs sent back to back
    (PDU_EVENT_WIDTH_S, its top `wider` for a wider spacing)."""
    low, high = PDU_EVENT_WIDTH_S
    return within(float(np.median(widths)), low, high + wider, PDU_EVENT_WIDTH_SOFT_S)


def exact_share(iv: np.ndarray, med: float) -> float:
    """The share of intervals within EXACT_S of their median `med`.

    >>> round(exact_share(np.array([0.16, 0.008, 0.152, 0.16, 0.16]), 0.16), 1)
    0.6
    """
    return float(np.mean(np.abs(iv - med) <= EXACT_S)) if iv.size else 0.0


def clocked(iv: np.ndarray, med: float) -> float:
    """How clearly successive intervals are anti-correlated as a fixed clock's
    with jitter makes them, not advDelay's random walk (0..1). Only pairs of
    successive intervals within one advDelay of the median are used: a missed
    or hidden event doubles an interval, another advertiser's splits one.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> walk = np.diff(np.cumsum(0.05 + rng.uniform(0, 0.01, 40)))
    >>> tick = np.diff(0.05 * np.arange(40) + rng.uniform(0, 0.005, 40))
    >>> [round(clocked(iv, float(np.median(iv))), 1) for iv in (walk, tick)]
    [0.0, 1.0]
    """
    near = np.abs(iv - med) <= BLE_ADV_DELAY_MAX_S
    pair = near[:-1] & near[1:]
    n = int(np.count_nonzero(pair))
    if n < CLOCKED_MIN_PAIRS:
        return 0.0
    a, b = iv[:-1][pair], iv[1:][pair]
    a, b = a - a.mean(), b - b.mean()
    den = float(np.sqrt(np.dot(a, a) * np.dot(b, b)))
    if den == 0:
        return 0.0
    return ramp(float(np.dot(a, b)) / den * np.sqrt(n), *CLOCKED_Z)


def sparse_score(f: Features, starts: np.ndarray, widths: np.ndarray, wider: float = 0.0) -> float:
    """A slow advertiser (advInterval of a quarter second or more) leaves only
    a few events in a dwell: too few for the jitter statistics above. What is
    left to check is each event's shape, several PDUs back to back on the three
    advertising channels, and the events keeping one interval give or take
    advDelay (or a multiple of it, when an event was missed)."""
    # a saturating event can run its PDUs together: most events still split
    pdus_per_event = f.count / starts.size
    if pdus_per_event < SPARSE_PDUS_PER_EVENT:
        return 0.0  # single bursts: a Wi-Fi frame, a paging burst, noise
    if _pdu_events(widths, wider) == 0:
        return 0.0
    iv = np.diff(starts)
    base = float(iv.min())
    if base < SPARSE_INTERVAL_S:
        return 0.0
    k = np.round(iv / base)
    # each interval is k * (advInterval + advDelay): within k advDelays of k * base
    if np.any(np.abs(iv - k * base) > k * BLE_ADV_DELAY_MAX_S + ADV_DELAY_SLACK_S):
        return 0.0
    # a Wi-Fi beacon every n x 102.4 ms would also be regular: not BLE's jitter;
    # nor a clock of its own, every interval a whole number of the shortest
    n = np.round(iv / BEACON_S)
    if iv.size >= 2 and (
        np.all(np.abs(iv - n * BEACON_S) < SPARSE_CLOCK_TOLERANCE_S)
        or np.all(np.abs(iv - k * base) < SPARSE_CLOCK_TOLERANCE_S)
    ):
        return 0.0
    if starts.size >= SPARSE_SURE_EVENTS:
        return SPARSE_SCORE
    return SPARSE_ONE_INTERVAL_FACTOR * SPARSE_SCORE


def mixed_score(f: Features, starts: np.ndarray, widths: np.ndarray, wider: float = 0.0) -> float:
    """Two or more advertisers at one level: their events interleave, so the
    intervals keep no single advInterval. Each event still has BLE's own shape,
    the PDU sent on the three advertising channels back to back, which no other
    kind here makes; and events come no faster than the least advInterval."""
    if f.count / starts.size < MIXED_PDUS_PER_EVENT:
        return 0.0
    if _pdu_events(widths, wider) == 0:
        return 0.0
    iv = np.diff(starts)
    med = float(np.median(iv))
    if med < BLE_ADV_INTERVAL_MIN_S or clocked(iv, med) == 1.0:
        return 0.0  # too fast for advertising, or a fixed clock's
    _, props = partner_fraction(starts, BEACON_S, BEACON_TOLERANCE_S, multiples=BEACON_MULTIPLES)
    if props["regularity"] > BEACON_REGULARITY[0]:
        return 0.0  # any sign of a strict 102.4 ms: leave it to the beacon test
    return SPARSE_SCORE


CLASSIFIER = Classifier(
    "ble",
    "Bluetooth Low Energy advertising",
    "Bluetooth Core 5.4 Vol 6 Part B 4.4.2.2",
    score,
    # a -10..0 dBm advertiser within about 0.5 m (FSPL 40 dB at
    # 1 m, n = 2.5); weaker BLE-like timing is room traffic
    # no period: advDelay makes every interval different
    in_room_dbm=-37.0,
    sparse=True,
    period_s=None,
)
