"""The roomsweep schematic, drawn from code (schemdraw) and rendered to SVG.

    python hardware/schematic.py [OUT.svg] [--board esp32-devkitc]   (make schematic)

Every GPIO number comes from hardware/pins.toml (the one pin map) and the video/
anti-alias RC from the simulator's time constant (roomsweep.sim.signals.VIDEO_TAU_S),
so the drawing cannot disagree with the firmware or the simulator. The peripherals
connect to the ESP32 through net labels "role · GPIOn"; tests/test_hardware.py
renders this file and checks every label against pins.toml.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import schemdraw
import schemdraw.elements as elm

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

HERE = Path(__file__).resolve().parent
PINS_TOML = HERE / "pins.toml"
DEFAULT_OUT = HERE / "schematic.svg"

# Roles of pins.toml in the order they appear on the ESP32 symbol.
LEFT_ROLES = ("rf_adc", "pd_adc", "battery_adc", "rf_attenuator")
RIGHT_ROLES = (
    "led_groups[0]",
    "led_groups[1]",
    "led_groups[2]",
    "led_drive",
    "buzzer",
    "status_led",
    "button",
)

E12 = (1.0, 1.2, 1.5, 1.8, 2.2, 2.7, 3.3, 3.9, 4.7, 5.6, 6.8, 8.2)
RC_R_OHM = 1000.0  # series resistor of the video/anti-alias RC (low source impedance)


def board_pins(board: str, path: Path = PINS_TOML) -> dict[str, int]:
    """role -> GPIO for `board`, led_groups flattened to led_groups[i]."""
    with open(path, "rb") as f:
        pm = tomllib.load(f)
    b = pm["boards"][board]
    out = {r: int(b[r]) for r in LEFT_ROLES + RIGHT_ROLES if "[" not in r}
    for i, n in enumerate(b["led_groups"]):
        out[f"led_groups[{i}]"] = int(n)
    return out


def net(role: str, gpio: int) -> str:
    return f"{role} · GPIO{gpio}"


def rc_capacitor_nf() -> float:
    """E12 capacitor that, with RC_R_OHM, gives the simulator's video time constant."""
    try:
        from roomsweep.sim.signals import VIDEO_TAU_S
    except ImportError:  # pragma: no cover - run without the package installed
        VIDEO_TAU_S = 40e-6
    target = VIDEO_TAU_S / RC_R_OHM * 1e9
    best = min(
        (m * 10.0**e for e in range(-1, 4) for m in E12), key=lambda c: abs(c / target - 1.0)
    )
    return round(best, 3)


def _fmt_nf(nf: float) -> str:
    return f"{nf:g} nF"


def _rc_to_adc(d, start, c_nf: float, label: str) -> None:
    """The anti-alias RC between a sensor output and its ADC pin (both channels)."""
    d.add(elm.Resistor().right().at(start).label(f"{RC_R_OHM / 1000:g} kΩ"))
    d.add(elm.Dot())
    d.push()
    d.add(elm.Capacitor().down().label(_fmt_nf(c_nf), loc="bottom"))
    d.add(elm.Ground())
    d.pop()
    d.add(elm.Line().right(1.5))
    d.add(elm.Label().label(label, loc="right", halign="left"))


