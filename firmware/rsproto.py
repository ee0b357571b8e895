# roomsweep wire protocol: the one definition, shared by the firmware (MicroPython)
# and the host (CPython, imported as roomsweep.protocol.rsproto). docs/protocol.md specifies
# the same bytes in prose. Keep this module free of I/O and of anything either
# interpreter lacks: it must import unchanged on both.
#
# Frame (all integers little-endian):
#   0  2  magic        0xA7 0x5E
#   2  1  version      PROTOCOL_VERSION
#   3  1  type         message type (see below)
#   4  2  seq          per-sender sequence number, wraps at 65536
#   6  2  length       payload length in bytes, 0..MAX_PAYLOAD
#   8  4  timestamp    sender's microsecond tick counter (device: ticks_us, which
#                      wraps at TICKS_PERIOD)
#  12  n  payload
#  12+n 4 crc32        CRC-32/IEEE (zlib/binascii.crc32) over bytes 0..12+n-1

import binascii
import struct

try:
    from micropython import const
except ImportError:  # CPython

    def const(value):  # type: ignore[misc]
        return value


PROTOCOL_VERSION = const(1)
MAGIC = b"\xa7\x5e"
MAGIC0 = const(0xA7)
MAGIC1 = const(0x5E)
HEADER_FORMAT = "<BBBBHHI"  # magic0, magic1, version, type, seq, length, timestamp
HEADER_SIZE = const(12)
CRC_SIZE = const(4)
OVERHEAD = const(16)  # header + CRC
MAX_PAYLOAD = const(4096)
# Device tick counters (time.ticks_us) wrap at 2**30 on MicroPython ports; INFO
# reports the device's actual period in "ticks_period".
TICKS_PERIOD = const(0x40000000)

# --- message types -------------------------------------------------------------
# 0x01-0x3F: device -> host
T_INFO = const(0x01)  # JSON object: firmware, board, channels, rates, calibration
T_SAMPLES = const(0x02)  # one block of one analog channel
T_STATUS = const(0x03)  # health: heap, drops, uptime, battery
T_MARK = const(0x04)  # waypoint mark (button or host command)
T_LOG = const(0x05)  # human-readable text
T_ACK = const(0x06)  # command accepted
T_ERROR = const(0x07)  # command rejected, or a bad command frame seen
T_WIFI_SCAN = const(0x10)  # one Wi-Fi access-point scan (also marks its sampling stall)
T_BLE_ADV = const(0x11)  # BLE advertisers heard in a window, deduplicated
T_LENS = const(0x12)  # lens finder: lock-in amplitude per LED group, once per block
# 0x10-0x1F reserved for later device messages (Wi-Fi scan results, BLE
# advertisements, lens lock-in amplitudes); readers count them as unknown.
T_RESERVED_FIRST = const(0x10)
T_RESERVED_LAST = const(0x1F)
# 0x40-0x5F: host -> device commands; payload is UTF-8 text without control chars
T_CMD_HELLO = const(0x40)
T_CMD_START = const(0x41)
T_CMD_STOP = const(0x42)
T_CMD_CONFIGURE = const(0x43)  # "key=value key=value"
T_CMD_MARK = const(0x44)  # label
T_CMD_PING = const(0x45)  # any text, echoed in the ACK
# 0x70-0x7F: host-local records, written only into capture files
T_HOST_TIME = const(0x70)
T_HOST_RXSTATS = const(0x71)
T_HOST_NOTE = const(0x72)

DEVICE_TYPES = (T_INFO, T_SAMPLES, T_STATUS, T_MARK, T_LOG, T_ACK, T_ERROR, T_LENS)
COMMAND_TYPES = (T_CMD_HELLO, T_CMD_START, T_CMD_STOP, T_CMD_CONFIGURE, T_CMD_MARK, T_CMD_PING)
HOST_TYPES = (T_HOST_TIME, T_HOST_RXSTATS, T_HOST_NOTE)

# --- payload layouts ------------------------------------------------------------
# SAMPLES: channel u8, encoding u8, count u16, first-sample tick u32, span_us u32
# (last minus first sample tick), measured rate in millihertz u32, samples dropped
# on this channel since start u32, then the samples.
SAMPLES_HEADER_FORMAT = "<BBHIIII"
SAMPLES_HEADER_SIZE = const(20)
ENC_U16 = const(0)  # little-endian uint16 per sample
ENC_PACKED12 = const(1)  # two 12-bit samples a, b in 3 bytes:
#   byte0 = a & 0xFF, byte1 = (a >> 8) | (b & 0x0F) << 4, byte2 = b >> 4
CH_RF = const(0)
CH_PHOTODIODE = const(1)

