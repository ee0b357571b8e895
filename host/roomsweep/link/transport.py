"""Opening links to a device: real serial ports, pty paths and pyserial URLs.

Everything goes through ``serial.serial_for_url``, so ``/dev/ttyUSB0``, a pty
path, ``socket://host:port``, ``rfc2217://host:port`` and ``loop://`` need no code
of their own.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass
from urllib.parse import urlsplit

import serial
from serial.tools import list_ports

from roomsweep.errors import PortError

DEFAULT_BAUD = 921600


def open_port(url: str, baudrate: int = DEFAULT_BAUD, timeout: float = 0) -> serial.SerialBase:
    """Open a port without resetting the board.

    On ESP32 boards with a USB-serial bridge, DTR and RTS drive EN and IO0: an
    open() that raises them reboots the chip (or holds it in the ROM loader).
    They are set inactive before the port is opened, as esptool and mpremote do.

    The default timeout 0 makes reads non-blocking: a read returns whatever is
    buffered, for real ports and URL handlers alike (Device.read does the waiting).

    A serial port (a device path, a pty) is opened exclusively (an advisory lock,
    pyserial's ``exclusive``): a second roomsweep client on the same port would
    take half of the first one's frames, so it is refused ("port busy"). URL
    handlers (socket://, rfc2217://, loop://) accept the flag and ignore it.
    """
    _check_url(url)
    try:
        port = serial.serial_for_url(
            url, do_not_open=True, baudrate=baudrate, timeout=timeout, exclusive=True
        )
    except (ValueError, TypeError, serial.SerialException) as e:
        raise PortError(f"cannot use port {url!r}: {e}") from e
    try:
        port.dtr = False
        port.rts = False
    except (AttributeError, ValueError, serial.SerialException):
        pass  # URL handlers without modem lines
    try:
        port.open()
    except (OSError, serial.SerialException) as e:
        if getattr(e, "errno", None) in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES) and (
            "lock" in str(e)
        ):
            raise PortError(
                f"port busy: {url} is already open in another program (another roomsweep "
                "record, monitor or sweep?); one client at a time"
            ) from None
        raise PortError(f"cannot open port {url!r}: {e}") from e
    except (ValueError, TypeError) as e:  # a URL handler's parse of a bad URL
        raise PortError(f"bad port URL {url!r}: {e}") from e
    return port


_NEEDS_HOST_PORT = ("socket", "rfc2217")


def _check_url(url: str) -> None:
    """A URL whose handler needs host:port has them: pyserial's own message for
    a missing port is a TypeError's ("'<=' not supported ...")."""
    if "://" not in url:
        return
    try:
        parts = urlsplit(url)
    except ValueError as e:  # e.g. "socket://[::1": an unclosed IPv6 bracket
        raise PortError(f"bad port URL {url!r}: {e}") from None
    if parts.scheme.lower() not in _NEEDS_HOST_PORT:
        return
    try:
        port = parts.port
    except ValueError:
        port = None
    if not parts.hostname or port is None:
        raise PortError(
            f"bad port URL {url!r}: {parts.scheme}:// needs host:port "
            f"(e.g. {parts.scheme}://localhost:7000)"
        )


@dataclass
class PortInfo:
    device: str
    description: str
    hwid: str
    likely_esp32: bool
    reason: str = ""  # why it is (or is not) likely the device, for people


# USB vendor:product ids of the bridges and native USB found on ESP32 boards
_ESP_USB_IDS = {
    (0x10C4, 0xEA60): "Silicon Labs CP210x USB-serial bridge (ESP32 DevKitC)",
    (0x1A86, 0x7523): "WCH CH340 USB-serial bridge (many ESP32 boards)",
    (0x1A86, 0x55D4): "WCH CH9102 USB-serial bridge (ESP32 DevKitC v4 and others)",
    (0x0403, 0x6001): "FTDI FT232R USB-serial bridge",
    (0x0403, 0x6010): "FTDI FT2232 USB-serial bridge (ESP-Prog, WROVER-KIT)",
    (0x303A, 0x1001): "ESP32-S3 native USB (USB-Serial/JTAG)",
    (0x303A, 0x4001): "ESP32-S3 native USB (MicroPython's TinyUSB CDC)",
}


def port_reason(device: str, vid: int | None, pid: int | None) -> tuple[bool, str]:
    """Whether a port is likely the roomsweep device, and why, in words."""
    if vid is not None and pid is not None:
        known = _ESP_USB_IDS.get((vid, pid))
        if known:
            return True, f"likely the device: {known}, USB {vid:04x}:{pid:04x}"
        return False, f"a USB device ({vid:04x}:{pid:04x}) but not a bridge ESP32 boards use"
    name = device.rsplit("/", 1)[-1]
    if name.startswith("ttyS") or (name.startswith("COM") and vid is None):
        return False, "built-in serial port, not a USB device"
    if name.startswith(("pts", "ttyp")) or device.startswith("/dev/pts/"):
        return False, "a pseudo-terminal (the simulated device: roomsweep sim --pty)"
    return False, "no USB ids: not a USB device"


def candidate_ports() -> list[PortInfo]:
    """Serial ports on this machine, likely ESP32 boards first, each with why."""
    found = []
    for p in list_ports.comports():
        likely, reason = port_reason(p.device, p.vid, p.pid)
        found.append(PortInfo(p.device, p.description or "", p.hwid or "", likely, reason))
    found.sort(key=lambda p: (not p.likely_esp32, p.device))
    return found


def format_ports(ports: list[PortInfo]) -> str:
    """`roomsweep ports` for people: one line per port, the likely device marked."""
    if not ports:
        return (
            "no serial ports found: is the device plugged in (and its USB cable one "
            "that carries data)? Without a board: roomsweep sim hotel-room --pty"
        )
    lines = []
    for p in ports:
        desc = "" if p.description in ("", "n/a", p.device) else f" {p.description};"
        lines.append(f"{'*' if p.likely_esp32 else ' '} {p.device:<16}{desc} {p.reason}")
    if not any(p.likely_esp32 for p in ports):
        lines.append("(none looks like an ESP32 board: is the device plugged in?)")
    return "\n".join(lines)
