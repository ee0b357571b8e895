"""Files the commands write: outputs that never clobber an input and are written
whole or not at all (the inputs are checked by `roomsweep.link.inputs`).

- `check_output_path`: before any work starts, an output must not be one of the
  command's inputs (compared as files: `os.path.samefile`, so links and other
  spellings count), its directory must exist, it must not be a directory or any
  other non-regular file, and it must not silently replace a capture: without
  ``force``, an existing capture is refused (and with ``capture=True``, for a
  command that writes a capture, any existing file); and a file must be creatable
  in that directory (tried: a read-only or pseudo file system refuses here, not
  after the work).
- `atomic_write`: the output is written to a temporary file beside it and renamed
  into place when complete, so an interrupted or failed command leaves the old
  file (or none), never half of one. Captures are not written this way: they are
  appended to as frames arrive, which is what keeps them crash-safe
  (`roomsweep.link.capture`); for them `check_output_path` refuses up front.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

from roomsweep.errors import UsageError
from roomsweep.link.capture import CAPTURE_MAGIC
from roomsweep.link.inputs import file_kind

PathLike = str | os.PathLike[str]


def is_capture(path: PathLike) -> bool:
    """Whether `path` is a regular file that starts like a roomsweep capture."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return False
        with open(path, "rb") as f:
            return f.read(len(CAPTURE_MAGIC)) == CAPTURE_MAGIC
    except OSError:
        return False


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist: compare where they would be
        return os.path.realpath(a) == os.path.realpath(b)


def check_output_path(
    out: PathLike,
    inputs: Iterable[PathLike | None] = (),
    *,
    force: bool = False,
    capture: bool = False,
    append_ok: bool = False,
    what: str = "output",
) -> Path:
    """Refuse, before any work, an output that would overwrite an input or replace
    a capture unasked (see the module's docstring). Returns `out` as a Path.

    Parameters
    ----------
    inputs : files the command reads (None entries are skipped); the output may
        never be one of them, not even with `force`.
    force : allow replacing an existing regular file (a capture too).
    capture : the output is a capture: refuse any existing file without `force`.
    append_ok : the command can append to an existing capture (say so).
    what : what the output is, for the message ("capture", "summary", ...).
    """
    p = Path(out)
    for source in inputs:
        if source is not None and _same_file(p, Path(source)):
            raise UsageError(f"{p}: the {what} would overwrite the command's own input")
    try:
        st = os.stat(p)
    except FileNotFoundError:
        st = None
    except OSError as e:
        raise UsageError(f"cannot write the {what} {p}: {e.strerror or e}") from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise UsageError(f"{p}: {file_kind(st.st_mode)}; the {what} must be a regular file")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():  # a typo in a path must not make a directory tree
        raise UsageError(f"no such directory for the {what}: {parent}")
    _check_writable(p, parent, st is not None and append_ok, what)
    if st is not None and not force:
        if capture:
            raise UsageError(
                f"{p} already exists; --force replaces it"
                + (", --append adds to it" if append_ok and is_capture(p) else "")
            )
        if is_capture(p):
            raise UsageError(f"{p} is a capture; the {what} will not replace it (--force does)")
    return p


def _check_writable(p: Path, parent: Path, existing: bool, what: str) -> None:
    """Before any work: a file can be created beside `p` (what `atomic_write` and
    a new capture need), or, for an existing capture that may be appended to,
    `p` itself opens for appending. Tried, not guessed from permission bits:
    root passes those everywhere, and /proc or a read-only mount still refuse."""
    try:
        if existing:
            with open(p, "ab"):
                pass
            return
        fd, probe = tempfile.mkstemp(dir=parent, prefix=f".{p.name}.")
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise UsageError(f"cannot write the {what} {p}: {e.strerror or e}") from None


def _new_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextmanager
def atomic_write(
    path: PathLike, mode: str = "w", *, encoding: str | None = None, newline: str | None = None
) -> Iterator[IO[Any]]:
    """Open a temporary file beside `path` for writing; rename it to `path` when the
    block ends without an exception (after fsync), remove it otherwise.

    `mode` is "w" (text, UTF-8 unless `encoding` says otherwise) or "wb". The new
    file gets the permissions an ordinary new file would (or the replaced file's).
    OSError passes through for the caller to turn into its own message.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_write writes new files: mode 'w' or 'wb', not {mode!r}")
    p = Path(path)
    try:
        perms = stat.S_IMODE(os.stat(p).st_mode)
    except OSError:
        perms = _new_file_mode()
    fd, tmp = tempfile.mkstemp(dir=p.parent if str(p.parent) else ".", prefix=f".{p.name}.")
    try:
        if mode == "w":
            f: IO[Any] = os.fdopen(fd, "w", encoding=encoding or "utf-8", newline=newline)
        else:
            f = os.fdopen(fd, "wb")
        with f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, perms)
        os.replace(tmp, p)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise
