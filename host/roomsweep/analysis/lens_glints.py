"""Lens finder, steps 2-5: glints in the rings' amplitude tracks, lens or
specular (docs/lens.md "From samples to glints").

`find_glints` takes the tracks of `roomsweep.analysis.lens_tracks`:

2. Candidates: short, sharp rises of the retro excess (the inner ring's return
   minus the outer ring's, scaled by the walls' ratio) above its local
   background (rolling median over a second: walls change slowly as the hand
   pans, a small reflector passes through the beam in a fraction of a second).
3. What the other rings can explain: around each candidate the inner ring's
   track is fitted from the outer ring's (`_explained`); what is left at the
   candidate is light only the inner ring got.
4. Lens or specular: a cat's-eye retro-reflector (a camera lens) sends light back
   into a cone of a few milliradians around its source, so the group nearest the
   photodiode (9 mm) returns far more than the outer ring (34 mm) once the
   distance is within a few metres; a mirror, window, TV screen, chrome or glass
   returns the light of every group alike (their return is not confined to the
   source axis). `retro_ratio` is the other rings' share of the glint (the middle
   ring's, from the same fit; with two rings lit, the share of the inner ring's
   bump the outer ring explains): near 0 for a lens, near 1 for specular clutter
   (`_ring_ratio`). Where the fit cannot judge (a drive level change or a bright
   edge in its window), the rings' plain excesses can: the middle ring's share of
   the rise (`_plain_excess`).
5. Steady returns: a lens the beam rests on is no glint in time; it is a stretch
   of retro excess far above the walls' own, with the rings' retro profile
   (`_steady_returns`).

The findings made of the glints: `roomsweep.analysis.lens` (which re-exports
`find_glints`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.ndimage import median_filter, percentile_filter
from scipy.signal import find_peaks

from roomsweep.analysis.dsp import _median
from roomsweep.analysis.lens_tracks import DRIVE_STEP

BACKGROUND_S = 1.0  # rolling median of each group's return: the walls
MIN_SNR = 7.0  # glint rise over the robust noise of the inner group's track
MIN_RISE_COUNTS = 0.4  # and at least this much (ADC counts of fundamental amplitude)
MIN_SEPARATION_S = 0.15  # two glints closer than this are one
MAX_WIDTH_S = 1.5  # a "glint" wider than this is not a small reflector
RETRO_RATIO_MAX = 0.5  # other rings' share of the glint: below it a retro-reflector
MIN_WIDTH_S = 0.05  # narrower than the lock-in filter's own response: not light
MIDDLE_NEGATIVE_WEIGHT = 3.0  # the middle ring losing light at a glint: not a lens
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


def _robust_sigma(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    if x.size == 0:
        return NOISE_FLOOR_COUNTS
    # the partition median: np.median's value without its overhead (the ring fits
    # ask for hundreds of these on short stretches)
    return max(float(1.4826 * _median(np.abs(x - _median(x)))), NOISE_FLOOR_COUNTS)


@dataclass(frozen=True)
class _Rings:
    """The rings' tracks and what `find_glints` derives from them once (docs/lens.md
    steps 2-4), for judging each candidate."""

    tracks: np.ndarray  # (groups, frames), frames at an unknown drive level bridged
    times: np.ndarray  # frame centres, s
    dt: float  # frame spacing, s
    outer: int  # the farthest lit ring
    middle: int | None  # the middle ring, when three rings are lit
    background: np.ndarray  # each ring's rolling median (groups, frames)
    noise: list[float]  # each ring's robust noise about its background
    wall_ratio: float  # outer / inner gain, from the walls
    mid_ratio: float  # middle / inner gain, from the walls
    noise_scale: np.ndarray  # per frame: 2**drive level (the amplitudes were scaled up)
    clipped: np.ndarray  # frames whose filter saw a clipped sample
    unknown: np.ndarray  # frames whose filter saw a drive level change (or no level)
    sat: np.ndarray  # clipped or unknown: left out of the fits
    excess: np.ndarray  # the retro excess: inner minus outer over the wall ratio
    excess_rise: np.ndarray  # ... over its rolling median (0 where clipped)
    middle_rise: np.ndarray | None  # the middle ring's plain excess over its rolling median
    excess_noise: float  # robust noise of excess_rise at full LED current


def find_glints(
    tracks: np.ndarray,
    properties: dict[str, Any],
    *,
    min_snr: float = MIN_SNR,
    background_s: float = BACKGROUND_S,
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
    tracks, times = _checked_tracks(tracks, properties, min_snr, background_s)
    lit = list(properties.get("lit") or (True,) * tracks.shape[0])
    lit_groups = [i for i, on in enumerate(lit) if on]
    m = tracks.shape[1]
    info: dict[str, Any] = {"background": np.zeros_like(tracks), "noise": [], "wall_ratio": None}
    if m < 5 or 0 not in lit_groups or len(lit_groups) < 2:
        return [], info
    dt = float(times[1] - times[0]) if m > 1 else 0.02
    size = max(3, int(round(background_s / dt)) | 1)
    rings = _rings(tracks, properties, times, dt, size, lit_groups)
    info.update(background=rings.background, noise=rings.noise, wall_ratio=rings.wall_ratio)
    info["excess_noise"] = rings.excess_noise
    glints = _glints_in_time(rings, size, min_snr)
    if rings.middle is not None:
        steady = _steady_returns(
            rings.tracks,
            rings.excess,
            rings.excess_noise * rings.noise_scale,
            times,
            rings.clipped,
            rings.unknown,
            rings.outer,
            rings.middle,
            rings.wall_ratio,
            rings.mid_ratio,
            passes=[(g["time_s"], g["width_s"]) for g in glints],
            min_snr=STEADY_MIN_SNR * min_snr / MIN_SNR,
        )
        glints = sorted(glints + steady, key=lambda g: g["time_s"])
    return glints, info


def _checked_tracks(
    tracks: np.ndarray, properties: dict[str, Any], min_snr: float, background_s: float
) -> tuple[np.ndarray, np.ndarray]:
    """`find_glints`'s arguments checked: the tracks as floats and the frame times."""
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
    return tracks, times


