"""Wi-Fi device streaming (a network camera sending video).

IEEE 802.11-2020 data frames: bursts of variable length (a 1500-byte frame takes
about 0.05-2 ms depending on the rate, 6 to 300 Mbit/s) at no fixed period;
video encoders make the traffic heavy and variable (DeWiCam, MobiSys 2018;
hiddenwebcam). What sets it apart: many frames a second with no slot grid (GSM,
DECT, Bluetooth, LTE all have one); the grids it is tested against are in
roomsweep.standards.

The PHY rate sets how long a frame is on the air, not how many are sent. Frames
spread at random are counted as frames at any PHY rate, even one sample each
(under 1 % of the air at 54-300 Mbit/s), when they stand further above the
window's floor than its own noise reaches: the floor's median and spread give
how many crossings its noise would make, and a burst count far out in that
Poisson tail is a transmitter; bursts the noise could have made are nothing,
whatever their rate or airtime. Frames among beacons are an access point's.
A camera sends each video frame's packets back to back (or aggregated in one
A-MPDU at HT rates): then they are clusters at the video frame rate (merged
into one burst when the gaps between packets are shorter than a sample), of
sizes that vary with the scene and the I-frames, or keeping the video's frame
clock (clusters of a sample or two, a low-bitrate P-frame in one A-MPDU, by
the clock alone), and those count at any PHY rate. Fitted on the NESL traces
v_test8, v_test9 and w_test7 and checked on v_test10 and w_test8 (held out),
at 6-300 Mbit/s, frames spread or back to back (docs/benchmarks.md, "Wi-Fi
cameras on real traffic").
"""

from __future__ import annotations

import weakref

import numpy as np
from scipy import special

from roomsweep.analysis.classifiers.base import (
    CARRIER_DUTY,
    CARRIER_DUTY_FULL,
    FRAME_TOLERANCE_S,
    Classifier,
    frame_regularity,
    own_cadence,
    ramp,
)
from roomsweep.analysis.classifiers.ble import (
    CLOCKED_MIN_PAIRS,
    EXACT_SHARE,
    clocked,
    exact_share,
)
from roomsweep.analysis.classifiers.lte import ALONE_LATTICE_Z, LATTICE_MIN_BURSTS, lattice_z
from roomsweep.analysis.classifiers.wifi_beacon import BEACON_REGULARITY, beacon_train
from roomsweep.analysis.dsp import _median, grid_fraction, level_modes
from roomsweep.analysis.features import Features, subset
from roomsweep.standards import (
    BT_SLOT_S,
    DECT_FRAME_S,
    GSM_FRAME_S,
    LTE_SUBFRAME_S,
    WIFI_BEACON_INTERVAL_S,
)

