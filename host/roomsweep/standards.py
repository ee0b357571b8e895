"""Timings the radio standards fix, each with the clause it comes from.

The classifiers (roomsweep.analysis.classifiers) test a component's bursts
against these: GSM's TDMA frame, DECT's frame, the Wi-Fi beacon interval,
Bluetooth's slot, LTE's subframe, BLE's advertising interval. Several classifiers
also test that bursts are *not* on another standard's grid, so one figure is
used in more than one place; this module is its only definition.

Values are written as the expressions the classifiers were tuned with, and
should stay so: 0.120 / 26 and 4.615e-3 are different floats, and
roomsweep.analysis.dsp remembers its answers by the exact period.

Imports nothing from roomsweep, so that anything may import it.
"""

from __future__ import annotations

# --- GSM: 3GPP TS 45.002 (multiplexing and multiple access on the radio path) ---
# TDMA frame: 26 frames make the 120 ms traffic multiframe, so 120/26 ms =
# 4.615 ms (216.7 Hz) [3GPP TS 45.002 §4.3.1, §4.3.3]
GSM_FRAME_S = 0.120 / 26
# 8 timeslots per frame: 15/26 ms = 576.9 us [3GPP TS 45.002 §4.3.1]
GSM_SLOT_S = GSM_FRAME_S / 8

# --- DECT: ETSI EN 300 175-2 (DECT common interface, physical layer) ---
# TDMA frame of 10 ms (100 Hz) [ETSI EN 300 175-2, TDMA structure]
DECT_FRAME_S = 10e-3
# 24 full slots per frame: 416.7 us [ETSI EN 300 175-2, TDMA structure]
DECT_SLOT_S = DECT_FRAME_S / 24

# --- Wi-Fi: IEEE 802.11-2020 ---
# time unit (TU): 1024 us [IEEE 802.11-2020 §3.1]
WIFI_TU_S = 1024e-6
# dot11BeaconPeriod, in TU: 100 by default [IEEE 802.11-2020 Annex C]
WIFI_BEACON_PERIOD_TU = 100
# beacons every dot11BeaconPeriod TU at the TBTT: 102.4 ms [IEEE 802.11-2020 §11.1.3]
WIFI_BEACON_INTERVAL_S = WIFI_BEACON_PERIOD_TU * WIFI_TU_S
# The same 102.4 ms [IEEE 802.11-2020 §11.1.3] written as a decimal: one ulp
# (1.4e-17 s) above the product above. The BLE classifier was tuned with this one;
# the two stay distinct until a change that may move findings merges them.
WIFI_BEACON_INTERVAL_DECIMAL_S = 0.1024

# --- Bluetooth BR/EDR (classic): Bluetooth Core 5.4 ---
# time slot of 625 us (1600 hops/s) [Bluetooth Core 5.4 Vol 2 Part B §2.2]
BT_SLOT_S = 625e-6

# --- Bluetooth Low Energy advertising: Bluetooth Core 5.4 Vol 6 Part B §4.4.2.2 ---
# advInterval: 20 ms to 10.24 s in steps of 0.625 ms [Bluetooth Core 5.4 Vol 6 Part B §4.4.2.2]
BLE_ADV_INTERVAL_MIN_S = 20e-3
BLE_ADV_INTERVAL_MAX_S = 10.24
BLE_ADV_INTERVAL_STEP_S = 625e-6
# advDelay: pseudo-random 0-10 ms added to every advInterval
# [Bluetooth Core 5.4 Vol 6 Part B §4.4.2.2]
BLE_ADV_DELAY_MAX_S = 10e-3

# --- LTE: 3GPP TS 36.211 (E-UTRA physical channels and modulation) ---
# subframe of 1 ms, ten to a 10 ms radio frame [3GPP TS 36.211 §4.1]
LTE_SUBFRAME_S = 1e-3
