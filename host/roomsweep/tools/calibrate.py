"""Per-device calibration: RF detector law per band, photodiode dark offset and gain,
ADC nonlinearity from the chip's eFuse calibration. Procedure: docs/calibration.md.

The pieces are plain functions of recorded samples, so the same code fits a real
bench (signal generator cabled to the detector's SMA input) and the simulated
device (a continuous carrier placed to give the same levels):

- `calibrate_rf(levels_dbm, captures)`: two or more known input levels and the
  RF-channel samples recorded at each -> slope (mV/dB) and intercept (dBm);
- `calibrate_photodiode(dark, lit=None, ...)`: dark offset and noise; with a lit
  capture of the reference target, the lock-in gain per LED group;
- `adc_table_from_pairs(counts, uv)`: (count, mV) correction table from pairs of
  ``read_u16() >> 4`` and ``read_uv()`` taken on the same steady input, and
  `adc_line_from_pairs(counts, uv)`: the unit's own line (adc_offset_mv,
  adc_mv_per_count) fitted to the same pairs;
- `run_calibration(out, ...)`: the whole procedure against a device on a port or
  the simulator; writes the calibration JSON file `Calibration.load` reads.
"""

from __future__ import annotations

import ast
import math
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from roomsweep.errors import RoomsweepError, UsageError
from roomsweep.link.capture import CaptureWriter, load, read_header
from roomsweep.link.device import Device, record
from roomsweep.link.transport import open_port
from roomsweep.protocol.calibration import BandCalibration, Calibration
from roomsweep.sim.runner import simulate
from roomsweep.sim.scenario import load_scenario
from roomsweep.sim.signals import fspl_1m_db

CaptureLike = str | Path | np.ndarray | Sequence[int]

RF_CHANNEL = 0
PD_CHANNEL = 1
SETTLE_FRACTION = 0.1  # samples dropped at the start of each capture (detector/RC settling)
# Keep fitted points inside the detector's linear output window (0.5-2.1 V, AD8318
# datasheet) with a margin for its soft ends, and inside the ADC's linear range.
LINEAR_MV = (600.0, 2000.0)

DEFAULT_BANDS_MHZ = (900.0, 2440.0, 5800.0)
DEFAULT_LEVELS_DBM = (-50.0, -40.0, -30.0, -20.0, -10.0)
DEFAULT_BAND_MHZ = 2440.0  # the band whose law becomes the top-level slope/intercept


# --- samples --------------------------------------------------------------------------


def channel_counts(capture: CaptureLike, channel: int = RF_CHANNEL) -> np.ndarray:
    """12-bit counts of `channel` from a capture file, or `capture` itself if it
    already is an array of counts."""
    if isinstance(capture, (str, Path)):
        counts, _, _ = load(capture).channel(channel)
        if counts.size == 0:
            raise RoomsweepError(f"{capture}: no samples on channel {channel}")
        return counts
    return np.asarray(capture)


def steady_mv(counts: np.ndarray, adc: Calibration) -> tuple[float, float]:
    """Mean and standard deviation (mV) of a steady input, after settling."""
    c = np.asarray(counts, dtype=np.float64)
    c = c[int(c.size * SETTLE_FRACTION) :]
    if c.size < 16:
        raise RoomsweepError(f"too few samples for a level ({c.size})")
    mv = adc.counts_to_mv(c)
    return float(mv.mean()), float(mv.std())


# --- RF ---------------------------------------------------------------------------------


def calibrate_rf(
    levels_dbm: Sequence[float],
    captures: Sequence[CaptureLike],
    *,
    band_mhz: float | None = None,
    adc: Calibration | None = None,
) -> dict[str, Any]:
    """Fit the detector law mV = slope * (dBm - intercept) for one band.

    `captures[i]` holds the RF samples recorded with `levels_dbm[i]` at the detector
    input (a capture file path or an array of 12-bit counts). Counts become mV
    through `adc` (its eFuse-derived table if it has one). Levels whose mean falls
    outside the detector's linear window (LINEAR_MV) are reported but not fitted.
    """
    if len(levels_dbm) != len(captures):
        raise UsageError(f"{len(levels_dbm)} levels but {len(captures)} captures")
    adc = adc or Calibration()
    levels = [float(x) for x in levels_dbm]
    means, noise = [], []
    for cap in captures:
        m, s = steady_mv(channel_counts(cap, RF_CHANNEL), adc)
        means.append(m)
        noise.append(s)
    used = [LINEAR_MV[0] <= m <= LINEAR_MV[1] for m in means]
    x = np.array([p for p, u in zip(levels, used) if u])
    y = np.array([m for m, u in zip(means, used) if u])
    if x.size < 2 or np.ptp(x) < 3.0:
        raise RoomsweepError(
            "need at least two levels at least 3 dB apart inside the detector's linear "
            f"range ({LINEAR_MV[0]:g}-{LINEAR_MV[1]:g} mV); got means "
            + ", ".join(f"{m:.0f} mV at {p:g} dBm" for p, m in zip(levels, means))
        )
    slope, offset = np.polyfit(x, y, 1)  # mV = slope * dBm + offset
    if slope >= 0:
        raise RoomsweepError(
            f"detector slope came out {slope:+.1f} mV/dB; an AD8318 "
            "falls with power: check the levels and the cabling"
        )
    intercept = -offset / slope
    residual_db = (y - (slope * x + offset)) / abs(slope)
    return {
        "band_mhz": None if band_mhz is None else float(band_mhz),
        "slope_mv_per_db": float(slope),
        "intercept_dbm": float(intercept),
        "levels_dbm": levels,
        "mean_mv": means,
        "noise_mv": noise,
        "used": used,
        "residual_db_max": float(np.max(np.abs(residual_db))),
    }