# STATUS: uptime_ms u32, heap_free u32, heap_used u32, dropped u32 (samples of all
# channels discarded because the link could not keep up), late u32 (samples taken
# more than half a period after their slot), missed u32 (sample slots skipped when
# the sampler resynchronised after a stall), battery_mv u16, link_errors u16,
# command_errors u16, flags u16 (bit 0 streaming).
STATUS_FORMAT = "<IIIIIIHHHH"
STATUS_SIZE = const(32)
STATUS_FLAG_STREAMING = const(1)

# LENS: first-sample tick u32 of the photodiode block it was computed from (the
# SAMPLES frame's), block length u16, groups u8, flags u8 (bit 0 glint alert,
# bit 1 the block held a clipped sample), then per group (3) the lock-in amplitude
# u16 of that group's return in 1/8 ADC count (0 for a group that is not lit), then
# the LED drive level u8 of the block (the LEDs ran at full current / 2**level;
# older firmware sent 14 bytes and always full current).
LENS_FORMAT = "<IHBBHHHB"
LENS_SIZE = const(15)
LENS_SIZE_V1 = const(14)  # without the drive level
LENS_GROUPS = const(3)
LENS_FLAG_ALERT = const(1)
LENS_FLAG_CLIPPED = const(2)
LENS_AMP_SCALE = const(8)  # amplitude units per ADC count
LENS_DRIVE_STEP = const(2)  # each drive level is half the LED current of the one before

# MARK: mark number u16, source u8 (0 host command, 1 device button), UTF-8 label
MARK_HEADER_FORMAT = "<HB"
MARK_HEADER_SIZE = const(3)
MARK_FROM_HOST = const(0)
MARK_FROM_BUTTON = const(1)

# LOG: level u8 (10 debug, 20 info, 30 warning, 40 error), UTF-8 text
LOG_HEADER_SIZE = const(1)

# ACK / ERROR: seq of the command u16, type of the command u8, code u8, UTF-8 text.
# Code is 0 for ACK. When no command could be identified, seq is 0xFFFF and the
# command type 0.
REPLY_FORMAT = "<HBB"
REPLY_HEADER_SIZE = const(4)
NO_SEQ = const(0xFFFF)
ERR_BAD_CRC = const(1)  # a command frame failed its CRC
ERR_TRUNCATED = const(2)  # a command frame stopped arriving before its end
ERR_UNKNOWN_COMMAND = const(3)  # valid frame, unknown type
ERR_BAD_ARGUMENT = const(4)  # the payload could not be understood or applied
ERR_BAD_STATE = const(5)  # e.g. START while already streaming
ERR_BAD_VERSION = const(6)  # a frame of a protocol version the device lacks
ERR_BAD_LENGTH = const(7)  # declared length above MAX_PAYLOAD
ERROR_NAMES = {
    ERR_BAD_CRC: "bad-crc",
    ERR_TRUNCATED: "truncated",
    ERR_UNKNOWN_COMMAND: "unknown-command",
    ERR_BAD_ARGUMENT: "bad-argument",
    ERR_BAD_STATE: "bad-state",
    ERR_BAD_VERSION: "bad-version",
    ERR_BAD_LENGTH: "bad-length",
}


# WIFI_SCAN: scan start tick u32, duration_us u32 (sampling stood still for this
# long: the scan blocks the CPU), flags u8 (WIFI_*), count u8; then per access
# point: BSSID 6 bytes, channel u8, RSSI i8 (dBm), authmode u8 (ESP-IDF
# wifi_auth_mode_t: 0 open, 1 WEP, 2 WPA-PSK, 3 WPA2-PSK, ...), hidden u8,
# SSID length u8 (0..32), SSID bytes.
WIFI_SCAN_HEADER_FORMAT = "<IIBB"
WIFI_SCAN_HEADER_SIZE = const(10)
WIFI_AP_FORMAT = "<6sBbBBB"
WIFI_AP_SIZE = const(11)
WIFI_SSID_MAX = const(32)
WIFI_SCAN_MAX_APS = const(64)  # 10 + 64 * 43 bytes fits MAX_PAYLOAD
WIFI_ACTIVE = const(1)  # active scan: the device sent probe requests
WIFI_FAILED = const(2)  # the scan raised an error; no access points follow
WIFI_TRUNCATED = const(4)  # more access points were heard than sent

# BLE_ADV: window start tick u32, window span_us u32, lost u16 (advertisements
# not stored because the device table was full), count u8; then per advertiser:
# address 6 bytes (as the controller gives it), address type u8 (0 public,
# 1 random), advertising PDU type u8 (0 ADV_IND .. 4 SCAN_RSP), RSSI max i8,
# RSSI last i8, times heard u16, data length u8 (0..31), advertising data.
BLE_ADV_HEADER_FORMAT = "<IIHB"
BLE_ADV_HEADER_SIZE = const(11)
BLE_DEVICE_FORMAT = "<6sBBbbHB"
BLE_DEVICE_SIZE = const(13)
BLE_DATA_MAX = const(31)  # legacy advertising payload