MIN_BURSTS = 20  # fewer frames than this say too little about a rate or a grid
# A camera sends 60-180 frames a second (the NESL SnoopDog traces: 0.7-0.9
# Mbit/s in frames of up to 1500 bytes), fewer while the scene is still: a
# stream from 40 a second, fully from 60 (fitted on v_test8, v_test9 and
# w_test7: 70 left their quiet windows at 40-60 frames a second out); an access
# point's data traffic far fewer beyond its beacons (_beyond_beacons)
BUSY_RATE_HZ = (40, 60)
# Their airtime is no test: 0.7 Mbit/s is 3-5 % of the air at 24 Mbit/s but
# under 1 % at 54-300 Mbit/s, single samples at random times (1500 bytes last
# 80-250 us, a sample 125 us at 8 kS/s). What tells frames from the samples
# where the detector's noise crosses a level is how far above the floor they
# stand (_beyond_noise). The floor is the window's lowest level mode, read as
# components reads modes (modes closer than 6 dB are one; its samples within
# 3 dB, components.MODE_HALF_WIDTH_DB) ...
FLOOR_SEPARATION_DB = 6.0
FLOOR_HALF_WIDTH_DB = 3.0
# ... holding at least 1 % of the window: a busy channel shows its floor only
# in the gaps (a camera and a phone on air 70-90 % of a stop), while a noisy
# floor's far tail makes small modes of its own below it (0.1 %)
FLOOR_MIN_FRACTION = 0.01
# The floor's median from its samples within FLOOR_HALF_WIDTH_DB of it: the
# mode is a 1 dB histogram bin, so that window is centred again on its median
FLOOR_ITERATIONS = 4
NOISE_MIN_SAMPLES = 100  # fewer say nothing about a floor's spread
FLOOR_CACHE = 64  # windows whose floor is remembered (a stop's few, and their parts)
# The least spread a floor read by the device can have: one ADC count, 0.76 mV
# (3.1 V full scale in 4096 counts at 11 dB attenuation, ESP-IDF) on the
# AD8318's -25 mV/dB slope (datasheet): 0.03 dB
NOISE_MIN_SIGMA_DB = 0.03
# The burst count's Poisson tail probability when every sample crossed the
# component's lowest level as often as that floor's noise would: evidence of a
# transmitter from 1e-3, beyond doubt from 1e-6 (a 1.5 s window holds 12 000
# samples; a floor of 0.5 dB crosses 2 sigma in 2.3 % of them) ...
NOISE_LOG10_P = (3.0, 6.0)
# ... and that level this many of the floor's standard deviations above it: a
# floor is Gaussian only near its median (its far tail is heavier, and its
# median and spread are estimates), so frames must stand 3 sigma out, fully 5.
# The NESL cameras' frames stand 60 sigma above a 0.5 dB floor (30 dB).
NOISE_Z = (3.0, 5.0)
# Frames from an access point come with its beacons: 100-300 bytes at the
# 1 Mbit/s DSSS basic rate, 0.9-2.6 ms with the 192 us long preamble (IEEE
# 802.11-2020 16.2.2), every 102.4 ms (11.1.3), each deferred by the frame on
# the air but never early. However busy its data, they keep the TBTT grid
# (wifi_beacon.beacon_train, the same test wifi_beacon scores a busy access
# point by, so the two agree); a camera's frames of that length (6 Mbit/s:
# 2 ms) come at random.
# Clusters take less air: 1500 bytes at 300 Mbit/s last about 80 us, yet fill
# at least one sample (125 us at 8 kS/s) each: 40 a second are 0.5 %; busy
# from 0.3 %, fully from 0.6 %
CLUSTER_DUTY = (0.003, 0.006)
# Packets sent back to back: gaps of SIFS + ACK + DIFS + 0..15 slots (72-207 us,
# IEEE 802.11-2020 10.3, analysis.traffic) join one video frame's packets into
# one cluster; 0.3 ms is that and the edge blur of a sample either side
CLUSTER_GAP_S = 0.3e-3
# Clusters at a video frame rate: cameras send 10-30 frames a second. A 10 fps
# camera must count fully although a window loses a frame beneath other
# traffic (outsider round 4's cameras at 10 fps scored 0.5 when this ramp ran
# from 8 to 12 a second): from 6 clusters a second, fully from 9
CLUSTER_RATE_HZ = (6, 9)
# ... whose sizes vary with the scene and the I-frame every GOP: the standard
# deviation of cluster lengths, from 0.2 ms, fully from 0.5 ms (fitted: the NESL
# fit traces' clusters at 300 Mbit/s spread 0.4-1.7 ms; a 4x I-frame of 20
# packets at 300 Mbit/s lasts about 4 ms, a P-frame of 5 about 1 ms)
CLUSTER_SPREAD_S = (0.2e-3, 0.5e-3)
# ... or, where a window holds no I-frame and a low bitrate makes the P-frames
# alike, the video's frame clock: each frame leaves a varying delay after its
# capture tick (encoding, then the medium), so successive intervals are
# anti-correlated (ble.clocked, as for a BLE advertiser that keeps a clock),
# at 10-30 frames a second (a frame's jitter either side), and spread by
# milliseconds: fewer than EXACT_SHARE[0] of them within two samples of their
# median, unlike a strict clock's (a BLE connection's anchors keep +-16 us,
# Core 5.4 Vol 6 Part B 4.5.7). Outsider round 4's room 20: a camera at 30 fps,
# 0.5 Mbit/s, 65 Mbit/s, its clusters 0.4 ms alike and clocked beyond doubt. At
# 20 fps or less a 1.5 s window holds too few intervals to show it so
VIDEO_CLOCK_INTERVAL_S = (1 / 31, 1 / 9)
# At least a few packets per cluster on average (median cluster at least this
# long): a lone short burst a tick is a beacon or an advertiser, not a video
# frame, unless the bursts keep a video frame clock (_video_clock): a camera at
# 0.3-0.6 Mbit/s and 20-30 fps sends 1.5-3.5 kB a P-frame, one A-MPDU of 0.2-0.4
# ms at 65 Mbit/s (outsider round 6b, room 44: median cluster 0.25 ms, clocked)
CLUSTER_MIN_WIDTH_S = 0.3e-3
# Clusters that hold a beacon train (_beacons) are an access point's beacons
# with its data between, not video frames.
# An LTE phone's scheduled transmissions are whole 1 ms subframes (3GPP TS
# 36.211), so its bursts' starts keep the subframe grid however far apart: the
# simulated LTE bugs' clusters 0.76-1.0 on it (ON_GRID rules that out), the NESL
# cameras' at most 0.12 (chance: 2 x 140 us / 1 ms = 0.28). Clusters come at
# least every 1 / CLUSTER_RATE_HZ[0] = 167 ms: grid multiples up to 200.
CLUSTER_GRID = (LTE_SUBFRAME_S, 140e-6)
CLUSTER_GRID_MAX_MULTIPLE = 200
# The slot grids of the kinds that have one, each with how far a burst start may
# stray from it. Random starts land that close to a grid point 2 * tolerance /
# period of the time (29 % on Bluetooth's and LTE's, 13 % on GSM's).
GRIDS = ((BT_SLOT_S, 90e-6), (LTE_SUBFRAME_S, 140e-6), (GSM_FRAME_S, FRAME_TOLERANCE_S))
GRID_MAX_MULTIPLE = 16  # a grid shows in gaps of up to 16 periods
# Share of intervals on the best grid: from 45 % (well above chance) it counts
# against a stream, from 75 % a stream is ruled out.
ON_GRID = (0.45, 0.75)
# The frame periods of TDMA kinds, tested even when two transmitters interleave
TDMA_FRAMES = (GSM_FRAME_S, DECT_FRAME_S)
# Frame regularity above chance (base.frame_regularity): lower than tdma_score's
# own range, as two interleaved transmitters each keep only part of the partners.
TDMA_REGULARITY = (0.15, 0.35)
# Edges on one phase of LTE's 1 ms subframe lattice beyond chance, in standard
# errors (lte.lattice_z): a handset's, from 2.5 (one-sided 0.6 %, 5 % over the 8
# phases the best is picked from), ruled out from 5. Cameras' frames start at
# random: the NESL traces' and 90 % of the simulated cameras' components are
# within 1.2 of chance; handsets near the floor, their edges blurred by its
# noise, reach only 3-5.
NO_LATTICE_Z = (2.5, 5.0)
# Standard deviation of burst lengths: a video encoder's frames of varied size
# spread them (a hint from 0.1 ms, fully from 0.3 ms) ...
WIDTH_SPREAD_S = (0.1e-3, 0.3e-3)
# ... but full-size frames all last alike; varied lengths are only a hint
SAME_WIDTHS_SCORE = 0.8


