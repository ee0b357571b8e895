"""A connectable advertiser whose PDUs keep no one spacing (classifiers.ble.
quiet_groups), found on outsider round 4's room 13 (docs/benchmarks.md round 23): a
BLE camera advertising every 0.23 s, answering some scan requests, some PDUs
lost in a fade, at a GSM neighbour's level. The gaps within its events take
several lengths, so event_gap finds no spacing they agree on, and its events
come too often for slow_events; but every gap is within an event or a
silence of the least advInterval. A camera's video frames are groups of many
bursts, or of bursts longer than an advertising PDU, and stay no advertiser."""

from __future__ import annotations

import numpy as np
import pytest

from roomsweep.analysis.classifiers import ble
from roomsweep.analysis.components import classify, components
from roomsweep.analysis.features import component
from roomsweep.analysis.recording import Recording
from tests.test_analysis import FS, _power_sum, burst_envelope, envelope

PDU_S = 0.328e-3  # 25 bytes of AdvData at LE 1M (Core 5.4 Vol 6 Part B 2.1)
RSP_S = 0.288e-3  # a 20-byte SCAN_RSP
# after a PDU: T_IFS, the scanner's SCAN_REQ (176 us), T_IFS, then the response
RSP_AFTER_S = PDU_S + 0.15e-3 + 0.176e-3 + 0.15e-3


def _connectable(
    seconds: float, interval_s: float, seed: int, lost: float = 0.15, scanned: float = 0.15
) -> tuple[np.ndarray, np.ndarray]:
    """A connectable advertiser's bursts: three PDUs an event, the next one
    0.4-0.9 ms after the last (the stack listens for a scan request, then
    schedules its radio), a scan response after some (`scanned`), some
    PDUs lost in a fade on their channel (`lost`), events every `interval_s`
    plus advDelay (0-10 ms)."""
    rng = np.random.default_rng(seed)
    starts, widths = [], []
    t = rng.uniform(0.01, interval_s)
    while t < seconds - 0.01:
        c = t
        for _ in range(3):
            if rng.random() >= lost:
                starts.append(c)
                widths.append(PDU_S)
            c += PDU_S
            if rng.random() < scanned:
                starts.append(c - PDU_S + RSP_AFTER_S)
                widths.append(RSP_S)
                c += RSP_AFTER_S - PDU_S + RSP_S
            c += rng.uniform(0.4e-3, 0.9e-3)
        t += interval_s + rng.uniform(0, 10e-3)
    return np.array(starts), np.array(widths)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_connectable_advertiser_with_unlike_pdu_gaps_is_ble(seed):
    starts, widths = _connectable(1.5, 0.23, seed)
    f = component(burst_envelope(starts, widths, 1.5, seed=seed), FS, -25.0, 3.0, top=True)
    # neither earlier rule joins its events ...
    assert ble.event_gap(f) == ble.PDU_GAP_S
    assert not ble.slow_events(f)
    # ... the silences between them do
    assert ble.quiet_groups(f)
    cls, _, scores = classify(f)
    assert cls == "ble", scores


def test_a_lost_pdu_and_scan_response_leave_the_events_joined():
    """In one event a PDU and a scan response are lost to a fade: the gap
    across them (2-4 ms) is neither within an event nor a silence. One such
    gap among many (QUIET_STRAY_SHARE) leaves the events joined."""
    starts, widths = _connectable(1.5, 0.23, 5)
    f = component(burst_envelope(starts, widths, 1.5, seed=5), FS, -25.0, 3.0, top=True)
    void = (f.gaps_s > ble.INTRA_GAP_MAX_S) & (f.gaps_s < ble.BLE_ADV_INTERVAL_MIN_S)
    assert np.count_nonzero(void) == 1
    assert ble.quiet_groups(f)
    cls, _, scores = classify(f)
    assert cls == "ble", scores


@pytest.mark.parametrize("seed", [1, 2])
def test_a_fast_connectable_advertiser_is_ble(seed):
    """Every 30 ms, the fast advertising a connectable device starts with:
    its events 30-40 ms apart, start to start, are all silences of the least
    advInterval or more."""
    starts, widths = _connectable(1.5, 0.03, seed)
    f = component(burst_envelope(starts, widths, 1.5, seed=seed), FS, -25.0, 3.0, top=True)
    assert ble.quiet_groups(f)
    cls, _, scores = classify(f)
    assert cls == "ble", scores


