"""The firmware developer's commands: record, monitor, flash, deploy (calibrate
is in roomsweep.cli.calibration: it needs the simulator, which these must not
wait to import). Arguments: roomsweep.cli.commands."""

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
    check_image,
    check_version,
    deploy_plan,
    fetch_image,
    firmware_version,
    flash_plan,
    format_plan,
    run_commands,
    sha256_of,
)
from roomsweep.link.inputs import plan_to_record
from roomsweep.link.monitor import run_monitor
from roomsweep.link.outputs import check_output_path
from roomsweep.link.transport import open_port


def cmd_record(args: argparse.Namespace) -> int:

    # before the port is opened: never replace a capture unasked (--force, --append)
    check_output_path(
        args.out, force=args.force or args.append, capture=True, append_ok=True, what="capture"
    )
    plan = plan_to_record(args.plan, appending=args.append) if args.plan else None
    port = open_port(args.port, baudrate=args.baud)
    try:
        device = Device(port)
        info = device.hello()
        header = {"port": args.port, "device": info, "notes": args.note or ""}
        if plan is not None:
            header["plan"] = plan.section()
        # created (or replaced, appended to) once the device has accepted --set and START
        with CaptureWriter(
            args.out, header, append=args.append, replace=args.force, defer=True
        ) as writer:
            try:
                summary = record(device, writer, seconds=args.seconds, settings=args.set or "")
            except KeyboardInterrupt:
                summary = {"frames": writer.frames_written, "interrupted": True}
    finally:
        port.close()
    if not writer.opened:  # stopped before the device started streaming: nothing kept
        print(f"nothing recorded: {args.out} not written")
        return 130 if summary.get("interrupted") else 1
    print(f"recorded {summary['frames']} frames to {args.out}")
    return interrupted_exit(summary, args.seconds, args.out)


def interrupted_exit(summary: dict, seconds: float | None, out: str) -> int:
    """`record`'s exit code. Without --seconds Ctrl-C is how a recording ends (as
    for `sim --pty` and `monitor`): 0. With --seconds it cuts the recording short:
    130, as for any interrupted command (`sim --out`), the frames so far kept."""
    if not summary.get("interrupted") or seconds is None:
        return 0
    print(
        f"roomsweep: interrupted before --seconds {seconds:g}; {out} keeps what was recorded",
        file=sys.stderr,
    )
    return 130


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


def confirm(question: str, yes: bool, refuse: str) -> None:
    """Go on with `yes`; else ask on the terminal (y/N). Without a terminal to ask
    on, refuse with one line (`refuse` says how to confirm instead)."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise UsageError(refuse)
    try:
        answer = input(f"{question} [y/N] ")
    except EOFError:
        answer = ""
    if answer.strip().lower() not in ("y", "yes"):
        raise UsageError("not confirmed; nothing was done")


def cmd_flash(args: argparse.Namespace) -> int:

    profile = board_profile(args.board)
    if args.sha256 and not re.fullmatch(r"[0-9a-fA-F]{64}", args.sha256):
        raise UsageError("--sha256 takes 64 hexadecimal digits")
    if args.image:
        image = Path(args.image)
        if not image.is_file():
            raise UsageError(f"no such image: {args.image}")
        check_image(image, profile)  # before anything, dry run included
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
        check_image(image, profile)
    print(f"image {image} ({profile.chip} image, SHA-256 {digest})")
    what = "erase the whole flash of" if not args.no_erase else "write over the flash of"
    confirm(
        f"This will {what} the board on {args.port} (its files too) and write {image.name}. "
        "Go on?",
        args.yes,
        f"flash would {what} the board on {args.port}: add --yes to confirm "
        "(no terminal to ask on)",
    )
    run_commands(commands)
    print(f"MicroPython {profile.image_name} written; next: roomsweep deploy --port {args.port}")
    return 0


CHECK_TIMEOUT_S = 5.0  # --check-only: a running board answers HELLO within a second
DEPLOY_TIMEOUT_S = 15.0  # after the reset: MicroPython boots and imports the firmware


def cmd_deploy(args: argparse.Namespace) -> int:

    if args.check_only:
        expected = firmware_version()
        info = check_version(
            args.port,
            expected,
            timeout=args.timeout or CHECK_TIMEOUT_S,
            baudrate=args.baud,
            after="(is the firmware deployed and the board running it?)",
        )
        print(
            f"the device on {args.port} runs firmware {info.get('firmware')} on "
            f"{info.get('board', '?')}: the same as this tree"
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
    info = check_version(
        args.port, plan.version, timeout=args.timeout or DEPLOY_TIMEOUT_S, baudrate=args.baud
    )
    print(
        f"deployed firmware {plan.version}; the device on {args.port} says hello "
        f"({info.get('board', '?')})"
    )
    return 0
