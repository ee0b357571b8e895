"""roomsweep: find hidden cameras and bugs with an ESP32 sensor and this host."""

__version__ = "0.1.0"
