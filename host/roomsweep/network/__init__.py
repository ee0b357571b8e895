"""Network radios: what the device's Wi-Fi and BLE scans say about the room.

Layers: ``observations`` (plain sightings with times) -> ``registry`` (vendor
from the MAC, offline) and ``signatures`` (camera SSIDs, trackers, with their
sources) -> ``devices`` (one RSSI track per device, strongest waypoint) ->
``score`` (evidence, score and reasons) -> ``findings`` (the findings list,
merged with RF findings that corroborate) ; ``redact`` hides SSIDs and MACs.
"""
