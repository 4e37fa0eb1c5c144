"""Safe file access: reading only inside a folder (symlink swaps, loops, FIFOs) and writing outputs atomically."""
from __future__ import annotations

import errno
import json
import math
import os
import stat
import tempfile
from pathlib import Path
from typing import IO, Any, Sequence

_PROC_FD = Path("/proc/self/fd")


class SafeFileError(Exception):
    """A file that may not or cannot be read. `reason` is "missing", "outside" or "unreadable"."""

    def __init__(self, path: str, message: str, reason: str = "unreadable") -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message
        self.reason = reason


def _os_message(exc: OSError) -> tuple[str, str]:
    """A one-line message and a reason for an error from open/stat."""
    code = exc.errno
    if code == errno.ENOENT:
        return "no such file", "missing"
    if code == errno.ENOTDIR:
        return "no such file (a part of the path is not a folder)", "missing"
    if code == errno.ELOOP:
        return "is a symlink loop (symbolic links that point at each other)", "unreadable"
    if code == errno.ENAMETOOLONG:
        return "the file name is too long", "unreadable"
    if code == errno.EISDIR:
        return "is a directory, not a file", "unreadable"
    if code in (errno.EACCES, errno.EPERM):
        return "permission denied", "unreadable"
    return f"cannot read: {exc.strerror or exc}", "unreadable"


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n:,} bytes"


def real_folder(folder: str | Path) -> str:
    """The folder's real path (symlinks resolved); a folder that cannot be resolved stays as written."""
    try:
        return os.path.realpath(folder, strict=True)
    except (OSError, ValueError):
        return os.path.abspath(folder)


def is_within(folder_real: str, path_real: str) -> bool:
    """True when `path_real` is `folder_real` or lies below it (both already resolved)."""
    try:
        return os.path.commonpath([folder_real, path_real]) == folder_real
    except ValueError:  # one relative, one absolute: not comparable, so not inside
        return False


def _opened_path(fd: int, path: str) -> str | None:
    """The real path of the file behind `fd`, or None when it cannot be told apart from a swapped one.

    On Linux /proc/self/fd names the file that was actually opened, whatever happened to the
    path since. Elsewhere the path is resolved again and accepted only when it still leads to the
    very same file (device and inode), so a symlink swapped after the open is caught either way.
    """
    link = _PROC_FD / str(fd)
    try:
        real = os.readlink(link)
        if real.startswith(os.sep) and not real.endswith(" (deleted)"):
            return real
    except OSError:
        pass
    try:
        real = os.path.realpath(path, strict=True)
        now, opened = os.stat(real), os.fstat(fd)
    except (OSError, ValueError):
        return None
    return real if (now.st_dev, now.st_ino) == (opened.st_dev, opened.st_ino) else None