def encode_wifi_scan(start_tick, duration_us, flags, aps):
    """WIFI_SCAN payload from WLAN.scan() tuples (ssid, bssid, channel, rssi,
    authmode, hidden). Allocates: called once per scan, not per sample."""
    if len(aps) > WIFI_SCAN_MAX_APS:
        aps = aps[:WIFI_SCAN_MAX_APS]
        flags |= WIFI_TRUNCATED
    parts = [struct.pack(WIFI_SCAN_HEADER_FORMAT, start_tick & 0xFFFFFFFF,
                         duration_us & 0xFFFFFFFF, flags, len(aps))]
    for ssid, bssid, channel, rssi, authmode, hidden in aps:
        ssid = bytes(ssid[:WIFI_SSID_MAX])
        rssi = max(-128, min(127, rssi))
        parts.append(struct.pack(WIFI_AP_FORMAT, bytes(bssid[:6]), channel & 0xFF, rssi,
                                 authmode & 0xFF, 1 if hidden else 0, len(ssid)))
        parts.append(ssid)
    return b"".join(parts)


def encode_ble_adv(start_tick, span_us, lost, devices):
    """BLE_ADV payload from (addr, addr_type, adv_type, rssi_max, rssi_last, seen,
    adv_data) tuples. The firmware packs the same bytes in place (radios.py)."""
    parts = [struct.pack(BLE_ADV_HEADER_FORMAT, start_tick & 0xFFFFFFFF,
                         span_us & 0xFFFFFFFF, min(lost, 0xFFFF), len(devices))]
    for addr, addr_type, adv_type, rssi_max, rssi_last, seen, data in devices:
        data = bytes(data[:BLE_DATA_MAX])
        parts.append(struct.pack(BLE_DEVICE_FORMAT, bytes(addr[:6]), addr_type, adv_type,
                                 rssi_max, rssi_last, min(seen, 0xFFFF), len(data)))
        parts.append(data)
    return b"".join(parts)


def frame_size(payload_length):
    return payload_length + OVERHEAD


def pack_header_into(buf, offset, msg_type, seq, length, timestamp):
    """Write a frame header at buf[offset:offset+12]; the CRC is added separately."""
    struct.pack_into(
        HEADER_FORMAT,
        buf,
        offset,
        MAGIC0,
        MAGIC1,
        PROTOCOL_VERSION,
        msg_type,
        seq & 0xFFFF,
        length,
        timestamp & 0xFFFFFFFF,
    )


def packed12_size(count):
    """Bytes taken by `count` samples in ENC_PACKED12 (an odd count pads a half)."""
    return (count * 3 + 1) // 2


def encode_frame(msg_type, seq, timestamp, payload):
    """Whole frame as bytes. Not for the sampling hot path (it allocates)."""
    n = len(payload)
    if n > MAX_PAYLOAD:
        raise ValueError("payload too long")
    buf = bytearray(n + OVERHEAD)
    pack_header_into(buf, 0, msg_type, seq, n, timestamp)
    buf[HEADER_SIZE : HEADER_SIZE + n] = payload
    crc = binascii.crc32(memoryview(buf)[: HEADER_SIZE + n]) & 0xFFFFFFFF
    struct.pack_into("<I", buf, HEADER_SIZE + n, crc)
    return bytes(buf)


def encode_reply(cmd_seq, cmd_type, code, text):
    return struct.pack(REPLY_FORMAT, cmd_seq & 0xFFFF, cmd_type, code) + text.encode()


def encode_mark(number, source, label):
    return struct.pack(MARK_HEADER_FORMAT, number & 0xFFFF, source) + label.encode()


def encode_log(level, text):
    return bytes((level,)) + text.encode()


def parse_settings(text):
    """Parse CONFIGURE text "key=value key=value" into a dict of str -> int.

    Raises ValueError with a short reason on anything else.
    """
    result = {}
    for item in text.split():
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValueError("expected key=value, got " + item[:24])
        try:
            result[key] = int(value)
        except ValueError:
            raise ValueError("not an integer: " + item[:24])
    return result


def is_clean_text(data):
    """True when command text is printable UTF-8 (no control characters).

    Commands are text so that no command byte can be Ctrl-C (0x03) or another
    REPL control character while the device is idle at the REPL port.
    """
    for b in data:
        if b < 0x20 or b == 0x7F:
            return False
    try:
        data.decode()
    except UnicodeError:
        return False
    return True


# --- SAMPLES: the RF range (auto-ranging firmware) ---------------------------------
# The encoding byte of a SAMPLES payload carries a flag in its top bit: the low
# seven bits are the encoding (ENC_*), and on the RF channel SAMPLES_FLAG_RF_PAD
# says the block was taken with the switchable pad in front of the detector (its
# attenuation in dB is INFO's "rf_pad" "db"). Firmware before auto-ranging never
# sets it: its blocks read as before. A reader that predates the flag rejects a
# padded block as an unknown encoding instead of misreading its level.
SAMPLES_FLAG_RF_PAD = const(0x80)
