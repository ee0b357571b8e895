"""A NESL hidden-camera trace as a roomsweep capture, with its motion test.

    python -m roomsweep.eval.nesl WIFI.csv IMU.csv OUT.cap [--phy-mbps 24]
        [--placement random|clustered] [--level-dbm -30] [--seed 0] [--force]
    python -m roomsweep.eval.nesl shares NESL_DIR   # wifi_camera share per trace

The NESL "Detecting Hidden Sensors" traces (SnoopDog, USENIX Security 2021; the
format in ../shared/data/real/README.md) hold the bytes a device sent per
100 ms and the user's phone accelerometer over the same time. This writes what
roomsweep would have recorded next to that device during a guided motion test:

- the RF envelope a detector near the device sees (analysis.traffic.
  traffic_envelope: each frame's airtime at the PHY rate, at the device's
  level, the detector's floor between), as the device's 12-bit RF counts by
  the count -> dBm law written in the capture's INFO (docs/protocol.md);
- a host MARK naming the spot at the start, and the motion test's marks
  (docs/capture-format.md, *Stimulus marks*) at the phases the accelerometer
  shows (analysis.traffic.motion_phases: the user held still, then moved).

`roomsweep analyze OUT.cap` then runs the motion-stimulus test on it like on a
guided sweep. The trace's files are read, never copied.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np

from roomsweep.analysis.components import (
    ANALYSIS_WINDOW_S,
    DETECTOR_FLOOR_DBM,
    MIN_MODE_SAMPLES,
    MODE_HALF_WIDTH_DB,
    classify,
)
from roomsweep.analysis.dsp import level_modes
from roomsweep.analysis.features import component
from roomsweep.analysis.motion import END_LABEL, stimulus_label
from roomsweep.analysis.traffic import (
    PLACEMENTS,
    load_imu,
    load_traffic,
    motion_energy,
    motion_phases,
    traffic_envelope,
)
from roomsweep.errors import RoomsweepError, UsageError
from roomsweep.link.capture import CaptureWriter
from roomsweep.link.outputs import check_output_path
from roomsweep.protocol import rsproto as P
from roomsweep.protocol.calibration import Calibration
from roomsweep.protocol.encoding import samples_payload

FS = 8000  # the device's RF sample rate, samples per second (docs/protocol.md)
BLOCK = 256  # samples per SAMPLES frame, as the firmware sends them
BIN_S = 0.1  # the NESL traces' bin (README: 500 bins = 50 s)
# The detector's floor: the bottom of an AD8318-class detector's range (its
# datasheet: 60 dB dynamic range, down to about -60 dBm)
FLOOR_DBM = -60.0
# A camera a few metres from the detector: 13-20 dBm transmitted (ESP32-CAM
# class, classifiers.wifi_stream) less 40-50 dB of path
LEVEL_DBM = -30.0
# 802.11g's mid rate; HT rates (above 54 Mbit/s) get the HT-mixed preamble
PHY_MBPS = 24.0
LEGACY_PREAMBLE_US = 20.0  # IEEE 802.11-2020 17.4.3: 16 us preamble + 4 us SIGNAL
HT_PREAMBLE_US = 36.0  # IEEE 802.11-2020 19.4.3: + HT-SIG 8, HT-STF 4, one HT-LTF 4
OFDM_MAX_MBPS = 54.0  # the fastest legacy OFDM rate (802.11a/g)
# The count -> dBm law sent in INFO (docs/protocol.md; the AD8318's datasheet
# slope and intercept, and the older ADC line through zero, which these
# captures have always used)
CALIBRATION = {
    "source": "datasheet",
    "adc_full_scale_mv": 3100.0,
    "rf_slope_mv_per_db": -25.0,
    "rf_intercept_dbm": 20.0,
}
SPOT = "nesl trace"  # the host mark naming the place of the test


def device_info() -> dict[str, Any]:
    """The INFO object the capture's header carries: a logger, honestly simulated."""
    return {
        "firmware": "roomsweep.eval.nesl",
        "protocol": P.PROTOCOL_VERSION,
        "board": "nesl-trace",
        "simulated": True,
        "ticks_period": P.TICKS_PERIOD,
        "channels": [{"id": P.CH_RF, "name": "rf", "pin": 34, "bits": 12, "atten_db": 11}],
        "rate_hz": FS,
        "block": BLOCK,
        "encoding": P.ENC_PACKED12,
        "calibration": dict(CALIBRATION),
        "streaming": False,
    }


