"""`roomsweep calibrate`: a device's (or the simulated device's) calibration file.
Apart from the other developer commands because it imports the simulator
(`--sim`), which `deploy --check-only` and `monitor` should not wait for.
Arguments: roomsweep.cli.commands.

Everything that can be checked is checked before the first prompt: the output
path, and with `--port` that the port opens and a roomsweep device answers on
it; nobody caps a photodiode for a calibration that cannot run."""

from __future__ import annotations

import argparse

from roomsweep.cli.output import print_json
from roomsweep.errors import UsageError
from roomsweep.link.device import Device
from roomsweep.link.outputs import check_output_path
from roomsweep.link.transport import open_port
from roomsweep.tools.calibrate import run_calibration


def open_device(port: str) -> Device:
    """The port opened and the device on it answering HELLO (PortError,
    DeviceError); the caller closes its port."""
    link = open_port(port)
    try:
        device = Device(link)
        device.hello()
    except BaseException:
        link.close()
        raise
    return device


def ask(prompt: str) -> str:
    """One step's prompt, answered by Enter; standard input that ends (no terminal,
    or fewer lines than steps) is a UsageError, not a traceback."""
    try:
        return input(prompt)
    except EOFError:
        print()  # end the prompt's line
        raise UsageError(
            "calibrate --port waits for Enter at every step and standard input ended "
            "(run it on a terminal)"
        ) from None


def cmd_calibrate(args: argparse.Namespace) -> int:

    check_output_path(args.out, force=args.force, what="calibration file")
    device = open_device(args.port) if args.port else None  # opened once, for every capture
    try:
        result = run_calibration(
            args.out, port=args.port, simulate=args.sim, efuse=args.efuse, ask=ask, device=device
        )
    finally:
        if device is not None:
            device.port.close()
    if args.json:
        print_json(result)
        return 0
    for fit in result.get("rf", []):
        print(
            f"RF {fit.get('band_mhz', '?')} MHz: slope {fit.get('slope_mv_per_db', 0):.3f} mV/dB, "
            f"intercept {fit.get('intercept_dbm', 0):.2f} dBm"
        )
    print(f"calibration written to {result.get('path', args.out)}")
    return 0
