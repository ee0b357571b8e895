"""Every `roomsweep ...` command README.md shows, run as a reader would run it.

The commands are read from README.md's code blocks (indented lines starting with
``roomsweep``), so a command added there is tested here without a change to
this file. What a reader has and this test does not is substituted, and only
that:

- a board: ``--port /dev/ttyUSB0`` is the simulated device on a pty
  (``roomsweep sim hotel-room --pty``, itself a README command, run for the
  whole module); commands that need a real board (``flash`` and ``deploy``
  without ``--dry-run``, and ``deploy --check-only`` is the exception: the
  simulated device runs this tree's firmware) are skipped, as is a Dask cluster
  (``batch --scheduler``);
- captures: every capture a command reads (``x.cap``, ``clean.cap``,
  ``before.cap``, ``out/demo/hotel-room.cap``, ``audits/``) is the one shared
  simulated hotel-room sweep (conftest's ``hotel_capture``), linked into a fresh
  directory per command; a command's own output is never pre-made;
- a plan file: ``--plan room.json`` is the plan README shows as JSON, written
  as a reader would copy it;
- time: ``--seconds`` is cut to a few seconds, a sweep or monitor that would run
  until a key or Ctrl-C gets ``--seconds``, ``scenarios generate`` makes 2 rooms
  instead of 20.

Each command must exit 0, or with a code README documents for it (``compare``:
1 when it prints changes). Commands that run the simulated device are marked
slow.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from roomsweep.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
BOARD = "/dev/ttyUSB0"
# captures a README command may read, made from the shared hotel sweep
CAPTURES = ("x.cap", "clean.cap", "before.cap", "after.cap", "out/demo/hotel-room.cap")
# exit codes README documents besides 0 ("Exit codes")
DOCUMENTED = {"compare": {0, 1}}
SHORT_S = 3.0


def readme_commands() -> list[str]:
    """The `roomsweep ...` lines of README.md's indented code blocks, in order."""
    lines = []
    for line in README.read_text(encoding="utf-8").splitlines():
        if line.startswith("    roomsweep "):
            lines.append(line.strip())
    return lines


def _argv(line: str) -> list[str]:
    return shlex.split(line, comments=True)[1:]  # without "roomsweep" and the comment


def _value(argv: list[str], *flags: str) -> str | None:
    for i, a in enumerate(argv[:-1]):
        if a in flags:
            return argv[i + 1]
    return None


def _set(argv: list[str], flag: str, value: str) -> list[str]:
    """`flag value` in argv, replacing a value it has."""
    if flag in argv:
        i = argv.index(flag)
        return argv[: i + 1] + [value] + argv[i + 2 :]
    return argv + [flag, value]


def skip_reason(argv: list[str]) -> str | None:
    command = argv[0]
    if command in ("flash", "deploy") and "--dry-run" not in argv:
        if command == "deploy" and "--check-only" in argv:
            return None
        return "writes to a real board"
    if command == "batch" and "--scheduler" in argv:
        return "needs a running Dask cluster"
    if command == "sim" and "--pty" in argv:
        return "runs as the module's simulated board (pty fixture), stopped with Ctrl-C"
    return None


def adapt(argv: list[str], port: str | None) -> list[str]:
    """The README command with the substitutions of the module docstring."""
    argv = [port if (a == BOARD and port) else a for a in argv]
    command = argv[0]
    seconds = _value(argv, "--seconds")
    if seconds is not None and float(seconds) > SHORT_S:
        argv = _set(argv, "--seconds", f"{SHORT_S:g}")
    if command == "sim" and seconds is None:
        argv = _set(argv, "--seconds", f"{SHORT_S:g}")
    if command in ("monitor", "sweep") and seconds is None:
        argv = _set(argv, "--seconds", f"{SHORT_S:g}")
    if command == "monitor":
        argv = _set(argv, "--counters-every", "0")
    if command == "sweep":
        argv = argv + ["--no-report"]
        if "--sim" in argv:
            argv = argv + ["--speed", "0"]
    if argv[:2] == ["scenarios", "generate"]:
        argv = _set(argv, "--count", "2")
    return argv


def _uses_device(argv: list[str]) -> bool:
    return (
        BOARD in argv
        or argv[0] in ("sim", "calibrate", "eval")
        or (argv[0] == "sweep" and "--sim" in argv)
        or "--calibration" in argv  # made by calibrate --sim first
    )


COMMANDS = readme_commands()
MADE: dict[str, bytes] = {}  # outputs a later README command reads (calibrate's file)


