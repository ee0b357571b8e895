"""The lens finder's automatic LED drive level (firmware/lens.py, "Automatic drive
level"), mirrored on the host for the fast path (`roomsweep.eval.fastpath`).

The firmware dims or brightens all three LED groups together, block by block, so
that a wall at arm's length does not clip the ADC while a far lens still shows.
`auto_drive` applies the same rule to simulated photodiode samples. These names
are also reachable as `roomsweep.sim.optics.<name>`, where the fast path and the
tests look for them.
"""

from __future__ import annotations

import numpy as np

from roomsweep.protocol import device_defaults as D
from roomsweep.protocol import rsproto

# The LEDs' current is full / DRIVE_STEP**level, every group alike (one reference
# for the three current sinks, hardware/README.md). The firmware picks the level
# block by block; `auto_drive` mirrors its rule for the fast path. The rule's
# constants have one definition, firmware/defaults.py (here device_defaults).
DRIVE_LEVELS = D.DRIVE_LEVELS
DRIVE_STEP = rsproto.LENS_DRIVE_STEP
DRIVE_LOWER_AT = D.DRIVE_LOWER_AT  # top of the ADC's linear range (defaults.py)
DRIVE_RAISE_BELOW = D.DRIVE_RAISE_BELOW
DRIVE_CALM_BLOCKS = D.DRIVE_CALM_BLOCKS
DRIVE_BLOCK = D.DEFAULT_BLOCK  # the firmware's default block


def drive_multiplier(level) -> np.ndarray:
    """The simulated board's drive factor x 65536 at `level` (firmware LedDrive duty + 1)."""
    return 65536 >> np.asarray(level, dtype=np.int64)


def auto_drive(
    base16: np.ndarray,
    returns16: np.ndarray,
    freqs_hz,
    fs: float,
    block: int = DRIVE_BLOCK,
    auto: bool = True,
    servo16: np.ndarray | None = None,
    duty_u16=None,
) -> tuple[np.ndarray, np.ndarray]:
    """The photodiode samples with the firmware's automatic LED drive level.

    base16: photodiode with every LED off, read_u16 units (counts x 16), per sample;
    returns16: (groups, n) each group's return at full current while it is on, 1/16
    counts, zero where the group is off. Block by block, as firmware/lens.py: the
    next block one level dimmer when this block's highest sample reached
    DRIVE_LOWER_AT, one brighter after DRIVE_CALM_BLOCKS blocks in a row where
    the highest sample plus the LEDs' peak (twice the light) (pi/2 x the sum of the
    groups' fundamentals) stayed below DRIVE_RAISE_BELOW.
    servo16 (groups, n), each group's return at full current whether it is on or
    not, and duty_u16 (per group, 1/65536): the DC servo's share, each group's mean
    light, is taken away as the simulated board does (sim/ambient.py).
    Returns (12-bit counts, drive level of each block).
    """
    servo = None if servo16 is None else (servo16, duty_u16)
    n = base16.size
    m = -(-n // block)
    # each level's samples and per-block figures (hi, LED peak), then the rule
    pad = m * block - n
    t = np.arange(block) / fs
    refs = np.array([np.exp(-2j * np.pi * f * t) for f in freqs_hz])
    hi = np.zeros((DRIVE_LEVELS, m))
    peak = np.zeros((DRIVE_LEVELS, m))
    for level in range(DRIVE_LEVELS if auto else 1):
        x = _at_level(base16, returns16, level, servo)
        xb = np.concatenate((x, np.full(pad, x[-1] if n else 0))).reshape(m, block)
        hi[level] = xb.max(axis=1)
        xc = xb - np.floor(xb.mean(axis=1, keepdims=True))
        amps = np.floor(8 * 2 * np.abs(xc @ refs.T) / block)  # 1/8 counts, as the device
        peak[level] = np.floor(amps.sum(axis=1) * 201 / 1024)
    levels = np.zeros(m, dtype=np.int64)
    level = calm = 0
    for b in range(m):
        levels[b] = level
        if not auto:
            continue
        if hi[level, b] >= DRIVE_LOWER_AT:
            calm = 0
            if level < DRIVE_LEVELS - 1:
                level += 1
        elif level > 0 and hi[level, b] + peak[level, b] < DRIVE_RAISE_BELOW:
            calm += 1
            if calm >= DRIVE_CALM_BLOCKS:
                level -= 1
                calm = 0
        else:
            calm = 0
    per_sample = np.repeat(levels, block)[:n]
    return _at_level(base16, returns16, per_sample, servo), levels


def _at_level(base16: np.ndarray, returns16: np.ndarray, level, servo=None) -> np.ndarray:
    """12-bit counts at drive `level`: base + the returns of the groups that are on
    (less each group's mean, `servo` = (servo16, duty_u16)), clipped as the board
    clips its u16 (sim/mpboard/board.py read_feed)."""
    total = np.asarray(base16, dtype=np.int64).copy()
    mult = drive_multiplier(level)
    for g in range(returns16.shape[0]):
        total += (returns16[g].astype(np.int64) * mult) >> 16
        if servo is not None:
            full, duty = servo
            total -= (((full[g].astype(np.int64) * mult) >> 16) * int(duty[g])) >> 16
    return (np.clip(total, 0, 65535) >> 4).astype(np.uint16)