def dbm_to_counts(dbm: np.ndarray) -> np.ndarray:
    """12-bit counts that read back as `dbm` by CALIBRATION's law (nearest count).

    Examples
    --------
    >>> dbm_to_counts(np.array([-30.0, -60.0])).tolist()
    [1651, 2642]
    """
    cal = Calibration.from_dict(CALIBRATION)
    table = cal.rf_dbm(np.arange(4096))  # falls as the count rises (negative slope)
    idx = np.searchsorted(-table, -np.asarray(dbm, dtype=np.float64))
    idx = np.clip(idx, 1, 4095)
    nearer_below = np.abs(table[idx - 1] - dbm) <= np.abs(table[idx] - dbm)
    return np.where(nearer_below, idx - 1, idx).astype(np.uint16)


def trace_marks(imu_path: str | Path, n_bins: int) -> list[tuple[float, str]]:
    """(seconds, label): the spot, then a stimulus mark at each phase the
    accelerometer shows, and the end mark."""
    t, acc = load_imu(imu_path)
    phases = motion_phases(motion_energy(t, acc, n_bins, BIN_S), bin_s=BIN_S)
    marks = [(0.0, SPOT)]
    cycle, last = 0, None
    for kind, start, _ in phases:
        if kind == "still" or last != "still":  # a motion phase closes its still's cycle
            cycle += 1
        marks.append((start, stimulus_label(kind, cycle)))
        last = kind
    marks.append((phases[-1][2], END_LABEL))
    return marks


def write_trace_capture(
    wifi_path: str | Path,
    imu_path: str | Path,
    out: str | Path,
    *,
    phy_mbps: float = PHY_MBPS,
    placement: str = "random",
    level_dbm: float = LEVEL_DBM,
    seed: int = 0,
    force: bool = False,
) -> dict[str, Any]:
    """Write the capture; returns a summary (samples, marks, duty)."""
    out = check_output_path(out, force=force, capture=True, what="capture")
    try:
        b = load_traffic(wifi_path)
        marks = trace_marks(imu_path, b.size)
        preamble = LEGACY_PREAMBLE_US if phy_mbps <= OFDM_MAX_MBPS else HT_PREAMBLE_US
        dbm, props = traffic_envelope(
            b,
            float(FS),
            bin_s=BIN_S,
            level_dbm=level_dbm,
            floor_dbm=FLOOR_DBM,
            phy_rate_mbps=phy_mbps,
            preamble_us=preamble,
            placement=placement,
            seed=seed,
        )
    except (OSError, ValueError) as e:
        raise UsageError(f"cannot read the NESL trace: {e}") from None
    counts = dbm_to_counts(dbm)
    period_us = 1_000_000 // FS
    header = {
        "device": device_info(),
        "notes": (f"NESL trace {wifi_path} with {imu_path}, at {phy_mbps:g} Mbit/s ({placement})"),
    }
    frames = []
    seq = 0
    mark_at = [(int(round(t * 1e6)), label) for t, label in marks]
    m = 0
    for k in range(0, counts.size, BLOCK):
        first_us = k * period_us
        while m < len(mark_at) and mark_at[m][0] <= first_us:
            ts, label = mark_at[m]
            frames.append(
                P.encode_frame(P.T_MARK, seq, ts, P.encode_mark(m, P.MARK_FROM_HOST, label))
            )
            seq, m = seq + 1, m + 1
        block = counts[k : k + BLOCK]
        span_us = (block.size - 1) * period_us
        rate_mhz = (block.size - 1) * 10**9 // span_us if span_us else FS * 1000
        payload = samples_payload(P.CH_RF, block, first_us, span_us, rate_mhz, 0)
        frames.append(P.encode_frame(P.T_SAMPLES, seq, first_us, payload))
        seq += 1
    end_us = counts.size * period_us
    for ts, label in mark_at[m:]:  # the end mark, at the last sample
        frames.append(
            P.encode_frame(
                P.T_MARK,
                seq,
                min(ts, end_us - period_us),
                P.encode_mark(m, P.MARK_FROM_HOST, label),
            )
        )
        seq, m = seq + 1, m + 1
    with CaptureWriter(out, header, replace=force) as writer:
        writer.write_frames(frames)
    return {
        "capture": str(out),
        "samples": int(counts.size),
        "marks": [label for _, label in marks],
        "duty": round(props["duty"], 4),
    }


