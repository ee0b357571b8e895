"""The one table of `roomsweep` commands (like mpremote's): name, who it is for,
help, its arguments, and where its code lives.

Building the parser imports only this module: a command's code (and with it the
analysis, matplotlib, the simulator...) is imported when that command runs
(`roomsweep.cli.main`). That lazy import is the CLI's one deliberate exception to
"imports at the top": `roomsweep ports` must not wait for scipy and matplotlib.

Every number a command takes is checked here by its argument type (finite, in
range) before any work starts; a bad one is one line and exit code 2.

Why this module is long: it is the one table, every command's arguments with their
help text and types, so that building the parser needs no other module.
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

# The choices, here so that building the parser imports neither matplotlib nor the
# analysis; tests check they match analyst.plot.KINDS and analyst.export.FORMATS.
PLOT_KINDS = ("timeline", "spectrum", "lens", "map")
EXPORT_FORMATS = ("sigmf", "csv", "jsonl")
PORT_HELP = "serial port or pyserial URL (/dev/ttyUSB0, COM3, socket://h:p, rfc2217://h:p)"
CALIBRATION_HELP = "per-device calibration file (roomsweep calibrate)"
RECORD_PLAN_HELP = (
    "the room's plan, a JSON file (waypoint positions, sweep order, outline; "
    "docs/capture-format.md), stored in the capture's header"
)
PLAN_HELP = (
    "the room's plan, a JSON file: waypoint positions in metres, the sweep order, the "
    "outline (docs/capture-format.md); used instead of the capture's own"
)


# --- argument types: every number checked (finite, in range) before any work --------

MAX_SECONDS = 7 * 24 * 3600.0  # a week: longer is a typo, not a sweep
MAX_SPEED = 1000.0  # multiples of real time
MAX_BAUD = 20_000_000
MAX_SEED = 2**32 - 1  # numpy's and the scenarios' seeds are non-negative
MAX_COUNT = 100_000
MAX_WORKERS = 1024
# Dask scheduler addresses: tcp://, tls://, ucx://, ws:// and wss:// with host:port
# (a hostname, IPv4, or [IPv6]), inproc://anything, or a bare host:port (tcp)
SCHEDULER_SCHEMES = ("tcp", "tls", "ucx", "ws", "wss")
_HOST_PORT = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})")


def finite(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, not {text!r}")
    return value


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None


def number_in(lo: float, hi: float, *, above: bool = False) -> Callable[[str], float]:
    """A finite number with lo <= x <= hi (lo < x with `above`)."""

    def parse(text: str) -> float:
        value = finite(text)
        if value < lo or (above and value == lo):
            raise argparse.ArgumentTypeError(
                "must be positive" if (above and lo == 0) else f"must be {lo:g} or more"
            )
        if value > hi:
            raise argparse.ArgumentTypeError(f"must be {hi:g} or less, not {text}")
        return value

    parse.__name__ = "number"  # argparse names the type in its messages
    return parse


def int_in(lo: int, hi: int) -> Callable[[str], int]:
    """A whole number with lo <= n <= hi."""

    def parse(text: str) -> int:
        value = _int(text)
        if value < lo:
            raise argparse.ArgumentTypeError(f"must be {lo} or more")
        if value > hi:
            raise argparse.ArgumentTypeError(f"must be {hi} or less, not {text}")
        return value

    parse.__name__ = "whole number"
    return parse


positive = number_in(0.0, MAX_SECONDS, above=True)  # seconds: finite, > 0, a week at most


def positive_int(text: str) -> int:
    value = _int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


seconds_or_zero = number_in(0.0, MAX_SECONDS)
speed = number_in(0.0, MAX_SPEED)
baud = int_in(1, MAX_BAUD)
baud_or_zero = int_in(0, MAX_BAUD)
seed = int_in(0, MAX_SEED)
count = int_in(1, MAX_COUNT)
workers = int_in(1, MAX_WORKERS)


def scheduler_address(text: str) -> str:
    """A Dask scheduler address (see SCHEDULER_SCHEMES), checked before any work."""
    address = text.strip()
    scheme, sep, rest = address.partition("://")
    if not sep:
        scheme, rest = "tcp", address
    if scheme == "inproc" and rest:
        return address
    m = _HOST_PORT.fullmatch(rest)
    if scheme not in SCHEDULER_SCHEMES or not m or not 1 <= int(m.group(3)) <= 65535:
        raise argparse.ArgumentTypeError(
            f"not a Dask scheduler address: {text!r} (e.g. tcp://host:8786; "
            f"{', '.join(s + '://' for s in SCHEDULER_SCHEMES)} or inproc://)"
        )
    return address


def _force(s: argparse.ArgumentParser, what: str) -> None:
    s.add_argument(
        "--force",
        action="store_true",
        help=f"replace an existing capture with the {what} (never the command's own input)",
    )


def _append_or_force(s: argparse.ArgumentParser) -> None:
    """--append / --force for a command that records a capture: without either, an
    existing file is refused before the device is even opened."""
    mode = s.add_mutually_exclusive_group()
    mode.add_argument(
        "--append",
        action="store_true",
        help="append to an existing capture (recording resumes into it)",
    )
    mode.add_argument(
        "--force", action="store_true", help="replace the file if it exists (default: refuse)"
    )


def rank_or_class(text: str) -> int | str:
    return positive_int(text) if text.strip().lstrip("-").isdigit() else text.strip()


@dataclass(frozen=True)
class Command:
    name: str  # "sweep", or "scenarios generate" for an action of a command
    group: str  # traveler, analyst, developer, simulator
    help: str
    run: str  # "module:function" under roomsweep.cli, imported when the command runs
    arguments: Callable[[argparse.ArgumentParser], None] = lambda p: None
    description: str | None = None


# --- traveler ---------------------------------------------------------------------


def _ports(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print JSON")


def _sweep(s: argparse.ArgumentParser) -> None:
    where = s.add_mutually_exclusive_group(required=True)
    where.add_argument("--port", help=PORT_HELP)
    where.add_argument(
        "--sim",
        metavar="SCENARIO",
        help="use the simulated device in this scenario (name or .toml)",
    )
    s.add_argument("--out", required=True, help="capture file to write")
    s.add_argument(
        "--seconds",
        type=positive,
        help="finish after this much recorded time (--sim: default the scenario's)",
    )
    s.add_argument(
        "--speed",
        type=finite,
        help="--sim: pace as this multiple of real time (default 1; 0: flat out)",
    )
    s.add_argument("--seed", type=seed, help="--sim: signal randomness (default the scenario's)")
    s.add_argument("--locate", action="store_true", help="start with the locate cue on")
    # the guided motion-stimulus test (roomsweep.live.stimulus; docs/findings.md)
    s.add_argument(
        "--motion-test",
        action="store_true",
        help="guided motion test at a suspect spot: hold still / wave, marked in the capture "
        "(starts at once, or at --motion-test-at; the t key starts or ends it any time)",
    )
    s.add_argument(
        "--motion-test-at", type=finite, metavar="S", help="start the motion test S s in"
    )
    s.add_argument("--cycles", type=int, default=5, help="motion test: still/wave cycles (5)")
    s.add_argument("--phase-s", type=finite, default=10.0, help="motion test: s per phase (10)")
    s.add_argument(
        "--no-tty",
        action="store_true",
        help="no live view: a status line every 2 s (automatic without a terminal)",
    )
    s.add_argument(
        "--json",
        action="store_true",
        help="print the result (findings, capture, waypoints) as JSON at the end",
    )
    s.add_argument(
        "--report", help="HTML report to write at the end (default: the capture's name with .html)"
    )
    s.add_argument("--no-report", action="store_true", help="no HTML report")
    s.add_argument("--baud", type=baud, default=921600)
    s.add_argument(
        "--set",
        help='device settings, e.g. "rate=10000" (the IR LEDs are lit '
        "for the lens scan unless they mention led)",
    )
    s.add_argument(
        "--no-lens",
        action="store_true",
        help="leave the IR LEDs dark (no lens scan; saves battery)",
    )
    s.add_argument(
        "--radios",
        action="store_true",
        help="Wi-Fi scans and BLE scanning too (device counts, camera "
        "access points, trackers); each Wi-Fi scan pauses the RF samples "
        "for about 1.6 s",
    )
    s.add_argument("--note", help="free-form note stored in the capture header")
    s.add_argument("--plan", metavar="FILE", help=RECORD_PLAN_HELP + "; names the presses live")
    _append_or_force(s)


# --- analyst ----------------------------------------------------------------------


def _info(s: argparse.ArgumentParser) -> None:
    s.add_argument("capture")
    s.add_argument("--json", action="store_true", help="print JSON")


def _analyze(s: argparse.ArgumentParser) -> None:
    s.add_argument("capture")
    s.add_argument("--json", action="store_true", help="print the findings as JSON")
    s.add_argument("--calibration", help=CALIBRATION_HELP)
    s.add_argument("--plan", metavar="FILE", help=PLAN_HELP)
    s.add_argument(
        "--baseline",
        help="a capture of the same room known to be clean: what it "
        "heard at a waypoint is not reported again",
    )
    _redact(s)


def _redact(s: argparse.ArgumentParser) -> None:
    s.add_argument(
        "--redact",
        action="store_true",
        help="replace SSIDs, MAC addresses and BLE advertising payloads with salted "
        "hashes (personal data)",
    )
    s.add_argument(
        "--salt",
        help="with --redact: salt for the hashes (default: random, so tokens differ between runs)",
    )


def _report(s: argparse.ArgumentParser) -> None:
    s.add_argument("capture")
    s.add_argument("-o", "--out", required=True, help="HTML file to write")
    s.add_argument("--calibration", help=CALIBRATION_HELP)
    s.add_argument("--plan", metavar="FILE", help=PLAN_HELP)
    _redact(s)
    _force(s, "report")
    s.add_argument(
        "--json",
        action="store_true",
        help="print the report's data (findings, stops, figures) as JSON",
    )


def _plot(s: argparse.ArgumentParser) -> None:
    s.add_argument("capture")
    s.add_argument("-o", "--out", required=True, help="image to write (.png, .svg or .pdf)")
    s.add_argument(
        "--kind",
        choices=PLOT_KINDS,
        default="timeline",
        help="timeline (default): RF level along the sweep; spectrum: envelope "
        "spectrum of a finding with its class's expected lines; lens: "
        "photodiode amplitude with glints; map: room map with positions",
    )
    s.add_argument(
        "--finding",
        type=rank_or_class,
        help="with --kind spectrum: the finding's rank, or a class (gsm, dect, ...) "
        "for its best-ranked finding (default: the top RF finding)",
    )
    s.add_argument("--calibration", help=CALIBRATION_HELP)
    s.add_argument("--plan", metavar="FILE", help=PLAN_HELP)
    _force(s, "image")
    s.add_argument("--json", action="store_true", help="print what was written as JSON")


def _export(s: argparse.ArgumentParser) -> None:
    s.add_argument("capture")
    s.add_argument(
        "--format",
        required=True,
        choices=EXPORT_FORMATS,
        help="sigmf: a recording per sample channel with the findings as "
        "annotations; csv: one row per sample; jsonl: one finding per line",
    )
    s.add_argument(
        "-o",
        "--out",
        help="sigmf: base path (default: the capture's, without .cap); csv, jsonl: "
        "file (default: standard output)",
    )
    s.add_argument("--calibration", help=CALIBRATION_HELP)
    s.add_argument("--plan", metavar="FILE", help=PLAN_HELP)
    _redact(s)
    _force(s, "export")
    s.add_argument(
        "--json",
        action="store_true",
        help="print what was written as JSON (not with csv/jsonl to stdout)",
    )


def _compare(s: argparse.ArgumentParser) -> None:
    s.add_argument("a", help="the earlier capture")
    s.add_argument("b", help="the later capture")
    s.add_argument("--calibration", help=CALIBRATION_HELP)
    s.add_argument(
        "--plan", metavar="FILE", help="the room's plan for both captures (see analyze --plan)"
    )
    s.add_argument("--json", action="store_true", help="print the differences as JSON")


def _batch(s: argparse.ArgumentParser) -> None:
    s.add_argument("dir", help="directory of captures (*.cap)")
    s.add_argument("--out", required=True, help="summary CSV to write, one row per capture")
    s.add_argument(
        "--scheduler",
        type=scheduler_address,
        help="address of an existing Dask scheduler (tcp://host:8786, tls://, ucx://, "
        "inproc://); default: local worker processes. Trusted scheduler only: Dask runs "
        "pickled tasks, so whoever controls the scheduler or its workers can run code "
        "on this machine",
    )
    s.add_argument(
        "--workers", type=workers, help="local worker processes (default: one per core)"
    )
    s.add_argument("--calibration", help="per-device calibration file for every capture")
    _force(s, "summary")
    s.add_argument("--json", action="store_true", help="print the summary rows as JSON")


# --- firmware developer -----------------------------------------------------------


def _record(s: argparse.ArgumentParser) -> None:
    s.add_argument("--port", required=True, help=PORT_HELP)
    s.add_argument("--out", required=True, help="capture file to write")
    s.add_argument(
        "--seconds",
        type=positive,
        help="stop after this much sampled time (default: at Ctrl-C, exit code 0; a "
        "Ctrl-C before the time is up exits 130, the capture keeping what it has)",
    )
    s.add_argument("--baud", type=baud, default=921600)
    s.add_argument("--set", help='device settings, e.g. "rate=10000 block=256"')
    s.add_argument("--note", help="free-form note stored in the capture header")
    s.add_argument("--plan", metavar="FILE", help=RECORD_PLAN_HELP)
    _append_or_force(s)


def _monitor(s: argparse.ArgumentParser) -> None:
    s.add_argument("--port", required=True, help=PORT_HELP)
    s.add_argument("--json", action="store_true", help="one JSON object per frame (JSON Lines)")
    s.add_argument("--hello", action="store_true", help="ask the device for INFO first")
    s.add_argument(
        "--start",
        action="store_true",
        help="tell the device to stream (and to stop when the monitor ends)",
    )
    s.add_argument("--seconds", type=positive, help="stop after this many seconds")
    s.add_argument("--frames", type=int, help="stop after this many frames")
    s.add_argument(
        "--counters-every",
        type=seconds_or_zero,
        default=5.0,
        metavar="S",
        help="print the error counters every S seconds (0: only at the end)",
    )
    s.add_argument("--baud", type=baud, default=921600)


def _flash(s: argparse.ArgumentParser) -> None:
    s.add_argument("--port", required=True, help="the board's serial port")
    s.add_argument(
        "--board",
        default="esp32",
        help="esp32 (ESP32 DevKitC) or esp32s3 (ESP32-S3 DevKitC); default esp32",
    )
    s.add_argument(
        "--image",
        help="a MicroPython image already downloaded (default: the "
        "pinned release, downloaded once into the cache)",
    )
    s.add_argument("--sha256", help="the image's expected SHA-256")
    s.add_argument("--baud", type=baud, default=460800, help="flashing baud rate")
    s.add_argument("--no-erase", action="store_true", help="write without erasing first")
    s.add_argument(
        "--yes",
        action="store_true",
        help="erase and write without asking (needed when there is no terminal to ask on)",
    )
    s.add_argument("--dry-run", action="store_true", help="print the exact commands only")
    s.add_argument("--json", action="store_true", help="with --dry-run: the plan as JSON")


def _deploy(s: argparse.ArgumentParser) -> None:
    s.add_argument("--port", required=True, help=PORT_HELP)
    s.add_argument("--build", default="build/firmware", help="where the .mpy files go")
    s.add_argument("--dry-run", action="store_true", help="print the exact commands only")
    s.add_argument(
        "--check-only",
        action="store_true",
        help="only ask the running device for its HELLO and check that it reports this "
        "tree's firmware version (no reset, nothing copied)",
    )
    s.add_argument(
        "--timeout",
        type=positive,
        help="seconds to wait for the device's HELLO (default 15 after the reset, "
        "5 with --check-only)",
    )
    s.add_argument("--baud", type=baud, default=921600)
    s.add_argument("--json", action="store_true", help="with --dry-run: the plan as JSON")


def _calibrate(s: argparse.ArgumentParser) -> None:
    where = s.add_mutually_exclusive_group(required=True)
    where.add_argument("--port", help="the device's port; you are prompted for each level")
    where.add_argument("--sim", action="store_true", help="calibrate the simulated device")
    s.add_argument("--out", required=True, help="calibration file to write (JSON)")
    _force(s, "calibration file")
    s.add_argument(
        "--efuse",
        action="store_true",
        help="also build the ADC correction from the chip's eFuse calibration",
    )
    s.add_argument("--json", action="store_true", help="print the result as JSON")


# --- simulator and evaluation -----------------------------------------------------


def _sim(s: argparse.ArgumentParser) -> None:
    s.add_argument("scenario", help="bundled scenario name (e.g. hotel-room) or a .toml path")
    s.add_argument("--out", help="capture file to write (needed unless --pty)")
    s.add_argument(
        "--pty",
        action="store_true",
        help="no capture: keep the simulated device on a pseudo-terminal and print its "
        "path, for monitor, record, sweep --port and deploy --check-only (Ctrl-C stops it)",
    )
    s.add_argument(
        "--seconds",
        type=positive,
        help="simulated seconds (default: the sweep; with --pty an hour of signal)",
    )
    s.add_argument("--seed", type=seed, help="signal randomness (default: the scenario's)")
    s.add_argument(
        "--baud",
        type=baud_or_zero,
        default=0,
        help="model a UART at this rate (default 0: ideal link)",
    )
    s.add_argument("--set", help='device settings, e.g. "rate=10000"')
    s.add_argument("--note", help="free-form note stored in the capture header")
    s.add_argument(
        "--force", action="store_true", help="replace the file if it exists (default: refuse)"
    )


def _scenarios_generate(g: argparse.ArgumentParser) -> None:
    g.add_argument("--seed", type=seed, required=True)
    g.add_argument("--count", type=count, required=True)
    g.add_argument("--out", required=True, help="directory to write the .toml files to")
    g.add_argument("--profile", choices=("classic", "wide"), default="classic")


def _eval(s: argparse.ArgumentParser) -> None:
    s.add_argument("dir", help="directory of scenario .toml files with ground truth")
    s.add_argument("--json", action="store_true", help="print the metrics as JSON")
    s.add_argument("--details", action="store_true", help="with --json: per-scenario matches")
    s.add_argument(
        "--via-firmware",
        action="store_true",
        help="run each scenario through the simulated device (slow)",
    )
    s.add_argument(
        "--stalls",
        action="store_true",
        help="sampling stands still while the device scans Wi-Fi, as on the device "
        "(about 1.6 s after each mark)",
    )
    s.add_argument("--seed", type=seed, help="signal randomness (default: each scenario's)")


def _demo(s: argparse.ArgumentParser) -> None:
    s.add_argument("--out", default="out/demo", help="directory for the capture")


SWEEP_DESCRIPTION = (
    "Record a sweep into a crash-safe capture with a live view (80x24): RF level with "
    "peak hold and class guess, lens and radio counts, waypoints. Keys: m label+mark, "
    "space mark, l locate cue (ticks faster as the level rises), t motion test, q finish. "
    "A pulled "
    "cable is noted and recording resumes into the same capture when the device is back."
)

COMMANDS: tuple[Command, ...] = (
    Command(
        "ports",
        "traveler",
        "list serial ports that may be a roomsweep device",
        "traveler:cmd_ports",
        _ports,
    ),
    Command(
        "info",
        "analyst",
        "summarise a capture: duration, frames, rates, errors",
        "analyst:cmd_info",
        _info,
    ),
    Command(
        "record", "developer", "record a capture from a device", "developer:cmd_record", _record
    ),
    Command(
        "sim",
        "simulator",
        "record a capture from the simulated device",
        "simulation:cmd_sim",
        _sim,
    ),
    Command(
        "analyze",
        "analyst",
        "find, classify and locate transmitters in a capture",
        "analyst:cmd_analyze",
        _analyze,
    ),
    Command(
        "calibrate",
        "developer",
        "calibrate a device (RF per band, photodiode)",
        "calibration:cmd_calibrate",
        _calibrate,
    ),
    Command("scenarios", "simulator", "bundled scenarios; generate random ones", ""),
    Command(
        "scenarios generate",
        "simulator",
        "write random but plausible scenarios with ground truth",
        "simulation:cmd_scenarios_generate",
        _scenarios_generate,
    ),
    Command(
        "scenarios list",
        "simulator",
        "names of the bundled scenarios",
        "simulation:cmd_scenarios_list",
    ),
    Command(
        "eval",
        "simulator",
        "score the analyzer on a directory of scenarios",
        "simulation:cmd_eval",
        _eval,
    ),
    Command(
        "demo", "simulator", "simulated hotel-room sweep, end to end", "simulation:cmd_demo", _demo
    ),
    Command(
        "sweep",
        "traveler",
        "sweep a room with the live view; findings at the end",
        "traveler:cmd_sweep",
        _sweep,
        SWEEP_DESCRIPTION,
    ),
    Command(
        "monitor",
        "developer",
        "print decoded frames live, with the link's error counters (a protocol-aware miniterm)",
        "developer:cmd_monitor",
        _monitor,
    ),
    Command(
        "flash",
        "developer",
        "install MicroPython on the board (esptool; erases it)",
        "developer:cmd_flash",
        _flash,
    ),
    Command(
        "deploy",
        "developer",
        "compile the firmware (mpy-cross), copy it (mpremote) "
        "and check the device's HELLO version",
        "developer:cmd_deploy",
        _deploy,
    ),
    Command(
        "report",
        "analyst",
        "one self-contained HTML report of a capture",
        "analyst:cmd_report",
        _report,
    ),
    Command(
        "plot",
        "analyst",
        "plot a capture: level timeline, finding spectrum, lens track, room map",
        "analyst:cmd_plot",
        _plot,
    ),
    Command(
        "export",
        "analyst",
        "export samples and findings: SigMF, CSV, JSON lines",
        "analyst:cmd_export",
        _export,
    ),
    Command(
        "compare",
        "analyst",
        "what changed between two sweeps of the same room",
        "analyst:cmd_compare",
        _compare,
    ),
    Command(
        "batch",
        "analyst",
        "analyse a directory of captures in parallel (Dask); exit code 1 when any capture failed",
        "analyst:cmd_batch",
        _batch,
    ),
)


# --- exit codes, in every command's --help (and README, "Exit codes") -------------

EXIT_COMMON = (
    "2: a usage mistake (a bad argument, a missing input file, a plan, calibration or "
    "scenario file that says the wrong thing, an output that exists without --force or "
    "cannot be written, a question not confirmed); 1: the work failed (the device or "
    "link, a Dask scheduler, a damaged capture, an external tool); 130: interrupted "
    "(Ctrl-C)."
)
EXIT_CODES = {
    "compare": "Exit codes, like diff: 0 no change, 1 changed (new, vanished or moved "
    "by 6 dB or more), 2 trouble (a usage mistake or a capture that cannot be read).",
    "batch": "Exit codes: 0 every capture analysed, 1 some could not be (each in its row "
    "and on stderr; the summary is written all the same). " + EXIT_COMMON,
    "analyze": "Exit codes: 0 analysed, whether or not anything was found (the findings are "
    "the output, not an error); 1 a capture too short to clear the room (under one "
    "stop's 3 s dwell of samples). " + EXIT_COMMON,
    "report": "Exit codes: 0 written; 1 a capture too short to clear the room (the report "
    "is written, and says so). " + EXIT_COMMON,
    "deploy": "Exit codes: 0 the device reports this tree's firmware, 1 it reports another "
    "or does not answer. " + EXIT_COMMON,
    "flash": "Exit codes: 0 written (or the dry run printed), 1 esptool failed. " + EXIT_COMMON,
    "sweep": "Exit codes: 0 swept (whether or not anything was found); 1 a sweep too short "
    "to clear the room (under one stop's 3 s dwell of samples). " + EXIT_COMMON,
}


def _with_epilog(arguments: Callable[[argparse.ArgumentParser], None], text: str) -> Callable:
    def add(s: argparse.ArgumentParser) -> None:
        arguments(s)
        s.epilog = text

    return add


COMMANDS = tuple(
    replace(
        c,
        arguments=_with_epilog(
            c.arguments, EXIT_CODES.get(c.name) or "Exit codes: 0 done. " + EXIT_COMMON
        ),
    )
    for c in COMMANDS
)
