"""BLE advertising timing an outsider's rooms, written from the standards,
showed (docs/benchmarks.md rounds 17 and 18). A connectable advertiser listens
for a scan request after each PDU, so its three PDUs can start a millisecond or
more apart (classifiers.ble.event_gap), and a slow one's few events, a scan
response in some, keep no one spacing (ble.slow_events); a clock's packets,
however their intervals split, are not advDelay's jitter (ble.exact_share, the
slow advertiser's test); and a slow tag a little beneath a DECT train's level
makes no level mode of its own (components._beneath_trains)."""

from __future__ import annotations

import numpy as np
import pytest

from roomsweep.analysis.classifiers import ble
from roomsweep.analysis.components import classify, components
from roomsweep.analysis.features import Features, component
from roomsweep.analysis.recording import Recording
from tests.test_analysis import FS, _power_sum, burst_envelope, envelope


@pytest.mark.parametrize("spacing_ms", [0.9, 1.3, 1.7])
@pytest.mark.parametrize("interval_ms", [100.0, 211.25])
def test_a_connectable_advertiser_with_wide_pdu_spacing_is_ble(spacing_ms, interval_ms):
    x = envelope(
        "ble",
        1.5,
        params={"interval_ms": interval_ms, "pdu_ms": 0.376, "pdu_spacing_ms": spacing_ms},
        seed=7,
    )
    f = component(x, FS, -25.0, 3.0, top=True)
    cls, conf, scores = classify(f)
    assert cls == "ble", scores
    # its events are three PDUs each, at the spacing its gaps agree on
    gap = ble.event_gap(f)
    assert spacing_ms - 0.376 < gap * 1e3 < spacing_ms - 0.376 + 0.3
    starts, _ = f.events(gap)
    assert f.count / starts.size > 2.5


def _bursts(starts: np.ndarray, width_s: float) -> Features:
    starts = np.sort(starts)
    return Features(FS, 1.5, -30.0, np.zeros(1), starts, np.full(starts.size, width_s))


def test_short_gaps_of_every_length_join_nothing():
    """Data traffic: bursts in groups with gaps anywhere from 0.1 to 2 ms are
    no stack's fixed hop; PDU_GAP_S stays the events' gap."""
    rng = np.random.default_rng(3)
    groups = np.arange(12) * 0.12
    starts = np.concatenate([groups, groups + 0.4e-3 + rng.uniform(0.1e-3, 2e-3, groups.size)])
    assert ble.event_gap(_bursts(starts, 0.3e-3)) == ble.PDU_GAP_S


def test_a_steady_run_of_bursts_is_no_advertiser():
    """Bursts at one short spacing with no quiet between (a Bluetooth link's
    slots, a Wi-Fi burst of frames): no long gaps to separate events, so
    PDU_GAP_S stays the events' gap."""
    starts = np.arange(200) * 1.25e-3
    assert ble.event_gap(_bursts(starts, 0.366e-3)) == ble.PDU_GAP_S


def _bursts_at(starts: np.ndarray, width_s: float, seconds: float) -> Features:
    return component(burst_envelope(starts, width_s, seconds, seed=2), FS, -25.0, 3.0, top=True)


def test_a_handsets_silence_descriptors_are_no_advertiser():
    """VoLTE in a pause: a 1 ms packet every 160 ms, some retransmitted 8 ms
    later (HARQ). The 8 / 152 ms split spreads the intervals like advDelay,
    but most of them are 160 ms to the sample (ble.exact_share)."""
    sid = 0.0371 + 0.16 * np.arange(19)
    again = sid[[1, 5, 9, 14]] + 8e-3
    f = _bursts_at(np.sort(np.concatenate([sid, again])), 1e-3, 3.0)
    assert ble.score(f) == 0.0
    cls, conf, scores = classify(f)
    assert cls != "ble", scores


def test_a_slow_clock_is_no_slow_advertiser():
    """Four packets 400 ms apart to the sample: a clock, where a slow
    advertiser's advDelay moves each by up to 10 ms."""
    rng = np.random.default_rng(5)
    clock = 0.05 + 0.4 * np.arange(4)
    pdus = lambda t: np.concatenate([t, t + 0.9e-3, t + 1.8e-3])  # noqa: E731
    assert ble.score(_bursts_at(np.sort(pdus(clock)), 0.3e-3, 1.5)) == 0.0
    advertiser = clock + np.cumsum(rng.uniform(0, 10e-3, 4))
    assert ble.score(_bursts_at(np.sort(pdus(advertiser)), 0.3e-3, 1.5)) > 0.5


