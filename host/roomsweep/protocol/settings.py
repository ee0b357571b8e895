"""CONFIGURE text as a reader takes it: one parser for the capture header's
`settings` (docs/capture-format.md), used by the header's check
(`roomsweep.link.header_schema`) and by the analysis's LED groups
(`roomsweep.analysis.recording`).

The device parses the same text strictly (`rsproto.parse_settings`: anything
but `key=value` with an integer value rejects the whole CONFIGURE); a reader of
a capture is lenient instead and ignores what it cannot read.
"""

from __future__ import annotations


def settings_values(text: str | None) -> dict[str, int | float]:
    """The `key=value` pairs of CONFIGURE text (protocol.md, *Commands*) as
    numbers: an int where the value is an integer (what CONFIGURE takes), else
    a float where it is one. An item without `=` or whose value is not a number
    is left out; of a key given twice, the later number wins, as on the device.

    >>> settings_values("rate=10000 led0_hz=1500.5 led0_duty=x bogus led0_duty=500")
    {'rate': 10000, 'led0_hz': 1500.5, 'led0_duty': 500}
    """
    values: dict[str, int | float] = {}
    for item in (text or "").split():
        key, _, value = item.partition("=")
        try:
            values[key] = int(value)
        except ValueError:
            try:
                values[key] = float(value)
            except ValueError:
                continue
    return values