def _rings(
    tracks: np.ndarray,
    properties: dict[str, Any],
    times: np.ndarray,
    dt: float,
    size: int,
    lit_groups: list[int],
) -> _Rings:
    """The rings' backgrounds, gains, clipped frames and retro excess (docs/lens.md
    steps 1-2): what every candidate is judged against. `size`: the rolling
    median's span in frames."""
    m = tracks.shape[1]
    unknown = np.asarray(properties.get("drive_unknown", np.zeros(m, bool)), dtype=bool)
    tracks = _bridge_unknown_drive(tracks, unknown)
    noise_scale = _drive_noise_scale(properties, m)
    # row by row: scipy filters 1-D input with a running median, 2-D input
    # with a general rank filter ten times slower (same values)
    bg = np.array([median_filter(row, size=size, mode="nearest") for row in tracks])
    rise = tracks - bg
    noise = [_robust_sigma(rise[g]) for g in range(tracks.shape[0])]
    outer = lit_groups[-1]
    middle = lit_groups[1] if len(lit_groups) > 2 else None
    wall_ratio, mid_ratio = _wall_gains(tracks, bg, noise[0], outer, middle)
    clipped = _clipped_frames(properties, m)
    sat = clipped | unknown
    excess, excess_rise, middle_rise = _retro_excess(
        tracks, outer, middle, wall_ratio, mid_ratio, size, clipped
    )
    excess_noise = (
        _robust_sigma(excess_rise[~sat] / noise_scale[~sat])
        if (~sat).any()
        else NOISE_FLOOR_COUNTS
    )
    return _Rings(
        tracks=tracks,
        times=times,
        dt=dt,
        outer=outer,
        middle=middle,
        background=bg,
        noise=noise,
        wall_ratio=wall_ratio,
        mid_ratio=mid_ratio,
        noise_scale=noise_scale,
        clipped=clipped,
        unknown=unknown,
        sat=sat,
        excess=excess,
        excess_rise=excess_rise,
        middle_rise=middle_rise,
        excess_noise=excess_noise,
    )


def _bridge_unknown_drive(tracks: np.ndarray, unknown: np.ndarray) -> np.ndarray:
    """Frames whose filter saw an LED drive level change (or an unknown level) say
    nothing: bridged by interpolation (a copy) for finding peaks and for the fits'
    derivatives; the fits themselves leave them out."""
    if unknown.any() and (~unknown).any():
        known = np.flatnonzero(~unknown)
        tracks = tracks.copy()
        for g in range(tracks.shape[0]):
            tracks[g, unknown] = np.interp(np.flatnonzero(unknown), known, tracks[g, known])
    return tracks