SHARE_RATES_MBPS = (6.0, 24.0, 54.0, 72.0, 150.0, 300.0)
TRACES = {  # name: folder under the NESL directory (README of the real data)
    "v_test8": "wifi_imu_pairs",
    "v_test9": "wifi_imu_pairs",
    "w_test7": "wifi_imu_pairs",
    "v_test10": "wifi_imu_pairs",
    "w_test8": "wifi_imu_pairs",
    "x_15": "no_cause_and_effect",
}
# The split the wifi_stream classifier was fitted on (docs/benchmarks.md, "Wi-Fi
# cameras on real traffic"): one trace per camera held out, and the control
SPLIT = {
    "v_test8": "fit",
    "v_test9": "fit",
    "w_test7": "fit",
    "v_test10": "held out",
    "w_test8": "held out",
    "x_15": "control",
}


def camera_share(dbm: np.ndarray, fs: float = float(FS)) -> float:
    """Share of the analyzer's windows (about 1.5 s) whose loudest level mode
    classifies as wifi_camera: what the analyzer would say, window by window."""
    n = int(ANALYSIS_WINDOW_S * fs)
    votes = []
    for k in range(dbm.size // n):
        x = dbm[k * n : (k + 1) * n]
        modes, _ = level_modes(
            x, separation_db=2 * MODE_HALF_WIDTH_DB, min_fraction=MIN_MODE_SAMPLES / x.size
        )
        modes = modes[modes > DETECTOR_FLOOR_DBM]
        cls = "silent"
        if modes.size:
            f = component(x, fs, float(modes[-1]), MODE_HALF_WIDTH_DB, top=True)
            cls = classify(f)[0]
        votes.append(cls == "wifi_camera")
    return float(np.mean(votes)) if votes else 0.0


def shares_table(nesl_dir: str | Path, seed: int = 0) -> str:
    """A markdown table: wifi_camera window share per trace, PHY rate and
    frame placement."""
    head = " | ".join(f"{r:g}" for r in SHARE_RATES_MBPS)
    lines = []
    for placement in PLACEMENTS:
        lines += [f"| {placement} | {head} Mb/s |", "|---" * (len(SHARE_RATES_MBPS) + 1) + "|"]
        for name, folder in TRACES.items():
            b = load_traffic(Path(nesl_dir) / folder / f"wifi_{name}.csv")
            row = []
            for rate in SHARE_RATES_MBPS:
                dbm, _ = traffic_envelope(
                    b,
                    float(FS),
                    level_dbm=LEVEL_DBM,
                    floor_dbm=FLOOR_DBM,
                    phy_rate_mbps=rate,
                    preamble_us=LEGACY_PREAMBLE_US if rate <= OFDM_MAX_MBPS else HT_PREAMBLE_US,
                    placement=placement,
                    seed=seed,
                )
                row.append(f"{100 * camera_share(dbm):.0f}")
            lines.append(f"| {name} ({SPLIT[name]}) | " + " | ".join(row) + " |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["shares"]:
        if len(argv) != 2:
            print("usage: python -m roomsweep.eval.nesl shares NESL_DIR", file=sys.stderr)
            return 2
        try:
            print(shares_table(argv[1]))
        except (OSError, ValueError) as e:
            print(f"error: cannot read the NESL traces: {e}", file=sys.stderr)
            return 2
        return 0
    ap = argparse.ArgumentParser(
        prog="python -m roomsweep.eval.nesl",
        description="Turn a NESL hidden-camera trace into a capture with its motion test.",
    )
    ap.add_argument("wifi", help="wifi_<name>.csv: bytes per 100 ms")
    ap.add_argument("imu", help="imu_<name>.csv: the user's accelerometer")
    ap.add_argument("out", help="the capture to write")
    ap.add_argument("--phy-mbps", type=float, default=PHY_MBPS, help="PHY rate, Mbit/s")
    ap.add_argument("--placement", choices=PLACEMENTS, default="random")
    ap.add_argument("--level-dbm", type=float, default=LEVEL_DBM)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--force", action="store_true", help="replace OUT")
    args = ap.parse_args(argv)
    try:
        summary = write_trace_capture(
            args.wifi,
            args.imu,
            args.out,
            phy_mbps=args.phy_mbps,
            placement=args.placement,
            level_dbm=args.level_dbm,
            seed=args.seed,
            force=args.force,
        )
    except RoomsweepError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"wrote {summary['capture']}: {summary['samples']} samples, marks {summary['marks']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
