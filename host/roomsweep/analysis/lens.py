"""Lens finder: camera lenses from the photodiode channel (docs/lens.md).

Three LED groups on rings of different radii around the photodiode are modulated
at their own frequencies (1175/1775/2375 Hz by default, 25 Hz or more from every
harmonic of 50 and 60 Hz mains flicker). The analysis:

1. `amplitude_tracks`: a lock-in per group: the photodiode samples times
   exp(-j 2 pi f t), weighted by two 40 ms Hann windows 20 ms apart (60 ms in
   all), every 20 ms. That filter has nulls at 25, 75, 125 ... Hz from f and low
   sidelobes beyond: ambient light (DC), mains flicker lines (25 or 75 Hz from the
   LED frequencies for 50 Hz grids, 25 or 95 Hz for 60 Hz grids) and the other
   groups are rejected. Output: each group's return amplitude, 50 times a second.
2. `find_glints`: short, sharp rises of the inner group's return above its local
   background (rolling median over a second: walls change slowly as the hand
   pans, a small reflector passes through the beam in a fraction of a second).
3. Lens or specular: a cat's-eye retro-reflector (a camera lens) sends light back
   into a cone of a few milliradians around its source, so the group nearest the
   photodiode (9 mm) returns far more than the outer ring (34 mm) once the
   distance is within a few metres; a mirror, window, TV screen, chrome or glass
   returns the light of every group alike (their return is not confined to the
   source axis). `retro_ratio` is the outer group's rise over the inner's,
   normalised by the ratio the walls show (which calibrates the groups against
   each other during the sweep): near 0 for a lens, near 1 for specular clutter.
   Where the fit cannot judge (a drive level change or a bright edge in its
   window), the rings' plain excesses can: the middle ring's share of the rise
   (docs/lens.md step 4).
4. Steady returns: a lens the beam rests on is no glint in time; it is a stretch
   of retro excess far above the walls' own, with the rings' retro profile
   (`_steady_returns`, docs/lens.md step 5).
5. `lens_findings`: findings of type "lens" (docs/findings.md), one per waypoint.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.ndimage import median_filter, percentile_filter
from scipy.signal import find_peaks

from roomsweep.analysis.dsp import _median
from roomsweep.analysis.recording import Recording

FRAME_S = 0.02  # lock-in block: 20 ms (50 amplitude updates a second)
BACKGROUND_S = 1.0  # rolling median of each group's return: the walls
MIN_SNR = 7.0  # glint rise over the robust noise of the inner group's track
MIN_RISE_COUNTS = 0.4  # and at least this much (ADC counts of fundamental amplitude)
MIN_SEPARATION_S = 0.15  # two glints closer than this are one
MAX_WIDTH_S = 1.5  # a "glint" wider than this is not a small reflector
RETRO_RATIO_MAX = 0.5  # other rings' share of the glint: below it a retro-reflector
MIN_WIDTH_S = 0.05  # narrower than the lock-in filter's own response: not light
MIDDLE_NEGATIVE_WEIGHT = 3.0  # the middle ring losing light at a glint: not a lens
MIN_CONFIDENCE = 0.55
NOISE_FLOOR_COUNTS = 0.03  # lowest believable track noise (ADC noise through the lock-in)
FIT_HALF_S = 0.5  # the outer ring's track predicts the inner's over +-0.5 s ...
CORE_HALF_S = 0.08  # ... fitted outside +-80 ms (or the glint's width) of the candidate
# The ring fit can fail a lens: a drive level change or a bright edge in its
# window leaves it a poor model (gaps bridged by interpolation, a noisy
# residual), and its middle-ring ratio then reads the lens as specular. A glint
# the fit rejects (or shows below MIN_SNR) still counts when the plain excess
# (inner minus outer, scaled by the walls' ratio) rises well above its own noise,
# the fit shows it too, and the middle ring's plain excess holds at most the share
# of it a retro-reflector gives that ring (docs/lens.md) and does not fall (a
# lens never takes light from a ring; PLAIN_NOISE_SIGMAS of noise allowed):
PLAIN_EXCESS_SNR = 8.0
PLAIN_MIN_FIT_SNR = 3.0
PLAIN_MAX_MIDDLE_SHARE = 0.4
PLAIN_NOISE_SIGMAS = 2.0
# A lens the beam rests on (the hand pauses with it in the beam, or the sweep
# starts facing it) is no glint in time: the rolling background takes it in. It
# is a steady retro excess instead, found against a long, low baseline:
STEADY_BASELINE_S = 12.0  # the excess's 20th percentile over 12 s: the walls' own excess
# (a rest up to ~80 % of it stays above the baseline)
STEADY_BASELINE_PERCENTILE = 20
STEADY_MIN_S = 0.3  # held at least this long (a pause, not a pass)
STEADY_EDGE_SNR = 8.0  # the stretch: excess this many noise sigmas over the baseline ...
STEADY_MIN_SNR = 15.0  # ... peaking far above it: no fit against the outer ring checks it
STEADY_MIN_SHARE = 0.02  # the excess at least 2 % of the inner ring's return
STEADY_MAX_UNKNOWN = 0.3  # at most this share of the stretch at an unknown drive level
STEADY_MIDDLE_SHARE = (-0.1, 0.4)  # the middle ring's share of the excess (_steady_returns)


def _check_recording(rec: Any) -> None:
    if getattr(rec, "pd_counts", None) is None:
        raise ValueError("the recording has no photodiode channel")
    if not rec.led_hz:
        raise ValueError("the recording names no LED group frequencies")
    if not rec.fs or rec.fs <= 0:
        raise ValueError("the recording has no sample rate")


def lockin_tracks(x: np.ndarray, fs: float, freqs_hz, frame_s: float = FRAME_S
                  ) -> tuple[np.ndarray, dict[str, Any]]:
    """Lock-in amplitude of each frequency in `freqs_hz`, every `frame_s`.

    Parameters
    ----------
    x : 1-D array of samples (ADC counts).
    fs : sample rate, Hz.
    freqs_hz : modulation frequencies, each below fs / 2.
    frame_s : output spacing; the filter spans three of them (two Hann windows of
        two frames, one frame apart), centred on the frame.

    Returns
    -------
    amplitudes : array (len(freqs_hz), frames), amplitude of the fundamental at
        each frequency in the units of `x`.
    properties : dict with "times_s" (frame centres), "frame_samples",
        "saturated" (frames holding a sample at 0 or 4095).

    Examples
    --------
    >>> fs = 8000.0
    >>> t = np.arange(8000) / fs
    >>> x = 1000 + 3.0 * np.cos(2 * np.pi * 1175 * t) + 200 * np.sin(2 * np.pi * 100 * t)
    >>> amp, props = lockin_tracks(x, fs, [1175, 1775])
    >>> bool(abs(np.median(amp[0]) - 3.0) < 0.05), bool(np.median(amp[1]) < 0.05)
    (True, True)
    """
    x = np.asarray(x)
    if x.ndim != 1:
        raise ValueError("x must be one-dimensional")
    if not np.isfinite(fs) or fs <= 0:
        raise ValueError(f"fs must be a positive number, not {fs!r}")
    freqs = np.atleast_1d(np.asarray(freqs_hz, dtype=float))
    if freqs.size == 0 or np.any(freqs <= 0) or np.any(freqs >= fs / 2):
        raise ValueError("every frequency must be in (0, fs/2)")
    if not 0 < frame_s <= 1.0:
        raise ValueError(f"frame_s must be in (0, 1] s, not {frame_s!r}")
    nb = max(1, int(round(frame_s * fs)))
    m = x.size // nb
    out = np.zeros((freqs.size, max(m, 0)))
    props: dict[str, Any] = {"frame_samples": nb, "times_s": (np.arange(m) + 0.5) * nb / fs,
                             "saturated": np.zeros(m, dtype=bool)}
    if m < 3:
        return out, props
    raw = x[: m * nb].reshape(m, nb)  # the counts themselves: a quarter of the memory
    props["saturated"] = (raw.max(axis=1) >= 4095) | (raw.min(axis=1) <= 0)
    xs = raw.astype(np.float64).reshape(-1)
    blocks = xs.reshape(m, nb)
    xs -= blocks.mean()  # keeps the float sums small; the filter rejects DC anyway
    blocks = xs.reshape(m, nb)
    # the window: a Hann of two blocks, twice, one block apart (three blocks in
    # all). The pair puts nulls 25, 75, 125 ... Hz from f (mains-flicker lines of
    # 50 Hz grids, and the nearest of 60 Hz grids); the Hann keeps its sidelobes
    # low at the 60 Hz grid's lines 95 and 145 Hz away (about -45 dB).
    j = np.arange(2 * nb)
    hann = 0.5 - 0.5 * np.cos(2 * np.pi * (j + 0.5) / (2 * nb))
    window = np.zeros(3 * nb)
    window[: 2 * nb] += hann
    window[nb:] += hann
    inside = np.arange(nb)
    # phase counted from the recording start: exp(-jw(nb n + i)) =
    # exp(-jw nb n) exp(-jw i): per block, one product with each third of the
    # window times exp(-jw i). All of them (every frequency, every third, real
    # and imaginary parts) as the columns of one real matrix: one real
    # matrix product over the samples instead of a complex one per column
    # (a complex product would first copy the samples to complex).
    w_all = 2 * np.pi * freqs / fs
    kernels = np.array([window[b * nb:(b + 1) * nb] * np.exp(-1j * w * inside)
                        for w in w_all for b in range(3)])  # (freqs * 3, nb)
    projected = blocks @ np.concatenate([kernels.real, kernels.imag]).T
    n_k = kernels.shape[0]
    projected = projected[:, :n_k] + 1j * projected[:, n_k:]  # (m, freqs * 3)
    for i, w in enumerate(w_all):
        turn = np.exp(-1j * w * nb * np.arange(m))
        parts = [projected[:, 3 * i + b] * turn for b in range(3)]
        z = np.empty(m, dtype=complex)
        z[1:-1] = parts[0][:-2] + parts[1][1:-1] + parts[2][2:]
        z[0], z[-1] = z[1], z[-2]
        out[i] = 2.0 * np.abs(z) / window.sum()
    return out, props


def amplitude_tracks(rec: Recording, frame_s: float = FRAME_S
                     ) -> tuple[np.ndarray, dict[str, Any]]:
    """Per LED group lock-in amplitude tracks of a recording's photodiode channel.

    Returns
    -------
    tracks : array (groups, frames), fundamental amplitude in ADC counts; groups
        that were not lit are all zero.
    properties : as `lockin_tracks`, plus "freqs_hz" and "lit" (bool per group).

    Examples
    --------
    >>> from roomsweep.analysis.recording import Recording
    >>> t = np.arange(16000) / 8000.0
    >>> pd = (600 + 40 * (np.mod(t * 1175, 1) < 0.5)).astype(np.uint16)
    >>> rec = Recording(np.zeros(16000, np.uint16), 8000.0, pd_counts=pd,
    ...                 led_hz=(1175, 1775, 2375), led_lit=(True, True, True))
    >>> tracks, props = amplitude_tracks(rec)
    >>> round(float(np.median(tracks[0])), 1)  # 40 counts square wave: 2/pi x 40
    25.5
    """
    _check_recording(rec)
    lit = tuple(rec.led_lit) if rec.led_lit else (True,) * len(rec.led_hz)
    tracks, props = lockin_tracks(rec.pd_counts, rec.fs, rec.led_hz, frame_s)
    for i, on in enumerate(lit):
        if not on:
            tracks[i] = 0.0
    props["freqs_hz"] = tuple(float(f) for f in rec.led_hz)
    props["lit"] = lit
    _scale_by_drive(rec, tracks, props)
    return tracks, props


DRIVE_STEP = 2.0  # each LED drive level is half the current of the one before (rsproto)


def _scale_by_drive(rec: Recording, tracks: np.ndarray, props: dict[str, Any]) -> None:
    """Returns at full LED current: each frame's amplitudes x 2**level of the
    drive level its filter window (three frames) saw. A window that saw two levels,
    or a block of unknown level, says nothing: "drive_unknown" marks those frames,
    "drive_level" gives each frame's level (NaN there)."""
    m = tracks.shape[1]
    starts, levels = getattr(rec, "pd_level_start", None), getattr(rec, "pd_level", None)
    props["drive_level"] = np.zeros(m)
    props["drive_unknown"] = np.zeros(m, dtype=bool)
    if starts is None or levels is None or m == 0 or len(starts) == 0:
        return
    starts = np.asarray(starts)
    levels = np.asarray(levels, dtype=float)
    change = np.concatenate(([True], levels[1:] != levels[:-1]))  # NaN != NaN: kept
    starts, levels = starts[change], levels[change]
    nb = props["frame_samples"]
    first = np.maximum((np.arange(m) - 1) * nb, 0)
    last = np.minimum((np.arange(m) + 2) * nb, m * nb) - 1
    i0 = np.searchsorted(starts, first, side="right") - 1
    i1 = np.searchsorted(starts, last, side="right") - 1
    level = levels[np.maximum(i0, 0)]
    bad = (i0 != i1) | (i0 < 0) | ~np.isfinite(level)
    level = np.where(bad, np.nan, level)
    tracks *= np.where(bad, 1.0, DRIVE_STEP ** np.nan_to_num(level))
    props["drive_unknown"] = bad
    props["drive_level"] = level


