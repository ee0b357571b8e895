"""Skipped sample slots are held, so the sample clock keeps device time.

The sampler skips slots after a stall between blocks and counts them (STATUS
`missed`, docs/protocol.md); the next block's first tick says where it
resumed. A capture read by concatenating the blocks loses those slots, and the
sample clock falls behind device time by a period for each: a DECT base's
frame phase then walks from window to window and one base reads as several
devices. `analysis.slotclock` places each block where its tick says, and the
frame timing (`timing.frame_phase`) reads the phase on device time, so a
Wi-Fi scan's gap between two stops does not move it either.
"""

from __future__ import annotations

import numpy as np
import pytest

from roomsweep.analysis.components import components
from roomsweep.analysis.recording import GAP_MIN_S, from_capture
from roomsweep.analysis.slotclock import first_slots, grid_times, slot_repeats
from roomsweep.analysis.timing import PHASE_TOLERANCE_S, frame_phases, same_source_groups
from roomsweep.link import capture as C
from roomsweep.protocol import rsproto as P
from roomsweep.protocol.calibration import Calibration
from roomsweep.protocol.encoding import lens_payload, samples_payload
from roomsweep.standards import DECT_FRAME_S
from tests.test_capture_inputs import capture_bytes

RATE = 8000
BLOCK = 256
PERIOD_US = 1e6 / RATE


def _counts_at(dbm: float) -> int:
    law = Calibration().rf_dbm(np.arange(4096))
    return int(np.argmin(np.abs(law - dbm)))


def test_skipped_slots_before_a_block_are_filled_with_the_sample_before_them():
    # blocks of 4; two slots skipped before the second, a scan's gap (a clock
    # break) before the third, one slot before the fourth
    firsts = np.array([0, 750, 2_000_000, 2_000_625])
    spans = np.full(4, 375)
    reps = slot_repeats(firsts, spans, np.full(4, 4), RATE, GAP_MIN_S)
    assert reps.tolist() == [1, 1, 1, 3] + [1] * 4 + [1, 1, 1, 2] + [1] * 4
    times = np.concatenate([f + np.arange(4) * 125 for f in firsts])
    grid = grid_times(times, reps, RATE)
    # on the grid every step is one period, but at the clock break
    steps = np.diff(grid)
    assert set(steps.tolist()) - {125} == {2_000_000 - 1125}
    assert first_slots(reps)[[4, 8, 12]].tolist() == [6, 10, 15]


def test_a_block_early_by_rounding_is_left_where_it_falls_and_the_grid_goes_on():
    firsts = np.array([0, 490, 1000, 1625])  # the second 10 us early: no slot to take back
    reps = slot_repeats(firsts, np.full(4, 375), np.full(4, 4), RATE, GAP_MIN_S)
    assert reps.tolist() == [1] * 11 + [2] + [1] * 4  # one slot skipped before the last


@pytest.mark.parametrize(
    "args, message",
    [
        ((np.zeros(2), np.zeros(2), np.full(2, 4), 0.0, GAP_MIN_S), "rate must be positive"),
        ((np.zeros(2), np.zeros(3), np.full(2, 4), 8000.0, GAP_MIN_S), "one per block"),
    ],
)
def test_slot_repeats_says_what_is_wrong(args, message):
    with pytest.raises(ValueError, match=message):
        slot_repeats(*args)


def _dect_capture(path, rng, skips: bool, stops=(("desk", 0.0), ("door", 5.6037))):
    """A DECT base's 10 ms frame (one 368 us burst a frame at -25 dBm, over
    the detector's floor) sampled in blocks of 256 for 4 s at each stop, a
    Wi-Fi scan's 1.6 s gap between the stops; with `skips`, one to four slots
    skipped before about one block in eight. Each stop's MARK at its start.
    Returns the path and the blocks' true sample times (s)."""
    floor, loud = _counts_at(-60.0), _counts_at(-25.0)
    phase_s = 3.3e-3
    items, truth = [], []
    for label, start in stops:
        items.append((int(start * 1e6), 0, label))
        slot = int(round(start * RATE))
        end = slot + 4 * RATE
        while slot + BLOCK <= end:
            if skips and rng.random() < 1 / 8:
                slot += int(rng.integers(1, 5))
            t = (slot + np.arange(BLOCK)) / RATE
            on = np.mod(t - phase_s, DECT_FRAME_S) < 368e-6
            counts = np.where(on, loud, floor) + rng.integers(-6, 7, BLOCK)
            items.append((int(round(t[0] * 1e6)), 1, counts))
            truth.append(t)
            slot += BLOCK
    span = int(round((BLOCK - 1) * PERIOD_US))
    header = {"plan": {"sweep": [s for s, _ in stops]}}
    path.write_bytes(capture_bytes(items, span, header, mark_source=1))
    return path, np.concatenate(truth)