def _drive_noise_scale(properties: dict[str, Any], m: int) -> np.ndarray:
    """Per frame, 2**drive level: noise grows with the level, the amplitudes were
    scaled up by it. Frames of unknown level take their neighbours' (interpolated)."""
    level = np.asarray(properties.get("drive_level", np.zeros(m)), dtype=float)
    if level.shape != (m,):
        level = np.zeros(m)
    if np.isfinite(level).any():
        fin = np.flatnonzero(np.isfinite(level))
        level = np.interp(np.arange(m), fin, level[fin])
    else:
        level = np.zeros(m)
    return DRIVE_STEP**level


def _wall_gains(
    tracks: np.ndarray, bg: np.ndarray, inner_noise: float, outer: int, middle: int | None
) -> tuple[float, float]:
    """The outer and middle rings' gains relative to the inner ring, from the
    walls (the bulk of the sweep): (wall_ratio, mid_ratio), 1.0 without walls."""
    ok = tracks[0] > 20 * inner_noise
    wall_ratio = float(np.median(bg[outer][ok] / bg[0][ok])) if ok.sum() > 10 else 1.0
    mid_ratio = (
        float(np.median(bg[middle][ok] / bg[0][ok]))
        if middle is not None and ok.sum() > 10
        else 1.0
    )
    return wall_ratio, mid_ratio


def _clipped_frames(properties: dict[str, Any], m: int) -> np.ndarray:
    """Frames holding a clipped sample, and the frames either side: the lock-in
    filter spans them, their amplitudes saw the clipped samples too."""
    sat = np.asarray(properties.get("saturated", np.zeros(m, bool)), dtype=bool)
    return sat | np.concatenate(([False], sat[:-1])) | np.concatenate((sat[1:], [False]))