def read_file(path: str | Path, max_bytes: int, folder: str | Path | None = None,
              what: str = "a file") -> tuple[bytes, Path]:
    """Read a regular file of at most `max_bytes`; with `folder`, only when it really lies inside it.

    Returns the bytes and the real path of the file that was read. Opens first, then checks the
    opened file (never the path alone), then reads from that same descriptor, so nothing swapped in
    between the check and the read is ever read. Never blocks on a FIFO (opened non-blocking and
    refused because it is not a regular file). Raises SafeFileError with a one-line message.
    """
    name = str(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        message, reason = _os_message(exc)
        raise SafeFileError(name, message, reason) from None
    except ValueError:  # an embedded NUL byte in the name
        raise SafeFileError(name, "the file name contains a NUL byte", "missing") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise SafeFileError(name, "is a directory, not a file")
        if not stat.S_ISREG(st.st_mode):
            raise SafeFileError(name, "is not a regular file (a FIFO, socket or device); not read")
        real = _opened_path(fd, name)
        if real is None:
            raise SafeFileError(name, "changed while it was being opened (a symlink was swapped); not read",
                                "outside")
        if folder is not None and not is_within(real_folder(folder), real):
            raise SafeFileError(name, "leads outside the folder of the .act file (through a symlink); not read",
                                "outside")
        if st.st_size > max_bytes:
            raise SafeFileError(name, f"is {_mb(st.st_size)}; the limit for {what} is {_mb(max_bytes)}")
        chunks, total = [], 0
        while total <= max_bytes:  # read one byte past the limit to notice a file that grew meanwhile
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > max_bytes:
            raise SafeFileError(name, f"is more than {_mb(max_bytes)}, the limit for {what}")
        return b"".join(chunks), Path(real)
    except OSError as exc:
        message, reason = _os_message(exc)
        raise SafeFileError(name, message, reason) from None
    finally:
        os.close(fd)


def walk_files(root: str | Path, suffix: str, skip_dirs: tuple[str, ...] = ()) -> tuple[list[Path], list[str]]:
    """Files named `*suffix` below `root`, never leaving it: symlinked folders are not entered and a
    symlinked file is kept only when it resolves to a file inside `root`. Returns the files (sorted,
    each real file once) and one note per entry passed over."""
    root_real = real_folder(root)
    files: list[Path] = []
    notes: list[str] = []
    seen: set[str] = set()

    def on_error(exc: OSError) -> None:
        notes.append(f"{exc.filename}: {_os_message(exc)[0]}; skipped")

    for here, dirs, names in os.walk(root, followlinks=False, onerror=on_error):
        dirs[:] = sorted(d for d in dirs if d not in skip_dirs)
        for n in sorted(names):
            if not n.endswith(suffix):
                continue
            p = os.path.join(here, n)
            try:
                real = os.path.realpath(p, strict=True)
            except OSError as exc:
                notes.append(f"{p}: {_os_message(exc)[0]}; skipped")
                continue
            if not is_within(root_real, real):
                notes.append(f"{p}: a symlink to a file outside {root}; skipped (not read)")
                continue
            if real in seen:
                continue
            seen.add(real)
            files.append(Path(p))
    return files, notes


# ---- writing -----------------------------------------------------------------------------------
def finite(value: Any) -> Any:
    """`value` with every NaN or infinity replaced by None (JSON has no NaN)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value


def json_line(row: Any) -> str:
    """One line of strict JSON: a NaN or infinity is written as null, never as a bare `NaN`."""
    try:
        return json.dumps(row, ensure_ascii=False, allow_nan=False)
    except ValueError:  # rare: only pay for the walk when a non-finite number is present
        return json.dumps(finite(row), ensure_ascii=False, allow_nan=False)


class OutputError(Exception):
    """An output file that must not or cannot be written (it is an input, a folder, not writable)."""


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether two paths name one file: the same inode (hard links, symlinks) or the same resolved path."""
    try:
        sa, sb = os.stat(a), os.stat(b)
        if (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino):
            return True
    except (OSError, ValueError):
        pass
    try:
        return os.path.realpath(a) == os.path.realpath(b)
    except (OSError, ValueError):
        return False


def check_output(out: str | Path, inputs: Sequence[str | Path] = (), flag: str = "--out", hint: str | None = None
                 ) -> Path:
    """The file to replace for `out` (the file a symlink names, so the link survives), checked before any
    work is done: not one of `inputs`, not a folder, and its folder is one this process can create files in.
    `flag` names the option in messages (`--out-json`), `hint` what to do instead (default: another `flag`)."""
    for i in inputs:
        if same_file(out, i):
            raise OutputError(f"{flag} {out} is the same file as the input {i}; writing it would destroy the input "
                              f"({hint or f'choose another {flag}'})")
    try:
        target = Path(os.path.realpath(out))
        os.stat(target)  # an over-long name or a path through a file fails here, before any work
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as exc:
        message = _os_message(exc)[0] if isinstance(exc, OSError) else "the name contains a NUL byte"
        raise OutputError(f"{flag} {out}: cannot be used as an output: {message}") from None
    if os.path.isdir(target):
        raise OutputError(f"{flag} {out} is a folder; {flag} needs a file name")
    folder = target.parent
    if not os.path.isdir(folder):
        raise OutputError(f"{flag} {out}: the folder {folder} does not exist")
    if _is_special(target):
        return target  # a device or FIFO (/dev/null, a pipe) is written in place; it cannot be replaced
    try:  # the only sure test of writability is to create a file there (permissions, read-only mounts, quotas)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=_tmp_prefix(target), suffix=".partial")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OutputError(f"{flag} {out}: cannot write in the folder {folder}: {exc.strerror or exc}") from None
    return target


def write_text_atomic(target: Path, text: str) -> None:
    """`text` into `target` through AtomicWriter: the old file or the whole new one, never a part."""
    with AtomicWriter(target) as fh:
        fh.write(text)


def write_json(target: str | Path, obj: Any) -> None:
    """`obj` as indented JSON (a `to_json()` value, or plain JSON) into `target`, atomically: a kill leaves the
    old file or the new one, never a part."""
    write_text_atomic(Path(target), json.dumps(obj, indent=2, ensure_ascii=False))


def _tmp_prefix(target: Path) -> str:
    """`.NAME.` for the temporary copy, cut so that a long (but valid) NAME still leaves room for the rest."""
    return f".{target.name[:120]}."


def _is_special(path: Path) -> bool:
    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


class AtomicWriter:
    """Text output that appears whole or not at all: written to a temporary file beside the target,
    flushed to disk, then renamed over it. A kill at any moment leaves the old file or the new one
    (and at worst a stray `.NAME.*.partial` file beside it)."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.tmp: str | None = None
        self.fh: IO[str] | None = None

    def __enter__(self) -> IO[str]:
        if _is_special(self.target):
            self.fh = open(self.target, "w", encoding="utf-8")
            return self.fh
        fd, self.tmp = tempfile.mkstemp(dir=self.target.parent, prefix=_tmp_prefix(self.target),
                                             suffix=".partial")
        try:  # the new file keeps the old one's permissions, or gets the usual ones (mkstemp makes it 0600)
            mode = os.stat(self.target).st_mode & 0o7777
        except OSError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.fchmod(fd, mode)
        self.fh = os.fdopen(fd, "w", encoding="utf-8")
        return self.fh

    def __exit__(self, exc_type, exc, tb) -> None:
        assert self.fh is not None
        if self.tmp is None:
            self.fh.close()
            return
        try:
            if exc_type is None:
                self.fh.flush()
                os.fsync(self.fh.fileno())  # the data is on disk before the name points at it
            self.fh.close()
            if exc_type is None:
                os.replace(self.tmp, self.target)
                self.tmp = None
                _sync_folder(self.target.parent)
        finally:
            if self.tmp is not None:  # failed or interrupted: the old file stays, the partial one goes
                try:
                    os.unlink(self.tmp)
                except OSError:
                    pass


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (best effort: not every file system lets a folder be fsynced)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
