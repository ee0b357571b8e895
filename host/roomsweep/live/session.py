"""`roomsweep sweep`: record a sweep with the live view, surviving a pulled cable.

    port --Device--> records --+--> CaptureWriter (every frame, as it arrives)
                               +--> LiveState --> view (liveview.py, or plain lines)

`SweepSession` owns the link and the capture: it reads, records, and when the
link breaks (a read fails, or the device falls silent) it notes that in the
capture, keeps everything received, and polls the same URL until the device is
back; then it says hello, restarts the stream and goes on recording into the
same capture. `run_sweep` is the loop: keys, class guess, locate cue, drawing.
"""

from __future__ import annotations

import os
import select
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

from roomsweep.analysis.recording import level_text
from roomsweep.errors import DeviceError, PortError
from roomsweep.link.capture import CaptureWriter
from roomsweep.link.device import Device
from roomsweep.link.transport import DEFAULT_BAUD, open_port
from roomsweep.live.state import LiveState, clock
from roomsweep.live.stimulus import MotionTest
from roomsweep.live.view import WIDTH, fit, render
from roomsweep.protocol import rsproto as P
from roomsweep.protocol.decoder import Counters
from roomsweep.protocol.plan import plan_header
from roomsweep.protocol.records import Record
from roomsweep.protocol.untrusted import printable

# CONFIGURE text that lights the lens finder's IR LED groups (dark by default);
SILENCE_TIMEOUT_S = 3.0  # a streaming device sends ~60 frames/s: silence means a dead link
RECONNECT_EVERY_S = 0.5


