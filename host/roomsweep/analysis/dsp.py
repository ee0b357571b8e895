"""Envelope DSP in scipy's style: arguments checked first, ``(result, properties)``.

Examples use small synthetic signals and run as doctests.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
import scipy.fft
from scipy import signal, special

from roomsweep.analysis.validate import check_1d as _check_1d
from roomsweep.analysis.validate import check_fs as _check_fs
from roomsweep.analysis.validate import check_nonnegative as _check_nonnegative
from roomsweep.analysis.validate import check_positive as _check_positive


def level_modes(
    dbm: np.ndarray,
    bin_db: float = 1.0,
    separation_db: float = 4.0,
    min_fraction: float = 0.001,
    counts: np.ndarray | None = None,
) -> tuple[np.ndarray, dict]:
    """Levels at which the envelope dwells: one per transmitter (and the floor).

    A log detector shows each transmitter's bursts at that transmitter's level,
    so the histogram of the envelope in dB has a peak per audible source.

    Parameters
    ----------
    dbm : 1-D array of detector input power, dBm.
    bin_db : histogram bin width, dB.
    separation_db : two levels closer than this are one mode.
    min_fraction : a mode must hold at least this fraction of the samples.
    counts : optional, how many samples sit at each level of `dbm` (then `dbm`
        lists levels, not samples). A window of a 12-bit ADC's samples holds at
        most 4096 levels: its histogram over the calibration table gives the
        same modes as the samples, without a pass over them per mode.

    Returns
    -------
    modes : ascending array of mode levels, dBm.
    properties : dict with ``fraction`` (samples within +-separation/2 of each
        mode) and ``floor`` (the lowest mode).

    Examples
    --------
    >>> x = np.r_[np.full(900, -60.0), np.full(100, -20.0)]
    >>> modes, p = level_modes(x)
    >>> modes.round().tolist(), p["fraction"].round(2).tolist()
    ([-60.0, -20.0], [0.9, 0.1])
    >>> level_modes(np.array([-60.0, -20.0]), counts=np.array([900, 100]))[0].round().tolist()
    [-60.0, -20.0]
    """
    x = np.asarray(_check_1d(dbm, "dbm"), dtype=np.float64)  # read only: no copy
    if bin_db <= 0 or separation_db <= 0:
        raise ValueError("bin_db and separation_db must be positive")
    weights = None
    if counts is not None:
        w = np.asarray(counts)
        if w.shape != x.shape or w.dtype.kind not in "ui" or np.any(w < 0):
            raise ValueError("counts must be non-negative integers, one per level of dbm")
        held = w > 0
        order = np.argsort(x[held], kind="stable")
        x, weights = x[held][order], w[held][order]
    total = x.size if weights is None else int(weights.sum())
    if total == 0:
        return np.zeros(0), {"fraction": np.zeros(0), "floor": np.nan}
    lo, hi = np.floor(x.min()) - 2 * bin_db, np.ceil(x.max()) + 2 * bin_db
    edges = np.arange(lo, hi + bin_db, bin_db)
    # uniform bins: a bin index per sample and one bincount (np.histogram with
    # explicit edges does a binary search per sample, the analyzer's hot spot)
    nbins = edges.size - 1
    scaled = x - lo
    scaled /= bin_db
    idx = scaled.astype(np.intp)
    np.minimum(idx, nbins - 1, out=idx)
    counts = np.bincount(idx, weights=weights, minlength=nbins)[:nbins]
    smooth = np.convolve(counts, [0.25, 0.5, 0.25], mode="same")
    dist = max(1, int(round(separation_db / bin_db)))
    padded = np.zeros(nbins + 2)
    padded[1:-1] = smooth
    peaks, _ = signal.find_peaks(padded, distance=dist, height=min_fraction * total)
    peaks = peaks - 1
    centres = (edges[:-1] + edges[1:]) / 2
    modes = []
    for p in peaks:  # refine: median of the samples near the peak
        off = x - centres[p]
        close = np.abs(off, out=off) <= bin_db * 1.5
        if weights is None:
            near = x[close]
            modes.append(_median(near) if near.size else float(centres[p]))
        else:
            modes.append(_weighted_median(x[close], weights[close], float(centres[p])))
    modes_arr = np.array(sorted(modes))
    half = separation_db / 2
    # from the histogram, not another pass over the samples per mode
    in_mode = np.abs(centres[None, :] - modes_arr[:, None]) <= half  # (mode, bin)
    fraction = np.where(in_mode, counts, 0).sum(axis=1) / total
    return modes_arr, {"fraction": fraction, "floor": modes_arr[0] if modes_arr.size else np.nan}


def _median(v: np.ndarray) -> float:
    """np.median of a 1-D array without NaNs: the same order statistics (one
    partition) and the same mean of the middle pair, without its overhead."""
    h = v.size // 2
    if v.size % 2:
        return float(np.partition(v, h)[h])
    part = np.partition(v, (h - 1, h))
    return float((part[h - 1] + part[h]) / 2)


def _weighted_median(v: np.ndarray, w: np.ndarray, empty: float) -> float:
    """The median of ascending levels `v` each held `w` times: the same order
    statistics (and mean of the middle pair) as np.median of the samples."""
    cum = np.cumsum(w)
    m = int(cum[-1]) if cum.size else 0
    if m == 0:
        return empty
    h = m // 2
    upper = v[np.searchsorted(cum, h, side="right")]
    if m % 2:
        return float(upper)
    return float((v[np.searchsorted(cum, h - 1, side="right")] + upper) / 2)


def find_bursts(on: np.ndarray, fs: float) -> tuple[tuple[np.ndarray, np.ndarray], dict]:
    """Runs of True in a boolean indicator: burst start times and widths, seconds.

    Examples
    --------
    >>> (starts, widths), p = find_bursts(np.array([0, 1, 1, 0, 0, 1, 0], bool), fs=1000)
    >>> starts.tolist(), widths.tolist(), p["duty"]
    ([0.001, 0.005], [0.002, 0.001], 0.42857142857142855)
    """
    on = np.asarray(_check_1d(on, "on"), dtype=bool)
    fs = _check_fs(fs)
    # the edges of the runs, where the padded indicator changes: a start, one
    # past its end, a start ... (they alternate, starting with a start)
    padded = np.zeros(on.size + 2, bool)
    padded[1:-1] = on
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    starts, ends = edges[0::2], edges[1::2]
    duty = float(int((ends - starts).sum()) / on.size) if on.size else 0.0
    return (starts / fs, (ends - starts) / fs), {"duty": duty, "count": int(starts.size)}


@functools.lru_cache(maxsize=8)
def _psd_window(n: int, fs: float) -> np.ndarray:
    """scipy's periodic Hann, scaled as its ShortTimeFFT scales it for a density."""
    win = signal.get_window("hann", n)
    return win * (1 / np.sqrt(sum(win**2) / (1 / fs)))


