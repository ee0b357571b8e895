"""The firmware developer's commands: record, monitor, flash, deploy, calibrate.
Arguments: roomsweep.cli.commands."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from roomsweep.cli.output import print_json
from roomsweep.errors import UsageError
from roomsweep.link.capture import CaptureWriter
from roomsweep.link.device import Device, record
from roomsweep.link.flashing import (
    board_profile,
    cached_image_path,
    check_version,
    deploy_plan,
    fetch_image,
    firmware_version,
    flash_plan,
    format_plan,
    run_commands,
    sha256_of,
)
from roomsweep.link.monitor import run_monitor
from roomsweep.link.outputs import check_output_path
from roomsweep.link.transport import open_port
from roomsweep.tools.calibrate import run_calibration


def cmd_record(args: argparse.Namespace) -> int:

    # before the port is opened: never replace a capture unasked (--force, --append)
    check_output_path(
        args.out, force=args.force or args.append, capture=True, append_ok=True, what="capture"
    )
    port = open_port(args.port, baudrate=args.baud)
    try:
        device = Device(port)
        info = device.hello()
        header = {"port": args.port, "device": info, "notes": args.note or ""}
        with CaptureWriter(args.out, header, append=args.append, replace=args.force) as writer:
            try:
                summary = record(device, writer, seconds=args.seconds, settings=args.set or "")
            except KeyboardInterrupt:
                summary = {"frames": writer.frames_written, "interrupted": True}
    finally:
        port.close()
    print(f"recorded {summary['frames']} frames to {args.out}")
    return 0


def cmd_monitor(args: argparse.Namespace) -> int:

    run_monitor(
        args.port,
        sys.stdout,
        json_lines=args.json,
        start=args.start,
        hello=args.hello,
        seconds=args.seconds,
        frames=args.frames,
        counters_every_s=args.counters_every,
        baudrate=args.baud,
    )
    return 0


def cmd_flash(args: argparse.Namespace) -> int:

    profile = board_profile(args.board)
    if args.sha256 and not re.fullmatch(r"[0-9a-fA-F]{64}", args.sha256):
        raise UsageError("--sha256 takes 64 hexadecimal digits")
    if args.image:
        image = Path(args.image)
        if not image.is_file():
            raise UsageError(f"no such image: {args.image}")
    else:
        image = cached_image_path(profile)
    commands = flash_plan(args.port, profile, image, baud=args.baud, erase=not args.no_erase)
    if args.dry_run:
        if args.json:
            print_json(
                {
                    "board": profile.name,
                    "chip": profile.chip,
                    "image": str(image),
                    "image_url": None if args.image else profile.image_url,
                    "offset": profile.offset,
                    "commands": commands,
                }
            )
            return 0
        print(
            f"# MicroPython {profile.image_name} for {profile.pins_board} ({profile.chip}); "
            "dry run, nothing is run"
        )
        if not args.image:
            print(f"# download {profile.image_url} -> {image} (unless already there)")
        print(format_plan(commands))
        return 0
    if args.image:
        digest = sha256_of(image)
        if args.sha256 and digest != args.sha256.lower():
            raise UsageError(f"{image}: SHA-256 {digest} is not the expected {args.sha256}")
    else:
        image, digest = fetch_image(profile, args.sha256)
    print(f"image {image} (SHA-256 {digest})")
    run_commands(commands)
    print(f"MicroPython {profile.image_name} written; next: roomsweep deploy --port {args.port}")
    return 0


def cmd_deploy(args: argparse.Namespace) -> int:

    if args.check_only:
        expected = firmware_version()
        info = check_version(args.port, expected, timeout=args.timeout)
        print(
            f"device on {args.port}: firmware {info.get('firmware')} on "
            f"{info.get('board', '?')} (matches this tree)"
        )
        return 0
    plan = deploy_plan(args.port, build=Path(args.build))
    if args.dry_run:
        if args.json:
            print_json(plan.as_dict())
            return 0
        print(
            f"# deploy firmware {plan.version} from {plan.source} to {args.port}; "
            "dry run, nothing is run"
        )
        print(f"mkdir -p {plan.build}")
        print(format_plan(plan.commands))
        print(f"# then: HELLO on {args.port} must report firmware {plan.version}")
        return 0
    plan.build.mkdir(parents=True, exist_ok=True)
    run_commands(plan.commands)
    info = check_version(args.port, plan.version, timeout=args.timeout)
    print(
        f"deployed firmware {plan.version}; the device on {args.port} says hello "
        f"({info.get('board', '?')})"
    )
    return 0


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
