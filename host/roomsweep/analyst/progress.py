"""Progress bars on stderr for work that takes more than about a second.

The bar appears only after `DELAY_S`, so quick commands print nothing extra,
and only when stderr is a terminal (logs and pipes stay clean); stdout stays
clean for `--json` output.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Any

from tqdm import tqdm

DELAY_S = 1.0


def bar(
    total: int | None, desc: str, unit: str = "it", file: IO[str] | None = None, **kw: Any
) -> tqdm:
    """A progress bar on stderr (or `file`) that shows itself after DELAY_S, on a
    terminal only."""
    return tqdm(
        total=total,
        desc=desc,
        unit=unit,
        file=file or sys.stderr,
        delay=DELAY_S,
        leave=False,
        dynamic_ncols=True,
        disable=None,
        **kw,
    )


@contextmanager
def stages(
    names: list[str], desc: str, file: IO[str] | None = None
) -> Iterator[Callable[[str], None]]:
    """A bar over named stages: call the yielded function as each stage starts.

    >>> with stages(["load", "analyze"], "report") as step:
    ...     step("load"); step("analyze")
    """
    with bar(len(names), desc, unit="step", file=file) as b:
        started = 0

        def step(name: str) -> None:
            nonlocal started
            if started:
                b.update(1)
            started += 1
            b.set_postfix_str(name, refresh=False)  # drawn by update(), after the delay

        yield step
        if started:
            b.update(1)
