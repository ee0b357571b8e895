# MicroPython sources are not CPython modules: keep pytest's doctest collector
# away from them.
collect_ignore_glob = [
    "host/roomsweep/sim/mpboard/*",
    "host/roomsweep/_firmware/*",
    "tests/mp/*",
    "firmware/*",
]