def draw(board: str = "esp32-devkitc", pins_path: Path = PINS_TOML) -> schemdraw.Drawing:
    pins = board_pins(board, pins_path)
    c_nf = rc_capacitor_nf()
    schemdraw.config(fontsize=11)
    d = schemdraw.Drawing(show=False)

    # --- the ESP32 board -------------------------------------------------------------
    ic_pins = [
        elm.IcPin(
            name=r,
            pin=f"GPIO{pins[r]}",
            side="left",
            anchorname=r.replace("[", "").replace("]", ""),
        )
        for r in LEFT_ROLES
    ]
    ic_pins += [
        elm.IcPin(
            name=r,
            pin=f"GPIO{pins[r]}",
            side="right",
            anchorname=r.replace("[", "").replace("]", ""),
        )
        for r in RIGHT_ROLES
    ]
    ic_pins += [
        elm.IcPin(name="5V", side="top", anchorname="v5"),
        elm.IcPin(name="3V3", side="top", anchorname="v33"),
        elm.IcPin(name="GND", side="bottom", anchorname="gnd"),
    ]
    d.here = (0, 0)
    esp = d.add(
        elm.Ic(pins=ic_pins, pinspacing=1.0, edgepadW=5.0, edgepadH=1.2, leadlen=1.5).label(
            f"{board}\n(ESP32 + MicroPython)", loc="center"
        )
    )
    for role in LEFT_ROLES:
        a = role
        d.add(elm.Line().left(1.2).at(getattr(esp, a)))
        d.add(elm.Label().label(net(role, pins[role]), loc="left", halign="right"))
    for role in RIGHT_ROLES:
        a = role.replace("[", "").replace("]", "")
        d.add(elm.Line().right(1.2).at(getattr(esp, a)))
        d.add(elm.Label().label(net(role, pins[role]), loc="right", halign="left"))
    d.add(elm.Line().up(0.8).at(esp.v5))
    d.add(elm.Vdd().label("+5V"))
    d.add(elm.Line().up(0.8).at(esp.v33))
    d.add(elm.Vdd().label("+3V3"))
    d.add(elm.Line().down(0.5).at(esp.gnd))
    d.add(elm.Ground())

    # --- RF chain: antenna -> 0/20 dB step attenuator -> AD8318 -> RC -> rf_adc ------
    x0, y0 = -24.0, 6.0
    d.here = (x0, y0)
    d.add(elm.Antenna().label("wideband\n0.6-6 GHz", loc="top"))
    d.add(elm.Line().down(0.5))
    d.add(elm.Line().right(1.5))
    att = d.add(
        elm.Ic(
            pins=[
                elm.IcPin(name="RFin", side="left", anchorname="rfin"),
                elm.IcPin(name="RFout", side="right", anchorname="rfout"),
                elm.IcPin(name="16+4 dB", side="bottom", anchorname="ctl"),
            ],
            edgepadW=1.0,
            leadlen=0.5,
        )
        .anchor("rfin")
        .label("HMC624A\n0 / 20 dB", loc="top")
    )
    d.add(elm.Line().down(3.0).at(att.ctl))
    d.add(elm.Label().label(net("rf_attenuator", pins["rf_attenuator"]), loc="bottom"))
    d.add(elm.Line().right(1.0).at(att.rfout))
    det = d.add(
        elm.Ic(
            pins=[
                elm.IcPin(name="RFIN", side="left", anchorname="rfin"),
                elm.IcPin(name="VOUT", side="right", anchorname="vout"),
                elm.IcPin(name="VPOS", side="top", anchorname="vpos"),
                elm.IcPin(name="GND", side="bottom", anchorname="gnd"),
            ],
            edgepadW=1.2,
            leadlen=0.5,
        )
        .anchor("rfin")
        .label("AD8318 module\n-25 mV/dB, 0.5-2.1 V", loc="bottom", ofst=1.4)
    )
    d.add(elm.Line().up(0.4).at(det.vpos))
    d.add(elm.Vdd().label("+5V"))
    d.add(elm.Line().down(0.4).at(det.gnd))
    d.add(elm.Ground())
    _rc_to_adc(d, det.vout, c_nf, net("rf_adc", pins["rf_adc"]))

    # --- photodiode TIA, biased mid-range, DC servo -> RC -> pd_adc -----------------
    x0, y0 = -24.0, -4.0
    d.here = (x0, y0)
    op = d.add(elm.Opamp(leads=True).anchor("in1"))
    d.add(elm.Label().at((op.out[0] - 1.0, op.out[1] - 1.4)).label("MCP6001"))
    # bias: 3V3 - 100k - node - 68k - GND = 1.34 V at the + input
    d.add(elm.Line().left(1.0).at(op.in2))
    d.add(elm.Dot())
    bias = d.here
    d.push()
    d.add(elm.Resistor().down().label("68 kΩ", loc="bottom"))
    d.add(elm.Ground())
    d.pop()
    d.push()
    d.add(elm.Line().left(2.0))
    d.add(elm.Capacitor().down().label("1 µF", loc="bottom"))
    d.add(elm.Ground())
    d.pop()
    d.add(elm.Line().left(4.5).at(bias))
    d.add(elm.Resistor().up().label("100 kΩ"))
    d.add(elm.Vdd().label("+3V3 (bias 1.34 V)"))
    # photodiode: cathode to -, anode to the bias (zero bias); the 940 nm band-pass
    # (F1) in front of its collecting lens
    d.add(elm.Line().left(1.0).at(op.in1))
    d.add(elm.Dot())
    inm = d.here
    d.add(elm.Photodiode().down().reverse().to((inm[0], bias[1])))
    d.add(elm.Label().at((inm[0] - 2.6, inm[1] + 0.9)).label("BP104FS behind\nF1 940/50 nm"))
    # feedback Rf || Cf
    d.add(elm.Line().up(2.2).at(inm))
    fb = d.here
    d.add(elm.Resistor().right().to((op.out[0], fb[1])).label("22 MΩ"))
    d.add(elm.Line().down().to(op.out))
    d.add(elm.Line().up(1.4).at(fb))
    d.add(elm.Capacitor().right().to((op.out[0], fb[1] + 1.4)).label("0.68 pF"))
    d.add(elm.Line().down(1.4))
    _rc_to_adc(d, op.out, c_nf, net("pd_adc", pins["pd_adc"]))
    # DC servo (U11, Q5): integrates the TIA output against the bias and feeds the
    # ambient light's DC photocurrent into the summing node through a PNP, so only
    # the LEDs' modulation (above the loop's 350 Hz corner) sees the 22 MOhm
    d.here = (x0 - 9.0, y0 + 8.0)
    sv = d.add(elm.Opamp(leads=True).anchor("in1"))
    d.add(elm.Label().at((sv.out[0] - 1.0, sv.out[1] - 1.4)).label("MCP6001 (servo)"))
    d.add(elm.Line().left(1.0).at(sv.in1))
    d.add(elm.Dot())
    s_in = d.here
    d.add(elm.Resistor().left(2.5).label("1 MΩ"))
    d.add(elm.Label().label("TIA out", loc="left", halign="right"))
    d.add(elm.Line().up(1.6).at(s_in))
    c_top = d.here
    d.add(elm.Capacitor().right().to((sv.out[0], c_top[1])).label("1 µF"))
    d.add(elm.Line().down().to(sv.out))
    d.add(elm.Line().left(1.0).at(sv.in2))
    d.add(elm.Label().label("bias 1.34 V", loc="left", halign="right"))
    d.add(elm.Line().right(1.0).at(sv.out))
    q = d.add(elm.BjtPnp(circle=True).anchor("base").right())
    d.add(elm.Label().at((q.base[0] + 0.2, q.base[1] - 1.3)).label("MMBT3906"))
    d.add(elm.Resistor().up(1.5).at(q.emitter).label("10 kΩ"))
    d.add(elm.Vdd().label("+3V3"))
    d.add(elm.Line().down(1.0).at(q.collector))
    d.add(elm.Label().label("to the TIA's − input (summing node)", loc="right", halign="left"))

    # --- power: cell -> charger -> switch -> boost -> +5V; cell divider -> battery_adc -
    x0, y0 = -24.0, -14.0
    d.here = (x0, y0)
    d.add(elm.Battery().up().reverse())
    d.add(elm.Label().at((x0 - 2.2, y0 + 1.5)).label("18650\n3.6 V 3000 mAh"))
    d.add(elm.Line().right(1.0))
    chg = d.add(
        elm.Ic(
            pins=[
                elm.IcPin(name="B+", side="left", anchorname="b"),
                elm.IcPin(name="OUT+", side="right", anchorname="out"),
                elm.IcPin(name="USB-C 5V in", side="top", anchorname="usb"),
            ],
            edgepadW=1.0,
            leadlen=0.5,
        )
        .anchor("b")
        .label("TP4056 + DW01A\ncharger/protection", loc="bottom")
    )
    d.add(elm.Line().right(0.5).at(chg.out))
    d.add(elm.Dot())
    cell = d.here
    d.add(elm.Switch().right().label("power"))
    boost = d.add(
        elm.Ic(
            pins=[
                elm.IcPin(name="VIN", side="left", anchorname="vin"),
                elm.IcPin(name="VOUT", side="right", anchorname="vout"),
            ],
            edgepadW=1.0,
            leadlen=0.5,
        )
        .anchor("vin")
        .label("MT3608 boost\n5.0 V", loc="bottom")
    )
    d.add(elm.Diode().right().at(boost.vout).label("SS14"))
    d.add(elm.Vdd().label("+5V"))
    # divider 100k / 100k from the cell to battery_adc
    d.add(elm.Resistor().down().at(cell).label("100 kΩ", loc="bottom"))
    d.add(elm.Dot())
    d.push()
    d.add(elm.Resistor().down().label("100 kΩ", loc="bottom"))
    d.add(elm.Ground())
    d.pop()
    d.add(elm.Line().left(3.0))
    d.add(elm.Label().label(net("battery_adc", pins["battery_adc"]), loc="left", halign="right"))
    d.add(elm.Line().down(0.5).at(d.here))

    # --- LED current reference: LEDC PWM (2.7 kHz, the buzzer's timer) -> two RC poles
    # -> divider: V_ref --------------------------------------------------------------
    x0, y0 = 14.0, 17.0
    d.here = (x0, y0)
    d.add(elm.Label().label(net("led_drive", pins["led_drive"]), loc="left", halign="right"))
    for _ in range(2):  # two 10 kΩ / 100 nF poles (159 Hz): the 2.7 kHz PWM's ripple out
        d.add(elm.Resistor().right(2.0).label("10 kΩ"))
        d.add(elm.Dot())
        d.push()
        d.add(elm.Capacitor().down(1.5).label("100 nF", loc="bottom"))
        d.add(elm.Ground())
        d.pop()
    d.add(elm.Resistor().right(2.5).label("24 kΩ"))
    d.add(elm.Dot())
    d.push()
    d.add(elm.Resistor().down(1.5).label("10 kΩ", loc="bottom"))
    d.add(elm.Ground())
    d.pop()
    d.add(elm.Line().right(1.0))
    d.add(elm.Label().label("V_ref (0.97 V at full drive)", loc="right", halign="left"))

    # --- IR LED groups: current sinks. The group's LEDC PWM switches the sink's
    # reference between V_ref and ground (U8-U10); the op-amp (U7, zero-drift) holds
    # V_ref across the 10 ohm sense resistor: I = V_ref / 10 ohm, 97 mA (2 x 48) at full drive,
    # whatever the LEDs' forward voltage, so every drive level is an exact fraction.
    for i in range(3):
        role = f"led_groups[{i}]"
        x0, y0 = 15.5 + 11.0 * i, 6.0
        op = d.add(
            elm.Opamp(leads=True)
            .flip()
            .anchor("in2")
            .at((x0 + 3.0, y0))
            .right()
            .label(f"U7{'ABC'[i]}\nMCP6V34", loc="center", fontsize=9)
        )
        d.add(elm.Line().left(1.5).at(op.in2))
        sw = d.add(
            elm.SwitchSpdt2(action="close")
            .left()
            .anchor("a")
            .label(f"U{i + 8}\n74LVC1G3157", loc="top", ofst=(0, 0.3))
        )
        d.add(elm.Line().up(0.6).at(sw.c))
        d.add(elm.Line().left(1.2))
        d.add(elm.Label().label("V_ref", loc="left", halign="right"))
        d.add(elm.Line().down(0.8).at(sw.b))
        d.add(elm.Ground())
        d.add(
            elm.Label()
            .at((x0 + 0.75, y0 - 3.2))
            .label("select: " + net(role, pins[role]), halign="center")
        )
        d.add(elm.Line().right(1.5).at(op.out))
        q = d.add(
            elm.NFet(bulk=False)
            .anchor("gate")
            .right()
            .reverse()
            .label(f"Q{i + 1}\nAO3400A", loc="right")
        )
        d.add(elm.Line().down(0.6).at(q.source))
        node = d.add(elm.Dot())
        d.add(elm.Resistor().down(1.5).label("10 Ω", loc="bottom"))
        d.add(elm.Ground())
        d.add(elm.Wire("-|").at(node.center).to(op.in1))
        d.add(elm.LED().up().at(q.drain).reverse().label("TSAL6200\n940 nm ×2", loc="bottom"))
        d.add(elm.Resistor().up().label("4.7 Ω ×2", loc="bottom"))
        d.add(elm.Vdd().label("+5V"))

    # --- buzzer, status LED, button ----------------------------------------------------
    x0, y0 = 14.0, -5.0
    d.here = (x0, y0)
    d.add(elm.Label().label(net("buzzer", pins["buzzer"]), loc="left", halign="right"))
    d.add(elm.Resistor().right(2.0).label("1 kΩ"))
    qb = d.add(elm.BjtNpn().anchor("base").label("MMBT3904", loc="right"))
    d.add(elm.Line().down(0.3).at(qb.emitter))
    d.add(elm.Ground())
    d.add(elm.Line().up(0.5).at(qb.collector))
    d.add(elm.Crystal().up().label("PS1240\npiezo", loc="bottom"))
    d.add(elm.Line().up(0.8))
    d.add(elm.Vdd().label("+5V"))

    x0, y0 = 24.0, -5.0
    d.here = (x0, y0)
    d.add(elm.Label().label(net("status_led", pins["status_led"]), loc="left", halign="right"))
    d.add(elm.Resistor().right(2.5).label("680 Ω"))
    d.add(elm.LED().down().label("green", loc="bottom"))
    d.add(elm.Ground())

    x0, y0 = 33.0, -5.0
    d.here = (x0, y0)
    d.add(elm.Label().label(net("button", pins["button"]), loc="left", halign="right"))
    d.add(elm.Line().right(1.0))
    d.add(elm.Button().down().label("B3F-1000\n(internal pull-up)", loc="bottom"))
    d.add(elm.Ground())
    return d


def render(
    out: Path = DEFAULT_OUT, board: str = "esp32-devkitc", pins_path: Path = PINS_TOML
) -> Path:
    schemdraw.use("svg")
    d = draw(board, pins_path)
    data = d.get_imagedata("svg")
    Path(out).write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return Path(out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out", nargs="?", default=str(DEFAULT_OUT))
    p.add_argument("--board", default="esp32-devkitc")
    args = p.parse_args(argv)
    print(render(Path(args.out), args.board))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
