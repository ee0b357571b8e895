# A board for fuzzing the firmware's command intake on the MicroPython unix port:
# the fake board's clock and ADCs, host bytes from a file that arrive in random
# bursts (1 byte to a few KiB between two turns of the firmware's loop, as a UART
# FIFO or a pseudo-terminal hands them over) and stop at the given pause offsets
# until resume(), and output written straight to stdout so that nothing the
# firmware sends stays on the heap.
import random
import sys

from fakeboard import FakeBoard

_MASK = 0x3FFFFFFF


class FuzzBoard(FakeBoard):
    def __init__(self, path, seed, pauses=(), us_per_tick=25):
        super().__init__(us_per_tick=us_per_tick)
        self._pauses = pauses  # file offsets, ascending
        self._next = 0  # index of the next pause
        self._arrived = 0  # file offset up to which bytes have arrived
        self.paused = False
        self._src = open(path, "rb")
        self._src.seek(0, 2)
        self._left = self._src.tell()  # bytes of the file not yet arrived
        self._src.seek(0)
        self._avail = 0  # arrived, not yet read by the firmware
        self._out = sys.stdout.buffer
        random.seed(seed)

    def arrive(self):
        """Bytes the host's next write brings (called once per loop turn)."""
        r = random.getrandbits(5)
        if r < 22:
            n = random.randint(1, 64)
        elif r < 30:
            n = random.randint(64, 700)
        else:
            n = random.randint(700, 3000)
        if self.paused:
            return
        n = min(n, self._left)
        if self._next < len(self._pauses):
            n = min(n, self._pauses[self._next] - self._arrived)
            self.paused = self._arrived + n == self._pauses[self._next]
        self._arrived += n
        self._left -= n
        self._avail += n

    def resume(self):
        self.paused = False
        self._next += 1

    def remaining(self):
        return self._left + self._avail

    def ticks_ms(self):
        return (self.t // 1000) & _MASK

    def input_ready(self):
        return self._avail > 0

    def read_input(self, buf):
        n = min(len(buf), self._avail)
        if n == 0:
            return 0
        got = self._src.readinto(buf[:n]) if n < len(buf) else self._src.readinto(buf)
        self._avail -= got
        return got

    def link_write(self, data):
        self._out.write(data)
