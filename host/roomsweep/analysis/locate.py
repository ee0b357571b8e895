"""Where a transmitter is: a log-distance fit to levels measured at known points,
and whether it is inside the room the stops span at all (``in_room``).

Two questions kept apart: "is it in this room?" (a level and a fall-off along
the sweep that no source beyond the walls gives) and "where?" (one stop when a
single stop stands out, else the region of stops it is loudest at).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from scipy.spatial import ConvexHull, QhullError

from roomsweep.analysis.validate import check_1d as _check_1d

DEFAULT_EXPONENT = 2.5  # indoor, between free space (2) and partitioned offices (3)


def fit_position(
    points_xy: np.ndarray,
    levels_dbm: np.ndarray,
    exponent: float = DEFAULT_EXPONENT,
    grid_m: float = 0.05,
    at_least: np.ndarray | None = None,
    reach_m: float = 1.0,
    heights_m: tuple[float, ...] = (0.0,),
    at_most: np.ndarray | None = None,
) -> tuple[tuple[np.ndarray, float], dict]:
    """Least-squares (x, y) of a transmitter from levels at known positions.

    Model: level_i = A - 10 n log10(d_i), with A free. Searched on a grid over the
    points' bounding box grown by `reach_m`; the uncertainty is the radius of the region
    whose misfit stays within one residual variance of the best.

    `at_least` marks levels that are lower bounds (the detector clipped: the
    source was at least this loud there): they count against a position only
    where the model is quieter than them; `at_most` marks upper bounds (the
    source not heard there beneath that level), which count only where the
    model is louder. A is fitted on the other levels when two or more remain
    (else on all but the upper bounds). `heights_m`: the source may sit this
    far above or below the plane the levels were taken in (a ceiling fitting
    over the held detector); the best of them is kept per grid point.

    Returns
    -------
    (xy, uncertainty_m), properties with ``rms_db``, ``A`` and ``height_m``
    (the one of `heights_m` the best fit took).

    Examples
    --------
    >>> pts = np.array([[0, 0], [4, 0], [0, 4], [4, 4], [2, 2]], float)
    >>> true = np.array([1.0, 3.0])
    >>> lv = 10 - 25 * np.log10(np.hypot(*(pts - true).T))
    >>> (xy, err), p = fit_position(pts, lv)
    >>> np.round(xy, 1).tolist()
    [1.0, 3.0]

    Three stops in a row read alike: a source far off to either side fits
    them (the search takes the first side); a stop beside them where it was
    not heard above -40 dBm says which side it is not on.

    >>> row = np.array([[0, 0], [1, 0], [2, 0], [1, -2]], float)
    >>> lv = np.array([-20.0, -19.5, -20.0, -40.0])
    >>> (xy, _), _ = fit_position(row, lv, reach_m=3.0, at_most=np.array([0, 0, 0, 1], bool))
    >>> (either, _), _ = fit_position(row[:3], lv[:3], reach_m=3.0)
    >>> bool(xy[1] > 0), bool(either[1] > 0)
    (True, False)
    """
    pts = np.asarray(points_xy, dtype=float)
    lv = _check_1d(levels_dbm, "levels_dbm").astype(float)
    if pts.ndim != 2 or pts.shape[1] != 2 or pts.shape[0] != lv.size:
        raise ValueError("points_xy must be (n, 2) matching levels_dbm")
    if lv.size < 3:
        raise ValueError("need levels at three or more points")
    for name, marks in (("at_least", at_least), ("at_most", at_most)):
        if marks is not None and (
            np.shape(marks) != lv.shape or np.asarray(marks).dtype != np.bool_
        ):
            raise ValueError(f"{name} must be a boolean mask of levels_dbm ({lv.size})")
    lo = pts.min(axis=0) - reach_m
    hi = pts.max(axis=0) + reach_m
    gx = np.arange(lo[0], hi[0] + grid_m, grid_m)
    gy = np.arange(lo[1], hi[1] + grid_m, grid_m)
    clipped = np.zeros(lv.size, bool) if at_least is None else np.asarray(at_least, bool)
    upper = np.zeros(lv.size, bool) if at_most is None else np.asarray(at_most, bool)
    if np.any(clipped & upper):
        raise ValueError("a level is either at_least or at_most, not both")
    if np.count_nonzero(~upper) < 2:
        raise ValueError("need two or more levels that are not upper bounds (at_most)")
    free = ~clipped & ~upper
    if np.count_nonzero(free) < 2:
        free = ~upper
    fits = _height_fits(pts, lv, clipped, free, exponent, gx, gy, upper)
    shape = (gy.size, gx.size)
    sse = np.full(shape, np.inf)
    A = np.zeros(shape)
    H = np.zeros(shape)
    for h in heights_m:
        sse_h, a_h = fits(h)
        better = sse_h < sse
        np.copyto(sse, sse_h, where=better)
        np.copyto(A, a_h, where=better)
        np.copyto(H, h, where=better)
    k = np.unravel_index(np.argmin(sse), shape)
    best = np.array([gx[k[1]], gy[k[0]]])
    dof = max(lv.size - 3, 1)
    var = sse[k] / dof
    iy, ix = np.nonzero(sse <= sse[k] + max(var, 1.0))  # the region, in X[region]'s order
    spread = np.hypot(gx[ix] - best[0], gy[iy] - best[1])
    err = float(np.percentile(spread, 68)) if spread.size else grid_m
    props = {"rms_db": float(np.sqrt(sse[k] / lv.size)), "A": float(A[k]), "height_m": float(H[k])}
    return (best, max(err, grid_m)), props


# fit_position's last two questions and their answers per height: in_room
# asks the fit over the stops near the loudest (with the silent ones among them
# as upper bounds), over all that heard it (often the same stops: all within
# FIT_RADIUS_M of the loudest), and over the near ones that heard it again with
# heights beside the plane's (where none near is silent, the first question
# again, whose answer in the plane it shares)
_FITS: dict[tuple, dict] = {}
FITS_KEPT = 2
# The model's fall-off over the grid, by stops, grid and height, the last few
# asked: it does not depend on the levels, and in_room asks of the same stops
# (those that heard a source, those near its loudest stop) for source after
# source. Most of a fit's time is its log10.
_FALLS: dict[tuple, np.ndarray] = {}
FALLS_KEPT = 4


def _height_fits(
    pts: np.ndarray,
    lv: np.ndarray,
    clipped: np.ndarray,
    free: np.ndarray,
    exponent: float,
    gx: np.ndarray,
    gy: np.ndarray,
    upper: np.ndarray,
) -> Callable[[float], tuple[np.ndarray, np.ndarray]]:
    """``fits(h)`` -> (misfit, A) over the grid (gy.size, gx.size) with the
    source `h` off the plane: fit_position's arithmetic, step by step, with
    fewer temporaries; the last questions' answers and the last few
    fall-offs are kept."""
    where = (pts.tobytes(), gx.tobytes(), gy.tobytes(), float(exponent))
    key = (where, lv.tobytes(), clipped.tobytes(), free.tobytes(), upper.tobytes())
    held = _FITS.get(key)
    if held is None:
        if len(_FITS) >= FITS_KEPT:
            del _FITS[next(iter(_FITS))]  # the oldest
        held = _FITS[key] = {}

    def fall(h: float) -> np.ndarray:
        g = _FALLS.get((where, h))
        if g is not None:
            return g
        # X[..., None] - pts[:, 0] with X[i, j] = gx[j], squared, plus the same in y
        dx2 = (gx[:, None] - pts[:, 0]) ** 2
        dy2 = (gy[:, None] - pts[:, 1]) ** 2
        g = dx2[None, :, :] + dy2[:, None, :]
        if h * h != 0:
            g += h * h
        np.maximum(g, 0.01, out=g)
        np.log10(g, out=g)
        np.multiply(-5 * exponent, g, out=g)
        g.flags.writeable = False
        if len(_FALLS) >= FALLS_KEPT:
            del _FALLS[next(iter(_FALLS))]  # the oldest
        _FALLS[(where, h)] = g
        return g

    def fits(h: float) -> tuple[np.ndarray, np.ndarray]:
        if h not in held:
            g = fall(h)
            a_h = np.mean(lv[free] - g[..., free], axis=-1)
            resid = np.add(a_h[..., None], g)
            np.subtract(lv, resid, out=resid)
            # a clipped level only says "at least": a model louder there fits it
            if clipped.any():
                resid[..., clipped] = np.maximum(resid[..., clipped], 0.0)
            if upper.any():
                resid[..., upper] = np.minimum(resid[..., upper], 0.0)
            np.square(resid, out=resid)
            held[h] = (np.sum(resid, axis=-1), a_h)
        return held[h]

    return fits


# Outside the stops' hull by more than this, a fitted source is beyond the walls:
# a stop is where the sweeper can reach, and what hides there is within arm's
# reach of it (about 1 m: a high shelf, a ceiling fitting above a stop).
HULL_MARGIN_M = 1.0
# The in-room fit searches this far beyond the stops: a phone next door or in
# the corridor is a few metres beyond them, and a grid that stops short of it
# would put it at its own edge, inside HULL_MARGIN_M.
BEYOND_M = 4.0
# ... on a coarser grid than a position (it asks "in or out", not "where")
IN_ROOM_GRID_M = 0.1


def hull_distance(points_xy: np.ndarray, xy: np.ndarray) -> float:
    """How far `xy` lies outside the convex hull of the points (metres; 0 or
    less inside). With fewer than three points, or all on a line, the distance
    to the nearest point.

    Examples
    --------
    >>> square = np.array([[0, 0], [2, 0], [0, 2], [2, 2]], float)
    >>> hull_distance(square, np.array([1.0, 1.0])) <= 0
    True
    >>> round(hull_distance(square, np.array([3.0, 1.0])), 2)
    1.0
    """
    pts = np.asarray(points_xy, dtype=float)
    p = np.asarray(xy, dtype=float)
    nearest = float(np.min(np.hypot(*(pts - p).T))) if pts.size else 0.0
    if pts.shape[0] < 3:
        return nearest
    try:
        hull = ConvexHull(pts)
    except QhullError:  # collinear stops span no area
        return nearest
    # facet equations: n . x + c <= 0 inside, n of unit length
    return float(np.max(hull.equations[:, :2] @ p + hull.equations[:, 2]))


# The in-room fit lets a source sit this far above (or below) the held
# detector: on the floor, at a shelf, on a ceiling. Rooms are about 2.4-3 m
# high and the detector is held about 1 m up, so 1.5 m reaches the ceiling; a
# source with no height allowed reads flat at the stops around it, as one
# far beyond the walls does, and the fit would put it there.
SOURCE_HEIGHTS_M = (0.0, 0.75, 1.5)
# Above the ceiling: a neighbour's device on the floor above (a slab of
# 0.2-0.3 m over a 2.4-3 m room, the detector held about 1 m up: 1.6-2.3 m up)
# or on a table there. A source fitted best this high is not given the smaller
# fall of a ceiling source. The two overlap: a 3 m room's ceiling is 2 m above
# the detector, and a fit cannot tell a source there from one on the floor
# above; between the 1.5 and 2.5 m tried, sources about 1.9-2 m up go either way
BEYOND_CEILING_M = (2.5, 3.5)
# The most of a fit's uncertainty credited towards "inside": a source within
# REACH_M of a stop at the room's edge that the fading pushed out
FIT_CREDIT_M = 1.0
# Stops this far from the loudest are "across the room": beyond NEIGHBOUR_M
# (analysis.analyze), where a device at the loudest stop has fallen at least
# 16.6 dB in free space.
FAR_M = 2.0
# The fall from the loudest stop to the stops across the room that a source
# near the loudest stop must show: a device within REACH_M of it falls at least
# 20 log10(d / REACH_M) dB at a stop d away, free space (n = 2, the slowest of
# the 1.6-3.5 indoor exponents bar corridors, ITU-R P.1238): 9.5 dB at 3 m, 5 dB
# across a 1.8 m bathroom. A source far from every stop (beyond the walls, next
# door) falls less; one just beyond a wall can fall as much, and the position
# fit (HULL_MARGIN_M) tells it apart.
REACH_M = 1.0
# ... and never less than this: below it the level's own spread (shadowing,
# the detector's +-1 dB) shows no fall at all
MIN_FALL_DB = 3.0
# the fall read as "in the room" beyond doubt in a room of any size (see above:
# a device within REACH_M at 3 m); confidence.py weighs the fall as it is
IN_ROOM_FALL_DB = 10.0
# The fit uses the stops this close to the loudest: further ones see walls,
# furniture and other sources more than this one (as analysis.analyze's fit).
FIT_RADIUS_M = 3.0


def in_room(
    points_xy: np.ndarray,
    levels_dbm: np.ndarray,
    bounds_dbm: np.ndarray,
    heard: np.ndarray,
    loudest: int,
    clipped: np.ndarray | None = None,
) -> dict:
    """Is a source inside the room the stops span? The evidence, kept apart from
    where it is.

    Parameters
    ----------
    points_xy : (n, 2) positions of the stops, metres.
    levels_dbm : the source's level at each stop (its kind's loudest there).
    bounds_dbm : the most it can have been at each stop (its level where heard,
        else the loudest other traffic there, beneath which it could hide).
    heard : where the source's kind was heard at all.
    loudest : index of the stop it is loudest at.
    clipped : levels that are lower bounds (the detector saturated).

    Returns
    -------
    dict with ``fall_db`` (loudest level over the median bound across the room,
    see across_room, where the bound shows a fall; None when none does),
    ``near_fall_db`` (where none does: the same over the stops REACH_M or more
    away that show one, which the test below then weighs; else None), ``fit_xy`` and
    ``outside_hull_m`` (log-distance fit over the stops within FIT_RADIUS_M that
    heard it, with those there that show a fall without hearing it as upper
    bounds, and how far outside the stops' hull it lands; None with fewer than
    three that heard it; ``high_fit_outside_hull_m`` the same over heard
    levels alone with the source's height free, SOURCE_HEIGHTS_M),
    ``room_fit_outside_hull_m`` (the same over every stop that heard it: a
    source beyond the walls is heard along them) and
    ``in_room`` (a fall of IN_ROOM_FALL_DB or more, or less in a small room,
    and a fit, when there is one, within HULL_MARGIN_M of the hull, or with
    its height free inside it, or too unsure to place the source (beyond
    FIT_CREDIT_M) while the fit over all that heard it lands among the
    stops; a fit so inside at a height h needs only the
    fall of a source h above the loudest stop, _slant_fall_db, unless a fit
    with heights beyond a ceiling, BEYOND_CEILING_M, fits better still).

    Examples
    --------
    >>> pts = np.array([[0, 0], [1, 0], [3, 0], [3, 3], [0, 3]], float)
    >>> lv = -10 - 25 * np.log10(np.hypot(*(pts - [0.5, 0.2]).T))
    >>> e = in_room(pts, lv, lv, np.ones(5, bool), 0)
    >>> e["in_room"], e["fall_db"] > 15
    (True, True)
    """
    pts = np.asarray(points_xy, dtype=float)
    lv = np.asarray(levels_dbm, dtype=float)
    # a stop where the kind was not heard beneath louder traffic shows no fall
    # either way: it is left out (the fall is unknown, None, when all are)
    bounds = np.asarray(bounds_dbm, dtype=float)
    shown = np.asarray(heard, bool) | (bounds < lv[loudest])
    far = across_room(pts, loudest) & shown
    across = far.any()
    dist = np.hypot(*(pts - pts[loudest]).T)  # from the loudest stop
    if not across:
        # every stop across the room heard louder traffic that could hide it:
        # the fall shown at the nearer stops, REACH_M or more away, with the
        # fall a device within REACH_M of the loudest stop needs there (below).
        # It speaks for the room only through the test here: the fall across
        # the room stays unknown (fall_db None, as the confidence model and
        # beyond_walls read it)
        far = (dist >= REACH_M) & shown
    fall = float(lv[loudest] - np.median(bounds[far])) if far.any() else None
    needed = IN_ROOM_FALL_DB
    if far.any():
        d_far = float(np.median(dist[far]))
        needed = min(IN_ROOM_FALL_DB, max(MIN_FALL_DB, 20 * np.log10(d_far / REACH_M)))
    heard = np.asarray(heard, bool)
    close = ~far_from(pts, loudest)
    near = heard & close
    # the near fit takes the stops within FIT_RADIUS_M that show a fall without
    # hearing the kind as upper bounds (their bound: the most it was there), as
    # the fall above already reads them. Flat levels at the three stops beside
    # a source read as one far away; the silent stop beside them says it is
    # not. The other fits (over every stop that heard it, beyond_walls', and
    # with the height free) keep to heard levels
    silent = shown & ~heard & close
    fit_xy, outside, spread, _ = _fit_outside(
        pts, np.where(heard, lv, bounds), near, clipped, at_most=silent
    )
    _, outside_room, _, _ = _fit_outside(pts, lv, heard, clipped)
    # the same with the source's height free: a ceiling source amid the stops
    # reads flat beneath it, and the plane's fit puts it far away instead. It
    # only ever adds "among the stops" (a height lets a source beyond the
    # walls read flat too, so it does not move the margin's test), and only
    # then the smaller fall a source that high shows (inroom.above_the_stops
    # keeps the plane's fits from putting such a source beyond the walls)
    _, outside_high, _, high = _fit_outside(pts, lv, near, clipped, SOURCE_HEIGHTS_M)
    height = high.get("height_m", 0.0)
    if fall is not None and among(outside_high) and height > 0.0:
        # ... and a source that high above the stops falls less across the
        # room than one beside the loudest stop: the slant distances' ratio
        # (free space, n = 2, as `needed` above), unless a source further up
        # still, on the floor above, fits better (that fit, over those heights
        # alone, is made only where the smaller fall would decide)
        eased = max(MIN_FALL_DB, _slant_fall_db(d_far, height))
        if eased <= fall < needed:
            above = _fit_outside(pts, lv, near, clipped, BEYOND_CEILING_M)[3]
            if not above["rms_db"] < high["rms_db"]:
                needed = eased
    # the fit is only as sure as its uncertainty: multipath fading moves a
    # stop's level by several dB, and a fit that could lie inside the margin
    # within its own uncertainty does not put the source beyond the walls
    credit = min(spread or 0.0, FIT_CREDIT_M)
    # heard at fewer than three stops: nothing to fit, the loudest stop (inside
    # the hull by definition) is the estimate, and the fall is against what
    # the other stops' traffic could hide
    inside = bool(
        fall is not None
        and fall >= needed
        and (
            outside is None
            or outside - credit <= HULL_MARGIN_M
            or among(outside_high)
            # a near fit more unsure than any credit (the few stops within
            # FIT_RADIUS_M alike, as beneath a ceiling source) cannot put the
            # source beyond the walls against the fit over every stop that
            # heard it, which lands among them
            or (spread is not None and spread > FIT_CREDIT_M and among(outside_room))
        )
    )
    return {
        "fall_db": fall if across else None,
        "near_fall_db": None if across else fall,
        "fit_xy": fit_xy,
        "fit_uncertainty_m": spread,
        "outside_hull_m": outside,
        "high_fit_outside_hull_m": outside_high,
        "room_fit_outside_hull_m": outside_room,
        "in_room": inside,
    }


def planless_in_room(level_dbm: float, others_dbm: Sequence[float]) -> dict:
    """in_room's evidence where the stops have no positions (a capture without
    a plan): no fit, only the fall from the loudest stop's `level_dbm` to the
    median of the other stops' levels `others_dbm` (each stop once, only those
    that show a fall either way), in the room at IN_ROOM_FALL_DB or more. That
    median takes the stops beside the loudest too, where in_room's takes the
    stops across the room alone, so it asks more. Fewer than three others:
    no fall (None), not in the room.

    >>> planless_in_room(-20.0, [-35.0, -33.0, -24.0])["in_room"]
    True
    >>> planless_in_room(-20.0, [-26.0, -27.0, -24.0])["fall_db"]
    6.0
    """
    fall = float(level_dbm - np.median(others_dbm)) if len(others_dbm) >= 3 else None
    return {
        "fall_db": fall,
        "near_fall_db": None,
        "fit_xy": None,
        "fit_uncertainty_m": None,
        "outside_hull_m": None,
        "high_fit_outside_hull_m": None,
        "room_fit_outside_hull_m": None,
        "in_room": fall is not None and fall >= IN_ROOM_FALL_DB,
    }


def among(outside_hull_m: float | None) -> bool:
    """A fit's distance outside the stops' hull (hull_distance) puts it among
    the stops: on or inside the hull."""
    return outside_hull_m is not None and outside_hull_m <= 0.0


def across_room(points_xy: np.ndarray, i: int) -> np.ndarray:
    """The stops across the room from stop i: FAR_M or more away, or in a room
    too small for that (a bathroom), the furthest third of them."""
    d = np.hypot(*(points_xy - points_xy[i]).T)
    far = d >= FAR_M
    if far.any() or d.size < 3:
        return far
    return d >= np.sort(d)[-max(1, d.size // 3)]


def far_from(points_xy: np.ndarray, i: int) -> np.ndarray:
    """The stops further than FIT_RADIUS_M from stop i."""
    return np.hypot(*(points_xy - points_xy[i]).T) > FIT_RADIUS_M


def _fit_outside(
    pts: np.ndarray,
    levels: np.ndarray,
    use: np.ndarray,
    clipped: np.ndarray | None,
    heights_m: tuple[float, ...] = (0.0,),
    at_most: np.ndarray | None = None,
) -> tuple[np.ndarray | None, float | None, float | None, dict[str, float]]:
    """The fit over the stops in `use` (the source at one of `heights_m` off
    their plane), and over those `at_most` marks as upper bounds
    (fit_position's), how far outside the stops' hull it lands, its
    uncertainty (metres) and fit_position's properties (``height_m`` it took,
    ``rms_db``); (None, None, None, {}) with fewer than three in `use`."""
    if np.count_nonzero(use) < 3:
        return None, None, None, {}
    if at_most is not None and np.shape(at_most) != use.shape:
        raise ValueError("at_most must mark each stop")
    upper = np.zeros(use.size, bool) if at_most is None else np.asarray(at_most, bool) & ~use
    use = use | upper
    cl = None if clipped is None else np.asarray(clipped, bool)[use]
    (xy, err), props = fit_position(
        pts[use],
        levels[use],
        at_least=cl,
        at_most=upper[use],
        reach_m=BEYOND_M,
        grid_m=IN_ROOM_GRID_M,
        heights_m=heights_m,
    )
    return xy, hull_distance(pts, xy), err, props


def _slant_fall_db(d_far_m: float, height_m: float) -> float:
    """The free-space fall (n = 2) of a source `height_m` above or below the
    stops' plane at a stop `d_far_m` from the loudest: 20 log10 of the ratio
    of the slant distances at d_far_m and at REACH_M, the same approximation
    as in_room's fall for a source in the plane (it is 20 log10(d / REACH_M)
    at height 0), at most IN_ROOM_FALL_DB.

    >>> round(_slant_fall_db(3.0, 1.5), 1)
    5.4
    >>> round(_slant_fall_db(3.0, 0.0), 1)  # beside the loudest stop
    9.5
    """
    fall = 20 * np.log10(np.hypot(d_far_m, height_m) / np.hypot(REACH_M, height_m))
    return float(min(IN_ROOM_FALL_DB, fall))