def _beyond_noise(f: Features) -> float:
    """How surely the bursts are not the detector's own noise crossings (0..1).

    The floor is the window's lowest level mode: its median from the samples
    within FLOOR_HALF_WIDTH_DB of the mode, its standard deviation from the
    samples below that median (nothing transmits below the floor, so these
    are its noise alone: a Gaussian's lower half has the RMS deviation of the
    whole). If every sample crossed the component's lowest level as often as
    that floor's noise would, the window would hold `rate` crossings on
    average; a burst count that far out in that Poisson tail is something
    transmitting."""
    window = f.dbm
    if window is None or f.count == 0:
        return 0.0
    got = floor_noise(window)
    if got is None:
        return 0.0
    floor, sigma, n = got
    z = (float(np.nanmin(window[f.on])) - floor) / sigma  # the component's lowest level
    rate = n * float(special.ndtr(-z))  # expected crossings
    p = float(special.pdtrc(f.count - 1, rate))  # Poisson: P(count or more)
    surprise = -np.log10(p) if p > 0 else np.inf
    return ramp(surprise, *NOISE_LOG10_P) * ramp(z, *NOISE_Z)


_FLOORS: dict[int, tuple[weakref.ref, tuple[float, float, int] | None]] = {}


def floor_noise(window: np.ndarray) -> tuple[float, float, int] | None:
    """(median, standard deviation, samples) of the window's floor, or None
    when it shows too little of one; remembered while the window lives (every
    level of a window asks about the same floor)."""
    key = id(window)
    held = _FLOORS.get(key)
    if held is not None and held[0]() is window:
        return held[1]
    x = window[np.isfinite(window)]
    out = None
    modes, _ = (
        level_modes(x, separation_db=FLOOR_SEPARATION_DB, min_fraction=FLOOR_MIN_FRACTION)
        if x.size >= NOISE_MIN_SAMPLES
        else (np.empty(0), {})
    )
    if modes.size:
        floor = float(modes[0])
        for _ in range(FLOOR_ITERATIONS):  # the window centred on the median (1 dB bins)
            near = x[np.abs(x - floor) <= FLOOR_HALF_WIDTH_DB]
            floor = _median(near) if near.size else floor  # np.median's value
        below = floor - x[x <= floor]
        if below.size >= NOISE_MIN_SAMPLES // 2:
            sigma = max(float(np.sqrt(np.mean(below**2))), NOISE_MIN_SIGMA_DB)
            out = (floor, sigma, int(x.size))
    if len(_FLOORS) >= FLOOR_CACHE:
        _FLOORS.clear()
    _FLOORS[key] = (weakref.ref(window), out)
    return out


