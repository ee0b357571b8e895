"""SSIDs, MAC addresses and BLE advertising payloads are personal data: replace
them with salted hashes. A payload carries identifiers of its own (a Find My
tag's rotating key, a device name), so it goes whole; what the analysis read
from it (the kind it names) stays.

The same salt maps the same value to the same token, so a redacted report
still says "the same access point at three waypoints" without naming it.
Without a salt a random one is drawn: tokens then differ between runs.

Examples
--------
>>> f = [{"type": "wifi", "why": "SSID 'Smith family' at aa:bb:cc:dd:ee:ff",
...       "evidence": {"ssid": "Smith family", "mac": "aa:bb:cc:dd:ee:ff"}}]
>>> r = redact_findings(f, salt="s")
>>> r[0]["evidence"]["ssid"].startswith("ssid-"), "Smith" in str(r)
(True, False)
"""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Any

_MAC = re.compile(r"\b[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}\b")
SSID_KEYS = ("ssid",)
MAC_KEYS = ("mac", "bssid", "address")
PAYLOAD_KEYS = ("adv_data",)


def token(kind: str, value: str, salt: str) -> str:
    digest = hashlib.sha256(f"{salt}\0{kind}\0{value}".encode()).hexdigest()[:10]
    return f"{kind}-{digest}"


def redact_findings(
    findings: list[dict[str, Any]], salt: str | None = None
) -> list[dict[str, Any]]:
    """A copy of `findings` with every SSID and MAC address replaced by a token,
    in the structured evidence and wherever the text quotes them, and every
    advertising payload (PAYLOAD_KEYS) by a token."""
    salt = secrets.token_hex(8) if salt is None else salt
    ssids: set[str] = set()
    _collect(findings, ssids)
    # longest first, so an SSID that contains another is replaced whole
    ordered = sorted(ssids, key=len, reverse=True)

    def text(s: str) -> str:
        for v in ordered:
            s = s.replace(v, token("ssid", v, salt))
        return _MAC.sub(lambda m: token("mac", m.group(0).lower(), salt), s)

    def walk(obj: Any, key: str | None = None) -> Any:
        if isinstance(obj, dict):
            return {k: walk(v, k) for k, v in obj.items()}
        if isinstance(obj, list):
            return [walk(v, key) for v in obj]
        if isinstance(obj, str):
            if key in SSID_KEYS and obj:
                return token("ssid", obj, salt)
            if key in MAC_KEYS:
                return token("mac", obj.lower(), salt)
            if key in PAYLOAD_KEYS and obj:
                return token("adv", obj.lower(), salt)
            return text(obj)
        return obj

    return walk(findings)


def _collect(obj: Any, ssids: set[str], key: str | None = None) -> None:
    if isinstance(obj, dict):
        for k, v in obj.items():
            _collect(v, ssids, k)
    elif isinstance(obj, list):
        for v in obj:
            _collect(v, ssids, key)
    elif isinstance(obj, str) and key in SSID_KEYS and obj:
        ssids.add(obj)
