# Network radios: Wi-Fi access-point scans and a continuous passive BLE scan.
#
# Driver style: the WLAN (network.WLAN(STA_IF)) and BLE (bluetooth.BLE()) objects
# come from board.py; nothing runs at import. docs/protocol.md (WIFI_SCAN,
# BLE_ADV) specifies the frames.
#
# Wi-Fi: WLAN.scan() blocks the CPU for the whole scan (13 channels x up to
# 120 ms, ESP-IDF's default active scan). Sampling therefore stands still: no RF
# sample is taken while the ESP32 sends its probe requests, so its own
# transmissions never reach the analysis. The WIFI_SCAN frame carries the start
# tick and the duration of the stall; the sampler resynchronises after it and
# counts the skipped slots (STATUS missed). One scan after each waypoint mark.
#
# BLE: gap_scan with window = interval (the receiver always listens) and
# active=False (passive: the ESP32 never transmits). The scan IRQ copies each
# advertisement into a preallocated table of BLE_SLOTS advertisers,
# deduplicated by address; a full table counts what it could not store. Once a
# second the table goes out as one BLE_ADV frame and is cleared.

import gc
import struct

import micropython
from micropython import const

import rsproto

_IRQ_SCAN_RESULT = const(5)
BLE_SLOTS = const(32)
# one slot = the BLE_DEVICE_FORMAT record (13 bytes) + room for 31 data bytes, so a
# flush copies slots into the payload as they are
_SLOT = const(44)
_DEV = const(13)  # rsproto.BLE_DEVICE_SIZE
_ADDR_TYPE = const(6)
_ADV_TYPE = const(7)
_RSSI_MAX = const(8)
_RSSI_LAST = const(9)
_SEEN = const(10)
_LEN = const(12)
_DATA_MAX = const(31)
BLE_SCAN_US = const(30000)  # window = interval = 30 ms: full duty
BLE_FLUSH_MS = const(1000)
WIFI_SCAN_STALL_MAX_MS = const(2500)  # documented bound (docs/protocol.md)


@micropython.viper
def _find(table_buf, count: int, addr_buf) -> int:
    """Slot holding the 6-byte address, or -1."""
    table = ptr8(table_buf)
    addr = ptr8(addr_buf)
    i = 0
    while i < count:
        base = i * _SLOT
        j = 0
        while j < 6:
            if table[base + j] != addr[j]:
                break
            j += 1
        if j == 6:
            return i
        i += 1
    return -1


@micropython.viper
def _copy(dst_buf, dst_at: int, src_buf, span: int):
    """dst[dst_at:dst_at+n] = src[s:s+n] with span = s << 8 | n (n < 256)."""
    dst = ptr8(dst_buf)
    src = ptr8(src_buf)
    n = span & 0xFF
    s = span >> 8
    k = 0
    while k < n:
        dst[dst_at + k] = src[s + k]
        k += 1


def configure_radios(app, wifi_scan, ble_scan):
    """CONFIGURE wifi_scan=0|1 ble_scan=0|1 (None: unchanged). Raises ValueError
    or RuntimeError before changing anything; returns the app's Radios."""
    b = app.board
    r = app.radios
    wifi = (r.wifi_scan if r is not None else 0) if wifi_scan is None else wifi_scan
    ble = (r.ble_scan if r is not None else 0) if ble_scan is None else ble_scan
    if wifi not in (0, 1) or ble not in (0, 1):
        raise ValueError("wifi_scan and ble_scan are 0 or 1")
    # the board builds network.WLAN() / bluetooth.BLE() on first access (their
    # drivers take RAM): ask only for a radio that is switched on or in use
    wlan = getattr(b, "wlan", None) if wifi or (r is not None and r.wlan is not None) else None
    bt = getattr(b, "ble", None) if ble or (r is not None and r.ble is not None) else None
    if (wifi and wlan is None) or (ble and bt is None):
        raise ValueError("this board has no such radio")
    if app.streaming and (r is None or wifi != r.wifi_scan or ble != r.ble_scan):
        raise RuntimeError("stop streaming before changing the radios")
    if r is None:
        r = Radios(wlan, bt, b.ticks_us, b.ticks_ms, b.ticks_diff, app.link.send_control)
    else:
        r.wlan = r.wlan or wlan
        r.ble = r.ble or bt
    r.wifi_scan = wifi
    r.ble_scan = ble
    return r