def _retro_excess(
    tracks: np.ndarray,
    outer: int,
    middle: int | None,
    wall_ratio: float,
    mid_ratio: float,
    size: int,
    clipped: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The retro excess: the inner ring's return minus what the outer ring's says
    the walls and shiny surfaces give it; its rise over its rolling median
    (`size` frames; 0 at clipped frames, which say nothing); and the middle ring's
    plain excess's rise on the same terms (None without a middle ring)."""
    excess = tracks[0] - tracks[outer] / max(wall_ratio, 1e-6)
    excess_rise = excess - median_filter(excess, size=size, mode="nearest")
    excess_rise[clipped] = 0.0
    middle_rise = None
    if middle is not None:
        middle_excess = tracks[middle] / max(mid_ratio, 1e-6) - tracks[outer] / max(
            wall_ratio, 1e-6
        )
        middle_rise = middle_excess - median_filter(middle_excess, size=size, mode="nearest")
    return excess, excess_rise, middle_rise


def _glints_in_time(r: _Rings, size: int, min_snr: float) -> list[dict[str, Any]]:
    """The candidates (docs/lens.md step 2) that pass the ring fit (step 3) and
    the lens-or-specular judgement (step 4), time order."""
    peaks, widths = _glint_candidates(r, size, min_snr)
    half = max(5, int(round(FIT_HALF_S / r.dt)))
    core_min = max(2, int(round(CORE_HALF_S / r.dt)))
    glints = []
    for p, width in zip(peaks, widths):
        glint = _judge_candidate(r, p, width, half, core_min, min_snr)
        if glint is not None:
            glints.append(glint)
    return glints


def _glint_candidates(r: _Rings, size: int, min_snr: float) -> tuple[np.ndarray, np.ndarray]:
    """Peaks of the retro excess over its rolling median, 0.5 * `min_snr` times
    its noise (and MIN_RISE_COUNTS) high: their frames and widths (frames)."""
    height = np.maximum(0.5 * min_snr * r.excess_noise * r.noise_scale, MIN_RISE_COUNTS)
    peaks, pp = find_peaks(
        r.excess_rise,
        height=height,
        distance=max(1, int(round(MIN_SEPARATION_S / r.dt))),
        width=(None, MAX_WIDTH_S / r.dt),
        rel_height=0.5,
        # a glint's prominence over its own surroundings (the
        # background's span), not over a slow dip seconds away
        wlen=2 * size + 1,
    )
    return peaks, pp["widths"]


def _judge_candidate(
    r: _Rings, p: int, width: float, half: int, core_min: int, min_snr: float
) -> dict[str, Any] | None:
    """The glint at candidate frame `p` (`width` frames wide), or None: what the
    outer ring cannot explain of it (docs/lens.md step 3), then how much of it
    the middle ring shows (step 4), the plain excess speaking where the fit
    cannot. `half`: the fit's half span, `core_min`: the least it leaves out."""
    # leave the whole glint out of the fit: at least its width either side
    core = max(core_min, int(round(1.2 * width)))
    fit = _explained(r.tracks[0], r.tracks[r.outer], p, half, core, r.sat, r.noise_scale)
    if fit is None:
        return None
    resid, sigma, bump0, bump_out = fit
    snr = resid / sigma
    excess_snr, plain_share, plain = _plain_excess(r, p, snr)
    if (snr < min_snr and not plain) or resid < MIN_RISE_COUNTS or width * r.dt < MIN_WIDTH_S:
        return None
    if r.clipped[max(0, p - core) : p + core + 1].any() or r.unknown[p]:
        return None  # clipped: the rings' shares cannot be compared
    judged = _ring_ratio(r, p, half, core, resid, bump0)
    if judged is None:
        return None
    ratio, mid = judged
    judged_by = "ring fit"
    if plain and (snr < min_snr or ratio > RETRO_RATIO_MAX):
        ratio = max(plain_share, 0.0)  # the plain shares speak where the fit cannot
        judged_by = "plain excess"
    lo, hi = max(0, p - 2), min(r.tracks.shape[1], p + 3)
    return {
        "time_s": float(r.times[p]),
        "rise": resid,
        "snr": float(snr),
        "excess_snr": excess_snr,
        "judged_by": judged_by,
        "width_s": float(width * r.dt),
        # how much of it the other rings show too: ~0 retro-reflection, ~1 not
        "retro_ratio": ratio,
        "outer_bump": bump_out,
        "middle_ratio": mid,
        "saturated": bool(r.clipped[lo:hi].any()),
        "amplitudes": [float(r.tracks[g, p]) for g in range(r.tracks.shape[0])],
    }


def _plain_excess(r: _Rings, p: int, snr: float) -> tuple[float, float, Any]:
    """The plain-excess test at frame p (docs/lens.md step 4, "When the fit cannot
    judge"): (the excess's rise over its noise, the middle ring's share of it
    (NaN without a middle ring or a rise), whether the plain excess shows a lens)."""
    excess_snr = float(r.excess_rise[p] / (r.excess_noise * r.noise_scale[p]))
    plain_share = (
        float(r.middle_rise[p] / r.excess_rise[p])
        if r.middle_rise is not None and r.excess_rise[p] > 0
        else np.nan
    )
    plain = (
        excess_snr >= PLAIN_EXCESS_SNR
        and snr >= PLAIN_MIN_FIT_SNR
        and plain_share <= PLAIN_MAX_MIDDLE_SHARE
        and r.middle_rise is not None
        and r.middle_rise[p] >= -PLAIN_NOISE_SIGMAS * r.excess_noise * r.noise_scale[p]
    )
    return excess_snr, plain_share, plain


def _ring_ratio(
    r: _Rings, p: int, half: int, core: int, resid: float, bump0: float
) -> tuple[float, float | None] | None:
    """Lens or specular (docs/lens.md step 4): (the other rings' share of the
    glint, the middle ring's signed ratio or None without one), or None when too
    little is left to fit. `resid`, `bump0`: the inner ring's fit residual and
    bump over a line at p."""
    if r.middle is None:
        return (max(0.0, 1.0 - resid / bump0) if bump0 > 0 else 1.0), None
    # the middle ring (20 mm) against the outer (34 mm): a lens within a few
    # metres returns little to either, so nothing is left unexplained; an
    # artefact of the rings' different aim (a wall corner, a shiny edge)
    # shows between every pair of rings
    mfit = _explained(r.tracks[r.middle], r.tracks[r.outer], p, half, core, r.sat, r.noise_scale)
    if mfit is None:
        return None
    mid = mfit[0] / max(r.mid_ratio, 1e-6) / resid  # signed: a lens only adds light
    return (mid if mid >= 0 else -MIDDLE_NEGATIVE_WEIGHT * mid), mid


def _steady_returns(
    tracks: np.ndarray,
    excess: np.ndarray,
    sigma: np.ndarray,
    times: np.ndarray,
    clipped: np.ndarray,
    unknown: np.ndarray,
    outer: int,
    middle: int,
    wall_ratio: float,
    mid_ratio: float,
    passes: list[tuple[float, float]],
    min_snr: float = STEADY_MIN_SNR,
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
    near_clip = (
        clipped | np.concatenate(([False], clipped[:-1])) | np.concatenate((clipped[1:], [False]))
    )
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
        out.append(
            {
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
            }
        )
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


def _explained(
    inner: np.ndarray,
    outer: np.ndarray,
    p: int,
    half: int,
    core: int,
    sat: np.ndarray,
    noise_scale: np.ndarray | None = None,
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
