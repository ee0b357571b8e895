"""Files the commands read: the one check that an input is an existing regular file,
and the reader of a room's plan file (`--plan`).

A FIFO would block a reader forever and a device node could be a serial port
whose opening resets a board: both are refused before they are opened, with the
kind of file named. The commands check every input before any work
(`roomsweep.cli.analyst`), and the capture reader checks again on every open
(`roomsweep.link.capture.open_capture`), with this same function and wording.
It is a module of its own, below both `roomsweep.link.capture` and
`roomsweep.link.outputs` (which imports the capture's magic), so that the two
share it without importing each other.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from roomsweep.errors import CaptureFormatError, PlanFileError, UsageError
from roomsweep.protocol.plan import RoomPlan, plan_from_object

PathLike = str | os.PathLike[str]


def file_kind(mode: int) -> str:
    """What a non-regular file is, for a message: "a FIFO", "a directory", ..."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def not_regular(path: PathLike, mode: int, what: str) -> UsageError:
    """The error for input `path` of `mode` that is not a regular file."""
    return UsageError(f"{path}: {file_kind(mode)}, not a {what} (a regular file)")


def unreadable(path: PathLike, e: OSError, what: str) -> UsageError:
    """The error for input `path` that the OS would not let us read (`e`)."""
    return UsageError(f"cannot read {what} {path}: {e.strerror or e}")


def check_input_path(path: PathLike, what: str = "file") -> Path:
    """`path` as a Path if it names an existing regular file; else a UsageError
    that says what it is instead (missing, unreadable, a FIFO, a directory, ...)."""
    p = Path(path)
    try:
        st = os.stat(p)
    except FileNotFoundError:
        raise UsageError(f"no such {what}: {p}") from None
    except OSError as e:
        raise unreadable(p, e, what) from None
    if not stat.S_ISREG(st.st_mode):
        raise not_regular(p, st.st_mode, what)
    return p


# A room's plan is a few dozen waypoints: a file this big is a wrong file.
MAX_PLAN_FILE_BYTES = 1 << 20


def load_plan_file(path: PathLike) -> RoomPlan:
    """The room's plan in a JSON file (`--plan`): an object shaped like a capture
    header's `plan` section (docs/capture-format.md, "The room's plan"), checked
    as strictly. Any fault is a PlanFileError naming the file."""
    p = check_input_path(path, "plan file")
    try:
        size = p.stat().st_size
        if size > MAX_PLAN_FILE_BYTES:
            raise PlanFileError(
                f"{p}: {size} bytes is no room's plan (at most {MAX_PLAN_FILE_BYTES} bytes)"
            )
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        raise unreadable(p, e, "plan file") from None
    except UnicodeDecodeError:
        raise PlanFileError(f"{p}: not a plan file (not UTF-8 text; a plan is JSON)") from None
    try:
        value = json.loads(text)
    except ValueError as e:
        raise PlanFileError(f"{p}: not a plan file (not JSON: {e})") from None
    try:
        return plan_from_object(value, str(p))
    except CaptureFormatError as e:
        raise PlanFileError(str(e)) from None


def plan_to_record(path: PathLike, appending: bool) -> RoomPlan:
    """The plan file a new capture stores in its header (`sweep`/`record --plan`),
    read before the device is opened. A capture appended to keeps the header it
    has, so a plan given then would be lost: refused, with where it goes instead."""
    if appending:
        raise UsageError(
            "--plan with --append: the capture's header is already written; "
            "give the plan to analyze --plan instead"
        )
    return load_plan_file(path)
