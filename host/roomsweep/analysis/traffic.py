"""Wi-Fi traffic traces as a power detector sees them, and whether the traffic
follows the user's motion.

`traffic_envelope` turns a bytes-per-bin trace (the NESL "Detecting Hidden
Sensors" format: one number per line, bytes a device sent in each 100 ms bin)
into the envelope, in dBm, that a detector near the device would sample: the
device's frames at its received level for their airtime, the floor otherwise.

`motion_coupling` asks the question SnoopDog (Singh et al., USENIX Security 2021)
asks with Granger causality: does the traffic rise and fall with the user's
motion? A camera watching the user encodes more bits when the scene moves
(variable-bit-rate video); another Wi-Fi device does not care. Here the test is a
lagged correlation between the accelerometer's motion energy per bin and the
traffic, with a circular-shift surrogate test for significance.

Examples use small synthetic signals and run as doctests.

Why this module is long: it is the one reader of the NESL trace pair (traffic and
accelerometer); the envelope and the motion test both start from those files.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import numpy as np

from roomsweep.analysis.validate import check_positive as _check_positive

# --- 802.11 timing -----------------------------------------------------------
# ERP-OFDM (802.11g) and HT (802.11n) at 2.4 GHz, 20 MHz channel, one stream.
# IEEE 802.11-2020 17.4.3 (OFDM PHY TXTIME): TXTIME = T_PREAMBLE + T_SIGNAL +
#   T_SYM * ceil((16 + 8 * LENGTH + 6) / N_DBPS), T_PREAMBLE = 16 us,
#   T_SIGNAL = 4 us, T_SYM = 4 us, N_DBPS = rate * 4 us; 16 SERVICE bits and 6
#   tail bits. Example: 1500 bytes at 24 Mbit/s -> 20 + 126 * 4 = 524 us.
# IEEE 802.11-2020 Clause 18 (ERP): every ERP-OFDM PPDU in the 2.4 GHz band is
#   followed by a 6 us signal extension; aSIFSTime = 10 us, short aSlotTime = 9 us.
# IEEE 802.11-2020 19.4.3 (HT-mixed TXTIME): the HT preamble adds HT-SIG (8 us),
#   HT-STF (4 us) and one HT-LTF per stream (4 us) to the 20 us legacy part,
#   i.e. 36 us for one stream: pass preamble_us=36 for 802.11n rates (65 or
#   72.2 Mbit/s at MCS7).
# IEEE 802.11-2020 10.3 (DCF): DIFS = aSIFSTime + 2 * aSlotTime = 28 us, then a
#   random backoff of 0..CW slots, CWmin = 15 for OFDM/ERP.
# IEEE 802.11-2020 9.3.1 (control frames): the Ack is 14 bytes, sent SIFS after
#   the data frame by the access point at a basic rate (24 Mbit/s here:
#   20 + 2 * 4 + 6 = 34 us). It comes from the access point, not the camera:
#   near the camera it is at the AP's (much lower) level, so in this envelope it
#   is part of the silence between the camera's frames.
# The NESL byte counts are the captured frame lengths (MAC header and FCS
# included), so the only per-frame overhead added is the PHY's.
T_PREAMBLE_US = 16.0
T_SIGNAL_US = 4.0
T_SYM_US = 4.0
SIGNAL_EXTENSION_US = 6.0
SIFS_US = 10.0
SLOT_US = 9.0
DIFS_US = SIFS_US + 2 * SLOT_US
CW_MIN = 15
ACK_BYTES = 14
ACK_RATE_MBPS = 24.0
MAX_FRAME_BYTES = 1500  # an Ethernet-MTU-sized MSDU per frame (no aggregation)
# Frame placement in a bin: "random" (each frame on its own, at random times) or
# "clustered": a camera sends each video frame as soon as it is encoded, its
# packets back to back (DeWiCam, MobiSys 2018; roomsweep.sim.wifi_video), so the
# bin's bytes leave in clusters at the video frame rate.
PLACEMENTS = ("random", "clustered")
# 15 frames a second: the default of the simulator's video model
# (roomsweep.sim.wifi_video.VIDEO_DEFAULTS), a common IP-camera setting
VIDEO_FPS = 15.0


def frame_airtime_us(
    nbytes, phy_rate_mbps: float = 24.0, preamble_us: float = T_PREAMBLE_US + T_SIGNAL_US
) -> np.ndarray:
    """Airtime of OFDM PPDUs carrying `nbytes` bytes each, microseconds
    (802.11-2020 17.4.3 TXTIME plus the 2.4 GHz ERP signal extension).

    Examples
    --------
    >>> frame_airtime_us([1500, 14], 24.0).round(1).tolist()
    [530.0, 34.0]
    """
    n = np.asarray(nbytes, dtype=np.float64)
    rate = _check_positive(phy_rate_mbps, "phy_rate_mbps")
    preamble_us = _check_positive(preamble_us, "preamble_us")
    if np.any(n < 0):
        raise ValueError("nbytes must be non-negative")
    n_dbps = rate * T_SYM_US  # data bits per 4 us OFDM symbol
    n_sym = np.ceil((16 + 8 * n + 6) / n_dbps)
    return preamble_us + T_SYM_US * n_sym + SIGNAL_EXTENSION_US


def load_traffic(path) -> np.ndarray:
    """Bytes per bin from a NESL trace (one number per line).

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "wifi.csv")
    ...     _ = open(p, "w").write("1.5e+03\\n0\\n3.0e+02\\n")
    ...     load_traffic(p).tolist()
    [1500.0, 0.0, 300.0]
    """
    b = np.loadtxt(Path(path), dtype=np.float64, ndmin=1)
    if b.ndim != 1:
        raise ValueError(f"{path}: expected one number per line, got shape {b.shape}")
    if not np.all(np.isfinite(b)) or np.any(b < 0):
        raise ValueError(f"{path}: bytes per bin must be finite and non-negative")
    return b


def traffic_envelope(
    bytes_per_bin,
    fs: float = 8000.0,
    *,
    bin_s: float = 0.1,
    level_dbm: float = -30.0,
    floor_dbm: float = -60.0,
    phy_rate_mbps: float = 24.0,
    preamble_us: float = T_PREAMBLE_US + T_SIGNAL_US,
    max_frame_bytes: int = MAX_FRAME_BYTES,
    noise_db: float = 0.5,
    seed: int = 0,
    placement: str = "random",
    fps: float = VIDEO_FPS,
) -> tuple[np.ndarray, dict]:
    """The RF envelope a power detector near a Wi-Fi device sees, from the bytes
    the device sent in each bin.

    Each bin's bytes are cut into frames of at most `max_frame_bytes`; each frame
    is on the air for its PPDU time (`frame_airtime_us`: payload bits at
    `phy_rate_mbps` plus preamble, SIGNAL, service/tail bits, symbol padding and
    signal extension). The frames of a bin are placed at random (seeded) without
    overlapping, each followed by the silence the channel access forces on the
    sender (SIFS + the AP's ACK + DIFS + a random backoff of 0..CWmin slots).
    With ``placement="clustered"`` the bin's bytes are shared among the video
    frames that fall in it (one every 1/`fps` s, at a random phase), and each
    video frame's packets go back to back from its time, with the same guards:
    how a camera sends an encoded frame at once.
    A sample sees the power averaged over its interval (the detector's video
    filter): ``on * P_device + (1 - on) * P_floor`` for the fraction ``on`` of
    the interval the device was transmitting, plus Gaussian detector noise of
    `noise_db` dB.

    Parameters
    ----------
    bytes_per_bin : 1-D array of bytes per bin (non-negative).
    fs : output sample rate, samples per second (8 kS/s: the device's ADC).
    bin_s : bin length of the trace, seconds (100 ms for NESL).
    level_dbm, floor_dbm : received level of the device and the detector's floor.
    phy_rate_mbps : the device's PHY data rate (24-72 Mbit/s for 802.11g/n).
    preamble_us : PHY preamble and header (20 us ERP-OFDM, 36 us HT-mixed).
    max_frame_bytes : largest frame.
    noise_db : standard deviation of the detector noise, dB (0 for none).
    seed : seeds the frame placement and the noise.
    placement : ``"random"`` (frames spread over the bin) or ``"clustered"``
        (back to back, one cluster per video frame).
    fps : video frames per second, for ``"clustered"``.

    Returns
    -------
    dbm : 1-D float64 array, ``round(len(bytes_per_bin) * bin_s * fs)`` samples.
    properties : dict with ``airtime`` (fraction of each bin on the air),
        ``frames`` (frames per bin), ``starts_s`` and ``ends_s`` (each frame) and
        ``duty`` (overall airtime fraction).

    Examples
    --------
    A 2 Mbit/s stream (25 000 bytes per 100 ms) at 24 Mbit/s is on the air
    about 9 % of the time, in 17 frames per bin:

    >>> dbm, p = traffic_envelope(np.full(5, 25000.0), seed=1)
    >>> dbm.size, p["frames"].tolist(), round(p["duty"], 3)
    (4000, [17, 17, 17, 17, 17], 0.088)
    >>> bool(np.mean(dbm > -33) > 0.05), bool(np.median(dbm) < -55)
    (True, True)
    """
    b, fs, bin_s, phy_rate_mbps, preamble_us, max_frame_bytes = _check_envelope_args(
        bytes_per_bin,
        fs,
        bin_s,
        level_dbm,
        floor_dbm,
        phy_rate_mbps,
        preamble_us,
        max_frame_bytes,
        noise_db,
    )
    if placement not in PLACEMENTS:
        raise ValueError(f"placement must be one of {PLACEMENTS}, got {placement!r}")
    fps = _check_positive(fps, "fps")
    rng = np.random.default_rng(seed)
    ack_us = float(frame_airtime_us(ACK_BYTES, ACK_RATE_MBPS))
    video_phase = float(rng.uniform(0.0, 1.0 / fps))
    starts_all, ends_all = [], []
    frames = np.zeros(b.size, dtype=np.int64)
    airtime = np.zeros(b.size)
    for i, nbytes in enumerate(b):
        nb = int(round(nbytes))
        if nb <= 0:
            continue
        if placement == "random":
            s, e = _bin_frames(
                nb, i * bin_s, bin_s, rng, ack_us, phy_rate_mbps, preamble_us, max_frame_bytes
            )
        else:
            s, e = _clustered_frames(
                nb,
                i * bin_s,
                bin_s,
                rng,
                ack_us,
                phy_rate_mbps,
                preamble_us,
                max_frame_bytes,
                fps,
                video_phase,
            )
        frames[i] = s.size
        airtime[i] = float(np.sum(e - s)) / bin_s
        starts_all.append(s)
        ends_all.append(e)

    n_out = int(round(b.size * bin_s * fs))
    s, e, on = _on_fraction(starts_all, ends_all, n_out, fs)
    p_mw = on * 10 ** (level_dbm / 10) + (1 - on) * 10 ** (floor_dbm / 10)
    dbm = 10 * np.log10(p_mw)
    if noise_db > 0:
        dbm = dbm + rng.normal(0.0, noise_db, dbm.size)
    return dbm, {
        "airtime": airtime,
        "frames": frames,
        "starts_s": s,
        "ends_s": e,
        "duty": float(airtime.mean()) if airtime.size else 0.0,
    }


def _check_envelope_args(
    bytes_per_bin,
    fs,
    bin_s,
    level_dbm,
    floor_dbm,
    phy_rate_mbps,
    preamble_us,
    max_frame_bytes,
    noise_db,
) -> tuple[np.ndarray, float, float, float, float, int]:
    """`traffic_envelope`'s arguments checked: (bytes per bin as float64, fs,
    bin_s, phy_rate_mbps, preamble_us, max_frame_bytes as int)."""
    b = np.asarray(bytes_per_bin, dtype=np.float64)
    if b.ndim != 1:
        raise ValueError(f"bytes_per_bin must be one-dimensional, got shape {b.shape}")
    if not np.all(np.isfinite(b)) or np.any(b < 0):
        raise ValueError("bytes_per_bin must be finite and non-negative")
    fs = _check_positive(fs, "fs")
    bin_s = _check_positive(bin_s, "bin_s")
    phy_rate_mbps = _check_positive(phy_rate_mbps, "phy_rate_mbps")
    preamble_us = _check_positive(preamble_us, "preamble_us")
    if not (np.isfinite(level_dbm) and np.isfinite(floor_dbm)) or level_dbm <= floor_dbm:
        raise ValueError(
            f"level_dbm ({level_dbm}) must be finite and above floor_dbm ({floor_dbm})"
        )
    if (
        isinstance(max_frame_bytes, bool)
        or not isinstance(max_frame_bytes, (int, np.integer))
        or max_frame_bytes < 1
    ):
        raise ValueError(f"max_frame_bytes must be a positive integer, got {max_frame_bytes!r}")
    if not np.isfinite(noise_db) or noise_db < 0:
        raise ValueError(f"noise_db must be non-negative, got {noise_db!r}")
    return b, fs, bin_s, phy_rate_mbps, preamble_us, int(max_frame_bytes)


def _frame_train(
    nb: int,
    rng: np.random.Generator,
    ack_us: float,
    phy_rate_mbps: float,
    preamble_us: float,
    max_frame_bytes: int,
    shuffle: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Airtime and the guard after it (SIFS + ACK + DIFS + a random backoff), in
    seconds, of each frame carrying `nb` bytes in frames of at most
    `max_frame_bytes` (the short one last, or anywhere with `shuffle`)."""
    n = -(-nb // max_frame_bytes)
    sizes = np.full(n, max_frame_bytes)
    sizes[-1] = nb - max_frame_bytes * (n - 1)
    if shuffle:
        rng.shuffle(sizes)
    dur = frame_airtime_us(sizes, phy_rate_mbps, preamble_us) * 1e-6
    guard = (SIFS_US + ack_us + DIFS_US + rng.integers(0, CW_MIN + 1, n) * SLOT_US) * 1e-6
    return dur, guard


def _bin_frames(
    nb: int,
    t0: float,
    bin_s: float,
    rng: np.random.Generator,
    ack_us: float,
    phy_rate_mbps: float,
    preamble_us: float,
    max_frame_bytes: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Start and end times (s) of the frames carrying `nb` bytes in the bin that
    starts at `t0`: frames of at most `max_frame_bytes` in random order, each
    followed by SIFS + ACK + DIFS + a random backoff, placed at random in the
    bin's free time (back to back when there is none, cut at the bin's end)."""
    dur, guard = _frame_train(
        nb, rng, ack_us, phy_rate_mbps, preamble_us, max_frame_bytes, shuffle=True
    )
    n = dur.size
    free = bin_s - float(np.sum(dur + guard))
    if free > 0:
        # random placement: the free time cut at n uniform points
        cuts = np.sort(rng.uniform(0.0, free, n))
        lead = np.diff(np.r_[0.0, cuts])
    else:  # saturated: back to back, whatever does not fit is cut at the bin end
        lead = np.zeros(n)
    s = t0 + np.cumsum(lead + np.r_[0.0, (dur + guard)[:-1]])
    e = np.minimum(s + dur, t0 + bin_s)
    keep = s < t0 + bin_s
    return s[keep], e[keep]


def _clustered_frames(
    nb: int,
    t0: float,
    bin_s: float,
    rng: np.random.Generator,
    ack_us: float,
    phy_rate_mbps: float,
    preamble_us: float,
    max_frame_bytes: int,
    fps: float,
    phase_s: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Start and end times (s) of the frames carrying `nb` bytes in the bin that
    starts at `t0`, sent as video frames: the video frame times ``phase_s + k /
    fps`` inside the bin share the bytes equally, and each one's packets go back
    to back (SIFS + ACK + DIFS + backoff between), cut at the bin's end."""
    k0 = int(np.ceil((t0 - phase_s) * fps - 1e-9))
    times = phase_s + np.arange(k0, k0 + int(np.ceil(bin_s * fps)) + 1) / fps
    times = times[(times >= t0) & (times < t0 + bin_s)]
    if times.size == 0:  # a bin shorter than a frame period: one at its middle
        times = np.array([t0 + bin_s / 2])
    share = np.full(times.size, nb // times.size)
    share[: nb - int(share.sum())] += 1
    starts, ends = [], []
    busy_until = t0  # a cluster that would run into the next one delays it
    for t, b in zip(times, share):
        if b <= 0:
            continue
        dur, guard = _frame_train(
            int(b), rng, ack_us, phy_rate_mbps, preamble_us, max_frame_bytes, shuffle=False
        )
        s = max(float(t), busy_until) + np.r_[0.0, np.cumsum(dur + guard)[:-1]]
        starts.append(s)
        ends.append(s + dur)
        busy_until = float(s[-1] + dur[-1] + guard[-1])
    s, e = np.concatenate(starts), np.concatenate(ends)
    e = np.minimum(e, t0 + bin_s)
    keep = s < t0 + bin_s
    return s[keep], e[keep]


def _on_fraction(
    starts_all: list[np.ndarray], ends_all: list[np.ndarray], n_out: int, fs: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All frames' starts and ends (s), and the fraction of each of `n_out`
    samples at `fs` that the device was on the air."""
    edges = np.arange(n_out + 1) / fs
    if starts_all:
        s = np.concatenate(starts_all)
        e = np.concatenate(ends_all)
        # cumulative on-time C(t) is piecewise linear with corners at the frame
        # edges; on-fraction of sample k = (C(edge k+1) - C(edge k)) * fs
        bp_t = np.column_stack([s, e]).ravel()
        bp_c = np.column_stack([np.cumsum(e - s) - (e - s), np.cumsum(e - s)]).ravel()
        cum = np.interp(edges, bp_t, bp_c, left=0.0, right=bp_c[-1] if bp_c.size else 0.0)
        on = np.clip(np.diff(cum) * fs, 0.0, 1.0)
    else:
        s = e = np.zeros(0)
        on = np.zeros(n_out)
    return s, e, on


def load_imu(path) -> tuple[np.ndarray, np.ndarray]:
    """Accelerometer log in the NESL format: ``YYYY-mm-dd_HH-MM-SS-mmm, ax, ay, az``
    per line (m/s**2). Returns (seconds from the first sample, (n, 3) array).

    Examples
    --------
    >>> import tempfile, os
    >>> rows = "2019-10-31_02-55-41-572, 0.0, 0.0, 9.8\\n2019-10-31_02-55-41-672, 1.0, 0.0, 9.8\\n"
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "imu.csv")
    ...     _ = open(p, "w").write(rows)
    ...     t, acc = load_imu(p)
    >>> t.round(3).tolist(), acc.shape
    ([0.0, 0.1], (2, 3))
    """
    ts, acc = [], []
    with open(Path(path)) as fh:
        for lineno, line in enumerate(fh, 1):
            parts = [p.strip() for p in line.split(",")]
            if len(parts) < 4 or not parts[0]:
                continue
            try:
                t = _dt.datetime.strptime(parts[0], "%Y-%m-%d_%H-%M-%S-%f")
                acc.append([float(v) for v in parts[1:4]])
            except ValueError as exc:
                raise ValueError(f"{path}:{lineno}: not a NESL IMU row ({exc})") from None
            ts.append(t.timestamp())
    if not ts:
        raise ValueError(f"{path}: no IMU rows")
    t_arr = np.asarray(ts)
    return t_arr - t_arr[0], np.asarray(acc)


def motion_energy(t_s, acc, n_bins: int, bin_s: float = 0.1) -> np.ndarray:
    """Motion energy per bin: mean squared deviation of the accelerometer
    magnitude from its median (gravity) over the samples in each bin (0 for a
    bin without samples).

    Examples
    --------
    >>> t = np.arange(20) * 0.05
    >>> acc = np.zeros((20, 3)); acc[:, 2] = 9.8; acc[14:, 0] = 3.0
    >>> motion_energy(t, acc, 10).round(1).tolist()
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.2, 0.2, 0.2]
    """
    t = np.asarray(t_s, dtype=np.float64)
    a = np.asarray(acc, dtype=np.float64)
    if t.ndim != 1 or a.ndim != 2 or a.shape[0] != t.size:
        raise ValueError(f"t_s must be 1-D and acc (len(t_s), k), got {t.shape} and {a.shape}")
    if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)) or n_bins < 1:
        raise ValueError(f"n_bins must be a positive integer, got {n_bins!r}")
    bin_s = _check_positive(bin_s, "bin_s")
    n_bins = int(n_bins)
    mag = np.linalg.norm(a, axis=1)
    dev = (mag - np.median(mag)) ** 2
    k = np.floor(t / bin_s).astype(np.int64)
    ok = (k >= 0) & (k < n_bins)
    total = np.bincount(k[ok], dev[ok], n_bins)
    count = np.bincount(k[ok], None, n_bins)
    return total / np.maximum(count, 1)


def _compress(x: np.ndarray) -> np.ndarray:
    """Logarithm with an offset of 5 % of the median non-zero value: scale-free
    (bytes, airtime fractions and (m/s**2)**2 all compress alike) and finite at 0."""
    pos = x[x > 0]
    return np.log(x + (0.05 * float(np.median(pos)) if pos.size else 1.0))


def _smooth(x: np.ndarray, n: int) -> np.ndarray:
    if n <= 1:
        return x
    kernel = np.ones(n) / n
    pad = np.r_[np.full(n // 2, x[0]), x, np.full(n - 1 - n // 2, x[-1])]
    return np.convolve(pad, kernel, mode="valid")


def _lagged_corr(x: np.ndarray, y: np.ndarray, max_lag: int) -> np.ndarray:
    """Pearson correlation of x[t] with y[t + lag], lag = 0..max_lag."""
    n = x.size
    out = np.zeros(max_lag + 1)
    for lag in range(max_lag + 1):
        a, b = x[: n - lag], y[lag:]
        sa, sb = a.std(), b.std()
        out[lag] = (
            0.0
            if sa == 0 or sb == 0
            else float(np.mean((a - a.mean()) * (b - b.mean())) / (sa * sb))
        )
    return out


def motion_coupling(
    traffic,
    motion,
    *,
    max_lag_bins: int = 20,
    smooth_bins: int = 10,
    n_surrogates: int = 300,
    seed: int = 0,
) -> tuple[float, dict]:
    """How strongly traffic follows motion: the largest correlation between
    motion energy and traffic with the traffic lagging by 0..`max_lag_bins`.

    Both series are log-compressed (bursts of motion and keyframes span
    decades; the offset is 5 % of each series' median, so the units do not
    matter: bytes per bin or the airtime measured on an envelope give the same
    answer) and smoothed over `smooth_bins` bins (1 s at 100 ms bins) so the
    encoder's reaction and the user's movements line up. Significance: the
    same statistic with the motion series circularly shifted by random offsets
    (at least max_lag_bins + smooth_bins away) keeps both series' own structure
    but breaks their alignment; ``p_value`` is the share of shifts that correlate
    at least as well. This is a screening statistic, not SnoopDog's Granger test:
    it says "moves together", and camera traffic that follows motion does.

    Parameters
    ----------
    traffic : 1-D array, bytes per bin (or any measure of it: airtime per bin).
    motion : 1-D array, motion energy per bin (`motion_energy`); the shorter of
        the two series sets the length used.
    max_lag_bins : largest lag of the traffic behind the motion, bins.
    smooth_bins : moving-average length, bins.
    n_surrogates : number of circular shifts for the p-value.
    seed : seeds the shifts.

    Returns
    -------
    r : float, the largest lagged correlation.
    properties : dict with ``lag_bins`` (where it peaks), ``p_value``,
        ``r_by_lag`` and ``null_95`` (95th percentile of the surrogates).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> motion = np.repeat(rng.exponential(1.0, 50), 10) * rng.uniform(0.5, 1.5, 500)
    >>> follows = 2000 + 8000 * np.r_[np.zeros(3), motion[:-3]] + rng.normal(0, 500, 500)
    >>> r, p = motion_coupling(follows, motion)
    >>> bool(r > 0.5), bool(p["p_value"] < 0.05)
    (True, True)
    >>> r, p = motion_coupling(rng.permutation(follows), motion)
    >>> bool(r < 0.3), bool(p["p_value"] > 0.05)
    (True, True)
    """
    y = np.asarray(traffic, dtype=np.float64)
    x = np.asarray(motion, dtype=np.float64)
    if x.ndim != 1 or y.ndim != 1:
        raise ValueError("traffic and motion must be one-dimensional")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))) or np.any(x < 0) or np.any(y < 0):
        raise ValueError("traffic and motion must be finite and non-negative")
    for name, v, lo in (
        ("max_lag_bins", max_lag_bins, 0),
        ("smooth_bins", smooth_bins, 1),
        ("n_surrogates", n_surrogates, 1),
    ):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < lo:
            raise ValueError(f"{name} must be an integer >= {lo}, got {v!r}")
    max_lag_bins, smooth_bins = int(max_lag_bins), int(smooth_bins)
    n_surrogates = int(n_surrogates)
    n = min(x.size, y.size)
    margin = max_lag_bins + smooth_bins
    if n < 4 * margin + 2:
        raise ValueError(
            f"need at least {4 * margin + 2} bins for max_lag_bins={max_lag_bins} "
            f"and smooth_bins={smooth_bins}, got {n}"
        )
    xs = _smooth(_compress(x[:n]), smooth_bins)
    ys = _smooth(_compress(y[:n]), smooth_bins)
    r_by_lag = _lagged_corr(xs, ys, max_lag_bins)
    r = float(r_by_lag.max())
    rng = np.random.default_rng(seed)
    shifts = rng.integers(margin, n - margin, n_surrogates)
    null = np.array([_lagged_corr(np.roll(xs, int(k)), ys, max_lag_bins).max() for k in shifts])
    p_value = (1 + int(np.sum(null >= r))) / (1 + n_surrogates)
    return r, {
        "lag_bins": int(np.argmax(r_by_lag)),
        "p_value": float(p_value),
        "r_by_lag": r_by_lag,
        "null_95": float(np.percentile(null, 95)),
    }


def motion_phases(
    motion, *, bin_s: float = 0.1, smooth_bins: int = 10, min_phase_s: float = 2.0
) -> list[tuple[str, float, float]]:
    """Still and motion phases from a motion-energy series (`motion_energy`).

    The log-compressed series is smoothed over `smooth_bins` bins; a bin is
    "motion" above the middle of its 10th and 90th percentiles (motion energy
    spans decades between a phone held still and one waved: 0.1 against 1000
    (m/s**2)**2 in the NESL traces, so the threshold sits between the two on a
    log scale). A run shorter than `min_phase_s` joins the run before it.

    Returns
    -------
    phases : list of (kind, start_s, end_s), kind "still" or "motion", in order,
        covering the whole series.

    Examples
    --------
    >>> m = np.r_[np.full(50, 0.1), np.full(80, 900.0), np.full(60, 0.2)]
    >>> [(k, round(a, 1), round(b, 1)) for k, a, b in motion_phases(m)]
    [('still', 0.0, 5.1), ('motion', 5.1, 13.1), ('still', 13.1, 19.0)]
    """
    x = np.asarray(motion, dtype=np.float64)
    if x.ndim != 1 or x.size == 0 or not np.all(np.isfinite(x)) or np.any(x < 0):
        raise ValueError("motion must be a non-empty 1-D array, finite and non-negative")
    bin_s = _check_positive(bin_s, "bin_s")
    if isinstance(smooth_bins, bool) or not isinstance(smooth_bins, (int, np.integer)):
        raise ValueError(f"smooth_bins must be a positive integer, got {smooth_bins!r}")
    if smooth_bins < 1:
        raise ValueError(f"smooth_bins must be a positive integer, got {smooth_bins!r}")
    if not np.isfinite(min_phase_s) or min_phase_s < 0:
        raise ValueError(f"min_phase_s must be non-negative, got {min_phase_s!r}")
    s = _smooth(_compress(x), int(smooth_bins))
    lo, hi = np.percentile(s, [10, 90])
    moving = s > (lo + hi) / 2 if hi > lo else np.zeros(s.size, bool)
    edges = np.flatnonzero(np.diff(moving.astype(np.int8))) + 1
    runs = [
        [bool(moving[a]), int(a), int(b)]
        for a, b in zip(np.r_[0, edges], np.r_[edges, moving.size])
    ]
    merged: list[list] = []
    for r in runs:
        if merged and ((r[2] - r[1]) * bin_s < min_phase_s or merged[-1][0] == r[0]):
            merged[-1][2] = r[2]
        else:
            merged.append(r)
    return [("motion" if m else "still", a * bin_s, b * bin_s) for m, a, b in merged]
