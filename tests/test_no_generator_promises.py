"""No analyzer constant may lean on what our own scenario generator promises.

Real rooms make no promises: a threshold in the analysis or the network code
must be argued from physics, a standard or a datasheet (path-loss exponents,
wall losses, the detector's range, power classes), never from how our
simulator places devices and waypoints (issue 14). This test greps the code
for such citations.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

HOST = Path(__file__).resolve().parents[1] / "host" / "roomsweep"
CHECKED = ("analysis", "network")

# Words that cite the generator or its promises. numpy's random Generator is a
# type, not a citation, and is allowed.
PROMISE = re.compile(
    r"(?<!random\.)\bgenerator\b|generated\s+(?:room|scenario)|guarantee|promise"
    r"|scenario\s+(?:generator|promises|guarantees)|the\s+simulator\s+(?:places|puts|keeps)"
    r"|from\s+any\s+waypoint",
    re.IGNORECASE,
)


def _sources() -> list[Path]:
    return sorted(p for pkg in CHECKED for p in (HOST / pkg).rglob("*.py"))


def test_the_checked_packages_have_sources():
    assert len(_sources()) > 10


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(HOST)))
def test_no_constant_cites_a_generator_promise(path: Path):
    hits = [
        f"{path.relative_to(HOST)}:{n}: {line.strip()}"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if PROMISE.search(line)
    ]
    assert not hits, "cite physics or a datasheet, not the generator:\n" + "\n".join(hits)


@pytest.mark.parametrize(
    "line",
    [
        "# the scenario generator guarantees real devices clear it",
        "# the hotel's own APs are 2 m or more from any waypoint",
        "# a device the Generator places within 0.3 m",
        "# what the scenario promises",
    ],
)
def test_the_grep_catches_the_old_citations(line: str):
    assert PROMISE.search(line)


def test_numpy_random_generator_is_not_a_citation():
    assert not PROMISE.search("    rng: np.random.Generator,")
