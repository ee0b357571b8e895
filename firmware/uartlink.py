# The stream's serial link on a machine.UART with a TX ring buffer (ESP-IDF
# uart_driver_install txbuf): write() copies into the ring and returns at once;
# it would block only on a full ring. The port's poll() reports a UART writable
# always (ports/esp32/machine_uart.c: "FIXME: uart_tx_any_room"), so writable()
# keeps its own account: bytes written minus what the line has carried since
# (baud / 10 bytes a second), resynchronised by txdone() when the account says
# the ring is full. The Link (link.py) asks writable() before each frame and
# leaves frames in its drop-oldest ring while the answer is no.
#
# Driver style: the UART object and the tick functions are arguments; the board
# layer (board.py, or the simulator's board) creates them. No allocation.


def link_need(rate, block):
    """Bytes a second the stream needs at `rate` and `block`: two SAMPLES frames
    and a LENS frame a block, a STATUS a second (docs/protocol.md, Link budget)."""
    import rsproto

    per_block = (2 * rsproto.frame_size(rsproto.SAMPLES_HEADER_SIZE
                                        + rsproto.packed12_size(block))
                 + rsproto.frame_size(rsproto.LENS_SIZE))
    return per_block * rate // block + rsproto.frame_size(rsproto.STATUS_SIZE)


def fit_rate(rate, block, cap, min_rate):
    """(rate, note): the highest rate at most `rate`, in steps of 500 Hz, whose
    stream fits 90 % of `cap` bytes a second, and the text announcing a
    fallback ("" when `rate` fits)."""
    fit = rate
    while fit > min_rate and link_need(fit, block) * 10 > cap * 9:
        fit = max(min_rate, (fit - 1) // 500 * 500)
    if fit == rate:
        return rate, ""
    return fit, "rate %d: link carries %d B/s, stream would need %d; using %d" % (
        rate, cap, link_need(rate, block), fit)


class UartLink:
    def __init__(self, uart, baud, txbuf, frame_max, ticks_us, ticks_diff):
        self._uart = uart
        self._per_ms = baud // 10000  # bytes a millisecond (8N1: 10 bits a byte), rounded down
        self._room = txbuf - frame_max  # writable while the backlog is at most this
        self._ticks_us = ticks_us
        self._ticks_diff = ticks_diff
        self._backlog = 0  # bytes written and, by the account, not yet on the line
        self._since = ticks_us()
        self.bytes = 0  # written since boot, modulo 2**30

    def _account(self):
        now = self._ticks_us()
        if self._backlog == 0:
            self._since = now
            return
        dt = self._ticks_diff(now, self._since)
        if dt >= 1000000:  # a second carries more than any ring holds
            self._backlog = 0
            self._since = now
            return
        sent = dt * self._per_ms // 1000
        if sent:
            self._backlog = self._backlog - sent if sent < self._backlog else 0
            self._since = now

    def writable(self):
        self._account()
        if self._backlog <= self._room:
            return True
        if self._uart.txdone():  # the account was pessimistic: all gone
            self._backlog = 0
            return True
        return False

    def write(self, data):
        n = len(data)
        self._account()
        self._uart.write(data)
        self._backlog += n
        self.bytes = (self.bytes + n) & 0x3FFFFFFF

    def input_ready(self):
        return self._uart.any() > 0

    def read_input(self, buf):
        if len(buf) == 0:
            return 0
        n = self._uart.readinto(buf)
        return n or 0
