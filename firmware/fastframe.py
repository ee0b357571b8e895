# Hot-path helpers for building frames without touching the heap.
#
# Why not binascii.crc32 here: on 32-bit ports (every ESP32) a small int holds
# 31 bits, so a CRC-32 value >= 2**30 comes back as a heap-allocated long int in
# about three frames out of four. These viper routines compile to machine code
# (no bytecode loop over bytes) and write their result straight into the frame.
# tests/test_firmware_unix.py proves crc32_into == binascii.crc32.

import micropython
from array import array
from micropython import const

_POLY = const(0xEDB88320)  # CRC-32/IEEE 802.3, reflected


def make_crc_table():
    """256-entry lookup table (1 KiB), built once at start-up."""
    table = array("I", bytes(1024))
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ _POLY if c & 1 else c >> 1
        table[i] = c
    return table


@micropython.viper
def crc32_into(buf, length: int, table):
    """Append the CRC-32 of buf[0:length] at buf[length:length+4], little-endian."""
    p = ptr8(buf)
    t = ptr32(table)
    c = uint(0xFFFFFFFF)
    for i in range(length):
        c = uint(t[(c ^ uint(p[i])) & 0xFF]) ^ (c >> 8)
    c = c ^ uint(0xFFFFFFFF)
    p[length] = c & 0xFF
    p[length + 1] = (c >> 8) & 0xFF
    p[length + 2] = (c >> 16) & 0xFF
    p[length + 3] = (c >> 24) & 0xFF


@micropython.viper
def pack12_into(samples, count: int, buf, offset: int):
    """Pack `count` 12-bit samples from an array('H') into buf at offset.

    Two samples a, b -> 3 bytes: a & 0xFF, (a >> 8) | (b & 0xF) << 4, b >> 4.
    An odd count writes a final half-triple (b = 0).
    """
    s = ptr16(samples)
    p = ptr8(buf)
    o = offset
    i = 0
    while i + 1 < count:
        a = s[i] & 0xFFF
        b = s[i + 1] & 0xFFF
        p[o] = a & 0xFF
        p[o + 1] = (a >> 8) | ((b & 0xF) << 4)
        p[o + 2] = b >> 4
        o += 3
        i += 2
    if i < count:
        a = s[i] & 0xFFF
        p[o] = a & 0xFF
        p[o + 1] = a >> 8
