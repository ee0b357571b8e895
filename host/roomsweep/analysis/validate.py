"""Argument checks shared by the DSP functions: clear ValueErrors, scipy style."""

from __future__ import annotations

import numpy as np


def check_1d(x, name: str) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {x.shape}")
    return x


def _number(value, name: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None


def check_positive(value, name: str) -> float:
    v = _number(value, name)
    if not np.isfinite(v) or v <= 0:
        raise ValueError(f"{name} must be positive and finite, got {value!r}")
    return v


def check_nonnegative(value, name: str) -> float:
    v = _number(value, name)
    if not np.isfinite(v) or v < 0:
        raise ValueError(f"{name} must be non-negative and finite, got {value!r}")
    return v


def check_fs(fs) -> float:
    try:
        return check_positive(fs, "fs")
    except ValueError:
        raise ValueError(f"fs must be a positive sample rate, got {fs!r}") from None