def test_groups_faster_than_any_advertiser_are_no_quiet_groups():
    """The same groups every 15 ms, under the least advInterval (20 ms): no
    advertiser's events, whatever their shape."""
    starts, widths = _connectable(1.5, 0.015, 3, lost=0.0, scanned=0.0)
    f = component(burst_envelope(starts, widths, 1.5, seed=3), FS, -25.0, 3.0, top=True)
    assert not ble.quiet_groups(f)


@pytest.mark.parametrize("seed", [0, 1])
def test_a_low_bitrate_cameras_frames_are_no_advertising_events(seed):
    """A camera at 10 frames a second and 400 kbit/s over 24 Mbit/s sends each
    frame as a few data frames, as few bursts as an advertising event, apart
    by silences; but each burst is half a millisecond, longer than any legacy
    advertising PDU (PDU_MAX_S). A review's counter-example: without the
    width test these windows read as BLE."""
    params = {"phy_mbps": 24.0, "bitrate_kbps": 400.0, "fps": 10.0, "ampdu_mpdus": 1}
    f = component(envelope("wifi_camera", 1.5, seed=seed, params=params), FS, -25.0, 3.0, top=True)
    assert f.width_median_s > ble.PDU_MAX_S
    assert not ble.quiet_groups(f)
    cls, _, scores = classify(f)
    assert cls != "ble", scores


def test_video_frames_are_no_quiet_groups():
    """A camera at 15 frames a second, each frame 8-14 data frames 0.1-0.5 ms
    apart: groups apart by silences too, but of many bursts, more short gaps
    to a long one than an advertising event's PDUs make."""
    rng = np.random.default_rng(4)
    starts = []
    for k in range(22):
        t = 0.02 + k / 15 + rng.uniform(0, 4e-3)
        for _ in range(int(rng.integers(8, 15))):
            starts.append(t)
            t += 0.25e-3 + rng.uniform(0.1e-3, 0.5e-3)
    f = component(burst_envelope(np.array(starts), 0.2e-3, 1.5, seed=4), FS, -25.0, 3.0, top=True)
    assert not ble.quiet_groups(f)
    cls, _, scores = classify(f)
    assert cls != "ble", scores


@pytest.mark.parametrize("seed", [1, 2])
def test_a_connectable_advertiser_at_a_gsm_handsets_level_is_heard(seed):
    """The outsider's room: a GSM handset's train at -28 dBm and the camera's
    advertising 3 dB above it, one level mode. The bursts off the train's
    frames (components._separate) are the advertiser's; the train alone
    leaves no BLE there."""
    gsm = envelope("gsm", 3.0, level=-28.0, seed=seed)
    starts, widths = _connectable(3.0, 0.23, seed + 10)
    adv = burst_envelope(starts, widths, 3.0, seed=seed + 10, level=-25.0, floor=-80.0)
    for x, heard in ((_power_sum(gsm, adv), True), (gsm, False)):
        comps, _ = components(Recording(np.zeros(x.size, np.uint16), FS), dbm=x)
        assert any(c.cls == "ble" for c in comps) is heard, [(c.cls, c.level_dbm) for c in comps]
        assert any(c.cls == "gsm" for c in comps), [(c.cls, c.level_dbm) for c in comps]


def test_too_few_bursts_or_no_short_gaps_are_no_quiet_groups():
    """No bursts, one, or lone bursts every 50 ms with no PDUs close
    together (MIN_SHORT_GAPS): nothing to call an event's PDUs."""
    none = component(np.full(int(1.5 * FS), -63.0), FS, -25.0, 3.0, top=True)
    one = component(burst_envelope(np.array([0.5]), PDU_S, 1.5, seed=1), FS, -25.0, 3.0, top=True)
    lone = np.arange(0.01, 1.49, 0.05)
    spaced = component(burst_envelope(lone, PDU_S, 1.5, seed=1), FS, -25.0, 3.0, top=True)
    for f in (none, one, spaced):
        assert not ble.quiet_groups(f)


def test_one_or_two_events_are_no_quiet_groups():
    """Three PDUs once in a window, or then two more 0.3 s later: short gaps,
    but no two silences between events to measure (one interval says
    nothing of an advertiser's)."""
    first = 0.4 + np.array([0.0, 0.9e-3, 1.8e-3])
    second = 0.7 + np.array([0.0, 0.9e-3])
    for starts in (first, np.concatenate([first, second])):
        f = component(burst_envelope(starts, PDU_S, 1.5, seed=2), FS, -25.0, 3.0, top=True)
        assert not ble.quiet_groups(f)