def _beacons(f: Features) -> float:
    """How clearly the bursts among the frames keep a beacon train (0..1): an
    access point's beacons among its data frames (a station, such as a camera,
    sends none), on the ramp wifi_beacon scores a train by."""
    return ramp(beacon_train(f), *BEACON_REGULARITY)


def _beyond_beacons(f: Features, frames: float) -> float:
    """The frames term (BUSY_RATE_HZ's ramp, `frames`) counting only what is
    sent beside a beacon train: a train as clear as _beacons finds takes its
    one beacon per WIFI_BEACON_INTERVAL_S off the rate. A station (a camera
    joined to a network) sends no beacons; an access point's own data traffic
    is far under BUSY_RATE_HZ beyond them, or short frames at random (a guest's
    traffic: events under CLUSTER_MIN_WIDTH_S, where the beacons count against
    it as before); a camera that is itself the access point (its own hotspot,
    which the viewer's phone joins) streams a camera's rate of video frames,
    runs of packets back to back, beside its beacons."""
    beacons = _beacons(f)
    if beacons == 0:
        return frames
    _, widths = f.events(CLUSTER_GAP_S)
    if widths.size == 0 or _median(widths) < CLUSTER_MIN_WIDTH_S:
        # short frames at random: an access point serving a guest, not video
        return frames * (1.0 - beacons)
    return ramp(f.burst_rate_hz - beacons / WIFI_BEACON_INTERVAL_S, *BUSY_RATE_HZ)


