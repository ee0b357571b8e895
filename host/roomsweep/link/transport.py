"""Opening links to a device: real serial ports, pty paths and pyserial URLs.

Everything goes through ``serial.serial_for_url``, so ``/dev/ttyUSB0``, a pty
path, ``socket://host:port``, ``rfc2217://host:port`` and ``loop://`` need no code
of their own.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    """
    try:
        port = serial.serial_for_url(url, do_not_open=True, baudrate=baudrate, timeout=timeout)
    except (ValueError, serial.SerialException) as e:
        raise PortError(f"cannot use port {url!r}: {e}") from e
    try:
        port.dtr = False
        port.rts = False
    except (AttributeError, ValueError, serial.SerialException):
        pass  # URL handlers without modem lines
    try:
        port.open()
    except (OSError, serial.SerialException) as e:
        raise PortError(f"cannot open port {url!r}: {e}") from e
    return port


@dataclass
class PortInfo:
    device: str
    description: str
    hwid: str
    likely_esp32: bool


# USB vendor:product ids of the bridges and native USB found on ESP32 boards
_ESP_USB_IDS = {
    (0x10C4, 0xEA60),  # Silicon Labs CP210x
    (0x1A86, 0x7523),  # WCH CH340
    (0x1A86, 0x55D4),  # WCH CH9102
    (0x0403, 0x6001),  # FTDI FT232R
    (0x303A, 0x1001),  # Espressif native USB-Serial/JTAG (S3, C3)
    (0x303A, 0x4001),  # Espressif TinyUSB CDC (MicroPython on S2/S3)
}


def candidate_ports() -> list[PortInfo]:
    """Serial ports on this machine, likely ESP32 boards first."""
    found = []
    for p in list_ports.comports():
        likely = (p.vid, p.pid) in _ESP_USB_IDS
        found.append(PortInfo(p.device, p.description or "", p.hwid or "", likely))
    found.sort(key=lambda p: (not p.likely_esp32, p.device))
    return found
