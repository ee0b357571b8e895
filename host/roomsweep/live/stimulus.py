"""The guided motion-stimulus test of `roomsweep sweep`.

At a suspect spot the user holds still, then waves a hand (or switches the
light on) in front of it, for `phase_s` seconds each, `cycles` times. A camera
there streams more while its scene moves; `roomsweep analyze` asks whether the
suspect's traffic follows (roomsweep.analysis.motion). `MotionTest` is the
schedule: it says what to prompt, and which mark to write when a phase starts
(`stimulus:still:<k>`, `stimulus:motion:<k>`, `stimulus:end`; the labels are
analysis.motion's, documented in docs/capture-format.md, *Stimulus marks*).
Time is the sweep's device time (LiveState.device_s), so the phases are where
the samples are, whatever the pace of the link.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from roomsweep.analysis.motion import END_LABEL, MOTION, STILL, stimulus_label
from roomsweep.errors import UsageError

CYCLES = 5  # still/motion pairs: 5 + 5 phases
# 10 s a phase: five 2 s GOP blocks (analysis.motion.BLOCK_S) after the 1 s of
# settling, and 100 s for the whole test
PHASE_S = 10.0
MIN_PHASE_S = 4.0  # at least one 2 s block after the settling time, and a margin
MAX_CYCLES = 20
PROMPTS = {
    STILL: "HOLD STILL, nothing moving in front of the spot",
    MOTION: "WAVE NOW in front of the spot (or switch the light on)",
}


@dataclass
class MotionTest:
    """The test's schedule from its start (device seconds).

    Parameters
    ----------
    cycles : still/motion pairs.
    phase_s : seconds per phase.
    start_at_s : device time to start at by itself; None: when `start` is called
        (the live view's `t` key).

    Examples
    --------
    >>> t = MotionTest(cycles=2, phase_s=5.0, start_at_s=1.0)
    >>> for s in (0.5, 1.0, 3.0, 6.0, 11.0, 16.0, 21.0, 30.0):
    ...     print(s, t.step(s)[0])
    0.5 None
    1.0 stimulus:still:1
    3.0 None
    6.0 stimulus:motion:1
    11.0 stimulus:still:2
    16.0 stimulus:motion:2
    21.0 stimulus:end
    30.0 None
    >>> t.done
    True
    """

    cycles: int = CYCLES
    phase_s: float = PHASE_S
    start_at_s: float | None = None
    started_s: float | None = field(default=None, init=False)
    _next: int = field(default=0, init=False)  # index of the next mark to write

    def __post_init__(self) -> None:
        if isinstance(self.cycles, bool) or not isinstance(self.cycles, int):
            raise UsageError(f"--cycles must be a whole number, got {self.cycles!r}")
        if not 1 <= self.cycles <= MAX_CYCLES:
            raise UsageError(f"--cycles must be 1..{MAX_CYCLES}, got {self.cycles}")
        if not self.phase_s >= MIN_PHASE_S:  # also refuses NaN
            raise UsageError(f"--phase-s must be at least {MIN_PHASE_S:g} s, got {self.phase_s}")
        if self.start_at_s is not None and not self.start_at_s >= 0:
            raise UsageError(f"--motion-test-at must be 0 or more, got {self.start_at_s}")

    @property
    def labels(self) -> list[str]:
        """Every mark of the test, in order."""
        out = []
        for k in range(1, self.cycles + 1):
            out += [stimulus_label(STILL, k), stimulus_label(MOTION, k)]
        return out + [END_LABEL]

    @property
    def running(self) -> bool:
        return self.started_s is not None and not self.done

    @property
    def done(self) -> bool:
        return self._next >= 2 * self.cycles + 1

    def start(self, now_s: float) -> None:
        """Start now (the `t` key); a running test is ended instead."""
        if self.running:
            self._next = 2 * self.cycles  # the end mark comes next
            self.started_s = now_s - self._next * self.phase_s
        elif self.started_s is None:
            self.started_s = now_s

    def step(self, now_s: float) -> tuple[str | None, str]:
        """(the mark to write now or None, the prompt to show)."""
        if self.started_s is None and self.start_at_s is not None and now_s >= self.start_at_s:
            self.started_s = now_s
        if self.started_s is None or self.done:
            return None, ""
        mark = None
        if now_s >= self.started_s + self._next * self.phase_s:
            mark = self.labels[self._next]
            self._next += 1
        if self.done:
            return mark, "motion test done: go on with the sweep"
        phase = self._next - 1
        kind = STILL if phase % 2 == 0 else MOTION
        left = self.started_s + self._next * self.phase_s - now_s
        prompt = (
            f"motion test {phase // 2 + 1}/{self.cycles}: {PROMPTS[kind]} ({max(0.0, left):.0f} s)"
        )
        return mark, prompt