def _clusters(f: Features) -> float:
    """How clearly the bursts come in clusters at a video frame rate, of varied
    length or keeping a video frame clock; clusters too narrow for their
    lengths to vary (CLUSTER_MIN_WIDTH_S) by the clock alone (0..1)."""
    starts, widths = f.events(CLUSTER_GAP_S)
    if starts.size < MIN_BURSTS // 2 or f.duration_s <= 0:
        return 0.0
    rate = ramp(starts.size / f.duration_s, *CLUSTER_RATE_HZ)
    if rate == 0:
        return 0.0
    narrow = _median(widths) < CLUSTER_MIN_WIDTH_S  # np.median's value
    clock = _video_clock(starts) if narrow else None
    if clock == 0:
        return 0.0
    # an access point's beacons (102.4 ms) with its data frames between also
    # come 10-20 a second in varied lengths: clusters on the beacon grid are
    # its (wifi_beacon's test); a camera's video frames keep no such grid
    not_beacons = 1.0 - _beacons(f)
    on_grid, _ = grid_fraction(starts, *CLUSTER_GRID, max_multiple=CLUSTER_GRID_MAX_MULTIPLE)
    not_lte = 1.0 - ramp(on_grid, *ON_GRID)
    # clusters of a sample or two: their lengths say nothing, the clock all
    spread = 0.0 if narrow else ramp(float(np.std(widths)), *CLUSTER_SPREAD_S)
    if spread < 1.0:
        spread = max(spread, _video_clock(starts) if clock is None else clock)
    return rate * not_beacons * not_lte * spread


def _video_clock(starts: np.ndarray) -> float:
    """How clearly clusters starting at `starts` keep a video frame clock with
    a camera's jitter (VIDEO_CLOCK_INTERVAL_S), 0..1."""
    iv = np.diff(starts)
    if iv.size <= CLOCKED_MIN_PAIRS:  # too few pairs for clocked to judge
        return 0.0
    med = float(np.median(iv))
    if not VIDEO_CLOCK_INTERVAL_S[0] <= med <= VIDEO_CLOCK_INTERVAL_S[1]:
        return 0.0
    if exact_share(iv, med) >= EXACT_SHARE[0]:
        return 0.0  # a strict clock's, not a camera's
    return clocked(iv, med)


def _grid(f: Features) -> float:
    """The share of intervals on the best slot grid. Packets back to back
    follow each other at their airtime plus the guards, which can sit near a
    slot (625 us after a 24 Mbit/s frame); a slotted transmitter keeps its grid
    between its clusters too, so where there are clusters the fewer on a grid
    of the two counts."""

    # LTE's grid only where the edges keep its lattice: frames of about 2 ms
    # (1500 bytes at 6 Mbit/s) back to back keep the 1 ms grid by their
    # intervals, but drift across the lattice (lte.ALONE_LATTICE_Z)
    grids: tuple[tuple[float, float], ...] = GRIDS
    if f.count >= LATTICE_MIN_BURSTS and lattice_z(f) < ALONE_LATTICE_Z[1]:
        grids = tuple(g for g in GRIDS if g[0] != LTE_SUBFRAME_S)

    def best(starts: np.ndarray) -> float:
        return max(
            grid_fraction(starts, p, tol, max_multiple=GRID_MAX_MULTIPLE)[0] for p, tol in grids
        )

    on_grid = best(f.starts_s)
    starts, _ = f.events(CLUSTER_GAP_S)
    if starts.size >= MIN_BURSTS and starts.size < 0.8 * f.count:
        on_grid = min(on_grid, best(starts))
    return on_grid


def _too_few(f: Features) -> bool:
    """Too few bursts, and too few clusters of them, to read as a stream."""
    return f.count < MIN_BURSTS and f.events(CLUSTER_GAP_S)[0].size < MIN_BURSTS // 2


def _off_grids(f: Features) -> float:
    """The score's factors that take neither the beacon fit nor the window's
    floor, their product in order (each in 0..1; 0 as soon as one is): off
    the slots' grid, off the TDMA frames, off the LTE subframe lattice."""
    no_grid = 1.0 - ramp(_grid(f), *ON_GRID)
    if no_grid == 0:
        return 0.0
    # nor a frame period, even when two TDMA transmitters interleave (GSM, DECT)
    no_grid *= 1.0 - ramp(_tdma(f), *TDMA_REGULARITY)
    # nor an LTE handset's subframe lattice: under per-subframe power control
    # (3GPP TS 36.213 5.1.1.1) and other traffic its bursts at one level are
    # runs of subframes cut anywhere, their intervals off the grid, yet their
    # edges keep one phase of the 1 ms lattice (lte.lattice_z, on the ramp lte
    # scores it by); a camera's frames start at random (chance: the NESL
    # traces' and the simulated cameras' sit within 1-2 standard errors of it)
    no_grid *= 1.0 - ramp(_subframes_lattice_z(f), *NO_LATTICE_Z)
    return no_grid