class Radios:
    def __init__(self, wlan, ble, ticks_us, ticks_ms, ticks_diff, send):
        self.wlan = wlan
        self.ble = ble
        self._ticks_us = ticks_us
        self._ticks_ms = ticks_ms
        self._ticks_diff = ticks_diff
        self._send = send  # send(type, payload): queue a frame (Link.send_control)
        self.wifi_scan = 0  # settings: off by default, a Wi-Fi scan stalls sampling
        self.ble_scan = 0
        self._table = bytearray(BLE_SLOTS * _SLOT)
        self._count = 0
        self._lost = 0
        self._flushing = False
        self._payload = bytearray(rsproto.BLE_ADV_HEADER_SIZE + BLE_SLOTS * _SLOT)
        self._payload_view = memoryview(self._payload)
        self._window_tick = 0
        self._window_ms = 0
        self.scan_pending = False
        self.scanning_ble = False
        self.scans = 0
        self.errors = 0

    # --- control ----------------------------------------------------------------
    def start(self):
        """Streaming begins: Wi-Fi on (so a scan need not start it), BLE scanning."""
        if self.wifi_scan and self.wlan is not None:
            try:
                self.wlan.active(True)
            except OSError:
                self.errors += 1
        self._count = 0
        self._lost = 0
        self._window_tick = self._ticks_us()
        self._window_ms = self._ticks_ms()
        if self.ble_scan and self.ble is not None:
            try:
                self.ble.active(True)
                self.ble.irq(self._irq)
                self.ble.gap_scan(0, BLE_SCAN_US, BLE_SCAN_US, False)
                self.scanning_ble = True
            except OSError:
                self.errors += 1

    def stop(self):
        self.scan_pending = False
        if self.scanning_ble:
            self.scanning_ble = False
            try:
                self.ble.active(False)  # stops the scan, radio off
            except OSError:
                self.errors += 1
        if self.wlan is not None and self.wlan.active():
            try:
                self.wlan.active(False)
            except OSError:
                self.errors += 1

    def marked(self):
        """A waypoint was marked: scan Wi-Fi at the next service()."""
        if self.wifi_scan and self.wlan is not None:
            self.scan_pending = True

    def service(self):
        """Called between sample blocks while streaming."""
        if self.scan_pending:
            self.scan_pending = False
            self.scan_wifi()
        if self.scanning_ble and self._ticks_diff(self._ticks_ms(), self._window_ms) >= BLE_FLUSH_MS:
            self.flush_ble()

    # --- Wi-Fi ---------------------------------------------------------------------
    def scan_wifi(self):
        # The scan's list of tuples and its frame come from the heap: make room
        # first (sampling stalls for the scan's ~1.6 s anyway), and a heap too
        # fragmented for them is a failed scan, said in the stream, not a crash.
        gc.collect()
        start = self._ticks_us()
        flags = rsproto.WIFI_ACTIVE
        try:
            aps = self.wlan.scan()
        except (OSError, MemoryError):
            aps = []
            flags |= rsproto.WIFI_FAILED
            self.errors += 1
        duration = self._ticks_diff(self._ticks_us(), start)
        self.scans += 1
        try:
            payload = rsproto.encode_wifi_scan(start, duration, flags, aps)
        except MemoryError:
            aps = None
            gc.collect()
            self.errors += 1
            payload = rsproto.encode_wifi_scan(start, duration, flags | rsproto.WIFI_FAILED, ())
        self._send(rsproto.T_WIFI_SCAN, payload)

    # --- BLE --------------------------------------------------------------------------
    def _irq(self, event, data):
        # Scheduler context, between bytecodes: copy out of the memoryviews now,
        # they are only valid during this call. No allocation.
        if event != _IRQ_SCAN_RESULT:
            return
        if self._flushing:
            self._lost += 1
            return
        addr_type, addr, adv_type, rssi, adv_data = data
        table = self._table
        i = _find(table, self._count, addr)
        if i < 0:
            if self._count >= BLE_SLOTS:
                self._lost += 1
                return
            i = self._count
            self._count = i + 1
            base = i * _SLOT
            _copy(table, base, addr, 6)
            table[base + _ADDR_TYPE] = addr_type
            table[base + _RSSI_MAX] = rssi & 0xFF
            table[base + _SEEN] = 0
            table[base + _SEEN + 1] = 0
        base = i * _SLOT
        best = table[base + _RSSI_MAX]
        if rssi > (best - 256 if best > 127 else best):
            table[base + _RSSI_MAX] = rssi & 0xFF
        table[base + _RSSI_LAST] = rssi & 0xFF
        table[base + _ADV_TYPE] = adv_type
        seen = table[base + _SEEN] | table[base + _SEEN + 1] << 8
        if seen < 0xFFFF:
            seen += 1
            table[base + _SEEN] = seen & 0xFF
            table[base + _SEEN + 1] = seen >> 8
        n = len(adv_data)
        if n > _DATA_MAX:
            n = _DATA_MAX
        table[base + _LEN] = n
        _copy(table, base + _DEV, adv_data, n)

    def flush_ble(self):
        """One BLE_ADV frame with the window's advertisers; the table starts anew."""
        self._flushing = True
        now = self._ticks_us()
        p = self._payload
        table = self._table
        count = self._count
        struct.pack_into(rsproto.BLE_ADV_HEADER_FORMAT, p, 0, self._window_tick,
                         self._ticks_diff(now, self._window_tick), min(self._lost, 0xFFFF),
                         count)
        pos = rsproto.BLE_ADV_HEADER_SIZE
        for i in range(count):
            base = i * _SLOT
            n = _DEV + table[base + _LEN]
            _copy(p, pos, table, base << 8 | n)
            pos += n
        self._count = 0
        self._lost = 0
        self._window_tick = now
        self._window_ms = self._ticks_ms()
        self._flushing = False
        self._send(rsproto.T_BLE_ADV, self._payload_view[:pos])
