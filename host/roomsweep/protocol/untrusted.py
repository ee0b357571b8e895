"""Text that comes from outside: one place that makes it safe to show.

SSIDs and BLE names come from anyone's radio, waypoint and MARK labels from the
device or the keyboard, header text from any recorder. Such text can hold
control characters (ESC sequences clear a terminal or write its clipboard, a
newline forges a line of output), start a spreadsheet formula, or carry
matplotlib mathtext (``$...$``). Every output path cleans it here, with the
function for its medium:

- `printable`: control characters (C0, DEL, C1, the line and paragraph
  separators, and the bidirectional-text controls that make a terminal or a
  browser show text in another order than it is stored) become visible escapes
  such as ``\\x1b``; for terminals, logs, and as the first step of every other
  medium. Idempotent: printable text comes back unchanged.
- `printable_tree`: `printable` for every string (dict keys too) in JSON-like
  data, such as a device's INFO or a capture header.
- `html_text`: `printable`, then HTML-escaped.
- `csv_cell`: `printable`, then a leading ``= + - @`` (or tab / carriage return)
  is neutralised with a quote so spreadsheets show it as text (OWASP "CSV
  injection").
- `plot_text`: `printable`, then dollar signs escaped so matplotlib draws them
  instead of parsing mathtext.

Examples
--------
>>> printable("cam\\x1b[2J\\nfake line")
'cam\\\\x1b[2J\\\\nfake line'
>>> csv_cell("=HYPERLINK(1)")
"'=HYPERLINK(1)"
>>> plot_text("$5 $10")
'\\\\$5 \\\\$10'
>>> html_text("<b>\\x07</b>")
'&lt;b&gt;\\\\x07&lt;/b&gt;'
>>> printable_tree({"ssid\\n": ["a\\x07", 3]})
{'ssid\\\\n': ['a\\\\x07', 3]}
>>> printable("evil\\u202etxt.exe")
'evil\\\\u202etxt.exe'
"""

from __future__ import annotations

import html
from typing import Any

# C0 controls, DEL, C1 controls, and the Unicode line/paragraph separators
_CONTROL = {c: f"\\x{c:02x}" for c in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0))}
_CONTROL.update({0x2028: "\\u2028", 0x2029: "\\u2029"})
# bidirectional-text controls (Unicode TR9; CVE-2021-42574 "Trojan Source")
_BIDI = (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
_CONTROL.update({c: f"\\u{c:04x}" for c in _BIDI})
_NAMED = {0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"}
_TABLE = {**_CONTROL, **_NAMED}
# a cell starting with one of these is a formula to Excel, LibreOffice, Sheets
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def printable(value: Any) -> str:
    """`value` as text with every control character shown as an escape."""
    return str(value).translate(_TABLE)


def printable_tree(value: Any) -> Any:
    """JSON-like data (dicts, lists, tuples, scalars) with every string in it,
    keys included, made `printable`; anything else as it is."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            out[printable_tree(k)] = printable_tree(v)
        return out
    if isinstance(value, (list, tuple)):
        items = []
        for v in value:
            items.append(printable_tree(v))
        return type(value)(items) if isinstance(value, tuple) else items
    return value


def html_text(value: Any) -> str:
    """Text for HTML element content or attribute values."""
    return html.escape(printable(value), quote=True)


def csv_cell(value: Any) -> Any:
    """A CSV cell that a spreadsheet shows as text, never runs. Numbers stay numbers."""
    if isinstance(value, (int, float)) or value is None:
        return value
    text = printable(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def plot_text(value: Any) -> str:
    """Text for a matplotlib label: no mathtext, no control characters."""
    return printable(value).replace("$", r"\$")