def _robust_sigma(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    if x.size == 0:
        return NOISE_FLOOR_COUNTS
    # the partition median: np.median's value without its overhead (the ring fits
    # ask for hundreds of these on short stretches)
    return max(float(1.4826 * _median(np.abs(x - _median(x)))), NOISE_FLOOR_COUNTS)


def find_glints(tracks: np.ndarray, properties: dict[str, Any], *,
                min_snr: float = MIN_SNR, background_s: float = BACKGROUND_S
                ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Glints in amplitude tracks, each with its retro-reflection ratio.

    Parameters
    ----------
    tracks, properties : from `amplitude_tracks` (or `lockin_tracks` plus
        "lit"); group 0 must be the ring nearest the photodiode and the last lit
        group the farthest.
    min_snr : a glint rises this many robust standard deviations above the
        inner group's local background.
    background_s : span of the rolling median taken as the local background.

    Returns
    -------
    glints : list of dicts, time order: "time_s", "rise" (inner group, counts),
        "snr", "width_s", "retro_ratio" (outer rise / inner rise, normalised by
        the walls' ratio; ~0 lens, ~1 specular), "middle_ratio", "saturated",
        "amplitudes" (each group's track at the peak), "judged_by" (the test
        that set "retro_ratio": "ring fit", "plain excess" or "steady"); a glint
        in time also has "excess_snr" (the plain excess's rise over its noise), a lens the beam
        rested on "steady": True (its "snr" is the held excess over the noise,
        its "width_s" how long it was held).
    properties : "background" (groups, frames), "noise" (per group), "wall_ratio"
        (outer / inner over the whole recording).

    Examples
    --------
    >>> times = np.arange(500) * 0.02
    >>> walls = 50 + 10 * np.sin(times / 3)
    >>> bump = 5 * np.exp(-0.5 * ((times - 4) / 0.05) ** 2)
    >>> rng = np.random.default_rng(1)
    >>> tracks = np.array([walls + bump, 0.9 * walls, 1.1 * walls]) + rng.normal(0, 0.05, (3, 500))
    >>> glints, _ = find_glints(tracks, {"times_s": times, "lit": (True, True, True),
    ...                                  "saturated": np.zeros(500, bool)})
    >>> [(round(g["time_s"], 2), g["retro_ratio"] < 0.2) for g in glints]
    [(4.0, True)]
    """
    tracks = np.asarray(tracks, dtype=float)
    if tracks.ndim != 2 or tracks.shape[0] < 2:
        raise ValueError("tracks must be (groups >= 2, frames)")
    times = np.asarray(properties.get("times_s"))
    if times.shape != (tracks.shape[1],):
        raise ValueError("properties['times_s'] must have one time per frame")
    if min_snr <= 0:
        raise ValueError("min_snr must be positive")
    if background_s <= 0:
        raise ValueError("background_s must be positive")
    lit = list(properties.get("lit") or (True,) * tracks.shape[0])
    lit_groups = [i for i, on in enumerate(lit) if on]
    m = tracks.shape[1]
    info: dict[str, Any] = {"background": np.zeros_like(tracks), "noise": [], "wall_ratio": None}
    if m < 5 or 0 not in lit_groups or len(lit_groups) < 2:
        return [], info
    dt = float(times[1] - times[0]) if m > 1 else 0.02
    size = max(3, int(round(background_s / dt)) | 1)
    # frames whose filter saw an LED drive level change (or an unknown level) say
    # nothing: bridged by interpolation for finding peaks and for the fits'
    # derivatives, left out of the fits themselves
    unknown = np.asarray(properties.get("drive_unknown", np.zeros(m, bool)), dtype=bool)
    if unknown.any() and (~unknown).any():
        known = np.flatnonzero(~unknown)
        tracks = tracks.copy()
        for g in range(tracks.shape[0]):
            tracks[g, unknown] = np.interp(np.flatnonzero(unknown), known, tracks[g, known])
    # noise grows with the drive level: amplitudes were scaled up by 2**level
    level = np.asarray(properties.get("drive_level", np.zeros(m)), dtype=float)
    if level.shape != (m,):
        level = np.zeros(m)
    if np.isfinite(level).any():
        fin = np.flatnonzero(np.isfinite(level))
        level = np.interp(np.arange(m), fin, level[fin])
    else:
        level = np.zeros(m)
    noise_scale = DRIVE_STEP ** level
    # row by row: scipy filters 1-D input with a running median, 2-D input
    # with a general rank filter ten times slower (same values)
    bg = np.array([median_filter(row, size=size, mode="nearest") for row in tracks])
    rise = tracks - bg
    noise = [_robust_sigma(rise[g]) for g in range(tracks.shape[0])]
    outer = lit_groups[-1]
    middle = lit_groups[1] if len(lit_groups) > 2 else None
    # group gains relative to the inner ring, from the walls (the bulk of the sweep)
    ok = tracks[0] > 20 * noise[0]
    wall_ratio = float(np.median(bg[outer][ok] / bg[0][ok])) if ok.sum() > 10 else 1.0
    mid_ratio = (float(np.median(bg[middle][ok] / bg[0][ok])) if middle is not None
                 and ok.sum() > 10 else 1.0)
    info.update(background=bg, noise=noise, wall_ratio=wall_ratio)
    sat = np.asarray(properties.get("saturated", np.zeros(m, bool)), dtype=bool)
    # the lock-in filter spans the frames either side: their amplitudes saw the
    # clipped samples too
    sat = sat | np.concatenate(([False], sat[:-1])) | np.concatenate((sat[1:], [False]))
    clipped = sat
    sat = clipped | unknown
    # retro excess: the inner ring's return minus what the outer ring's says the
    # walls and shiny surfaces give it. Clipped frames say nothing.
    excess = tracks[0] - tracks[outer] / max(wall_ratio, 1e-6)
    excess_rise = excess - median_filter(excess, size=size, mode="nearest")
    excess_rise[clipped] = 0.0
    if middle is not None:  # the middle ring's own plain excess, on the same terms
        middle_excess = tracks[middle] / max(mid_ratio, 1e-6) - tracks[outer] / max(wall_ratio, 1e-6)
        middle_rise = middle_excess - median_filter(middle_excess, size=size, mode="nearest")
    excess_noise = (_robust_sigma(excess_rise[~sat] / noise_scale[~sat]) if (~sat).any()
                    else NOISE_FLOOR_COUNTS)
    info["excess_noise"] = excess_noise
    height = np.maximum(0.5 * min_snr * excess_noise * noise_scale, MIN_RISE_COUNTS)
    peaks, pp = find_peaks(excess_rise, height=height,
                           distance=max(1, int(round(MIN_SEPARATION_S / dt))),
                           width=(None, MAX_WIDTH_S / dt), rel_height=0.5,
                           # a glint's prominence over its own surroundings (the
                           # background's span), not over a slow dip seconds away
                           wlen=2 * size + 1)
    half = max(5, int(round(FIT_HALF_S / dt)))
    core_min = max(2, int(round(CORE_HALF_S / dt)))
    glints = []
    for j, p in enumerate(peaks):
        # leave the whole glint out of the fit: at least its width either side
        core = max(core_min, int(round(1.2 * pp["widths"][j])))
        fit = _explained(tracks[0], tracks[outer], p, half, core, sat, noise_scale)
        if fit is None:
            continue
        resid, sigma, bump0, bump_out = fit
        snr = resid / sigma
        excess_snr = float(excess_rise[p] / (excess_noise * noise_scale[p]))
        plain_share = (float(middle_rise[p] / excess_rise[p]) if middle is not None
                       and excess_rise[p] > 0 else np.nan)
        plain = (excess_snr >= PLAIN_EXCESS_SNR and snr >= PLAIN_MIN_FIT_SNR
                 and plain_share <= PLAIN_MAX_MIDDLE_SHARE
                 and middle_rise[p] >= -PLAIN_NOISE_SIGMAS * excess_noise * noise_scale[p])
        if ((snr < min_snr and not plain) or resid < MIN_RISE_COUNTS
                or pp["widths"][j] * dt < MIN_WIDTH_S):
            continue
        if clipped[max(0, p - core):p + core + 1].any() or unknown[p]:
            continue  # clipped: the rings' shares cannot be compared
        lo, hi = max(0, p - 2), min(m, p + 3)
        mid = None
        if middle is not None:
            # the middle ring (20 mm) against the outer (34 mm): a lens within a few
            # metres returns little to either, so nothing is left unexplained; an
            # artefact of the rings' different aim (a wall corner, a shiny edge)
            # shows between every pair of rings
            mfit = _explained(tracks[middle], tracks[outer], p, half, core, sat, noise_scale)
            if mfit is None:
                continue
            mid = mfit[0] / max(mid_ratio, 1e-6) / resid  # signed: a lens only adds light
            ratio = mid if mid >= 0 else -MIDDLE_NEGATIVE_WEIGHT * mid
        else:
            ratio = max(0.0, 1.0 - resid / bump0) if bump0 > 0 else 1.0
        judged_by = "ring fit"
        if plain and (snr < min_snr or ratio > RETRO_RATIO_MAX):
            ratio = max(plain_share, 0.0)  # the plain shares speak where the fit cannot
            judged_by = "plain excess"
        glints.append({
            "time_s": float(times[p]),
            "rise": resid,
            "snr": float(snr),
            "excess_snr": excess_snr,
            "judged_by": judged_by,
            "width_s": float(pp["widths"][j] * dt),
            # how much of it the other rings show too: ~0 retro-reflection, ~1 not
            "retro_ratio": ratio,
            "outer_bump": bump_out,
            "middle_ratio": mid,
            "saturated": bool(clipped[lo:hi].any()),
            "amplitudes": [float(tracks[g, p]) for g in range(tracks.shape[0])],
        })
    if middle is not None:
        steady = _steady_returns(tracks, excess, excess_noise * noise_scale, times,
                                 clipped, unknown, outer, middle, wall_ratio, mid_ratio,
                                 passes=[(g["time_s"], g["width_s"]) for g in glints],
                                 min_snr=STEADY_MIN_SNR * min_snr / MIN_SNR)
        glints = sorted(glints + steady, key=lambda g: g["time_s"])
    return glints, info


def _steady_returns(tracks: np.ndarray, excess: np.ndarray, sigma: np.ndarray,
                    times: np.ndarray, clipped: np.ndarray, unknown: np.ndarray,
                    outer: int, middle: int, wall_ratio: float, mid_ratio: float,
                    passes: list[tuple[float, float]], min_snr: float = STEADY_MIN_SNR
                    ) -> list[dict[str, Any]]:
    """Lenses the beam rested on: stretches where the inner ring's retro excess
    stays far above the walls' own for STEADY_MIN_S or longer.

    No fit can check such a stretch against the outer ring (nothing around it
    moves), so the rings' shares must show the retro-reflector's profile by
    themselves: a lens's return falls with the ring's distance from the
    photodiode (docs/lens.md), so with each ring scaled by its wall gain the
    middle ring (20 mm) holds at most part of the inner ring's (9 mm) excess over
    the outer (34 mm). A mirror, window or TV face-on lights the rings in the
    order of their aim, not of their radius: the middle ring as bright as the
    inner one or brighter. Clipped frames (and those next to them) are not part
    of any stretch. A rest holds its level for STEADY_MIN_S, and for twice the
    width of any glint in time inside it (`passes`: their times and widths),
    else the beam passed. The baseline spans STEADY_BASELINE_S: a rest must be
    shorter than about 80 % of it, and the recording several times longer than
    the rest.
    """
    m = excess.size
    if m < 3:
        return []
    dt = float(times[1] - times[0])
    size = max(3, int(round(STEADY_BASELINE_S / dt)) | 1)
    base = percentile_filter(excess, STEADY_BASELINE_PERCENTILE, size=size, mode="nearest")
    z = (excess - base) / sigma
    near_clip = clipped | np.concatenate(([False], clipped[:-1])) | np.concatenate(
        (clipped[1:], [False]))
    held = (z > STEADY_EDGE_SNR) & ~near_clip
    edges = np.diff(np.concatenate(([0], held.astype(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    out = []
    for a, b in zip(starts, ends):
        if (b - a) * dt < STEADY_MIN_S or unknown[a:b].mean() > STEADY_MAX_UNKNOWN:
            continue
        p = a + int(np.argmax(z[a:b]))
        if z[p] < min_snr or excess[p] < STEADY_MIN_SHARE * tracks[0, p]:
            continue  # too weak, or a shade of the rings' aim against a bright wall
        # a rest holds its level: at least STEADY_MIN_S above half its peak, and
        # twice as long as any glint in time inside it (else the beam passed)
        top_s = _run_around(z[a:b] >= 0.5 * z[p], p - a) * dt
        inside = [w for t, w in passes if times[a] <= t <= times[b - 1]]
        if top_s < max([STEADY_MIN_S] + [2 * w for w in inside]):
            continue
        inner = tracks[0, a:b]
        outer_n = tracks[outer, a:b] / max(wall_ratio, 1e-6)
        middle_n = tracks[middle, a:b] / max(mid_ratio, 1e-6)
        share = float(np.median((middle_n - outer_n) / np.maximum(inner - outer_n, 1e-9)))
        if not STEADY_MIDDLE_SHARE[0] <= share <= STEADY_MIDDLE_SHARE[1]:
            continue
        out.append({
            "time_s": float(times[p]),
            "rise": float(excess[p] - base[p]),
            "snr": float(z[p]),
            "judged_by": "steady",
            "width_s": float((b - a) * dt),
            "retro_ratio": max(share, 0.0),
            "outer_bump": 0.0,
            "middle_ratio": share,
            "saturated": False,
            "steady": True,
            "amplitudes": [float(tracks[g, p]) for g in range(tracks.shape[0])],
        })
    return out


def _run_around(mask: np.ndarray, k: int) -> int:
    """Length of the run of True in `mask` that holds index k (0 if mask[k] is False)."""
    if not mask[k]:
        return 0
    lo = k
    while lo > 0 and mask[lo - 1]:
        lo -= 1
    hi = k
    while hi + 1 < mask.size and mask[hi + 1]:
        hi += 1
    return hi - lo + 1


def _explained(inner: np.ndarray, outer: np.ndarray, p: int, half: int, core: int,
               sat: np.ndarray, noise_scale: np.ndarray | None = None
               ) -> tuple[float, float, float, float] | None:
    """What the outer ring cannot explain of the inner ring's bump at frame p.

    Around p the inner track is fitted (least squares, outside the core) as
    a + b t + e t^2 + c outer + d outer' + g outer'': walls and shiny surfaces return both rings'
    light (c: their gain ratio, d: their slightly different aim). A retro-
    reflector's return reaches the inner ring only, so no such fit explains it
    (c, d, g: their gain ratio and slightly different aim).
    `noise_scale` (per frame, default 1) weights the fit: frames recorded at a
    dimmer LED drive level were scaled up, and their noise with them.
    Returns (residual at p, residual noise at p, inner bump over a line, outer bump
    over a line) or None when too little is left to fit.
    """
    lo, hi = max(0, p - half), min(inner.size, p + half + 1)
    idx = np.arange(lo, hi)
    keep = (np.abs(idx - p) > core) & ~sat[lo:hi]
    if keep.sum() < 8:
        return None
    t = (idx - p).astype(float) / half
    y, x = inner[lo:hi], outer[lo:hi]
    dx = _gradient(x)
    # the rings aim a little apart: outer(t - delta) = outer - delta outer' +
    # delta^2 / 2 outer'' (Taylor), so both derivatives join the fit
    basis = np.column_stack([np.ones_like(t), t, t * t, x, dx, _gradient(dx)])
    k = p - lo
    w = np.ones(hi - lo) if noise_scale is None else 1.0 / noise_scale[lo:hi]
    coef, *_ = np.linalg.lstsq(basis[keep] * w[keep, None], y[keep] * w[keep], rcond=None)
    resid_all = y - basis @ coef
    sigma = max(_robust_sigma(resid_all[keep] * w[keep]), NOISE_FLOOR_COUNTS) / w[k]
    line = np.column_stack([np.ones_like(t), t])
    c0, *_ = np.linalg.lstsq(line[keep], y[keep], rcond=None)
    c1, *_ = np.linalg.lstsq(line[keep], x[keep], rcond=None)
    bump0 = float(y[k] - line[k] @ c0)
    bump_out = float(x[k] - line[k] @ c1)
    return float(resid_all[k]), sigma, bump0, bump_out


def _gradient(f: np.ndarray) -> np.ndarray:
    """np.gradient of a 1-D array at unit spacing (central differences inside,
    one-sided at the ends), the same arithmetic without its generality."""
    out = np.empty(f.size)
    if f.size < 2:
        return np.gradient(f)
    out[1:-1] = (f[2:] - f[:-2]) / 2.0
    out[0] = f[1] - f[0]
    out[-1] = f[-1] - f[-2]
    return out


def glint_confidence(glint: dict[str, Any]) -> float:
    """How sure a glint is a camera lens: strength over noise, and how far its
    retro ratio is below that of specular returns (~1)."""
    # the plain excess's SNR counts half: no fit has checked it against the walls
    snr = max(glint["snr"], 0.5 * glint.get("excess_snr", 0.0))
    snr_part = 1.0 - float(np.exp(-snr / MIN_SNR))
    ratio_part = min(1.0, max(0.0, 1.0 - glint["retro_ratio"] / RETRO_RATIO_MAX))
    c = snr_part * (0.75 + 0.25 * ratio_part)
    if glint["saturated"]:
        c *= 0.9  # clipped: the ratio is less certain
    return round(max(0.0, min(1.0, c)), 3)


def _waypoint_at(rec: Recording, t: float) -> str | None:
    marks = sorted(rec.marks, key=lambda mk: mk.time_s)
    label = None
    for mk in marks:
        if mk.time_s <= t:
            label = mk.label
        else:
            break
    return label


def lens_findings(rec: Recording, baseline: Recording | None = None) -> list[dict[str, Any]]:
    """Findings of type "lens" (docs/findings.md): one per waypoint where a
    retro-reflecting glint was seen, the strongest glint's time, strength and
    evidence; empty when the recording has no lit photodiode channel. With
    `baseline` (a known-clean sweep of the same room), waypoints where it saw a
    lens-like glint too are not reported."""
    found = _lens_findings(rec)
    if baseline is not None and found:
        # generous on the clean sweep: a weaker glint there is the same thing
        seen = {f["waypoint"] for f in _lens_findings(baseline, MIN_SNR / 2, 0.0)}
        found = [f for f in found if f["waypoint"] is None or f["waypoint"] not in seen]
    found = _join_before_first_mark(found, rec)
    return merge_sightings(found, getattr(rec, "waypoint_positions", None))


# Before the first mark the operator stands at (or walks to) the first stop, where
# the sweep begins. A lens seen then, and again from the first waypoint at about
# the same strength (within this factor either way: 1/d^4, so within 19 % of
# the distance), is the same lens seen from the same place.
PRE_MARK_SAME_LEVEL = 2.0


def _join_before_first_mark(found: list[dict[str, Any]], rec: Recording
                            ) -> list[dict[str, Any]]:
    """A finding with no waypoint (glints before the first mark) joins the finding
    at the first waypoint when their levels are within PRE_MARK_SAME_LEVEL: one
    lens, seen before and after the button press. Its glints join the evidence."""
    marks = sorted(rec.marks, key=lambda mk: mk.time_s)
    if not marks:
        return found
    first = next((f for f in found if f["waypoint"] == marks[0].label), None)
    if first is None:
        return found
    kept = []
    for f in found:
        if (f["waypoint"] is None and f["level"] > 0 and first["level"] > 0
                and 1 / PRE_MARK_SAME_LEVEL <= f["level"] / first["level"] <= PRE_MARK_SAME_LEVEL):
            ev = first["evidence"]
            ev.setdefault("also_seen_from", []).append({
                "waypoint": None, "time_s": f["time_s"], "level": f["level"],
                "confidence": f["confidence"], "before_first_mark": True})
            ev["glints"] = ev.get("glints", []) + f["evidence"].get("glints", [])
            first["why"] += (f"; seen as strongly before the first mark too "
                             f"(at {f['time_s']:.1f} s): the same lens")
            first["confidence"] = max(first["confidence"], f["confidence"])
            continue
        kept.append(f)
    return kept


# One lens seen from two waypoints. A lens retro-reflects only within about 20 deg
# of its axis (LAPD, docs/sources.md ref §3), so two places that both see it lie
# inside one 40 deg cone within the finder's reach (SAME_LENS_REACH_M, where a 1-8
# mm lens still clears the noise): at most that reach apart (the cone is narrower
# than 60 deg, so its radius is its widest chord). And its return falls as 1/d^4
# beyond arm's length: the farther sighting is the weaker, so the stronger one
# names the waypoint, and a sighting from elsewhere more than SAME_LENS_MAX_RATIO
# as strong is taken for another lens (the same lens about equally far from both
# places is then reported twice rather than two lenses merged).
SAME_LENS_REACH_M = 4.0
SAME_LENS_MAX_SEPARATION_M = SAME_LENS_REACH_M
SAME_LENS_MAX_RATIO = 0.5


def merge_sightings(findings: list[dict[str, Any]],
                    waypoint_positions: dict[str, tuple[float, float]] | None
                    ) -> list[dict[str, Any]]:
    """Lens findings from different waypoints that are one lens, as one finding.

    Strongest first, each finding absorbs the weaker ones that are the same lens
    by physics: their waypoints at most SAME_LENS_MAX_SEPARATION_M apart (both in
    the lens's +-20 deg retro-reflection cone, within reach) and their strength at
    most SAME_LENS_MAX_RATIO of its own (1/d^4: the far sighting is weaker). The
    absorbed sightings become evidence ("also_seen_from", and their glints join
    "glints"); the finding keeps the strongest waypoint, time and level. Without
    waypoint positions nothing is merged.

    Examples
    --------
    >>> f = [{"waypoint": "a", "level": 15.0, "time_s": 40.0, "confidence": 0.99,
    ...       "evidence": {"glints": [{"time_s": 40.0}]}},
    ...      {"waypoint": "b", "level": 5.0, "time_s": 33.0, "confidence": 0.85,
    ...       "evidence": {"glints": [{"time_s": 33.0}]}}]
    >>> [x["waypoint"] for x in merge_sightings(f, {"a": (1.0, 4.6), "b": (0.3, 3.5)})]
    ['a']
    >>> [x["waypoint"] for x in merge_sightings(f, {"a": (1.0, 4.6), "b": (4.0, 0.1)})]
    ['a', 'b']
    """
    if not waypoint_positions or len(findings) < 2:
        return findings
    kept: list[dict[str, Any]] = []
    for f in sorted(findings, key=lambda f: -f["level"]):
        home = None
        p = waypoint_positions.get(f["waypoint"]) if f["waypoint"] is not None else None
        for k in kept:
            q = waypoint_positions.get(k["waypoint"]) if k["waypoint"] is not None else None
            if p is None or q is None:
                continue
            apart = float(np.hypot(p[0] - q[0], p[1] - q[1]))
            if apart <= SAME_LENS_MAX_SEPARATION_M and f["level"] <= SAME_LENS_MAX_RATIO * k["level"]:
                home = (k, apart)
                break
        if home is None:
            kept.append(f)
            continue
        k, apart = home
        ev = k["evidence"]
        ev.setdefault("also_seen_from", []).append({
            "waypoint": f["waypoint"], "time_s": f["time_s"], "level": f["level"],
            "confidence": f["confidence"], "waypoints_apart_m": round(apart, 2)})
        ev["glints"] = ev.get("glints", []) + [dict(g, waypoint=f["waypoint"])
                                               for g in f["evidence"].get("glints", [])]
        k["why"] = k.get("why", "") + (f"; seen more weakly from {f['waypoint']} too "
                                       f"({apart:.1f} m away): the same lens")
    kept.sort(key=lambda f: -f["confidence"])
    return kept


def _lens_findings(rec: Recording, min_snr: float = MIN_SNR,
                   min_confidence: float = MIN_CONFIDENCE) -> list[dict[str, Any]]:
    if getattr(rec, "pd_counts", None) is None or not rec.led_hz or not any(
            rec.led_lit or (True,)):
        return []
    tracks, props = amplitude_tracks(rec)
    glints, info = find_glints(tracks, props, min_snr=min_snr)
    by_place: dict[str | None, list[dict[str, Any]]] = {}
    for g in glints:
        if g["retro_ratio"] > RETRO_RATIO_MAX:
            continue  # specular: mirror, window, screen, chrome, glass
        g["confidence"] = glint_confidence(g)
        if g["confidence"] < min_confidence:
            continue
        by_place.setdefault(_waypoint_at(rec, g["time_s"]), []).append(g)
    rejected = sum(1 for g in glints if g["retro_ratio"] > RETRO_RATIO_MAX)
    findings = []
    for place, gs in by_place.items():
        top = max(gs, key=lambda g: (g["confidence"], g["rise"]))
        findings.append({
            "type": "lens",
            "class": "camera_lens",
            "title": "camera lens (retro-reflecting glint)",
            "time_s": round(top["time_s"], 3),
            "waypoint": place,
            "position_m": None,  # one photodiode: no range or bearing
            "bearing_deg": None,  # the device has no compass
            "level": round(top["rise"], 2),
            "level_units": ("ADC counts (lock-in amplitude of the inner LED ring's return, "
                            "at full LED current)"),
            "confidence": top["confidence"],
            "evidence": {
                "glints": [{"time_s": round(g["time_s"], 3), "rise": round(g["rise"], 2),
                            "snr": round(g["snr"], 1), "retro_ratio": round(g["retro_ratio"], 3),
                            "judged_by": g["judged_by"],
                            **({"excess_snr": round(g["excess_snr"], 1)} if "excess_snr" in g
                               else {}),
                            **({"steady": True} if g.get("steady") else {})}
                           for g in gs],
                "judged_by": top["judged_by"],
                "snr": round(top["snr"], 1),
                "excess_snr": (round(top["excess_snr"], 1) if "excess_snr" in top else None),
                "retro_ratio": round(top["retro_ratio"], 3),
                "middle_ratio": None if top["middle_ratio"] is None
                else round(top["middle_ratio"], 3),
                "width_s": round(top["width_s"], 3),
                "saturated": top["saturated"],
                "wall_ratio": round(info["wall_ratio"], 3),
                "specular_glints_rejected": rejected,
            },
            "why": _why(top, place),
        })
    findings.sort(key=lambda f: -f["confidence"])
    return findings


def _why(top: dict[str, Any], place: str | None) -> str:
    """One sentence: what was seen and which test called it a lens."""
    if top["judged_by"] == "steady":
        seen = f"a steady return {top['snr']:.0f} x above the noise while the beam rested on it"
    elif top["judged_by"] == "plain excess":
        seen = (f"a glint {top['excess_snr']:.0f} x above the noise in the rings' plain "
                f"excess (the ring fit, at {top['snr']:.0f} x, could not judge it)")
    else:
        seen = f"a glint {top['snr']:.0f} x above the noise"
    return (seen + ", on the LED ring next to the photodiode and hardly on the outer rings "
            f"(their share {top['retro_ratio']:.2f}): retro-reflection, as from a camera lens"
            + (f", seen from {place}" if place else ""))


def merge_ranked(rf: list[dict[str, Any]], lens: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """RF and lens findings in one list ranked by confidence (stable: RF order
    kept among equals)."""
    return sorted(rf + lens, key=lambda f: -f["confidence"])