def _welch(x: np.ndarray, fs: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``scipy.signal.welch(x, fs, nperseg=n)`` with its defaults (periodic
    Hann, half overlap, each segment's mean removed, one-sided density, mean
    over segments), the same operations in the same order, without building a
    ShortTimeFFT per call: the analyzer asks for one or two segments at a time,
    thousands of times (1.4 ms -> 0.14 ms for 12 000 samples)."""
    if n > x.size:
        return signal.welch(x, fs, nperseg=n)
    win = _psd_window(n, fs)
    hop = n - n // 2
    count = (x.size - n // 2) // hop
    spec = np.zeros((n // 2 + 1, count), dtype=complex)
    for p in range(count):
        seg = x[p * hop : p * hop + n]
        spec[:, p] = scipy.fft.rfft((seg - np.mean(seg, axis=-1, keepdims=True)) * win)
    psd = spec.real**2 + spec.imag**2
    psd[1 : -1 if n % 2 == 0 else None] *= 2
    psd = psd.mean(axis=-1) if count > 1 else psd.reshape(-1)
    return scipy.fft.rfftfreq(n, 1 / fs), psd


def line_strength(
    on: np.ndarray, fs: float, f0: float, harmonics: int = 3, nperseg: int | None = None
) -> tuple[float, dict]:
    """How strongly an envelope repeats at f0: Welch power at f0 and its harmonics
    over the median power of the spectrum around them (1 = no line).

    Examples
    --------
    >>> fs = 8000.0
    >>> t = np.arange(16000) / fs
    >>> on = (t * 216.7) % 1 < 0.125
    >>> s, p = line_strength(on, fs, 216.7)
    >>> s > 20
    True
    """
    x = _check_1d(on, "on").astype(np.float64)
    fs = _check_fs(fs)
    if not 0 < f0 < fs / 2:
        raise ValueError(f"f0 must lie in (0, fs/2), got {f0}")
    if x.size < 64:
        return 1.0, {"freqs": np.zeros(0), "psd": np.zeros(0)}
    n = nperseg or int(min(x.size, 2 ** int(np.log2(min(x.size, fs * 2)))))
    f, psd = _welch(x - x.mean(), fs, n)
    df = f[1] - f[0]
    ratios = []
    for h in range(1, harmonics + 1):
        fh = f0 * h
        if fh >= fs / 2:
            break
        k = int(round(fh / df))
        peak = psd[max(k - 1, 0) : k + 2].max()
        lo, hi = max(k - 40, 0), min(k + 41, psd.size)
        around = np.r_[psd[lo : max(k - 3, lo)], psd[k + 4 : hi]]
        ref = _median(around) if around.size else psd.mean()
        ratios.append(peak / max(ref, 1e-30))
    return float(np.max(ratios)) if ratios else 1.0, {"freqs": f, "psd": psd}


# The classifiers ask grid_fraction / partner_fraction the same question of one
# component's burst starts more than once (the GSM and DECT frame tests ask what
# the Wi-Fi streaming test asks again; Bluetooth classic's slot grid too; the
# beacon train twice). The answers about the few most recent arrays are kept
# (a component's burst starts and its events' starts are asked in turn).
_recent: list[tuple[np.ndarray, dict]] = []  # (times, answers), the latest last
RECENT_ARRAYS = 4


def _answers(times) -> dict | None:
    """What was answered about `times` (this very array), or None."""
    for i, (held, answers) in enumerate(_recent):
        if held is times:
            if i != len(_recent) - 1:
                _recent.append(_recent.pop(i))  # the latest asked last
            return answers
    return None


def remembered(times, key: tuple, compute):
    """``compute()`` -> ``(value, properties)``, answered once per question
    about one array of event times.

    The answers about the RECENT_ARRAYS arrays of `times` asked last are kept
    under `key` (a hashable naming the question and its parameters) when
    `times` is a read-only ndarray that owns its memory, as features.component,
    features.subset and Features.events make burst and event starts: such an
    array cannot change under us, so the same
    object asked the same question gets the same answer. Any other input is
    computed afresh. Array properties are made read-only (every caller shares
    them); the dict is a fresh copy per call.

    Examples
    --------
    >>> t = np.arange(5) * 0.1
    >>> t.flags.writeable = False
    >>> calls = []
    >>> ask = lambda: calls.append(1) or (float(t.size), {})
    >>> remembered(t, ("size",), ask)[0], remembered(t, ("size",), ask)[0], len(calls)
    (5.0, 5.0, 1)
    >>> remembered(t.copy(), ("size",), ask)[0], len(calls)  # writeable: afresh
    (5.0, 2)
    """
    if not (isinstance(times, np.ndarray) and not times.flags.writeable and times.flags.owndata):
        return compute()
    answers = _answers(times)
    if answers is None:
        answers = {}
        _recent.append((times, answers))
        if len(_recent) > RECENT_ARRAYS:
            del _recent[0]
    if key not in answers:
        value, props = compute()
        for v in props.values():
            if isinstance(v, np.ndarray):
                v.flags.writeable = False  # shared by every caller that asks
        answers[key] = (value, props)
    value, props = answers[key]
    return value, dict(props)


def grid_fraction(
    times: np.ndarray, period: float, tolerance: float, max_multiple: int = 8
) -> tuple[float, dict]:
    """Fraction of intervals between successive events that are a whole number
    (1..max_multiple) of `period`, within `tolerance` seconds.

    Examples
    --------
    >>> t = np.arange(20) * 0.004615
    >>> grid_fraction(t, 0.004615, 0.0003)[0]
    1.0
    """
    if period <= 0 or tolerance < 0:
        raise ValueError("period must be positive and tolerance non-negative")
    return remembered(
        times,
        ("grid", period, tolerance, max_multiple),
        lambda: _grid_fraction(times, period, tolerance, max_multiple),
    )


def _grid_fraction(
    times, period: float, tolerance: float, max_multiple: int
) -> tuple[float, dict]:
    t = np.asarray(_check_1d(times, "times"), dtype=np.float64)
    iv = t[1:] - t[:-1]
    if iv.size == 0:
        return 0.0, {"intervals": iv}
    k = np.round(iv / period)
    off = k * period
    np.subtract(iv, off, out=off)
    np.abs(off, out=off)
    ok = off <= tolerance
    ok &= k >= 1
    ok &= k <= max_multiple
    return float(np.count_nonzero(ok) / ok.size), {"intervals": iv}


def partner_fraction(
    times: np.ndarray, period: float, tolerance: float, multiples: tuple[int, ...] = (1, 2)
) -> tuple[float, dict]:
    """Fraction of events that have another event k*period before or after them
    (k in `multiples`, within `tolerance`): periodicity that survives extra,
    missing or hidden events, unlike successive intervals.

    ``properties["regularity"]`` is stricter: the mean, over events, of the share
    of their k*period neighbours (inside the record) that are really there. A
    strict train scores near 1; events that only come back roughly on time (BLE's
    random advDelay) score low even when most have one partner by chance.
    ``properties["chance"]`` is the regularity random events at the same rate
    would reach, to subtract before judging. ``properties["counts"]`` is
    partner_counts' answer for the times in ascending order (which
    partner_counts then reads instead of searching again).

    Examples
    --------
    >>> t = np.sort(np.r_[np.arange(10) * 0.1024, [0.05, 0.33]])
    >>> round(partner_fraction(t, 0.1024, 0.001)[0], 2)
    0.83
    """
    if period <= 0 or tolerance < 0:
        raise ValueError("period must be positive and tolerance non-negative")
    return remembered(
        times,
        ("partner", period, tolerance, tuple(multiples)),
        lambda: _partner_fraction(times, period, tolerance, multiples),
    )


def _partner_fraction(
    times, period: float, tolerance: float, multiples: tuple[int, ...]
) -> tuple[float, dict]:
    # no copy before the sort (it copies); O(n) when sorted
    t = np.sort(np.asarray(_check_1d(times, "times"), dtype=np.float64), kind="stable")
    n = t.size
    if n < 2:
        return 0.0, {"has_partner": np.zeros(n, bool), "counts": np.zeros(n, np.intp)}
    # every (multiple, direction) at once: one searchsorted over a 2-D target array
    # (the analyzer calls this thousands of times on a few hundred events: the
    # steps below are the fewest numpy calls for the same arithmetic)
    shifts = np.array([sign * k * period for k in multiples for sign in (1, -1)])
    target = t[None, :] + shifts[:, None]
    i = np.searchsorted(t, target)
    np.maximum(i, 1, out=i)
    np.minimum(i, n - 1, out=i)
    before = t[i - 1]
    before -= target
    after = t[i]
    after -= target
    np.abs(before, out=before)
    np.abs(after, out=after)
    np.minimum(after, before, out=after)
    ok = after <= tolerance
    counts = ok.sum(axis=0)  # partner_counts', before the masking at the record's edges
    has = counts > 0
    inside = target >= t[0] - tolerance
    inside &= target <= t[-1] + tolerance
    ok &= inside
    hits = ok.sum(axis=0)
    possible = inside.sum(axis=0)
    np.maximum(possible, 1, out=possible)
    share = hits / possible
    regular = float(np.add.reduce(share) / share.size)  # np.mean's arithmetic
    # what Poisson events at the same rate would score: a window of 2*tolerance
    # holds another event with probability 1 - exp(-2 tolerance rate)
    span = t[-1] - t[0]
    chance = float(1 - np.exp(-2 * tolerance * (n - 1) / span)) if span > 0 else 0.0
    return float(np.count_nonzero(has) / n), {
        "has_partner": has,
        "counts": counts,
        "regularity": regular,
        "chance": chance,
    }


def partner_counts(
    times: np.ndarray, period: float, tolerance: float, multiples: tuple[int, ...] = (1, 2, 3)
) -> tuple[np.ndarray, dict]:
    """For each event, on how many of the shifts ±k*period (k in `multiples`)
    another event sits within `tolerance`: a member of a strict train has a
    partner on most of them, an event in its gaps on few (by chance only).

    Returns
    -------
    counts : int array, one per event in the order given (ascending times).
    properties : dict with ``shifts`` (how many were looked at).

    Examples
    --------
    >>> t = np.sort(np.r_[np.arange(10) * 0.010, [0.0437, 0.0712]])
    >>> partner_counts(t, 0.010, 0.0003)[0].tolist()
    [3, 4, 5, 6, 6, 0, 6, 6, 5, 0, 4, 3]
    """
    if period <= 0 or tolerance < 0:
        raise ValueError("period must be positive and tolerance non-negative")
    shifts = np.array([sign * k * period for k in multiples for sign in (1, -1)])
    asked = _answers(times) or {}
    held = asked.get(("partner", period, tolerance, tuple(multiples)))
    if held is not None:
        # partner_fraction was asked it (the frame tests): the same searches of
        # the same ascending times, counted before its masking at the edges
        return held[1]["counts"], {"shifts": shifts.size}
    t = np.asarray(_check_1d(times, "times"), dtype=np.float64)
    if t.size < 2:
        return np.zeros(t.size, dtype=np.intp), {"shifts": shifts.size}
    target = t[None, :] + shifts[:, None]
    i = np.clip(np.searchsorted(t, target), 1, t.size - 1)
    gap = np.minimum(np.abs(t[i - 1] - target), np.abs(t[i] - target))
    return np.count_nonzero(gap <= tolerance, axis=0), {"shifts": shifts.size}


def low_edge(x: np.ndarray, n: int, percentile: float) -> np.ndarray:
    """A carrier's low edge at every sample of `x` (float, at least `n`
    samples): each whole block of `n` samples' `percentile`, linearly
    interpolated between the blocks' centres and held flat beyond them (a last,
    partial block takes no part); all NaN where no block has a finite sample.
    above_carrier's first step, its arguments checked there (and by the
    caller, analysis.carrier)."""
    finite = np.isfinite(x)
    blocks = x.size // n
    edge = _block_percentiles(x[: blocks * n], finite[: blocks * n], blocks, percentile)
    known = np.isfinite(edge)
    if not known.any():
        return np.full(x.size, np.nan)
    centres = (np.arange(blocks) + 0.5) * n
    return np.interp(np.arange(x.size), centres[known], edge[known])


def _block_percentiles(x: np.ndarray, finite: np.ndarray, blocks: int, q: float) -> np.ndarray:
    """np.nanpercentile(x with its non-finite samples NaN, q) of each of the
    `blocks` equal blocks of `x`: np.percentile's, the same order statistics
    and arithmetic, over the blocks without one (nanpercentile asks each
    block apart, the analyzer's hot spot over a carrier)."""
    whole = finite.reshape(blocks, -1).all(axis=1)
    edge = np.empty(blocks)
    if whole.any():
        edge[whole] = np.percentile(x.reshape(blocks, -1)[whole], q, axis=1)
    if not whole.all():
        held = np.where(finite, x, np.nan).reshape(blocks, -1)[~whole]
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN block
            edge[~whole] = np.nanpercentile(held, q, axis=1)
    return edge


def above_carrier(
    dbm: np.ndarray,
    fs: float,
    block_s: float = 0.025,
    percentile: float = 20.0,
    threshold_sigma: float = 4.0,
    min_rise_db: float = 0.3,
) -> tuple[np.ndarray, dict]:
    """The power of bursts heard on top of a steady carrier.

    A log detector reads the sum of the powers at its input: a burst ``d`` dB
    beneath a steady carrier lifts the reading by ``10 log10(1 + 10**(d/10))``
    (0.4 dB at -10 dB, 1.8 dB at -3 dB), never to a level of its own. Where the
    reading stands ``threshold_sigma`` noise deviations above the carrier, the
    burst's own power is the difference of the powers, ``10 log10(10**(x/10) -
    10**(c/10))``.

    Bursts only ever raise the reading, so the low side of the reading is the
    carrier and its noise alone, while bursts fill less than the rest of it:

    - each `block_s` block's `percentile`, linearly interpolated between the
      blocks' centres (held flat before the first and after the last; the
      samples of a last, partial block take no part in the percentiles), is the
      carrier's low edge: the carrier drifts slowly as the device moves;
    - the noise (its standard deviation, dB) is the spread of the rise over
      that edge beneath its median (median minus 15.87th percentile, one
      deviation of a normal). Where bursts fill much of the window the median
      rises into them and the estimate grows: such a window is read more
      cautiously (a lower-tail estimate, which does not grow, made five more
      false findings and found one device fewer on the six wide tuning sets,
      docs/benchmarks.md "Wide profile, round 6");
    - a sample holds a burst when it stands more than ``max(threshold_sigma x
      noise, min_rise_db)`` above that edge: at the defaults 3.2 deviations
      above the carrier's mean, which 0.08 % of noise samples pass by chance
      (about ten in 1.5 s at 8 kS/s, scattered, too few and too random in time
      to keep any kind's timing), and the burst's power is taken over the
      edge: the weakest bursts read up to about 1 dB high (the edge lies 0.84
      deviations beneath the carrier's mean; taking it over the mean instead
      made six more false findings on those sets and two fewer true ones).

    Parameters
    ----------
    dbm : 1-D array, detector input power (dBm), a window with a steady carrier.
        Non-finite samples hold no burst and take no part in the estimates.
    fs : sample rate, Hz.
    block_s : the block over which the carrier is taken as constant, seconds.
    percentile : which percentile of a block is the carrier's low edge, 5-50.
    threshold_sigma : how many noise deviations above the carrier's low edge a
        sample must stand to hold a burst.
    min_rise_db : and at least this many dB: a reading quantized more coarsely
        than its noise shows no spread to measure the noise by.

    Returns
    -------
    excess : array like `dbm`: the burst power (dBm) where a sample holds one,
        ``-inf`` elsewhere.
    properties : dict with ``carrier_dbm`` (the carrier's low edge at every
        sample) and ``noise_db`` (the reading's noise, standard deviation in dB).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> fs = 8000.0
    >>> carrier = np.full(8000, -20.0)
    >>> burst = np.zeros(8000, bool)
    >>> for s in range(0, 8000, 37):  # a burst 10 dB beneath the carrier
    ...     burst[s:s + 5] = True
    >>> power = 10 ** (carrier / 10) + burst * 10 ** (-30.0 / 10)
    >>> x = 10 * np.log10(power) + 0.02 * rng.standard_normal(8000)
    >>> excess, p = above_carrier(x, fs)
    >>> round(float(np.median(excess[burst])), 0), round(p["noise_db"], 2)
    (-30.0, 0.02)
    >>> bool(np.isfinite(excess[~burst]).any())
    False
    """
    x = np.asarray(_check_1d(dbm, "dbm"), dtype=np.float64)
    fs = _check_fs(fs)
    block_s = _check_positive(block_s, "block_s")
    percentile = _check_positive(percentile, "percentile")
    if not 5.0 <= percentile <= 50.0:
        raise ValueError(f"percentile must be within 5..50, got {percentile!r}")
    threshold_sigma = _check_positive(threshold_sigma, "threshold_sigma")
    min_rise_db = _check_nonnegative(min_rise_db, "min_rise_db")
    n = max(1, int(round(block_s * fs)))
    if x.size < n:
        raise ValueError(f"dbm must hold at least one block of {n} samples")
    excess = np.full(x.size, -np.inf)
    finite = np.isfinite(x)
    carrier = low_edge(x, n, percentile)
    if not np.isfinite(carrier[0]):
        return excess, {"carrier_dbm": carrier, "noise_db": np.nan}
    rise = x - carrier
    middle, low = np.percentile(rise[finite], [50.0, 100.0 * float(special.ndtr(-1.0))])
    noise = max(float(middle - low), 1e-3)
    held = finite & (rise > max(threshold_sigma * noise, min_rise_db))
    excess[held] = carrier[held] + 10 * np.log10(np.expm1(rise[held] * (np.log(10) / 10)))
    return excess, {"carrier_dbm": carrier, "noise_db": noise}
