"""Power and link budgets of the roomsweep device (the tables in hardware/README.md).

``python -m roomsweep.tools.budgets`` prints both tables as Markdown; a test proves the
copy in hardware/README.md equals this output, so the README can never drift from
the code.

One source for the physics: the link budget calls the simulator's own functions
and constants (``roomsweep.sim.signals``: free-space loss at 1 m, the AD8318-class
detector transfer, the ESP32 ADC transfer; ``roomsweep.sim.scenario``: default
carrier per emitter kind, the indoor path-loss exponent and noise floor of the
bundled hotel room). Nothing here re-states a number the simulator already holds.

What the simulator does not hold yet lives here, each with its source:
the typical EIRP per emitter kind (reference notes §6-7), the 20 dB attenuator
pad, and the per-part currents of the power budget (datasheets, BOM in
hardware/bom.csv).
"""

from __future__ import annotations

import dataclasses
import math
import sys
from dataclasses import dataclass

import numpy as np

from roomsweep.sim import scenario, signals
from roomsweep.sim.kinds import EMITTER_KINDS
from roomsweep.sim.scenario import DEFAULT_BAND_MHZ, Scenario, load_scenario

# --- link budget ----------------------------------------------------------------------

TYPICAL_EIRP_DBM = scenario.TYPICAL_EIRP_DBM  # one table, beside the kinds

# The switchable pad in front of the detector (pins.toml rf_attenuator; BOM U4).
ATTENUATOR_DB = 20.0

DISTANCES_M = (0.5, 1.0, 2.0, 5.0)
FREE_SPACE_EXPONENT = 2.0  # Friis: free space is the log-distance model with n = 2


def indoor_exponent() -> float:
    """The path-loss exponent of the bundled hotel room (the simulator's indoor room)."""
    return load_scenario("hotel-room").exponent


def noise_floor_dbm() -> float:
    """The simulator's default detector noise floor (Scenario.noise_floor_dbm)."""
    for f in dataclasses.fields(Scenario):
        if f.name == "noise_floor_dbm":
            return float(f.default)  # type: ignore[arg-type]
    raise LookupError("Scenario has no noise_floor_dbm")


def saturation_dbm() -> float:
    """Input at which the detector's linear law reaches its lowest output (0.5 V)."""
    return signals.DET_INTERCEPT_DBM + signals.DET_V_MIN / signals.DET_SLOPE_V_PER_DB


def floor_dbm() -> float:
    """Input at which the detector's linear law reaches its highest output (2.1 V)."""
    return signals.DET_INTERCEPT_DBM + signals.DET_V_MAX / signals.DET_SLOPE_V_PER_DB


def received_dbm(eirp_dbm: float, band_mhz: float, distance_m: float, exponent: float) -> float:
    """Mean power at the detector input: the simulator's own law (signals.received_dbm)."""
    return float(signals.received_dbm(eirp_dbm, band_mhz, distance_m, exponent))


@dataclass(frozen=True)
class Reading:
    """What the device reads for one received level."""

    dbm: float  # transmitter alone, at the detector input
    volts: float  # detector output (transmitter + noise floor, as the simulator sums)
    counts: int  # ESP32 ADC counts (noise-free transfer, rounded)

    @property
    def state(self) -> str:
        if self.dbm > saturation_dbm():
            return "sat"
        if self.dbm < floor_dbm():
            return "floor"
        return ""


def reading(dbm: float, pad_db: float = 0.0, floor: float | None = None) -> Reading:
    """Detector volts and ADC counts for `dbm` at the antenna, after `pad_db`."""
    p = dbm - pad_db
    nf = noise_floor_dbm() if floor is None else floor
    total = 10.0 * math.log10(10.0 ** (p / 10.0) + 10.0 ** (nf / 10.0))
    v = float(signals.detector_volts(np.array([total]))[0])
    c = int(round(float(signals.adc_counts(np.array([v]))[0])))
    return Reading(p, v, c)


@dataclass(frozen=True)
class LinkRow:
    kind: str
    band_mhz: float
    eirp_dbm: float
    model: str  # "free space" or "indoor n=…"
    readings: tuple[Reading, ...]  # one per DISTANCES_M
    padded_1m: Reading  # at 1 m with the attenuator engaged


def link_budget(distances=DISTANCES_M) -> list[LinkRow]:
    n_in = indoor_exponent()
    rows = []
    for kind in EMITTER_KINDS:
        band = DEFAULT_BAND_MHZ[kind]
        eirp = TYPICAL_EIRP_DBM[kind]
        for label, n in (("free space", FREE_SPACE_EXPONENT), (f"indoor n={n_in:g}", n_in)):
            rs = tuple(reading(received_dbm(eirp, band, d, n)) for d in distances)
            pad = reading(received_dbm(eirp, band, 1.0, n), pad_db=ATTENUATOR_DB)
            rows.append(LinkRow(kind, band, eirp, label, rs, pad))
    return rows


def _cell(r: Reading) -> str:
    mark = f" **{r.state}**" if r.state else ""
    return f"{r.dbm:.1f} dBm · {r.volts:.2f} V · {r.counts}{mark}"


def link_table(distances=DISTANCES_M) -> str:
    head = (
        "| kind | band MHz | EIRP dBm | path loss | "
        + " | ".join(f"{d:g} m" for d in distances)
        + f" | 1 m, {ATTENUATOR_DB:g} dB pad |"
    )
    sep = "|" + "---|" * (5 + len(distances))
    lines = [head, sep]
    for row in link_budget(distances):
        cells = " | ".join(_cell(r) for r in row.readings)
        lines.append(
            f"| {row.kind} | {row.band_mhz:g} | {row.eirp_dbm:g} | {row.model} | "
            f"{cells} | {_cell(row.padded_1m)} |"
        )
    return "\n".join(lines)


