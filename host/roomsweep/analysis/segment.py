"""Message segmentation of a power envelope, in scipy's style: arguments checked
first, ``(result, properties)`` returned.

A log-power detector shows a transmitter's message as a stretch of samples well
above the noise floor. Keyed transmitters (ASK/OOK) switch the carrier on and off
*within* a message for every bit, so the segmenter bridges gaps shorter than
``min_gap``; a longer silence ends the message. The threshold between the floor
and the burst level is found from the envelope's level histogram.

Also here: readers for the raw IQ formats Universal Radio Hacker writes
(complex64, 8-bit and 16-bit integer pairs) into ``|IQ|**2`` in dB, and a block
decimator that brings such a recording down towards a detector's sample rate
while keeping the index scale (block ``k`` covers original samples
``k * factor`` .. ``(k + 1) * factor - 1``).

Examples use small synthetic signals and run as doctests.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from roomsweep.analysis.dsp import level_modes
from roomsweep.analysis.validate import check_1d as _check_1d
from roomsweep.analysis.validate import check_nonnegative as _check_nonnegative
from roomsweep.analysis.validate import check_positive as _check_positive

# URH file extensions -> (numpy dtype of one component, offset of unsigned formats).
# URH names the formats after the size of one complex sample: complex16s is two
# signed 8-bit numbers, complex32s two signed 16-bit numbers (little endian).
IQ_FORMATS: dict[str, tuple[str, float]] = {
    "complex": ("<f4", 0.0),
    "complex64": ("<f4", 0.0),
    "cfile": ("<f4", 0.0),
    "complex16s": ("i1", 0.0),
    "cs8": ("i1", 0.0),
    "complex16u": ("u1", 127.5),
    "cu8": ("u1", 127.5),
    "complex32s": ("<i2", 0.0),
    "cs16": ("<i2", 0.0),
    "complex32u": ("<u2", 32767.5),
    "cu16": ("<u2", 32767.5),
}


def iq_power_db(raw, fmt: str, floor_db: float | None = None) -> tuple[np.ndarray, dict]:
    """Interleaved raw IQ samples to instantaneous power ``|IQ|**2`` in dB.

    Parameters
    ----------
    raw : bytes or 1-D array
        The file's content: I and Q interleaved, in the sample format `fmt`.
    fmt : str
        One of ``IQ_FORMATS`` (URH's extensions): ``"complex"`` (complex64,
        float32 I and Q), ``"complex16s"`` (int8 I and Q), ``"complex32s"``
        (int16 I and Q, little endian), their unsigned ``u`` variants, or the
        aliases ``cs8``, ``cu8``, ``cs16``, ``cu16``, ``cfile``.
    floor_db : float, optional
        Powers below this are clipped to it, so that exact zeros do not become
        ``-inf``. By default: for integer formats the power of one rounding step
        per component (``10*log10(1/6)``, about -7.8 dB, below any non-zero
        sample); for float formats 150 dB below the strongest sample.

    Returns
    -------
    power_db : 1-D float64 array, one value per complex sample (dB re 1 unit**2).
    properties : dict with ``fmt``, ``n`` (complex samples) and ``floor_db``.

    Examples
    --------
    >>> raw = np.array([3, 4, 0, 0, -6, 8], dtype=np.int8).tobytes()
    >>> p, props = iq_power_db(raw, "complex16s")
    >>> p.round(2).tolist(), props["n"]
    ([13.98, -7.78, 20.0], 3)
    """
    if not isinstance(fmt, str) or fmt.lower().lstrip(".") not in IQ_FORMATS:
        raise ValueError(f"fmt must be one of {sorted(IQ_FORMATS)}, got {fmt!r}")
    key = fmt.lower().lstrip(".")
    dtype, offset = IQ_FORMATS[key]
    if floor_db is not None and not np.isfinite(floor_db):
        raise ValueError(f"floor_db must be finite, got {floor_db!r}")
    if isinstance(raw, (bytes, bytearray, memoryview)):
        size = np.dtype(dtype).itemsize
        if len(raw) % (2 * size):
            raise ValueError(
                f"{len(raw)} bytes is not a whole number of {key} IQ pairs ({2 * size} bytes each)"
            )
        vals = np.frombuffer(raw, dtype=dtype)
    else:
        vals = _check_1d(raw, "raw")
        if vals.size % 2:
            raise ValueError(f"raw must hold I and Q interleaved (even length), got {vals.size}")
    vals = vals.astype(np.float64) - offset
    i, q = vals[0::2], vals[1::2]
    power = i * i + q * q
    if floor_db is None:
        if np.dtype(dtype).kind == "f":
            peak = float(power.max()) if power.size else 0.0
            floor_lin = peak * 1e-15 if peak > 0 else 1e-30
        else:
            floor_lin = 2.0 / 12.0  # uniform rounding error, 1/12 LSB**2 per component
        floor_db = 10.0 * np.log10(floor_lin)
    power_db = 10.0 * np.log10(np.maximum(power, 10.0 ** (floor_db / 10.0)))
    return power_db, {"fmt": key, "n": int(power.size), "floor_db": float(floor_db)}


def load_iq_power_db(
    path, fmt: str | None = None, floor_db: float | None = None
) -> tuple[np.ndarray, dict]:
    """Read a raw IQ file (URH formats) as ``|IQ|**2`` in dB.

    The format is taken from the file's extension unless `fmt` is given; see
    `iq_power_db` for the formats and the floor. The sample rate is not stored
    in these files.

    Examples
    --------
    >>> import tempfile, os
    >>> iq = np.array([1 + 0j, 0.1 + 0j], dtype=np.complex64)
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = os.path.join(d, "burst.complex")
    ...     iq.tofile(path)
    ...     p, props = load_iq_power_db(path)
    >>> p.round(1).tolist(), props["fmt"]
    ([0.0, -20.0], 'complex')
    """
    path = Path(path)
    if fmt is None:
        fmt = path.suffix.lstrip(".")
        if fmt.lower() not in IQ_FORMATS:
            raise ValueError(
                f"cannot tell the IQ format of {path.name!r} from its extension; "
                f"pass fmt= (one of {sorted(IQ_FORMATS)})"
            )
    return iq_power_db(path.read_bytes(), fmt, floor_db)


def decimate_db(power_db, factor: int, reduce: str = "mean") -> tuple[np.ndarray, dict]:
    """Blocks of `factor` samples of a dB envelope reduced to one sample each.

    ``"mean"`` averages the power (in linear units) over each block, like a
    detector whose video bandwidth is about the output rate; ``"max"`` keeps the
    block's peak (peak hold: no short burst is lost). A last, partial block is
    kept. Block ``k`` covers input samples ``k*factor .. (k+1)*factor - 1``, so
    an index ``j`` of the output is ``j * factor`` in the input's index scale.

    Parameters
    ----------
    power_db : 1-D array of power in dB (finite).
    factor : int >= 1, input samples per output sample.
    reduce : ``"mean"`` or ``"max"``.

    Returns
    -------
    out_db : 1-D float64 array of ``ceil(len(power_db) / factor)`` values.
    properties : dict with ``factor``, ``reduce`` and ``index`` (the input index
        of the first sample of each block).

    Examples
    --------
    >>> x = np.array([0.0, 10.0, 10.0, 10.0, 0.0])
    >>> m, p = decimate_db(x, 2)
    >>> m.round(2).tolist(), p["index"].tolist()
    ([7.4, 10.0, 0.0], [0, 2, 4])
    >>> decimate_db(x, 2, reduce="max")[0].tolist()
    [10.0, 10.0, 0.0]
    """
    x = _check_1d(power_db, "power_db").astype(np.float64)
    if isinstance(factor, bool) or not isinstance(factor, (int, np.integer)) or factor < 1:
        raise ValueError(f"factor must be an integer >= 1, got {factor!r}")
    if reduce not in ("mean", "max"):
        raise ValueError(f"reduce must be 'mean' or 'max', got {reduce!r}")
    if not np.all(np.isfinite(x)):
        raise ValueError("power_db must be finite (clip -inf to a floor first)")
    factor = int(factor)
    index = np.arange(0, x.size, factor)
    if x.size == 0:
        return np.zeros(0), {"factor": factor, "reduce": reduce, "index": index}
    if reduce == "max":
        out = np.maximum.reduceat(x, index)
    else:
        lin = 10.0 ** (x / 10.0)
        counts = np.diff(np.r_[index, x.size])
        out = 10.0 * np.log10(np.add.reduceat(lin, index) / counts)
    return out, {"factor": factor, "reduce": reduce, "index": index}


def otsu_threshold(values, bin_width: float = 0.5) -> float:
    """Otsu's threshold of a sample: the cut that maximises the variance between
    the two classes it makes (histogram with `bin_width` bins).

    Examples
    --------
    >>> x = np.r_[np.full(90, -60.0), np.full(10, -20.0)]
    >>> -60 < otsu_threshold(x) < -20
    True
    """
    x = _check_1d(values, "values").astype(np.float64)
    bin_width = _check_positive(bin_width, "bin_width")
    if x.size == 0 or not np.all(np.isfinite(x)):
        raise ValueError("values must be non-empty and finite")
    lo, hi = float(x.min()), float(x.max())
    if hi - lo < bin_width:
        return (lo + hi) / 2
    edges = np.arange(lo, hi + bin_width, bin_width)
    counts, edges = np.histogram(x, edges)
    centres = (edges[:-1] + edges[1:]) / 2
    w0 = np.cumsum(counts)
    w1 = w0[-1] - w0
    s0 = np.cumsum(counts * centres)
    m0 = s0 / np.maximum(w0, 1)
    m1 = (s0[-1] - s0) / np.maximum(w1, 1)
    between = w0 * w1 * (m0 - m1) ** 2
    k = int(np.argmax(between[:-1])) if counts.size > 1 else 0
    return float(edges[k + 1])


def _levels(x: np.ndarray, bin_db: float) -> tuple[float, float, str]:
    """Floor and burst level of an envelope from its level histogram.

    Otsu's threshold splits the samples in two; on each side the level mode
    (dsp.level_modes) holding the most samples is taken: the noise floor below,
    the burst level above. (At a fast rate the noise of one sample spreads over
    many dB and quantised formats add small modes of their own; the most
    populated mode is the floor.) Without a mode on a side, that side's median.
    """
    t = otsu_threshold(x, bin_width=bin_db / 2)
    below, above = x[x < t], x[x >= t]
    if below.size == 0 or above.size == 0:
        m = float(np.median(x))
        return m, m, "otsu"
    modes, props = level_modes(x, bin_db=bin_db, separation_db=4 * bin_db)
    frac = props["fraction"]
    lo, hi = modes < t, modes >= t
    floor = float(modes[lo][np.argmax(frac[lo])]) if lo.any() else float(np.median(below))
    level = float(modes[hi][np.argmax(frac[hi])]) if hi.any() else float(np.median(above))
    return floor, level, "modes" if lo.any() and hi.any() else "otsu"


def segment_bursts(
    power_db,
    fs: float,
    min_gap: float,
    *,
    threshold: float | None = None,
    min_width: float = 0.0,
    min_snr_db: float = 6.0,
    bin_db: float = 1.0,
) -> tuple[tuple[np.ndarray, np.ndarray], dict]:
    """Messages in a power envelope: stretches above a threshold, with gaps of
    at most `min_gap` bridged.

    Parameters
    ----------
    power_db : 1-D array
        Envelope in dB (dBm or any dB scale), finite, as a log detector sees it.
    fs : float
        Sample rate of `power_db` (samples per second; any positive unit works,
        e.g. ``fs=1`` makes all times in samples).
    min_gap : float
        Seconds. Silences longer than this separate messages; shorter ones
        (the off bits of an ASK/OOK message) are bridged.
    threshold : float, optional
        Level in dB that separates "on" from "off". By default half-way (in dB)
        between the noise floor and the burst level, both read from the level
        histogram: Otsu's split of the samples, then on each side the most
        populated mode of ``dsp.level_modes``.
    min_width : float, optional
        Seconds; messages shorter than this (after bridging) are dropped, e.g.
        single noise spikes.
    min_snr_db : float, optional
        With an automatic threshold: when the burst level is less than this
        above the floor, the envelope holds only one level and no message is
        reported.
    bin_db : float, optional
        Histogram bin width for the automatic threshold, dB.

    Returns
    -------
    (starts, ends) : int arrays
        Sample indices of each message: the first sample above the threshold
        and one past the last (``ends`` is exclusive, like a slice).
    properties : dict
        ``threshold`` (dB), ``floor`` and ``level`` (dB; NaN with an explicit
        threshold), ``method`` ("modes", "otsu" or "given"), ``widths`` and
        ``gaps`` (seconds), ``fill`` (fraction of each message's samples above
        the threshold: near 1 for a constant-envelope FSK burst, well below 1
        for ASK/OOK), ``level_db`` (median level of each message's samples
        above the threshold), ``on`` (the boolean indicator) and ``count``.

    Raises
    ------
    ValueError
        If `power_db` is not a finite 1-D array, or `fs`, `min_gap`,
        `min_width`, `min_snr_db`, `bin_db` or `threshold` are out of range.

    See Also
    --------
    decimate_db : bring a fast recording down to a detector's rate first.
    roomsweep.analysis.dsp.find_bursts : the runs themselves, without bridging.

    Examples
    --------
    Two OOK messages (bits of 4 samples, on at -20 dBm, floor at -60 dBm) with a
    long pause between them:

    >>> rng = np.random.default_rng(0)
    >>> bits = np.repeat(rng.integers(0, 2, 40), 4).astype(bool)
    >>> bits[0] = bits[-1] = True
    >>> msg = np.where(bits, -20.0, -60.0)
    >>> x = np.r_[np.full(100, -60.0), msg, np.full(300, -60.0), msg, np.full(50, -60.0)]
    >>> x = x + rng.normal(0, 1, x.size)
    >>> (starts, ends), p = segment_bursts(x, fs=1000.0, min_gap=0.05)
    >>> starts.tolist(), ends.tolist()
    ([100, 560], [260, 720])
    >>> round(p["threshold"]), p["count"], bool(p["fill"][0] < 0.9)
    (-40, 2, True)

    Without bridging, every run of on-bits is its own segment:

    >>> segment_bursts(x, fs=1000.0, min_gap=0.0)[1]["count"] > 2
    True
    """
    x, fs, min_gap, min_width, min_snr_db, bin_db, threshold = _check_segment_args(
        power_db, fs, min_gap, min_width, min_snr_db, bin_db, threshold
    )
    empty = np.zeros(0, dtype=np.int64)
    props: dict = {
        "threshold": np.nan,
        "floor": np.nan,
        "level": np.nan,
        "method": "given",
        "widths": np.zeros(0),
        "gaps": np.zeros(0),
        "fill": np.zeros(0),
        "level_db": np.zeros(0),
        "on": np.zeros(x.size, bool),
        "count": 0,
    }
    if x.size == 0:
        return (empty, empty.copy()), props
    if threshold is None:
        floor, level, method = _levels(x, bin_db)
        props.update(floor=floor, level=level, method=method)
        if level - floor < min_snr_db:
            return (empty, empty.copy()), props
        threshold = (floor + level) / 2
    props["threshold"] = threshold

    on = x > threshold
    props["on"] = on
    starts, ends = _bridged_runs(on, fs, min_gap, min_width)
    props.update(_message_properties(x, on, starts, ends, fs))
    return (starts.astype(np.int64), ends.astype(np.int64)), props


def _check_segment_args(
    power_db, fs, min_gap, min_width, min_snr_db, bin_db, threshold
) -> tuple[np.ndarray, float, float, float, float, float, float | None]:
    """`segment_bursts`'s arguments checked: the envelope as float64 and the
    numbers as floats (`threshold` None when not given)."""
    x = _check_1d(power_db, "power_db").astype(np.float64)
    if not np.all(np.isfinite(x)):
        raise ValueError("power_db must be finite (clip -inf to a floor first)")
    fs = _check_positive(fs, "fs")
    min_gap = _check_nonnegative(min_gap, "min_gap")
    min_width = _check_nonnegative(min_width, "min_width")
    min_snr_db = _check_nonnegative(min_snr_db, "min_snr_db")
    bin_db = _check_positive(bin_db, "bin_db")
    if threshold is not None:
        try:
            threshold = float(threshold)
        except (TypeError, ValueError):
            raise ValueError(f"threshold must be a number or None, got {threshold!r}") from None
        if not np.isfinite(threshold):
            raise ValueError(f"threshold must be finite, got {threshold!r}")
    return x, fs, min_gap, min_width, min_snr_db, bin_db, threshold


def _bridged_runs(
    on: np.ndarray, fs: float, min_gap: float, min_width: float
) -> tuple[np.ndarray, np.ndarray]:
    """Runs of `on` (start, exclusive end) with silences of at most `min_gap`
    seconds bridged, then those shorter than `min_width` seconds dropped."""
    d = np.diff(np.r_[False, on, False].astype(np.int8))
    starts = np.flatnonzero(d == 1)
    ends = np.flatnonzero(d == -1)
    if starts.size:
        # bridge the silences of at most min_gap (in samples)
        gap_ok = (starts[1:] - ends[:-1]) <= min_gap * fs
        first = np.r_[True, ~gap_ok]
        last = np.r_[~gap_ok, True]
        starts, ends = starts[first], ends[last]
        keep = (ends - starts) >= min_width * fs
        starts, ends = starts[keep], ends[keep]
    return starts, ends


def _message_properties(
    x: np.ndarray, on: np.ndarray, starts: np.ndarray, ends: np.ndarray, fs: float
) -> dict:
    """Each message's width, the gaps between them, its fill (share of samples
    on) and level (median of its samples on), and the count."""
    csum = np.r_[0, np.cumsum(on)]
    fill = (csum[ends] - csum[starts]) / np.maximum(ends - starts, 1)
    level_db = np.array([float(np.median(x[s:e][on[s:e]])) for s, e in zip(starts, ends)])
    return dict(
        widths=(ends - starts) / fs,
        gaps=(starts[1:] - ends[:-1]) / fs,
        fill=fill,
        level_db=level_db,
        count=int(starts.size),
    )
