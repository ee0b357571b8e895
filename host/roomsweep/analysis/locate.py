"""Where a transmitter is: a log-distance fit to levels measured at known points."""

from __future__ import annotations

import numpy as np

from roomsweep.analysis.validate import check_1d as _check_1d

DEFAULT_EXPONENT = 2.5  # indoor, between free space (2) and partitioned offices (3)


def fit_position(
    points_xy: np.ndarray,
    levels_dbm: np.ndarray,
    exponent: float = DEFAULT_EXPONENT,
    grid_m: float = 0.05,
) -> tuple[tuple[np.ndarray, float], dict]:
    """Least-squares (x, y) of a transmitter from levels at known positions.

    Model: level_i = A - 10 n log10(d_i), with A free. Searched on a grid over the
    points' bounding box grown by 1 m; the uncertainty is the radius of the region
    whose misfit stays within one residual variance of the best.

    Returns
    -------
    (xy, uncertainty_m), properties with ``rms_db`` and ``A``.

    Examples
    --------
    >>> pts = np.array([[0, 0], [4, 0], [0, 4], [4, 4], [2, 2]], float)
    >>> true = np.array([1.0, 3.0])
    >>> lv = 10 - 25 * np.log10(np.hypot(*(pts - true).T))
    >>> (xy, err), p = fit_position(pts, lv)
    >>> np.round(xy, 1).tolist()
    [1.0, 3.0]
    """
    pts = np.asarray(points_xy, dtype=float)
    lv = _check_1d(levels_dbm, "levels_dbm").astype(float)
    if pts.ndim != 2 or pts.shape[1] != 2 or pts.shape[0] != lv.size:
        raise ValueError("points_xy must be (n, 2) matching levels_dbm")
    if lv.size < 3:
        raise ValueError("need levels at three or more points")
    lo = pts.min(axis=0) - 1.0
    hi = pts.max(axis=0) + 1.0
    gx = np.arange(lo[0], hi[0] + grid_m, grid_m)
    gy = np.arange(lo[1], hi[1] + grid_m, grid_m)
    X, Y = np.meshgrid(gx, gy)
    d = np.hypot(X[..., None] - pts[:, 0], Y[..., None] - pts[:, 1])
    g = -10 * exponent * np.log10(np.maximum(d, 0.1))
    A = np.mean(lv - g, axis=-1)
    resid = lv - (A[..., None] + g)
    sse = np.sum(resid**2, axis=-1)
    k = np.unravel_index(np.argmin(sse), sse.shape)
    best = np.array([X[k], Y[k]])
    dof = max(lv.size - 3, 1)
    var = sse[k] / dof
    region = sse <= sse[k] + max(var, 1.0)
    spread = np.hypot(X[region] - best[0], Y[region] - best[1])
    err = float(np.percentile(spread, 68)) if spread.size else grid_m
    return (best, max(err, grid_m)), {"rms_db": float(np.sqrt(sse[k] / lv.size)), "A": float(A[k])}