# --- photodiode -------------------------------------------------------------------------


def lockin_amplitude_mv(mv: np.ndarray, rate_hz: float, hz: float) -> float:
    """Amplitude (mV, peak of the fundamental) of the component at `hz`, over a whole
    number of 50 ms windows (the LCM of 50 and 60 Hz mains flicker periods)."""
    x = np.asarray(mv, dtype=np.float64)
    n = int(rate_hz * 0.05)
    n = (x.size // n) * n if x.size >= n else x.size
    x = x[:n] - x[:n].mean()
    t = np.arange(n) / rate_hz
    i = 2.0 * np.mean(x * np.cos(2 * math.pi * hz * t))
    q = 2.0 * np.mean(x * np.sin(2 * math.pi * hz * t))
    return float(math.hypot(i, q))


def calibrate_photodiode(
    dark: CaptureLike,
    lit: CaptureLike | None = None,
    *,
    led_hz: Sequence[float] = (),
    rate_hz: float = 8000.0,
    reference: float = 1.0,
    adc: Calibration | None = None,
) -> dict[str, Any]:
    """Dark offset (LEDs off, sensor capped) and, given `lit` (LED groups on at
    `led_hz`, aimed at the reference target), the gain per group: lock-in amplitude
    in mV per unit of `reference` (the target's nominal return, 1 for the standard
    target of docs/calibration.md)."""
    adc = adc or Calibration()
    dark_mv, dark_noise = steady_mv(channel_counts(dark, PD_CHANNEL), adc)
    out: dict[str, Any] = {
        "dark_mv": dark_mv,
        "dark_noise_mv": dark_noise,
        "gain": None,
        "gain_per_group": [],
    }
    if lit is not None:
        c = np.asarray(channel_counts(lit, PD_CHANNEL), dtype=np.float64)
        mv = adc.counts_to_mv(c[int(c.size * SETTLE_FRACTION) :])
        gains = [lockin_amplitude_mv(mv, rate_hz, hz) / reference for hz in led_hz]
        out["gain_per_group"] = gains
        out["gain"] = float(np.mean(gains)) if gains else None
        out["lit_mean_mv"] = float(mv.mean())
    return out


# --- ADC nonlinearity -------------------------------------------------------------------

# ESP-IDF converts counts at and above this with its lookup table at 11 dB, not the
# line (esp_adc_cal_esp32.c v4.x / adc_cali_line_fitting.c v5.x, LUT_LOW_THRESH).
LUT_LOW_THRESH = 2880
LINE_MIN_SPAN = 500  # counts between the lowest and highest pair to fit a line [design]

# Run on the device through the raw REPL (mpremote exec) while the firmware is not
# streaming: the same steady input read raw and through the eFuse calibration.
ADC_PAIRS_SNIPPET = (
    "from machine import ADC, Pin\n"
    "a = ADC(Pin({pin}), atten=ADC.ATTN_11DB)\n"
    "print([(a.read_u16() >> 4, a.read_uv()) for _ in range({n})])\n"
)


def adc_table_from_pairs(
    counts: Sequence[float], uv: Sequence[float], max_points: int = 32
) -> list[list[float]]:
    """(count, mV) correction table from raw counts and ``read_uv()`` microvolts taken
    on the same inputs: pairs are averaged per distinct count, counts at the dead
    zone (0) and the clip (4095) are dropped, and at most `max_points` kept, spread
    evenly over the measured span."""
    c = np.asarray(counts, dtype=np.float64)
    v = np.asarray(uv, dtype=np.float64) / 1000.0
    if c.shape != v.shape or c.size == 0:
        raise UsageError("counts and read_uv values must be non-empty and of one length")
    keep = (c > 0) & (c < 4095)
    c, v = c[keep], v[keep]
    uniq, inv = np.unique(np.rint(c), return_inverse=True)
    mv = np.bincount(inv, weights=v) / np.bincount(inv)
    if uniq.size > max_points:
        idx = np.unique(np.rint(np.linspace(0, uniq.size - 1, max_points)).astype(int))
        uniq, mv = uniq[idx], mv[idx]
    if uniq.size < 2:
        raise RoomsweepError("need read_uv pairs at two or more distinct ADC counts")
    return [[float(a), round(float(b), 3)] for a, b in zip(uniq, mv)]


def adc_line_from_pairs(
    counts: Sequence[float], uv: Sequence[float], linear_below: float = LUT_LOW_THRESH
) -> tuple[float, float]:
    """The unit's ADC line, (adc_offset_mv, adc_mv_per_count), fitted by least
    squares to raw counts and ``read_uv()`` microvolts taken on the same inputs.
    Only counts above the dead zone (0) and below `linear_below` are fitted: above
    2880 counts ESP-IDF converts with its lookup table, not the line
    (esp_adc_cal_esp32.c / adc_cali_line_fitting.c, LUT_LOW_THRESH)."""
    c = np.asarray(counts, dtype=np.float64)
    v = np.asarray(uv, dtype=np.float64) / 1000.0
    if c.shape != v.shape or c.size == 0:
        raise UsageError("counts and read_uv values must be non-empty and of one length")
    keep = (c > 0) & (c < linear_below)
    c, v = c[keep], v[keep]
    if c.size < 2 or np.ptp(c) < LINE_MIN_SPAN:
        raise RoomsweepError(
            f"need read_uv pairs spanning at least {LINE_MIN_SPAN} counts below "
            f"{linear_below:g} to fit the ADC line"
        )
    per_count, offset = np.polyfit(c, v, 1)
    return float(offset), float(per_count)


def read_adc_pairs_mpremote(port: str, pin: int, n: int = 64) -> tuple[list[int], list[int]]:
    """Pairs (count, uV) from a real ESP32 through ``mpremote exec`` (interrupts the
    firmware; it restarts on the next soft reset)."""
    code = ADC_PAIRS_SNIPPET.format(pin=int(pin), n=int(n))
    try:
        proc = subprocess.run(
            ["mpremote", "connect", port, "exec", code], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        raise RoomsweepError(f"mpremote failed: {e}") from e
    if proc.returncode != 0:
        raise RoomsweepError(f"mpremote failed: {proc.stderr.strip()[-200:]}")
    pairs = ast.literal_eval(proc.stdout.strip().splitlines()[-1])
    return [int(a) for a, _ in pairs], [int(b) for _, b in pairs]


# --- benches: where the captures come from ----------------------------------------------


class SimulatedBench:
    """The simulated device with one continuous carrier (kind analog_video) placed
    so that its power at the device is the requested level: the simulator's own
    log-distance law (free-space loss at 1 m from roomsweep.sim.signals)."""

    room_m = (10.0, 10.0, 3.0)
    device_m = (1.0, 5.0, 1.5)
    noise_floor_dbm = -90.0  # a cabled bench sees no room RF

    def __init__(self, work_dir: Path, seed: int = 1):
        self.work_dir = Path(work_dir)
        self.seed = seed
        self._n = 0

    def scenario_text(self, band_mhz: float, level_dbm: float | None, seconds: float) -> str:

        lines = [
            f'name = "calibration-{self._n}"',
            f"seed = {self.seed + self._n}",
            "[room]",
            f"size_m = [{self.room_m[0]}, {self.room_m[1]}, {self.room_m[2]}]",
            "exponent = 2.0",
            "shadowing_db = 0.0",
            f"noise_floor_dbm = {self.noise_floor_dbm}",
            "[waypoints]",
            f"bench = [{self.device_m[0]}, {self.device_m[1]}, {self.device_m[2]}]",
            "[[sweep]]",
            'waypoint = "bench"',
            "arrive_s = 0.0",
            f"dwell_s = {seconds + 1.0}",
        ]
        if level_dbm is not None:
            fspl = fspl_1m_db(band_mhz)
            eirp = min(max(level_dbm + fspl, -40.0), 50.0)
            distance = 10.0 ** ((eirp - fspl - level_dbm) / 20.0)  # n = 2
            x = self.device_m[0] + distance
            if x > self.room_m[0]:
                raise UsageError(
                    f"level {level_dbm:g} dBm at {band_mhz:g} MHz is out of "
                    "the simulated bench's reach"
                )
            lines += [
                "[[emitters]]",
                'id = "generator"',
                'kind = "analog_video"',
                f"position_m = [{x!r}, {self.device_m[1]}, {self.device_m[2]}]",
                f"eirp_dbm = {eirp!r}",
                f"band_mhz = {float(band_mhz)!r}",
            ]
        return "\n".join(lines) + "\n"

    def capture(
        self,
        band_mhz: float,
        level_dbm: float | None,
        seconds: float,
        settings: str = "",
        prompt: str = "",
    ) -> Path:

        self._n += 1
        toml = self.work_dir / f"cal-{self._n:02d}.toml"
        toml.write_text(self.scenario_text(band_mhz, level_dbm, seconds), encoding="utf-8")
        out = self.work_dir / f"cal-{self._n:02d}.cap"
        simulate(load_scenario(toml), out, seconds=seconds, settings=settings)
        return out


class DeviceBench:
    """A real device on `port`; the operator sets the signal generator when asked.

    The port is opened once, for every capture: `device` is the device on `port`
    already open (the CLI's, checked before the first prompt; its opener closes
    it), or else the bench opens the port at its first capture and `close`
    closes it. `release` closes the port for another program (mpremote); the
    next capture opens it again."""

    def __init__(
        self,
        port: str,
        work_dir: Path,
        baud: int = 921600,
        ask: Callable[[str], Any] = input,
        device: Device | None = None,
    ):
        self.port = port
        self.work_dir = Path(work_dir)
        self.baud = baud
        self.ask = ask
        self.device = device
        self._given = device
        self._n = 0

    def _device(self) -> Device:
        if self.device is None:
            self.device = Device(open_port(self.port, baudrate=self.baud))
        else:
            self.device.drop_input()  # the last capture's tail, the check's HELLO
        return self.device

    def release(self) -> None:
        if self.device is not None:
            self.device.port.close()
            self.device = None

    def close(self) -> None:
        if self.device is not None and self.device is not self._given:
            self.release()

    def capture(
        self,
        band_mhz: float,
        level_dbm: float | None,
        seconds: float,
        settings: str = "",
        prompt: str = "",
    ) -> Path:

        if prompt:
            self.ask(prompt + " Press Enter when ready. ")
        self._n += 1
        out = self.work_dir / f"cal-{self._n:02d}.cap"
        device = self._device()
        info = device.hello()
        header = {
            "port": self.port,
            "device": info,
            "notes": f"calibration band {band_mhz:g} MHz level {level_dbm} dBm",
        }
        with CaptureWriter(out, header) as writer:
            record(device, writer, seconds=seconds, settings=settings)
        return out


# --- the procedure ------------------------------------------------------------------------


def run_calibration(
    out: str | Path,
    *,
    port: str | None = None,
    simulate: bool = False,
    bands_mhz: Sequence[float] = DEFAULT_BANDS_MHZ,
    levels_dbm: Sequence[float] = DEFAULT_LEVELS_DBM,
    seconds: float = 0.5,
    default_band_mhz: float = DEFAULT_BAND_MHZ,
    work_dir: str | Path | None = None,
    baud: int = 921600,
    efuse: bool = False,
    lit: bool = False,
    seed: int = 1,
    device_name: str = "",
    ask: Callable[[str], Any] = input,
    device: Device | None = None,
) -> dict[str, Any]:
    """Run the whole procedure and write the calibration file `out`.

    Exactly one of `port` (a real device; the operator is prompted through `ask`) or
    `simulate=True`. For each band and each level a capture of `seconds` is
    recorded and the detector law fitted; a dark capture gives the photodiode
    offset; `lit=True` adds the LED-on capture for the photodiode gain; `efuse=True`
    (real device only) reads ``read_uv()`` beside ``read_u16()`` through mpremote
    at every RF level and the dark level to build the ADC correction table.
    `device`: the device on `port` already open (roomsweep calibrate checks it
    before the first prompt), used for every capture instead of opening the port
    again; its opener closes it.
    Returns {"calibration": the file's contents, "rf": per-band fit reports,
    "photodiode": report, "path": out}.
    """
    if (port is None) == (not simulate):
        raise UsageError("calibrate needs either a device port or the simulator")
    if len(levels_dbm) < 2:
        raise UsageError("calibrate needs at least two RF levels")
    tmp = None
    if work_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="roomsweep-cal-")
        work_dir = tmp.name
    wd = Path(work_dir)
    wd.mkdir(parents=True, exist_ok=True)
    bench: SimulatedBench | DeviceBench
    if simulate:
        bench = SimulatedBench(wd, seed=seed)
    else:
        assert port is not None
        bench = DeviceBench(port, wd, baud=baud, ask=ask, device=device)
    try:
        pairs_c: list[int] = []
        pairs_uv: list[int] = []
        # 1. photodiode dark: LEDs off (the default), sensor capped, generator off
        dark = bench.capture(
            default_band_mhz,
            None,
            seconds,
            prompt="Cap the photodiode; turn the signal generator off.",
        )
        info = _device_info(dark)
        pins = _pins_for(info)
        if efuse and isinstance(bench, DeviceBench):
            bench.release()  # mpremote opens the port itself
            c, uv = read_adc_pairs_mpremote(bench.port, pins["pd_adc"])
            pairs_c += c
            pairs_uv += uv
        # 2. RF levels per band (eFuse pairs first, so the fit can use the table)
        rf_caps: dict[float, list[Path]] = {}
        for band in bands_mhz:
            rf_caps[band] = []
            for level in levels_dbm:
                cap = bench.capture(
                    band,
                    level,
                    seconds,
                    prompt=f"Set the generator to {band:g} MHz, {level:g} dBm "
                    "at the detector's SMA input (CW).",
                )
                rf_caps[band].append(cap)
                if efuse and isinstance(bench, DeviceBench):
                    bench.release()  # mpremote opens the port itself
                    c, uv = read_adc_pairs_mpremote(bench.port, pins["rf_adc"])
                    pairs_c += c
                    pairs_uv += uv
        adc = Calibration.from_info(info)
        if pairs_c:
            offset, per_count = adc.adc_offset_mv, adc.adc_mv_per_count
            try:  # the unit's own line, when the pairs span enough of it
                offset, per_count = adc_line_from_pairs(pairs_c, pairs_uv)
            except RoomsweepError:
                pass
            adc = Calibration(
                adc_offset_mv=offset,
                adc_mv_per_count=per_count,
                adc_bits=adc.adc_bits,
                adc_table=tuple((c, mv) for c, mv in adc_table_from_pairs(pairs_c, pairs_uv)),
            )
        fits = {
            band: calibrate_rf(levels_dbm, caps, band_mhz=band, adc=adc)
            for band, caps in rf_caps.items()
        }
        # 3. photodiode gain (optional): all LED groups at half duty on the target
        lit_cap = None
        led_hz = [g["hz"] for g in (info or {}).get("leds", [])]
        if lit:
            settings = " ".join(f"led{i}_duty=500" for i in range(len(led_hz)))
            lit_cap = bench.capture(
                default_band_mhz,
                None,
                seconds,
                settings=settings,
                prompt="Uncap the photodiode; aim the LED ring at the "
                "reference retro-reflector at 50 cm.",
            )
        rate = float((info or {}).get("rate_hz", 8000))
        pd = calibrate_photodiode(dark, lit_cap, led_hz=led_hz, rate_hz=rate, adc=adc)
    finally:
        if isinstance(bench, DeviceBench):
            bench.close()
        if tmp is not None:
            tmp.cleanup()

    bands = tuple(
        BandCalibration(b, f["slope_mv_per_db"], f["intercept_dbm"]) for b, f in fits.items()
    )
    top = min(bands, key=lambda b: abs(math.log(b.band_mhz) - math.log(default_band_mhz)))
    cal = Calibration(
        adc_offset_mv=adc.adc_offset_mv,
        adc_mv_per_count=adc.adc_mv_per_count,
        adc_bits=adc.adc_bits,
        rf_slope_mv_per_db=top.slope_mv_per_db,
        rf_intercept_dbm=top.intercept_dbm,
        rf_bands=bands,
        adc_table=adc.adc_table,
        pd_dark_mv=pd["dark_mv"],
        pd_gain=pd["gain"],
        source="simulated" if simulate else "measured",
        device=device_name or str((info or {}).get("board", "")),
        extra={"rf_fits": [f for f in fits.values()], "photodiode_report": pd},
    )
    cal.save(out)
    return {
        "calibration": cal.to_dict(),
        "rf": list(fits.values()),
        "photodiode": pd,
        "path": str(out),
    }


def _device_info(capture: Path) -> dict[str, Any] | None:

    header, _ = read_header(capture)
    return header.get("device")


def _pins_for(info: dict[str, Any] | None) -> dict[str, int]:
    channels = (info or {}).get("channels") or []
    by_name = {c.get("name"): c.get("pin") for c in channels}
    return {"rf_adc": by_name.get("rf", 34), "pd_adc": by_name.get("photodiode", 35)}
