"""The samples on the sampler's slot grid: skipped slots held, not dropped.

The analysis reads the samples as one array on a *sample clock* (index / fs).
The device samples on a fixed grid of slots (one every 1/fs) and, after a stall
between blocks (a link write, a command), skips the slots it missed and counts
them (docs/protocol.md, STATUS `missed`): the next block's first tick then sits
a few periods after the last block's end. Concatenating the blocks as they
come drops those slots, and the sample clock falls behind device time by a
period for each one. A gap shorter than a clock break (`recording.GAP_MIN_S`,
2 ms) is left to the sample clock, so the lag adds up: a 1 ms stall a second
is 1 ms a second, and the timing tests that follow a frame's phase across a
stop (`timing.py`: a DECT base keeps its 10 ms frame to 5 ppm, ETSI EN 300
175-2 4.2.2; a GSM handset its base station's 4.615 ms one) read one source
as many.

So each block is placed where its ticks say, on the slot grid counted from
the last clock break (by its last tick, which is on schedule: after a stall
the first sample is taken at once, up to a period late, and the rest catch
up): the slots before it that no sample filled are filled with the sample
before them (the detector's level held over them; at
most a couple of milliseconds, a burst's edge moved by at most that). A block
whose tick says it came early (a rounding of the rate, never a whole slot in a
conforming stream) is left where it falls. The same is done for any channel
(the photodiode's blocks share the RF blocks' ticks).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from roomsweep.protocol.records import Samples


def slot_repeats(
    firsts_us: np.ndarray, spans_us: np.ndarray, lengths: np.ndarray, rate: float, gap_min_s: float
) -> np.ndarray:
    """How many slots each sample fills on the slot grid: 1, plus the skipped
    slots after it before the next block (held at its value).

    Parameters
    ----------
    firsts_us, spans_us, lengths : array_like of int
        Each block's first tick (device time, us), span (us) and sample count,
        in stream order.
    rate : float
        The nominal sample rate (Hz): the grid's slots are 1 / rate apart.
    gap_min_s : float
        A step longer than a period plus this is a clock break (a gap the
        recording maps apart, `Recording.clock_breaks`): the grid restarts there.

    Returns
    -------
    repeats : ndarray of int64
        One per sample (the blocks' samples concatenated); `np.repeat(samples,
        repeats)` puts them on the grid.

    Examples
    --------
    Three blocks of 4 samples at 8 kS/s; three slots were skipped before the
    second, none before the third:

    >>> firsts = np.array([0, 875, 1375]); spans = np.array([375, 375, 375])
    >>> slot_repeats(firsts, spans, np.array([4, 4, 4]), 8000.0, 0.002)
    array([1, 1, 1, 4, 1, 1, 1, 1, 1, 1, 1, 1])
    """
    firsts = np.asarray(firsts_us, dtype=np.int64)
    spans = np.asarray(spans_us, dtype=np.int64)
    n = np.asarray(lengths, dtype=np.int64)
    if not rate > 0:
        raise ValueError(f"rate must be positive, got {rate!r}")
    if not (firsts.shape == spans.shape == n.shape):
        raise ValueError("firsts_us, spans_us and lengths must be one per block")
    repeats = np.ones(int(n.sum()), dtype=np.int64)
    full = n > 0  # a block without samples fills no slot and says nothing of one
    firsts, spans, n = firsts[full], spans[full], n[full]
    if n.size < 2:
        return repeats
    period_us = 1e6 / rate
    # a clock break starts a grid of its own at its block's first tick
    step_us = firsts[1:] - (firsts[:-1] + spans[:-1])
    fresh = np.r_[True, step_us > period_us + gap_min_s * 1e6]
    grid = np.cumsum(fresh) - 1
    starts = np.flatnonzero(fresh)
    before = np.cumsum(n) - n  # samples before each block
    # each block's slot on its grid, and the samples before it since the grid began
    # (by its last tick: after a stall the first sample is taken at once, up
    # to a period late, and the rest catch up with the schedule, sampler.py)
    on_time = firsts + spans - (n - 1) * period_us
    due = np.round((on_time - on_time[starts][grid]) / period_us).astype(np.int64)
    ahead = before - before[starts][grid]
    # slots skipped up to each block: the most any block so far on its grid
    # came late (a block early by rounding takes none back), its grid's
    # running maximum, kept apart from the grid before by an offset
    late = np.maximum(due - ahead, 0)
    offset = grid * (int(late.max()) + 1)
    skipped = np.maximum.accumulate(late + offset) - offset
    # held over by the last sample of the block before
    repeats[(before + n - 1)[:-1]] += np.diff(skipped) * ~fresh[1:]
    return repeats


def grid_times(times_us: np.ndarray, repeats: np.ndarray, rate: float) -> np.ndarray:
    """The device times (us) of the samples on the grid: a held copy is one
    period after the slot before it.

    >>> grid_times(np.array([0, 125, 1000]), np.array([1, 3, 1]), 8000.0)
    array([   0,  125,  250,  375, 1000])
    """
    times = np.asarray(times_us, dtype=np.int64)
    out = np.repeat(times, repeats)
    held = np.flatnonzero(repeats > 1)
    if held.size == 0:
        return out
    copies = repeats[held] - 1
    # where each held sample's copies go, and how many periods after it each is
    at = np.repeat(first_slots(repeats)[held], copies)
    k = np.arange(int(copies.sum())) - np.repeat(np.cumsum(copies) - copies, copies) + 1
    out[at + k] += np.round(k * (1e6 / rate)).astype(np.int64)
    return out


def first_slots(repeats: np.ndarray) -> np.ndarray:
    """Where each sample lands on the grid (index of its first slot): for
    remapping sample indices (range steps, drive-level steps)."""
    return np.cumsum(repeats) - repeats


def on_rf_blocks(
    rf_firsts_us: np.ndarray, rf_lengths: np.ndarray, blocks: list[tuple[int, np.ndarray]]
) -> np.ndarray:
    """Another channel's samples one for one with the RF samples (before the
    grid), each of its blocks at the RF block with the same first tick (the
    device reads both at each instant and sends their blocks with one tick,
    docs/protocol.md). Where a block of it was lost, or holds another count,
    the sample before is held over the RF block (the first one found, at the
    start); a block of it without an RF block (that one lost: a clock break
    on the RF channel) is left out. Concatenating the two channels instead
    put every sample after a lost frame of one of them beside the other's
    samples of another block. A stream none of whose blocks shares an RF
    block's tick (no firmware of ours sends one) is taken in order, cut or
    held to the RF samples' length.

    >>> rf = np.array([0, 32000, 64000]); n = np.array([2, 2, 2])
    >>> on_rf_blocks(rf, n, [(0, np.array([5, 6])), (64000, np.array([9, 8]))])
    array([5, 6, 6, 6, 9, 8], dtype=uint16)
    """
    n = np.asarray(rf_lengths, dtype=np.int64)
    out = np.zeros(int(n.sum()), dtype=np.uint16)
    have = np.zeros(out.size, dtype=bool)
    by_tick = {int(t): s for t, s in blocks}
    pos = 0
    for tick, count in zip(np.asarray(rf_firsts_us).tolist(), n.tolist()):
        samples = by_tick.get(tick)
        if samples is not None and len(samples) == count:
            out[pos : pos + count] = samples
            have[pos : pos + count] = True
        pos += count
    if have.all():
        return out
    if not have.any():  # no block at an RF block's tick (not our firmware's): in order
        flat = np.concatenate([np.asarray(b, dtype=np.uint16) for _, b in blocks])
        if flat.size < out.size:
            flat = np.r_[flat, np.full(out.size - flat.size, flat[-1] if flat.size else 0)]
        return flat[: out.size].astype(np.uint16)
    # the last sample had before each one (the first had, before any)
    last = np.maximum.accumulate(np.where(have, np.arange(out.size), -1))
    return out[np.where(last >= 0, last, int(np.argmax(have)))]


# --- a capture's blocks ------------------------------------------------------------


def block_repeats(blocks: Sequence[Samples], rate: float, gap_min_s: float) -> np.ndarray:
    """slot_repeats of a channel's SAMPLES blocks, in stream order."""
    return slot_repeats(
        np.array([b.t_first_us for b in blocks], dtype=np.int64),
        np.array([b.span_us for b in blocks], dtype=np.int64),
        np.array([len(b.samples) for b in blocks], dtype=np.int64),
        rate,
        gap_min_s,
    )


def photodiode_on_rf(pd: Sequence[Samples], rf_blocks: Sequence[Samples]) -> np.ndarray:
    """The photodiode's blocks' samples one for one with the RF blocks'
    samples, before the grid (on_rf_blocks); empty without any."""
    if not pd:
        return np.zeros(0, np.uint16)
    return on_rf_blocks(
        np.array([b.t_first_us for b in rf_blocks], dtype=np.int64),
        np.array([len(b.samples) for b in rf_blocks], dtype=np.int64),
        [(b.t_first_us, b.samples) for b in pd],
    )


def on_grid(starts: np.ndarray | None, repeats: np.ndarray) -> np.ndarray | None:
    """Sample indices (steps' starts: the RF range, the LED drive level) moved
    onto the grid with their samples."""
    if starts is None:
        return None
    return first_slots(repeats)[np.asarray(starts, dtype=np.int64)]
