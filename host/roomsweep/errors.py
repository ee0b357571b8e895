"""Typed errors of the roomsweep host. The CLI turns any RoomsweepError into a
one-line message and its `exit_code`; anything else is a bug.

Exit codes (README, "Exit codes"): 2 for a usage mistake, which includes a file
the user wrote or chose that says the wrong thing (a plan, calibration or
scenario file: like a bad argument, the user fixes it); 1 when the work failed
(the device or link, a service, a damaged capture, an external tool)."""


class RoomsweepError(Exception):
    """Base class of every error a user can cause or meet."""

    exit_code = 1


class UsageError(RoomsweepError):
    """A command line or argument that cannot be acted on."""

    exit_code = 2


class PortError(RoomsweepError):
    """A serial port or URL that cannot be opened, or a link that broke."""


class DeviceError(RoomsweepError):
    """The device did not answer, or answered with an error."""


class DeviceTimeout(DeviceError):
    """No reply from the device within the allowed time."""


class CaptureFormatError(RoomsweepError):
    """A file that is not a roomsweep capture, or whose header is damaged."""


class PlanFileError(RoomsweepError):
    """A room's plan file (`--plan`) that is not JSON or does not describe a plan."""

    exit_code = 2


class CalibrationFileError(RoomsweepError):
    """A calibration file (`--calibration`) that is not one, or whose fields have the
    wrong types or values; or one that cannot be written."""

    exit_code = 2


class ScenarioError(RoomsweepError):
    """A scenario that cannot be found or does not describe a valid room."""

    exit_code = 2


class ServiceError(RoomsweepError):
    """A service the command was pointed at (a Dask scheduler) that cannot be reached."""


class SimulatorError(RoomsweepError):
    """The simulated device could not be started or stopped working."""


class ToolError(RoomsweepError):
    """An external tool (esptool, mpy-cross, mpremote) failed or is missing."""


class CaptureContentError(RoomsweepError, ValueError):
    """A readable capture that lacks what was asked of it (a lens plot of a capture
    without a photodiode channel). A ValueError too, as the lens finder's checks
    raised before it."""