def _phases_ms(rec) -> list[float]:
    comps, _ = components(rec)
    dect = [c for c in comps if c.cls == "dect"]
    return [p * 1e3 for p in frame_phases(dect, rec.device_time).values()]


def test_a_capture_with_skipped_slots_keeps_device_time_on_the_sample_clock(tmp_path):
    path, truth = _dect_capture(tmp_path / "skips.cap", np.random.default_rng(7), skips=True)
    rec = from_capture(path)
    blocks = [r for r in C.load(path).records if r.type == P.T_SAMPLES]
    held = rec.rf_counts.size - sum(len(b.samples) for b in blocks)
    assert held > 20  # the skipped slots, now on the grid
    # every original sample sits at its own device time on the sample clock
    reps = slot_repeats(
        np.array([b.t_first_us for b in blocks]),
        np.array([b.span_us for b in blocks]),
        np.array([len(b.samples) for b in blocks]),
        rec.fs,
        GAP_MIN_S,
    )
    on_clock = rec.device_time(first_slots(reps) / rec.fs)
    assert np.max(np.abs(on_clock - (truth - truth[0]))) < 0.5 / RATE
    assert len(rec.clock_breaks) == 2  # the scan's gap, and only it


def test_one_dect_base_keeps_one_phase_across_skipped_slots_and_a_scan(tmp_path):
    rng = np.random.default_rng(11)
    path, _ = _dect_capture(tmp_path / "skips.cap", rng, skips=True)
    rec = from_capture(path)
    phases = _phases_ms(rec)
    assert len(phases) >= 4  # heard in every window of both stops
    circle = np.exp(2j * np.pi * np.array(phases) / (DECT_FRAME_S * 1e3))
    spread_ms = np.abs(np.angle(circle / circle[0])) * DECT_FRAME_S * 1e3 / (2 * np.pi)
    assert spread_ms.max() < PHASE_TOLERANCE_S * 1e3
    comps, _ = components(rec)
    dect = [c for c in comps if c.cls == "dect"]
    groups = same_source_groups(dect, frame_phases(dect, rec.device_time))
    assert len(set(groups.values())) == 1  # one source, at both stops


def test_on_the_sample_clock_alone_the_scan_moves_the_phase(tmp_path):
    """Without device time the 1.6037 s gap (no whole number of frames) moves
    the phase by 3.7 ms between the stops: why frame_phase takes it."""
    path, _ = _dect_capture(tmp_path / "plain.cap", np.random.default_rng(5), skips=False)
    rec = from_capture(path)
    comps, parts = components(rec)
    dect = [c for c in comps if c.cls == "dect"]
    by_stop: dict[str, list[float]] = {}
    for c in dect:
        p = frame_phases([c]).get(id(c))
        if p is not None:
            by_stop.setdefault(parts[c.stretch].label or "", []).append(p * 1e3)
    desk, door = np.median(by_stop["desk"]), np.median(by_stop["door"])
    assert abs((door - desk) % 10.0 - 6.3) < 0.2  # 10 - 3.7 ms, as the gap says


def _blocks_capture(path, skip_before: dict[int, int], lost: set[tuple[int, int]]):
    """Four blocks of RF, photodiode and LENS frames (block b's samples all
    read 100 b + channel, its LED drive level b, the last RF block with the
    pad in); `skip_before[b]` slots skipped before block b; frame (b, channel)
    in `lost` never arrives."""
    span = int(round((BLOCK - 1) * PERIOD_US))
    frames, slot = [], 0
    for b in range(4):
        slot += skip_before.get(b, 0)
        t_us = int(round(slot * PERIOD_US))
        for channel in (0, 1):
            if (b, channel) in lost:
                continue
            block = np.full(BLOCK, 100 * b + channel)
            body = bytearray(samples_payload(channel, block, t_us, span, RATE * 1000, 0))
            if channel == 0 and b == 3:
                body[1] |= P.SAMPLES_FLAG_RF_PAD  # the encoding byte's bit 7
            frames.append(P.encode_frame(P.T_SAMPLES, len(frames), t_us, bytes(body)))
        lens = lens_payload(t_us, BLOCK, [1.0] * 4, drive_level=b)
        frames.append(P.encode_frame(P.T_LENS, len(frames), t_us, lens))
        slot += BLOCK
    path.write_bytes(C.encode_header({}) + b"".join(frames))
    return from_capture(path)


def test_range_steps_the_photodiode_and_drive_levels_move_with_their_blocks(tmp_path):
    """Three slots skipped before the third block: the pad's step and the
    drive level's steps start at their blocks' first slots on the grid, and
    the photodiode keeps beside the RF samples of its block."""
    rec = _blocks_capture(tmp_path / "skips.cap", {2: 3}, set())
    starts = [0, BLOCK, 2 * BLOCK + 3, 3 * BLOCK + 3]
    assert rec.rf_counts.size == rec.pd_counts.size == 4 * BLOCK + 3
    assert rec.rf_pad_start.tolist() == [0, starts[3]]
    assert rec.pd_level_start.tolist() == starts and rec.pd_level.tolist() == [0, 1, 2, 3]
    assert rec.pd_counts[starts].tolist() == [1, 101, 201, 301]
    assert rec.pd_counts[starts[2] - 1] == 101  # the held slots hold the block before
    assert rec.clock_breaks == []