# --- power budget ---------------------------------------------------------------------

# The cell (BOM BT1) and the converters between it and the loads.
CELL_MAH = 3000.0  # 18650 Li-ion, e.g. Samsung INR18650-30Q (3000 mAh nominal)
CELL_V = 3.6  # nominal
CELL_USABLE = 0.8  # down to ~3.3 V under load, ageing margin [assumed]
BOOST_V = 5.0  # MT3608 boost: cell -> 5 V rail (DevKitC 5V pin, detector module)
BOOST_EFFICIENCY = 0.85  # MT3608 datasheet efficiency curves at 100-300 mA, 3.6 -> 5 V [approx.]


@dataclass(frozen=True)
class Load:
    part: str
    rail_v: float  # supply of the part; 3.3 V loads run from the DevKitC LDO on 5 V
    ma: float  # current while on
    duty: float  # share of the time it is on, in a sweep
    source: str

    @property
    def avg_ma(self) -> float:
        return self.ma * self.duty

    @property
    def five_volt_ma(self) -> float:
        """Average current drawn from the 5 V rail (an LDO passes current through)."""
        return self.avg_ma


LOADS: tuple[Load, ...] = (
    Load(
        "ESP32-WROOM-32, 240 MHz, radios off, sampling loop",
        3.3,
        50.0,
        1.0,
        "ESP32 datasheet: modem-sleep 240 MHz 30-68 mA",
    ),
    Load("DevKitC AMS1117 LDO quiescent", 5.0, 5.0, 1.0, "AMS1117 datasheet: 5 mA typ"),
    Load("AD8318 detector module", 5.0, 68.0, 1.0, "AD8318 datasheet; ref §1: 5 V, 68 mA"),
    Load("HMC624A step attenuator", 5.0, 3.0, 1.0, "HMC624A datasheet: a few mA [approx.]"),
    Load(
        "IR LEDs, 3 groups x 2 x 50 mA, 50 % square wave, lens scan 30 % of a sweep",
        5.0,
        300.0,
        0.5 * 0.3,
        "TSAL6200, 50 mA each through 75 ohm; LEDC square wave",
    ),
    Load(
        "Photodiode TIA (MCP6001) + bias divider",
        3.3,
        0.2,
        1.0,
        "MCP6001 datasheet: 100 uA quiescent; divider ~50 uA",
    ),
    Load("Status LED", 3.3, 2.0, 0.5, "2 mA through 680 ohm, blinking"),
    Load(
        "Buzzer (PS1240 piezo via MMBT3904, 1 kOhm bleed), sounding 5 % of the time",
        5.0,
        5.0,
        0.05,
        "5 V / 1 kOhm bleed; the piezo itself draws < 1 mA",
    ),
    Load("Battery divider (2 x 100 kOhm)", 3.6, 0.018, 1.0, "3.6 V / 200 kOhm"),
)


def power_budget(loads=LOADS) -> dict:
    """Average rail and cell currents and the battery life for CELL_MAH."""
    five_v_ma = sum(ld.five_volt_ma for ld in loads if ld.rail_v != CELL_V)
    direct_ma = sum(ld.avg_ma for ld in loads if ld.rail_v == CELL_V)
    cell_ma = five_v_ma * BOOST_V / (CELL_V * BOOST_EFFICIENCY) + direct_ma
    hours = CELL_MAH * CELL_USABLE / cell_ma
    return {"five_volt_ma": five_v_ma, "cell_ma": cell_ma, "hours": hours}


def power_table(loads=LOADS) -> str:
    lines = ["| part | rail V | on mA | duty | average mA |", "|---|---|---|---|---|"]
    for ld in loads:
        lines.append(f"| {ld.part} | {ld.rail_v:g} | {ld.ma:g} | {ld.duty:g} | {ld.avg_ma:.2f} |")
    b = power_budget(loads)
    lines.append(f"| **5 V rail total** | 5 | | | **{b['five_volt_ma']:.1f}** |")
    lines.append(
        f"| **from the cell** (boost {BOOST_EFFICIENCY:.0%}, {CELL_V:g} V) | "
        f"{CELL_V:g} | | | **{b['cell_ma']:.1f}** |"
    )
    lines.append("")
    lines.append(
        f"Battery life: {CELL_MAH:g} mAh x {CELL_USABLE:.0%} usable / "
        f"{b['cell_ma']:.1f} mA = **{b['hours']:.1f} h** of sweeping."
    )
    return "\n".join(lines)


def report() -> str:
    """Both tables, as they appear in hardware/README.md."""
    n_in = indoor_exponent()
    return "\n".join(
        [
            "### Power budget",
            "",
            power_table(),
            "",
            "### Link budget",
            "",
            f"Reading at the detector while the transmitter is on, per distance: input dBm "
            f"· detector volts · ESP32 ADC counts. Free space is n = 2; indoor is the "
            f"bundled hotel room's n = {n_in:g} (no shadowing). The detector also sees the "
            f"simulator's noise floor of {noise_floor_dbm():g} dBm. **sat**: above "
            f"{saturation_dbm():g} dBm the detector output is pinned at "
            f"{signals.DET_V_MIN:g} V; **floor**: below {floor_dbm():g} dBm it sits at "
            f"{signals.DET_V_MAX:g} V.",
            "",
            link_table(),
        ]
    )


def main(argv: list[str] | None = None) -> int:
    """python -m roomsweep.tools.budgets: print the README tables."""
    sys.stdout.write(report() + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