def _add_counters(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    return {k: a.get(k, 0) + b.get(k, 0) for k in set(a) | set(b)}


class SweepSession:
    """The link to the device and the capture it records into.

    Parameters
    ----------
    url : the port (anything open_port takes); reopened after a lost link.
    out : capture path; created at the first connection (or appended to).
    header : extra header fields (simulation, planned sweep, waypoint positions).
    """

    def __init__(
        self,
        url: str,
        out: str | Path,
        state: LiveState,
        *,
        header: dict[str, Any] | None = None,
        baudrate: int = DEFAULT_BAUD,
        settings: str = "",
        append: bool = False,
        silence_timeout_s: float = SILENCE_TIMEOUT_S,
        reconnect_every_s: float = RECONNECT_EVERY_S,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.url = url
        self.out = Path(out)
        self.state = state
        self.header = dict(header or {})
        self.baudrate = baudrate
        self.settings = settings
        self.append = append
        self.silence_timeout_s = silence_timeout_s
        self.reconnect_every_s = reconnect_every_s
        self.clock = clock
        self.port: Any = None
        self.device: Device | None = None
        self.writer: CaptureWriter | None = None
        self.events: list[str] = []  # link events, in order, for the plain view
        self._base_counters: dict[str, int] = {}
        self._last_data = 0.0
        self._last_host_time = 0.0
        self._last_stats = 0.0
        self._lost_at: float | None = None
        self._next_try = 0.0

    # --- connecting -------------------------------------------------------------
    def connect(self, timeout: float = 3.0) -> None:
        """Open the port, HELLO, (re)START the stream. Raises on failure."""
        port = open_port(self.url, baudrate=self.baudrate)
        try:
            device = Device(port)
            info = device.hello(timeout=timeout)
            device.start_stream(self.settings)  # also one that streamed on while the cable was out
        except BaseException:
            port.close()
            raise
        now = self.clock()
        if self.writer is None:
            header = {"port": self.url, "device": info, "settings": self.settings, **self.header}
            self.writer = CaptureWriter(self.out, header, append=self.append)
        else:
            self.writer.write_note(
                f"link resumed after {now - (self._lost_at or now):.1f} s: {self.url}"
            )
            self.state.reconnects += 1
            self.events.append(f"link resumed after {now - (self._lost_at or now):.1f} s")
        self.port, self.device = port, device
        self.writer.write_host_time()
        backlog, device.backlog = device.backlog, []
        self._record(backlog)  # the HELLO reply, INFO and whatever came with them
        self.state.set_device(info)
        self.state.link = "connected"
        self.state.lost_for_s = 0.0
        self._lost_at = None
        self._last_data = self._last_host_time = self._last_stats = now

    def _lost(self, why: str) -> None:
        assert self.writer is not None and self.device is not None
        self._base_counters = _add_counters(
            self._base_counters, self.device.decoder.counters.as_dict()
        )
        self.writer.write_rx_stats(Counters(**self._base_counters))
        self.writer.write_note(f"link lost: {why}")
        try:
            self.port.close()
        except Exception:  # noqa: BLE001 - the port is gone already
            pass
        self.port = self.device = None
        self._lost_at = self._next_try = self.clock()
        self.state.link = "lost"
        self.state.link_note = why
        self.events.append(
            f"link lost ({why}); {self.writer.frames_written} frames kept, "
            f"waiting for the device on {self.url}"
        )

    def _try_reconnect(self) -> None:
        now = self.clock()
        self.state.lost_for_s = now - (self._lost_at or now)
        if now < self._next_try:
            time.sleep(min(0.05, self._next_try - now))
            return
        self._next_try = now + self.reconnect_every_s
        try:
            self.connect(timeout=1.0)  # short: the view and keys wait meanwhile
        except (PortError, DeviceError):
            pass  # not back yet

    @property
    def connected(self) -> bool:
        return self.device is not None

    def counters(self) -> dict[str, int]:
        """The live decoders' counters, summed over every connection so far."""
        live = self.device.decoder.counters.as_dict() if self.device else {}
        return _add_counters(self._base_counters, live) or Counters().as_dict()

    # --- streaming --------------------------------------------------------------
    def _record(self, records: list[Record]) -> None:
        assert self.writer is not None
        self.writer.write_frames([r.raw for r in records if r.raw is not None])
        restarts = self.state.device_restarts
        self.state.feed(records)
        if self.state.device_restarts > restarts:
            # its clock starts again from zero: device times before and after differ
            self.writer.write_note(
                f"device restarted ({self.state.device_s:.1f} s into the sweep)"
            )
            self.events.append("the device restarted (its clock starts again)")
        self.state.frames_written = self.writer.frames_written

    def step(self, wait: float = 0.02) -> None:
        """Read and record what arrived; notice a broken or silent link."""
        if self.device is None:
            self._try_reconnect()
            return
        try:
            records = self.device.backlog + self.device.read(wait)
            self.device.backlog = []
        except PortError as e:
            self._lost(str(e).split(": ", 1)[-1])
            return
        now = self.clock()
        if records:
            self._last_data = now
            self._record(records)
        elif now - self._last_data > self.silence_timeout_s:
            self._lost(f"no data for {now - self._last_data:.1f} s")
            return
        assert self.writer is not None
        if now - self._last_host_time >= 1.0:
            self.writer.write_host_time()
            self._last_host_time = now
        if now - self._last_stats >= 5.0:
            self.writer.write_rx_stats(Counters(**self.counters()))
            self._last_stats = now
        self.state.counters = self.counters()

    def mark(self, label: str) -> bool:
        """Ask the device for a waypoint MARK (it comes back as a MARK frame)."""
        if self.device is None:
            self.state.message = "not connected: waypoint not marked"
            return False
        try:
            self.device.send(P.T_CMD_MARK, label[:64])
        except PortError as e:
            self._lost(str(e))
            self.state.message = "link lost: waypoint not marked"
            return False
        self.state.message = f"waypoint {label!r} marked"
        return True

    def finish(self, stop: bool = True) -> None:
        """STOP the stream, record what is still arriving, close the capture."""
        if self.device is not None:
            try:
                if stop:
                    self.device.request(P.T_CMD_STOP, timeout=2.0)
            except (DeviceError, PortError):
                pass  # cable gone: what arrived is on disk
            tail, self.device.backlog = self.device.backlog, []
            self._record(tail)
            self.state.counters = self.counters()
            assert self.writer is not None
            self.writer.write_rx_stats(Counters(**self.state.counters))
            self.port.close()
            self.port = self.device = None
        if self.writer is not None:
            self.state.frames_written = self.writer.frames_written
            self.writer.close()
        self.state.link = "finished"


# --- views -------------------------------------------------------------------------


class View(Protocol):
    def keys(self) -> Iterator[str]: ...
    def draw(self, state: LiveState) -> None: ...
    def beep(self) -> None: ...


class PlainView:
    """No terminal control: a status line every `every_s` seconds and one line per
    event (waypoint, lost or resumed link). For pipes, logs and tests."""

    def __init__(self, out: Any = None, every_s: float = 2.0):
        self.out = out or sys.stdout
        self.every_s = every_s
        self._next = 0.0
        self._marks = 0
        self._heard = 0  # the waypoints whose dwell was said to be heard
        self._events = 0
        self.session: SweepSession | None = None

    def keys(self) -> Iterator[str]:
        return iter(())

    def beep(self) -> None:
        pass

    def draw(self, state: LiveState) -> None:
        for w in state.marks[self._marks :]:
            print(
                f"{clock(w.elapsed_s)}  waypoint #{w.number} {printable(w.label)} ({w.source})",
                file=self.out,
            )
        self._marks = len(state.marks)
        if state.hold_s() == 0.0 and self._heard < len(state.marks):
            # the last waypoint's dwell is in: the user may walk on
            w = state.marks[-1]
            print(f"{clock(state.device_s)}  waypoint #{w.number} heard, walk on", file=self.out)
            self._heard = len(state.marks)
        if self.session is not None:
            for e in self.session.events[self._events :]:
                text = f"{clock(state.device_s)}  {printable(e)}"
                print(textwrap.fill(text, WIDTH, subsequent_indent=" " * 7), file=self.out)
            self._events = len(self.session.events)
        now = time.monotonic()
        if now < self._next:
            return
        self._next = now + self.every_s
        g = state.guess
        link = "" if state.link == "connected" else f"link {state.link}, "
        top = state.ceiling_dbm  # higher once the device's pad went in
        level = level_text(state.level_dbm, missing="-", ceiling=top)
        peak = level_text(state.peak_dbm, unit="", missing="-", ceiling=top)
        line = (
            f"{clock(state.device_s)}  RF {level} (peak {peak})  {link}"
            f"{state.frames_written} frames  {printable(g.text()) if g else '-'}"
        )
        print(fit(line, WIDTH).plain, file=self.out)
        self.out.flush()


class TerminalView:
    """The rich live view on the terminal, keys read from stdin in cbreak mode."""

    def __init__(self, refresh_s: float = 0.25):
        import termios
        import tty

        from rich.console import Console
        from rich.live import Live

        self.console = Console()
        self._fd = sys.stdin.fileno()
        self._saved = termios.tcgetattr(self._fd)
        tty.setcbreak(self._fd)
        self._live = Live(
            console=self.console,
            screen=True,
            auto_refresh=False,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self._live.start()
        self.refresh_s = refresh_s
        self._next = 0.0

    def keys(self) -> Iterator[str]:
        while select.select([self._fd], [], [], 0)[0]:
            data = os.read(self._fd, 64).decode(errors="ignore")
            if not data:
                return
            yield from data

    def draw(self, state: LiveState, force: bool = False) -> None:

        now = time.monotonic()
        if not force and now < self._next:
            return
        self._next = now + self.refresh_s
        self._live.update(render(state, self.console.width), refresh=True)

    def beep(self) -> None:
        self.console.bell()

    def close(self) -> None:
        import termios

        try:
            self._live.stop()
        finally:
            termios.tcsetattr(self._fd, termios.TCSADRAIN, self._saved)


# --- the loop ------------------------------------------------------------------------


def run_sweep(
    session: SweepSession,
    view: View,
    *,
    seconds: float | None = None,
    speed: float = 0.0,
    alive: Callable[[], bool] | None = None,
    guess_every_s: float = 0.5,
    stimulus: MotionTest | None = None,
) -> None:
    """Record until `seconds` of device time (the sweep's one clock: samples and
    the Wi-Fi scans' gaps), `q`, Ctrl-C, or (simulated device) the device has
    ended. `speed` > 0 paces reading to that multiple of real time (the
    simulated device then runs at that pace too). `stimulus`: the guided
    motion test (live.stimulus), started by its own schedule or the `t` key."""
    state = session.state
    state.motion_test_key = stimulus is not None  # the view lists `t` then
    state.update_guess()  # the first call loads the analyzer (about a second)
    started = anchor_wall = time.monotonic()
    anchor_device = state.device_s
    next_guess = next_beep = 0.0
    was_connected = session.connected
    try:
        while True:
            if seconds is not None and state.device_s >= seconds:
                break
            if alive is not None and not alive():
                break  # the simulated device ran out of room to simulate
            finish = False
            for ch in view.keys():
                if ch in ("t", "T") and stimulus is not None and state.label_input is None:
                    stimulus.start(state.device_s)  # the motion test: start, or end it early
                    continue
                action = state.key(ch)
                if action is None:
                    continue
                if action[0] == "finish":
                    finish = True
                elif action[0] == "mark":
                    session.mark(action[1])
            if finish:
                break
            session.step()
            if stimulus is not None and session.connected:
                _stimulus_step(session, stimulus, view)
            now = time.monotonic()
            state.wall_s = now - started
            if session.connected and not was_connected:
                anchor_wall, anchor_device = now, state.device_s
            was_connected = session.connected
            if speed > 0 and session.connected:
                ahead = (state.device_s - anchor_device) / speed - (now - anchor_wall)
                if ahead > 0:
                    time.sleep(min(ahead, 0.1))
            if now >= next_guess and session.connected:
                state.update_guess()
                next_guess = now + guess_every_s
            interval = state.beep_interval()
            if interval is not None and now >= next_beep:
                view.beep()
                next_beep = now + interval
            view.draw(state)
    except KeyboardInterrupt:
        pass  # Ctrl-C finishes the sweep like `q`
    finally:
        session.finish(stop=alive is None or alive())
        view.draw(state)


def _stimulus_step(session: SweepSession, test: MotionTest, view: View) -> None:
    """The motion test's next mark when a phase starts (with a beep and a line
    for the plain view), and its prompt as the view's message."""
    state = session.state
    was_running = test.running
    label, prompt = test.step(state.device_s)
    if label is not None and session.mark(label):
        view.beep()
        session.events.append(f"{label}: {prompt}" if prompt else label)
    if prompt and (test.running or was_running):
        state.message = prompt


def sim_header(scenario: Any, seed: int, port: str) -> dict[str, Any]:
    """What simulate() stores: the scenario, and the room's plan (waypoint positions,
    sweep order, outline; roomsweep.protocol.plan)."""
    return {
        "simulation": {
            "scenario": scenario.name,
            "scenario_source": str(scenario.source),
            "seed": seed,
            "baud": 0,
        },
        **plan_header(scenario),
    }