def test_a_lost_frame_of_one_channel_leaves_the_other_in_step(tmp_path):
    """A photodiode frame lost: its block holds the sample before, and the
    next block's photodiode samples stay beside their RF samples. An RF frame
    lost: a gap (a clock break), and its photodiode block, beside no RF
    sample, is left out."""
    rec = _blocks_capture(tmp_path / "pd.cap", {}, {(1, 1)})
    assert rec.rf_counts.size == rec.pd_counts.size == 4 * BLOCK
    assert rec.pd_counts[[0, BLOCK, 2 * BLOCK, 3 * BLOCK]].tolist() == [1, 1, 201, 301]
    rec = _blocks_capture(tmp_path / "rf.cap", {}, {(1, 0)})
    assert rec.rf_counts.size == rec.pd_counts.size == 3 * BLOCK
    assert rec.pd_counts[[0, BLOCK, 2 * BLOCK]].tolist() == [1, 201, 301]
    assert len(rec.clock_breaks) == 2


def test_a_block_without_samples_says_nothing_of_the_slots():
    """An empty block (a damaged or hand-made stream) fills no slot: the
    grid goes on from the last block with samples."""
    firsts = np.array([0, 500, 875])  # three slots skipped before the third block
    reps = slot_repeats(firsts, np.array([375, 0, 375]), np.array([4, 0, 4]), RATE, GAP_MIN_S)
    assert reps.tolist() == [1, 1, 1, 4, 1, 1, 1, 1]


def test_a_block_whose_first_sample_came_late_is_on_its_slot():
    """After a stall the sampler takes a block's first sample at once, up to a
    period late, and the rest catch up with the schedule (firmware
    sampler.py): the block is where its last tick says, nothing is held."""
    # the second block's first sample 90 us late, its last on time; nothing skipped
    firsts = np.array([0, 500 + 90, 1000])
    spans = np.array([375, 375 - 90, 375])  # the second spans 90 us less
    reps = slot_repeats(firsts, spans, np.full(3, 4), RATE, GAP_MIN_S)
    assert reps.tolist() == [1] * 12
    # ... and one slot skipped before a late first sample is one held copy
    firsts = np.array([0, 625 + 90, 1125])
    reps = slot_repeats(firsts, spans, np.full(3, 4), RATE, GAP_MIN_S)
    assert reps.tolist() == [1, 1, 1, 2] + [1] * 8


def test_photodiode_blocks_at_other_ticks_are_taken_in_order():
    from roomsweep.analysis.slotclock import on_rf_blocks

    rf, n = np.array([0, 32000]), np.array([2, 2])
    got = on_rf_blocks(rf, n, [(5, np.array([1, 2])), (32005, np.array([3]))])
    assert got.tolist() == [1, 2, 3, 3]  # in order, the last held to the RF length
    got = on_rf_blocks(rf, n, [(5, np.array([1, 2, 3, 4, 5]))])
    assert got.tolist() == [1, 2, 3, 4]


def test_the_exports_keep_each_sample_beside_its_own_level_and_waypoint(tmp_path):
    """The CSV has a row per sample the device took (the held slots are the
    analysis's, not the file's): each row's dBm is its own counts', and the
    rows of a stop's dwell carry its waypoint; SigMF's dwell annotations
    start at the file's sample of the stop's mark."""
    import csv
    import json

    from roomsweep.cli import main

    path, truth = _dect_capture(tmp_path / "skips.cap", np.random.default_rng(3), skips=True)
    out = tmp_path / "skips.csv"
    assert main(["export", str(path), "--format", "csv", "-o", str(out)]) == 0
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == truth.size  # the samples taken, none held
    counts = np.array([int(r["rf_counts"]) for r in rows])
    dbm = np.array([float(r["rf_dbm"]) for r in rows])
    assert np.max(np.abs(dbm - Calibration().rf_dbm(counts))) < 0.01
    door = [r["waypoint"] for r, t in zip(rows, truth) if 5.8 < t < 6.5]
    assert door and set(door) == {"door"}
    base = tmp_path / "skips"
    assert main(["export", str(path), "--format", "sigmf", "-o", str(base)]) == 0
    meta = json.loads((tmp_path / "skips-rf.sigmf-meta").read_text())
    starts = {
        a["roomsweep:waypoint"]: a["core:sample_start"]
        for a in meta["annotations"]
        if "roomsweep:waypoint" in a
    }
    # the first sample after the door's mark (5.6037 s after the device's tick 0)
    assert 5.6037 <= truth[starts["door"]] < 5.6037 + 0.01
