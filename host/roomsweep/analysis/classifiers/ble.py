"""Bluetooth Low Energy advertising (beacons, trackers, some cameras).

Bluetooth Core Specification 5.4, Vol 6, Part B, 4.4.2.2: advertising events
every advInterval (20 ms to 10.24 s, in 0.625 ms steps) plus a pseudo-random
advDelay of 0-10 ms; each event sends the PDU on channels 37, 38 and 39 in turn
(about 0.3 ms each), which a sampled envelope sees as one short event.
"""

import numpy as np

from roomsweep.analysis.dsp import partner_fraction
from roomsweep.analysis.features import Features
from roomsweep.analysis.classifiers.base import Classifier, quartiles, ramp, within

BEACON_S = 0.1024  # a strict 102.4 ms period is a Wi-Fi beacon, not advDelay jitter
PDU_GAP_S = 0.6e-3  # PDUs of one event follow within this (channels 37, 38, 39)
ADV_DELAY_S = 10e-3  # advDelay: 0..10 ms added to every advInterval
SPARSE_INTERVAL_S = 0.25  # slower advertisers show only 2-5 events in a dwell
SPARSE_SCORE = 0.8  # few events, so never fully sure
MIN_INTERVAL_S = 20e-3  # the least advInterval (4.4.2.2)
MIXED_PDUS_PER_EVENT = 2.0  # most events show two PDUs or more


def score(f: Features) -> float:
    quiet = within(f.duty, 0.0, 0.08, 0.05)
    if quiet == 0:
        return 0.0
    starts, widths = f.events(PDU_GAP_S)
    if 2 <= starts.size < 6:
        sparse = sparse_score(f, starts, widths)
        if sparse > 0 or starts.size < 4:
            return sparse
    if starts.size < 4:
        return 0.0
    iv = np.diff(starts)
    q1, med, q3 = quartiles(iv)  # np.percentile(iv, [25, 50, 75])
    # advDelay uniform on 0-10 ms: intervals spread over ~10 ms, IQR about 5 ms
    jitter = within(float(q3 - q1), 1.5e-3, 8e-3, 2e-3)
    interval = within(float(med), 20e-3, 10.25, 5e-3)
    short = within(float(np.median(widths)), 0.1e-3, 1.6e-3, 0.5e-3)
    if jitter * interval * short == 0:
        return mixed_score(f, starts, widths) * quiet
    _, props = partner_fraction(starts, BEACON_S, 0.8e-3, multiples=(1, 2, 3, 4, 5))
    strict = 1 - ramp(props["regularity"], 0.25, 0.5)
    return jitter * interval * short * quiet * strict


def sparse_score(f: Features, starts: np.ndarray, widths: np.ndarray) -> float:
    """A slow advertiser (advInterval of a quarter second or more) leaves only
    a few events in a dwell: too few for the jitter statistics above. What is
    left to check is each event's shape, several PDUs back to back on the three
    advertising channels, and the events keeping one interval give or take
    advDelay (or a multiple of it, when an event was missed)."""
    # a saturating event can run its PDUs together: most events still split
    pdus_per_event = f.count / starts.size
    if pdus_per_event < 1.5:
        return 0.0  # single bursts: a Wi-Fi frame, a paging burst, noise
    if within(float(np.median(widths)), 0.3e-3, 1.6e-3, 0.3e-3) == 0:
        return 0.0
    iv = np.diff(starts)
    base = float(iv.min())
    if base < SPARSE_INTERVAL_S:
        return 0.0
    k = np.round(iv / base)
    # each interval is k * (advInterval + advDelay): within k advDelays of k * base
    if np.any(np.abs(iv - k * base) > k * ADV_DELAY_S + 1e-3):
        return 0.0
    # a Wi-Fi beacon every n x 102.4 ms would also be regular: not BLE's jitter
    n = np.round(iv / BEACON_S)
    if iv.size >= 2 and np.all(np.abs(iv - n * BEACON_S) < 0.3e-3):
        return 0.0
    return SPARSE_SCORE if starts.size >= 3 else 0.75 * SPARSE_SCORE


def mixed_score(f: Features, starts: np.ndarray, widths: np.ndarray) -> float:
    """Two or more advertisers at one level: their events interleave, so the
    intervals keep no single advInterval. Each event still has BLE's own shape,
    the PDU sent on the three advertising channels back to back, which no other
    kind here makes; and events come no faster than the least advInterval."""
    if f.count / starts.size < MIXED_PDUS_PER_EVENT:
        return 0.0
    if within(float(np.median(widths)), 0.3e-3, 1.6e-3, 0.3e-3) == 0:
        return 0.0
    if np.median(np.diff(starts)) < MIN_INTERVAL_S:
        return 0.0
    _, props = partner_fraction(starts, BEACON_S, 0.8e-3, multiples=(1, 2, 3, 4, 5))
    if props["regularity"] > 0.25:
        return 0.0
    return SPARSE_SCORE


CLASSIFIER = Classifier("ble", "Bluetooth Low Energy advertising",
                        "Bluetooth Core 5.4 Vol 6 Part B 4.4.2.2", score,
                        # a -10..0 dBm advertiser within about 0.5 m (FSPL 40 dB at
                        # 1 m, n = 2.5); weaker BLE-like timing is room traffic
                        in_room_dbm=-37.0, sparse=True)