def _subframes_lattice_z(f: Features) -> float:
    """lte.lattice_z, but 0 where no burst could be a whole subframe, and over
    LATTICE_MIN_BURSTS or more such bursts the lesser of it and theirs: a
    handset is scheduled whole 1 ms subframes (3GPP TS 36.211 4.1), so edges
    on the lattice with no burst a subframe long (less a sample at either edge
    for the detector's filter) are no handset's (outsider round 6c, room 50: a
    camera's 0.1-0.3 ms A-MPDUs, their starts bunched on a phase of the
    millisecond 4.7 standard errors over chance, as a sender pacing its
    packets on a 1 kHz timer tick bunches them). A handset's level mode keeps
    fragments of its runs too (other kinds' bursts over them): with a few
    whole ones among them the lattice over all its edges stands. The long
    bursts alone can keep a phase by chance (the NESL cameras' runs of frames
    sent back to back lost a sixth of their windows): over many, both must.
    (A subframe long, not lte's whole number of them: a run's end may be cut
    by another kind's burst anywhere.)"""
    z = lattice_z(f)
    long_enough = f.widths_s >= LTE_SUBFRAME_S - 2.0 / f.fs
    if z <= 0 or long_enough.all():
        return z
    if not long_enough.any():
        return 0.0
    if np.count_nonzero(long_enough) < LATTICE_MIN_BURSTS:
        return z
    return min(z, lattice_z(subset(f, long_enough)))


def score(f: Features) -> float:
    if _too_few(f):
        return 0.0
    # the factors without the beacon fit or the window's floor first (bound's):
    # where one is 0 so is the score, whatever the others (all in 0..1)
    no_grid = _off_grids(f)
    if no_grid == 0:
        return 0.0
    frames = ramp(f.burst_rate_hz, *BUSY_RATE_HZ) if f.count >= MIN_BURSTS else 0.0
    if frames:
        frames = _beyond_beacons(f, frames)
    busy = max(frames, ramp(f.duty, *CLUSTER_DUTY) * _clusters(f))
    if busy:
        busy *= _beyond_noise(f)
    not_continuous = 1.0 - ramp(f.duty, CARRIER_DUTY, CARRIER_DUTY_FULL)
    if busy * not_continuous == 0:
        return 0.0
    spread = ramp(float(np.std(f.widths_s)) if f.count else 0.0, *WIDTH_SPREAD_S)
    return busy * no_grid * max(spread, SAME_WIDTHS_SCORE) * not_continuous


def _tdma(f: Features) -> float:
    """The bursts' regularity on the TDMA frames (base.frame_regularity), 0
    where they keep a cadence of their own as strictly (frames back to back:
    the partners are its cadence's multiples)."""
    tdma = max(frame_regularity(f.starts_s, period) for period in TDMA_FRAMES)
    if tdma > TDMA_REGULARITY[0] and own_cadence(f.starts_s, min(TDMA_FRAMES)) >= tdma:
        tdma = 0.0
    return tdma


def bound(f: Features) -> float:
    """At least score(f), and cheaper: the score is _off_grids' product times
    more factors in 0..1, so no more than it (rounding keeps a product by a
    factor of at most 1 from growing), which takes neither the window's floor
    nor the beacon fit."""
    return 0.0 if _too_few(f) else _off_grids(f)


CLASSIFIER = Classifier(
    "wifi_camera",
    "Wi-Fi camera streaming video",
    "IEEE 802.11-2020 data frames",
    score,
    # a camera module sends 13-20 dBm (ESP32-CAM class, docs/
    # sources.md §7): within 0.5 m (FSPL 40 dB at 1 m, n = 2.5)
    # above -20 dBm; -38 dBm leaves 18 dB for what hides it
    in_room_dbm=-38.0,
    period_s=None,
    bound=bound,
)