def _slow_tracker(scan_every: int) -> tuple[np.ndarray, np.ndarray]:
    """A connectable tracker about once a second for 3 s: PDUs of 0.27 ms
    starting 1.2 ms apart, and a scan response (0.24 ms, 0.476 ms after its
    PDU: T_IFS, a SCAN_REQ, T_IFS) after every `scan_every`-th PDU."""
    starts, widths = [], []
    n = 0
    for event in (0.21, 1.187, 2.171):
        for channel in range(3):
            t = event + channel * 1.2e-3
            starts.append(t)
            widths.append(0.27e-3)
            n += 1
            if n % scan_every == 0:
                starts.append(t + 0.27e-3 + 0.476e-3)
                widths.append(0.24e-3)
    return np.array(starts), np.array(widths)


def test_a_slow_advertiser_answering_scan_requests_is_ble():
    """Three events in a dwell are too few for event_gap to find one spacing,
    and the scan responses give the gaps two lengths; but every gap is within
    an event or a second's silence: slow_events joins them."""
    starts, widths = _slow_tracker(scan_every=2)
    f = component(burst_envelope(starts, widths, 3.0, seed=5), FS, -25.0, 3.0, top=True)
    assert ble.event_gap(f) == ble.PDU_GAP_S
    assert ble.slow_events(f)
    cls, _, scores = classify(f)
    assert cls == "ble", scores


def test_bursts_between_a_slow_advertisers_events_leave_them_unjoined():
    """Other bursts between the events, a data frame and its two retries 6 ms
    apart and a beacon a tenth of a second later, leave gaps neither within
    an event nor a silence between two (a tenth of a second is under
    SPARSE_INTERVAL_S; 6 ms is under the least advInterval): no slow
    advertiser's events, no quiet groups, and no BLE from these rules."""
    starts, widths = _slow_tracker(scan_every=2)
    others = np.array([0.5, 0.506, 0.512, 0.62])
    x = burst_envelope(
        np.append(starts, others), np.append(widths, [0.3e-3] * others.size), 3.0, seed=5
    )
    f = component(x, FS, -25.0, 3.0, top=True)
    void = (f.gaps_s > ble.INTRA_GAP_MAX_S) & (f.gaps_s < ble.BLE_ADV_INTERVAL_MIN_S)
    assert np.count_nonzero(void) == 2  # the retries'
    assert not ble.slow_events(f)
    assert not ble.quiet_groups(f)
    assert ble.score(f) == 0.0


def test_lone_bursts_between_a_slow_advertisers_events_leave_it_heard():
    """Two lone bursts a tenth of a second apart, each far (20 ms or more)
    from everything (a GSM handset's SACCH bursts in a speech pause, beside
    its train): not the slow advertiser's silences, but events the least
    advInterval or more apart (ble.quiet_groups). Joined so, the tracker's
    events and the two lone ones keep no one interval, and the events' BLE
    shape (ble.mixed_score) names them."""
    starts, widths = _slow_tracker(scan_every=2)
    others = np.array([0.5, 0.62])
    x = burst_envelope(np.append(starts, others), np.append(widths, [0.3e-3] * 2), 3.0, seed=5)
    f = component(x, FS, -25.0, 3.0, top=True)
    assert not ble.slow_events(f)
    assert ble.quiet_groups(f)
    cls, _, scores = classify(f)
    assert cls == "ble", scores


@pytest.mark.parametrize("seed", [1, 4])
def test_a_slow_advertiser_5_db_beneath_a_dect_train_is_heard(seed):
    """A DECT base at -30 dBm and a BLE tag every 0.6 s at -35 dBm at one stop:
    the tag's few samples make no level mode of their own, 5 dB from the
    train's (modes closer than 6 dB are one). A mode's separation beneath the
    train (components._beneath_trains), off the train's frames, they are the
    tag's; the DECT train alone leaves nothing there."""
    dect = envelope("dect", 3.0, level=-30.0, seed=seed)
    tag = envelope("ble", 3.0, level=-35.0, seed=seed + 10, params={"interval_ms": 600.0})
    for x, heard in ((_power_sum(dect, tag), True), (dect, False)):
        comps, _ = components(Recording(np.zeros(x.size, np.uint16), FS), dbm=x)
        assert any(c.cls == "ble" for c in comps) is heard, [(c.cls, c.level_dbm) for c in comps]