def test_readme_shows_the_commands_this_test_reads():
    names = {_argv(c)[0] for c in COMMANDS}
    assert {"ports", "sim", "info", "analyze", "report", "plot", "export"} <= names
    assert {"compare", "batch", "flash", "deploy", "monitor", "record", "sweep"} <= names
    assert "roomsweep sim hotel-room --pty" in " ".join(COMMANDS)
    assert not [c for c in COMMANDS if c.startswith("roomsweep simulate")]  # old name


@pytest.fixture(scope="module")
def board(tmp_path_factory):
    """`roomsweep sim hotel-room --pty` as README shows it: its path from its first
    line, and Ctrl-C ends it with exit code 0."""
    run = "import sys; from roomsweep.cli import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.Popen(
        [sys.executable, "-c", run, "sim", "hotel-room", "--pty"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path_factory.mktemp("board"),
        # as from a terminal: a suite run in the background (`make test &`) has
        # SIGINT ignored, and children inherit that through exec
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        first = proc.stdout.readline()
        m = re.search(r" on (\S+)$", first.strip())
        assert m, (first, proc.stderr.read() if proc.poll() is not None else "")
        yield m.group(1)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            code = None
    assert code == 0, proc.stderr.read()


def _workdir(tmp_path: Path, capture: Path, argv: list[str]) -> None:
    """Every capture the command may read, linked in; never its output."""
    outs = {_value(argv, "--out", "-o")}
    for name in CAPTURES:
        if name in outs:
            continue
        dst = tmp_path / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.link(capture, dst)
    (tmp_path / "audits").mkdir()
    os.link(capture, tmp_path / "audits" / "room-101.cap")


def readme_plan() -> str:
    """The room's plan README shows: its indented JSON block (`{"waypoints": ...`)."""
    lines = README.read_text(encoding="utf-8").splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith('    {"waypoints"'))
    for last in range(first, min(first + 20, len(lines))):
        text = "\n".join(lines[first : last + 1])
        try:
            json.loads(text)
            return text
        except ValueError:
            continue
    raise AssertionError("README's plan example is not JSON")


def _params():
    out = []
    for line in COMMANDS:
        argv = _argv(line)
        marks = [pytest.mark.slow] if _uses_device(argv) else []
        reason = skip_reason(argv)
        if reason:
            marks.append(pytest.mark.skip(reason=reason))
        out.append(pytest.param(line, marks=marks, id=" ".join(argv)))
    return out


@pytest.mark.parametrize("line", _params())
def test_readme_command(line, request, hotel_capture, tmp_path, monkeypatch, capsys):
    argv = _argv(line)
    port = request.getfixturevalue("board") if BOARD in argv else None
    argv = adapt(argv, port)
    for i, a in enumerate(argv):  # /tmp/rooms: in this test's directory
        if a.startswith("/tmp/"):
            argv[i] = str(tmp_path / a[len("/tmp/") :])
    _workdir(tmp_path, hotel_capture, argv)
    if argv[0] == "eval":  # the rooms `scenarios generate` writes, as README runs it before
        rooms = argv[1]
        assert main(["scenarios", "generate", "--seed", "7", "--count", "2", "--out", rooms]) == 0
    if "--calibration" in argv:  # the file `calibrate --sim` wrote, README's line before
        cal = _value(argv, "--calibration")
        if "calibration" not in MADE:  # run alone: make it (two minutes)
            monkeypatch.chdir(tmp_path)
            assert main(["calibrate", "--sim", "--out", cal]) == 0
        else:
            (tmp_path / cal).write_bytes(MADE["calibration"])
    if "--plan" in argv:
        (tmp_path / _value(argv, "--plan")).write_text(readme_plan(), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    t0 = time.monotonic()
    code = main(argv)
    out, err = capsys.readouterr()
    assert code in DOCUMENTED.get(argv[0], {0}), (argv, code, err[-2000:])
    assert time.monotonic() - t0 < 120
    if argv[0] == "deploy" and "--check-only" in argv:
        assert "the same as this tree" in out
    if argv[0] == "calibrate":
        MADE["calibration"] = (tmp_path / _value(argv, "--out")).read_bytes()


def test_every_command_help_ends_with_its_exit_codes(capsys):
    from roomsweep.cli.commands import COMMANDS as TABLE

    for cmd in TABLE:
        if not cmd.run:
            continue
        with pytest.raises(SystemExit) as e:
            main([*cmd.name.split(), "--help"])
        assert e.value.code == 0
        text = " ".join(capsys.readouterr().out.split())
        assert "Exit codes" in text, cmd.name
        assert "2: a usage mistake" in text or "2 trouble" in text, cmd.name
