"""Argument checks shared by the DSP functions: clear ValueErrors, scipy style."""

from __future__ import annotations

import numpy as np


def check_1d(x, name: str) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {x.shape}")
    return x


def check_positive(value, name: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not np.isfinite(v) or v <= 0:
        raise ValueError(f"{name} must be positive and finite, got {value!r}")
    return v


def check_nonnegative(value, name: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not np.isfinite(v) or v < 0:
        raise ValueError(f"{name} must be non-negative and finite, got {value!r}")
    return v


def check_fs(fs) -> float:
    try:
        v = float(fs)
    except (TypeError, ValueError):
        raise ValueError(f"fs must be a positive sample rate, got {fs!r}") from None
    if not np.isfinite(v) or v <= 0:
        raise ValueError(f"fs must be a positive sample rate, got {fs!r}")
    return v
