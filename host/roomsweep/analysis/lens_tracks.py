"""Lens finder, step 1: the lock-in amplitude tracks of the photodiode channel
(docs/lens.md "From samples to glints").

Three LED groups on rings of different radii around the photodiode are modulated
at their own frequencies (1175/1775/2375 Hz by default, 25 Hz or more from every
harmonic of 50 and 60 Hz mains flicker). `amplitude_tracks` runs a lock-in per
group: the photodiode samples times exp(-j 2 pi f t), weighted by two 40 ms Hann
windows 20 ms apart (60 ms in all), every 20 ms (`lockin_tracks`). That filter
has nulls at 25, 75, 125 ... Hz from f and low sidelobes beyond: ambient light
(DC), mains flicker lines (25 or 75 Hz from the LED frequencies for 50 Hz grids,
25 or 95 Hz for 60 Hz grids) and the other groups are rejected. Output: each
group's return amplitude, 50 times a second, scaled back to full LED current
(`_scale_by_drive`, docs/lens.md "Drive level").

The glints in these tracks: `roomsweep.analysis.lens_glints`; the findings:
`roomsweep.analysis.lens` (which re-exports `amplitude_tracks` and
`lockin_tracks`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from roomsweep.analysis.recording import Recording
from roomsweep.errors import CaptureContentError

FRAME_S = 0.02  # lock-in block: 20 ms (50 amplitude updates a second)
DRIVE_STEP = 2.0  # each LED drive level is half the current of the one before (rsproto)


def readable_groups(rec: Any) -> list[bool]:
    """Per LED group, whether the lock-in can read it: its frequency above 0 and
    below half the rate the device really sampled at (a fallback to a lower
    rate, docs/protocol.md, leaves a group beyond it dark)."""
    return [0 < float(f) < rec.fs / 2 for f in rec.led_hz]


def _where(rec: Any) -> str:
    """The capture a message is about, as its prefix ("" when unnamed)."""
    return f"{rec.source}: " if getattr(rec, "source", "") else ""


def _check_recording(rec: Any) -> None:
    """What the lens finder needs of a recording, each lack a one-line
    CaptureContentError naming the capture (a user's `plot --kind lens` of it)."""
    where = _where(rec)
    if getattr(rec, "pd_counts", None) is None:
        raise CaptureContentError(
            f"{where}no photodiode channel in this capture (recorded without the lens "
            "scan, or cut short before its samples): nothing to show of lenses"
        )
    if not rec.led_hz:
        raise CaptureContentError(f"{where}the capture names no LED group frequencies")
    if not rec.fs or rec.fs <= 0:
        raise CaptureContentError(f"{where}the capture has no sample rate")


def lockin_tracks(
    x: np.ndarray, fs: float, freqs_hz, frame_s: float = FRAME_S
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
    props: dict[str, Any] = {
        "frame_samples": nb,
        "times_s": (np.arange(m) + 0.5) * nb / fs,
        "saturated": np.zeros(m, dtype=bool),
    }
    if m < 3:
        return out, props
    raw = x[: m * nb].reshape(m, nb)  # the counts themselves: a quarter of the memory
    props["saturated"] = (raw.max(axis=1) >= 4095) | (raw.min(axis=1) <= 0)
    xs = raw.astype(np.float64).reshape(-1)
    blocks = xs.reshape(m, nb)
    xs -= blocks.mean()  # keeps the float sums small; the filter rejects DC anyway
    blocks = xs.reshape(m, nb)
    window = _filter_window(nb)
    inside = np.arange(nb)
    # phase counted from the recording start: exp(-jw(nb n + i)) =
    # exp(-jw nb n) exp(-jw i): per block, one product with each third of the
    # window times exp(-jw i). All of them (every frequency, every third, real
    # and imaginary parts) as the columns of one real matrix: one real
    # matrix product over the samples instead of a complex one per column
    # (a complex product would first copy the samples to complex).
    w_all = 2 * np.pi * freqs / fs
    kernels = np.array(
        [window[b * nb : (b + 1) * nb] * np.exp(-1j * w * inside) for w in w_all for b in range(3)]
    )  # (freqs * 3, nb)
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


def _filter_window(nb: int) -> np.ndarray:
    """The lock-in's window over three blocks of `nb` samples: a Hann of two
    blocks, twice, one block apart. The pair puts nulls 25, 75, 125 ... Hz from f
    (mains-flicker lines of 50 Hz grids, and the nearest of 60 Hz grids); the Hann
    keeps its sidelobes low at the 60 Hz grid's lines 95 and 145 Hz away (about
    -45 dB)."""
    j = np.arange(2 * nb)
    hann = 0.5 - 0.5 * np.cos(2 * np.pi * (j + 0.5) / (2 * nb))
    window = np.zeros(3 * nb)
    window[: 2 * nb] += hann
    window[nb:] += hann
    return window


def amplitude_tracks(
    rec: Recording, frame_s: float = FRAME_S
) -> tuple[np.ndarray, dict[str, Any]]:
    """Per LED group lock-in amplitude tracks of a recording's photodiode channel.

    Returns
    -------
    tracks : array (groups, frames), fundamental amplitude in ADC counts; groups
        that were not lit are all zero.
    properties : as `lockin_tracks`, plus "freqs_hz" and "lit" (bool per group;
        False too for a group at or above half the sample rate, unreadable).

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
    assert rec.pd_counts is not None  # _check_recording refuses a missing channel
    readable = readable_groups(rec)  # a group the lock-in cannot read is dark here
    if not any(readable):
        raise CaptureContentError(
            f"{_where(rec)}every LED group's frequency is at or above half the sample "
            f"rate ({rec.fs:.0f} S/s): the lens finder cannot read them"
        )
    freqs = [f for f, ok in zip(rec.led_hz, readable) if ok]
    some, props = lockin_tracks(rec.pd_counts, rec.fs, freqs, frame_s)
    tracks = np.zeros((len(rec.led_hz), some.shape[1]))
    tracks[np.flatnonzero(readable)] = some
    lit = tuple(bool(on and ok) for on, ok in zip(lit, readable))
    for i, on in enumerate(lit):
        if not on:
            tracks[i] = 0.0
    props["freqs_hz"] = tuple(float(f) for f in rec.led_hz)
    props["lit"] = lit
    _scale_by_drive(rec, tracks, props)
    return tracks, props


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
