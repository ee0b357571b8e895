"""`roomsweep calibrate`: a device's (or the simulated device's) calibration file.
Apart from the other developer commands because it imports the simulator
(`--sim`), which `deploy --check-only` and `monitor` should not wait for.
Arguments: roomsweep.cli.commands."""

from __future__ import annotations

import argparse

from roomsweep.cli.output import print_json
from roomsweep.link.outputs import check_output_path
from roomsweep.tools.calibrate import run_calibration


def cmd_calibrate(args: argparse.Namespace) -> int:

    check_output_path(args.out, force=args.force, what="calibration file")
    result = run_calibration(args.out, port=args.port, simulate=args.sim, efuse=args.efuse)
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
