"""Writing files and result folders atomically: the one way the whole program does it.

Files (`write_bytes_atomic`, `write_text_atomic`): the bytes go to a temporary file beside the
target (`.NAME.tmp-PID-XXXXXX`), which is then renamed over it. A reader sees the old file or
the new one, never half of one.

Result folders (`atomic_result_dir`): every file is written into a temporary folder beside the
destination (`.NAME.tmp-PID-XXXXXX`); only when all of them are complete does it take the
destination's place. On Linux the two folders are swapped in one step (renameat2 with
RENAME_EXCHANGE), so the destination always holds either the old complete result or the new
one; elsewhere the old folder is first renamed to `.NAME.old-PID`, and a run that dies between
the two renames is repaired by the next one (see `recover_leftovers`).

The marker rule. Every result folder carries a marker file, `neuromod-sim-result.json`
(`MARKER_NAME`), saying that neuromod-sim wrote it. An existing folder is replaced only if it
is empty or is recognisably a previous result (the marker is there, and for a run result
nothing else than the files a run writes); any other folder is refused with an InputError, so
that a documents folder given by mistake is never touched. Temporary and left-over folders
carry the marker too (state `writing`, `complete` or `removing`), and only folders with it are
ever removed. A removal deletes the marker last, so a removal that is cut short can be
finished later.

Files and folders are created with the modes the user's umask allows (0666 and 0777 masked),
as any other program's files are. An OSError that the user can act on (disk full, no
permission, read-only, name too long...) becomes an InputError naming the path (exit 2).
"""
from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import secrets
import shutil
import signal
import sys
import threading
from pathlib import Path
from typing import Any
from collections.abc import Callable, Iterator

from simulator.errors import InputError, Issue

MARKER_NAME = "neuromod-sim-result.json"
WRITTEN_BY = "neuromod-sim"
MARKER_MAX_BYTES = 64 * 1024

# the entries a run result may hold; anything else means the user put files there: refuse
RUN_ENTRIES = frozenset({MARKER_NAME, "events.jsonl", "events.jsonl.gz", "events.parquet", "summary.json", "scenario.json", "series", "report.md", "report.html", "plots"})
_REPORT_LEFTOVER = re.compile(r"^\.(report|plots|report\.md)\.(tmp|old)-\d+(-[0-9a-f]+)?$")
# the entries a sweep folder may hold (simulator.sweep.store's layout), and in its chunks/ folder
SWEEP_ENTRIES = frozenset({MARKER_NAME, "manifest.json", "spec.json", "base_scenario.json", "chunks", "results.parquet"})
_SWEEP_TEMP = re.compile(r"^\.(manifest\.json|spec\.json|base_scenario\.json|results\.parquet|neuromod-sim-result\.json)\.tmp-\d+-[0-9a-f]+$")
_CHUNK_ENTRY = re.compile(r"^(chunk-\d{5,}\.parquet|\.chunk-\d{5,}\.parquet\.tmp-\d+-[0-9a-f]+)$")

# errors the user can act on: they are input errors (exit 2), not bugs
USER_ERRNOS = frozenset(
    getattr(errno, name)
    for name in (
        "ENOSPC", "EDQUOT", "EACCES", "EPERM", "EROFS", "ENOENT", "ENOTDIR", "EISDIR", "EEXIST",
        "ENAMETOOLONG", "EFBIG", "EMLINK", "ENOTEMPTY", "EXDEV", "EBUSY", "ELOOP", "EIO",
    )
    if hasattr(errno, name)
)

Notify = Callable[[str], None]


class InterruptedAfterWrite(KeyboardInterrupt):
    """Ctrl-C came after the new result was in place (while the replaced one was being removed)."""


def _stderr(message: str) -> None:
    print(f"neuromod-sim: {message}", file=sys.stderr)


def is_user_os_error(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in USER_ERRNOS


def os_input_error(exc: OSError, path: str | Path, option: str = "(file)") -> InputError:
    """An InputError naming `path` for an OSError the user can act on."""
    reason = exc.strerror or str(exc)
    where = exc.filename if exc.filename and str(exc.filename) != str(path) else None
    text = f"cannot write: {reason}" + (f" ({where})" if where else "")
    return InputError(Issue(option, text, str(path)))


def _temp_name(stem: str, tag: str = "tmp") -> str:
    return f".{stem}.{tag}-{os.getpid()}-{secrets.token_hex(3)}"


def _leftover_pattern(stem: str) -> re.Pattern[str]:
    return re.compile(rf"^\.{re.escape(stem)}\.(tmp|old)-(\d+)(?:-[0-9a-f]{{6}})?$")


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


# ----- interrupts -----
class Terminated(KeyboardInterrupt):
    """SIGTERM (`kill`, `timeout`, a batch system ending the job) taken as an interrupt while a
    result is written (`sigterm_as_interrupt`): the write is undone, or finished, as on Ctrl-C."""


def _raise_terminated(signum, frame) -> None:
    raise Terminated("terminated (SIGTERM)")


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises `Terminated` (a KeyboardInterrupt) instead of ending the
    process on the spot: temporary files are removed and the caller says what was kept. Only in
    the main thread, and not where SIGTERM is ignored (nohup-like callers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    try:
        previous = signal.getsignal(signal.SIGTERM)
        if previous in (signal.SIG_IGN, None) or previous is _raise_terminated:
            yield
            return
        signal.signal(signal.SIGTERM, _raise_terminated)
    except ValueError:  # not the main interpreter
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


_DEFERRED = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def deferred_interrupt() -> Iterator[None]:
    """Hold back Ctrl-C (SIGINT) and SIGTERM for the few renames that commit a result; each
    acts after them (as its handler then in place says)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous: dict[int, Any] = {}
    try:
        for signum in _DEFERRED:
            previous[signum] = signal.signal(signum, lambda got, frame: caught.append(got))
    except ValueError:  # not the main interpreter
        for held, handler in previous.items():
            signal.signal(held, handler)
        yield
        return
    try:
        yield
    finally:
        for held, handler in previous.items():
            signal.signal(held, handler)
        for got in dict.fromkeys(caught):
            handler = previous[got]
            if handler is signal.default_int_handler:
                raise KeyboardInterrupt
            if callable(handler):
                handler(got, None)
            elif handler == signal.SIG_DFL:
                os.kill(os.getpid(), got)


# ----- files -----
def write_bytes_atomic(path: str | Path, data: bytes, option: str = "(file)", fsync: bool = True, make_parent: bool = False) -> Path:
    """Write `data` to `path` through a temporary file beside it, renamed into place.

    The file gets the mode the umask allows (or the mode of the file it replaces). Leftover
    temporaries of this same file from killed processes are removed first. An OSError the
    user can act on becomes an InputError naming `path` (`option` names the input).
    `make_parent`: create missing folders above `path` (else their absence is an InputError)."""
    path = Path(path)
    parent = path.parent
    tmp = parent / _temp_name(path.name)
    if not make_parent and not parent.is_dir():
        raise InputError(Issue(option, "the folder does not exist", str(parent)), str(path) if option == "(file)" else None)
    try:
        if make_parent:
            parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_temp_files(path)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                if fsync:
                    f.flush()
                    os.fsync(f.fileno())
            with contextlib.suppress(FileNotFoundError):
                os.chmod(tmp, os.stat(path).st_mode & 0o7777)  # keep the replaced file's mode
            with deferred_interrupt():
                os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError as exc:
        if is_user_os_error(exc):
            raise os_input_error(exc, path, option) from None
        raise
    return path


def write_text_atomic(path: str | Path, text: str, option: str = "(file)", make_parent: bool = False) -> Path:
    """`write_bytes_atomic` of UTF-8 text."""
    return write_bytes_atomic(path, text.encode("utf-8"), option, make_parent=make_parent)


def _remove_stale_temp_files(path: Path) -> None:
    pattern = _leftover_pattern(path.name)
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return
    for entry in entries:
        m = pattern.match(entry.name)
        if m and m.group(1) == "tmp" and entry.is_file(follow_symlinks=False) and not _pid_alive(int(m.group(2))):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)


# ----- the marker -----
def marker_doc(kind: str, state: str) -> dict[str, Any]:
    from simulator import __version__

    return {
        "written_by": WRITTEN_BY,
        "kind": kind,
        "state": state,
        "version": __version__,
        "about": "This folder was written by neuromod-sim. The program replaces it (and only such folders) when told to write here again.",
    }


def write_marker(folder: Path, kind: str, state: str) -> None:
    write_bytes_atomic(Path(folder) / MARKER_NAME, (json.dumps(marker_doc(kind, state), indent=2) + "\n").encode())


def read_marker(folder: str | Path) -> dict[str, Any] | None:
    """The marker of `folder` if it is neuromod-sim's, else None."""
    path = Path(folder) / MARKER_NAME
    try:
        if not path.is_file() or path.stat().st_size > MARKER_MAX_BYTES:
            return None
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if isinstance(doc, dict) and doc.get("written_by") == WRITTEN_BY:
        return doc
    return None


def is_result_folder(folder: str | Path) -> bool:
    return read_marker(folder) is not None


def remove_result_tree(folder: Path) -> None:
    """Remove a folder that carries our marker; the marker goes last (a cut-short removal resumes)."""
    doc = read_marker(folder)
    if doc is None:
        raise RuntimeError(f"refusing to remove {folder}: it has no neuromod-sim marker")
    if doc.get("state") != "removing":
        with contextlib.suppress(OSError, InputError):
            write_marker(folder, str(doc.get("kind", "run")), "removing")
    for entry in os.scandir(folder):
        if entry.name == MARKER_NAME:
            continue
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path)
        else:
            os.unlink(entry.path)
    os.unlink(Path(folder) / MARKER_NAME)
    os.rmdir(folder)


# ----- result folders -----
def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False if not available here."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(str(a)), at_fdcwd, os.fsencode(str(b)), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, getattr(errno, "EOPNOTSUPP", errno.EINVAL)):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _foreign_entries(folder: Path, kind: str) -> list[str]:
    """Entries of a marked folder that its kind never writes: for a run result, anything but
    `RUN_ENTRIES` and, in series/ and plots/, anything a run or a report does not write
    (`_foreign_inside`); for a sweep, anything but `SWEEP_ENTRIES` and, in its `chunks/` folder,
    anything but chunk files (`chunks/NAME`). Temporary files of an interrupted write are ours;
    a symbolic link never is (the program makes none): following it could write or delete
    elsewhere, removing it would delete the user's link."""
    links = sorted(e.name for e in os.scandir(folder) if e.is_symlink())
    if kind == "run":
        top = sorted({e for e in os.listdir(folder) if e not in RUN_ENTRIES and not _REPORT_LEFTOVER.match(e)} | set(links))
        return top + _foreign_inside(Path(folder) / "series", _series_names(Path(folder) / "series")) + _foreign_inside(Path(folder) / "plots", None)
    if kind != "sweep":
        return links
    foreign = [e for e in os.listdir(folder) if (e not in SWEEP_ENTRIES and not _SWEEP_TEMP.match(e)) or e in links]
    chunks = Path(folder) / "chunks"
    if chunks.is_dir() and not chunks.is_symlink():
        foreign += [f"chunks/{e}" for e in os.listdir(chunks) if not _CHUNK_ENTRY.match(e)]
    return sorted(foreign)


def _looks_like_old_sweep(folder: Path) -> bool:
    """True for a sweep folder written before sweep folders carried the marker: a manifest.json
    naming a resume key or format version, and nothing a sweep does not write."""
    try:
        doc = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return False
    if not isinstance(doc, dict) or not ({"resume_key", "spec_hash"} & set(doc)):
        return False
    return not _foreign_entries(folder, "sweep")


#: largest series/index.json read to tell a run's series files from the user's (bytes)
_INDEX_MAX_BYTES = 64 * 1024 * 1024


def _series_names(series: Path) -> set[str]:
    """The names a run wrote into `series`: index.json and the files it lists (none when the
    index is missing or unreadable, so that nothing there is taken for the run's)."""
    try:
        if not series.is_dir() or series.is_symlink() or (series / "index.json").stat().st_size > _INDEX_MAX_BYTES:
            return set()
        index = json.loads((series / "index.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return set()
    return {"index.json", *index} if isinstance(index, dict) else set()


def _foreign_inside(sub: Path, allowed: set[str] | None) -> list[str]:
    """Entries of a result's subfolder `sub` (series/ or plots/) that a run or a report never
    writes, as 'sub/name': anything but a regular file named in `allowed` (None: any .png)."""
    if not sub.is_dir() or sub.is_symlink():
        return []
    try:
        entries = list(os.scandir(sub))
    except OSError:
        return [f"{sub.name}/"]
    return sorted(
        f"{sub.name}/{e.name}"
        for e in entries
        if not e.is_file(follow_symlinks=False) or not (e.name in allowed if allowed is not None else e.name.endswith(".png"))
    )


def _listed(folder: Path, option: str) -> list[str]:
    """The entries of an existing folder given as `option`; InputError when it cannot be read."""
    try:
        return os.listdir(folder)
    except OSError as exc:
        raise InputError(Issue(option, f"cannot read the folder: {exc.strerror}", str(folder))) from None


def _not_ours(folder: Path, entries: list[str], what: str, option: str) -> InputError:
    """The refusal of an existing folder of the user's (no marker), which is left untouched;
    `what`: 'a result' or 'a sweep'."""
    shown = ", ".join(sorted(entries)[:4]) + (", ..." if len(entries) > 4 else "")
    return InputError(
        Issue(
            option,
            f"the folder exists and is not {what} of neuromod-sim (no {MARKER_NAME}; it holds {shown}); it is left untouched: give a new or empty folder",
            str(folder),
        )
    )


def resolve_destination(dest: str | Path, option: str = "--out") -> Path:
    """The absolute destination folder; refuses `.`, the current folder's ancestors and `/`."""
    raw = str(dest)
    if not raw.strip():
        raise InputError(Issue(option, "give a folder name", raw))
    path = Path(os.path.abspath(raw))
    if path.is_symlink():
        path = path.resolve()
    if path.parent == path:
        raise InputError(Issue(option, "is the top of the file system; give a new folder for the results", raw))
    cwd = Path(os.path.abspath(os.getcwd()))
    if path == cwd or path in cwd.parents:
        raise InputError(Issue(option, "is the current folder (or holds it); give a new folder for the results, e.g. --out results", raw))
    return path


def check_replaceable(dest: Path, kind: str = "run", option: str = "--out") -> str:
    """'new', 'empty' or 'result' for a folder we may write to; InputError for any other folder."""
    if not os.path.lexists(dest):
        return "new"
    if not dest.is_dir():
        raise InputError(Issue(option, "exists and is not a folder; give a new folder for the results", str(dest)))
    entries = _listed(dest, option)
    if not entries:
        return "empty"
    doc = read_marker(dest)
    if doc is None:
        raise _not_ours(dest, entries, "a result", option)
    foreign = _foreign_entries(dest, str(doc.get("kind", kind)))  # by what the folder is, not what replaces it
    if foreign:
        shown = ", ".join(foreign[:4]) + (", ..." if len(foreign) > 4 else "")
        raise InputError(
            Issue(option, f"the earlier result there also holds files neuromod-sim did not write ({shown}); it is left untouched: move them, or give another folder", str(dest))
        )
    return "result"


def recover_leftovers(dest: str | Path, notify: Notify | None = _stderr) -> list[str]:
    """Repair what interrupted writes of `dest` left beside it; returns (and reports) what was done.

    - `dest` missing and a complete earlier result `.NAME.old-*` there: it is renamed back;
      failing that, a complete new result `.NAME.tmp-*` is put in place.
    - every other `.NAME.tmp-*` / `.NAME.old-*` folder with our marker is removed;
      one without it (e.g. from an older version) is never removed: it is reported.
    Folders of a process that is still running are left alone."""
    dest = Path(dest)
    pattern = _leftover_pattern(dest.name)
    try:
        entries = sorted(os.scandir(dest.parent), key=lambda e: e.name)
    except OSError:
        return []
    found = []
    for entry in entries:
        m = pattern.match(entry.name)
        if m and entry.is_dir(follow_symlinks=False) and not _pid_alive(int(m.group(2))):
            found.append((m.group(1), Path(entry.path)))
    said: list[str] = []

    def say(text: str) -> None:
        said.append(text)
        if notify is not None:
            notify(text)

    if found and not os.path.lexists(dest):
        def looks_complete(kind: str, path: Path) -> bool:
            doc = read_marker(path)
            if doc is not None:
                return doc.get("state") == "complete"
            # an older version's `.NAME.old-PID` had no marker: it was a whole result
            return kind == "old" and (path / "summary.json").is_file() and (path / "events.jsonl").is_file()

        for wanted in ("old", "tmp"):
            picks = [p for k, p in found if k == wanted and looks_complete(k, p)]
            if picks:
                pick = max(picks, key=lambda p: p.stat().st_mtime)
                try:
                    os.rename(pick, dest)
                except OSError as exc:
                    say(f"could not put {pick.name} back as {dest} ({exc.strerror})")
                    break
                what = "the earlier result" if wanted == "old" else "the complete result of an interrupted run"
                say(f"restored {what} to {dest} from {pick.name} (a run was interrupted while replacing it)")
                found = [(k, p) for k, p in found if p != pick]
                break
    for _kind, path in found:
        if read_marker(path) is None and _only_marker_being_written(path):
            _remove_unmarked_start(path)
            say(f"removed {path.name}, left over by a run interrupted as it started writing")
            continue
        if read_marker(path) is None:
            say(f"left {path} as it is: an interrupted write left it, but it has no {MARKER_NAME}; look inside and remove it yourself")
            continue
        try:
            remove_result_tree(path)
        except OSError as exc:
            say(f"could not remove the leftover {path} ({exc.strerror})")
            continue
        say(f"removed {path.name}, left over by an interrupted run")
    return said


def prepare_destination(dest: str | Path, kind: str = "run", option: str = "--out", notify: Notify | None = _stderr) -> tuple[Path, str]:
    """Resolve `dest`, repair leftovers beside it, and check it may be written: (path, state)."""
    path = resolve_destination(dest, option)
    recover_leftovers(path, notify)
    return path, check_replaceable(path, kind, option)


@contextlib.contextmanager
def atomic_result_dir(dest: str | Path, kind: str = "run", option: str = "--out", notify: Notify | None = _stderr) -> Iterator[Path]:
    """Yield a new temporary folder; when the block ends normally it becomes `dest`.

    `dest` must be new, empty or a previous result (the marker rule); it is checked before
    anything is written. On an error or Ctrl-C in the block, `dest` is left as it was and the
    temporary folder is removed. Ctrl-C during the final renames waits until they are done."""
    path, _state = prepare_destination(dest, kind, option, notify)
    parent = path.parent
    tmp = parent / _temp_name(path.name)
    try:
        parent.mkdir(parents=True, exist_ok=True)
        os.mkdir(tmp, 0o777)
    except OSError as exc:
        if is_user_os_error(exc):
            raise os_input_error(exc, path, option) from None
        raise
    try:
        with sigterm_as_interrupt():
            write_marker(tmp, kind, "writing")
            yield tmp
            write_marker(tmp, kind, "complete")
            with deferred_interrupt():
                replaced = _commit(tmp, path, kind, option)
    except BaseException as exc:
        _discard(tmp)
        if isinstance(exc, OSError) and is_user_os_error(exc):
            raise os_input_error(exc, path, option) from None
        raise
    if replaced is not None:
        try:
            remove_result_tree(replaced)
        except KeyboardInterrupt:  # the marked leftover is removed by the next run
            raise InterruptedAfterWrite(str(path)) from None
        except OSError as exc:  # the new result is in place; the next run finishes the removal
            if notify is not None:
                notify(f"could not remove the replaced result {replaced} ({exc.strerror}); the next run will")


def prepare_sweep_folder(out: str | Path, fresh: bool, option: str = "--out") -> Path:
    """Make a sweep's folder ready: with `fresh`, an earlier result there is removed first.

    `fresh` removes the folder only by the marker rule (empty, or it carries the marker);
    any other folder is refused with an InputError and left untouched. A folder made here
    gets the marker (kind `sweep`). An existing one is used as it is (resumed) only if it is
    empty or a sweep folder (marked, or an older sweep's without the marker) holding nothing a
    sweep does not write; any other folder (a user's, a run result) is refused and left untouched."""
    path = Path(out)
    if fresh and os.path.lexists(path):
        path = resolve_destination(path, option)
        if check_replaceable(path, "sweep", option) == "result":
            try:
                remove_result_tree(path)
            except OSError as exc:
                if is_user_os_error(exc):
                    raise os_input_error(exc, path, option) from None
                raise
    if os.path.lexists(path) and not path.is_dir():
        raise InputError(Issue(option, "exists and is not a folder", str(path)))
    if not fresh and path.is_dir():
        _check_resumable_folder(path, option)
    try:
        path.mkdir(parents=True, exist_ok=True)
        if not os.listdir(path) or read_marker(path) is None:  # new, empty, or an older sweep's
            write_marker(path, "sweep", "resumable")
    except OSError as exc:
        if is_user_os_error(exc):
            raise os_input_error(exc, path, option) from None
        raise
    return path


def _check_resumable_folder(path: Path, option: str) -> None:
    """InputError unless the existing folder `path` may take a sweep's files (see
    `prepare_sweep_folder`): writing there must never overwrite a file the program did not write."""
    entries = _listed(path, option)
    if not entries:
        return
    doc = read_marker(path)
    if doc is None and not _looks_like_old_sweep(path):
        raise _not_ours(path, entries, "a sweep", option)
    if doc is not None and doc.get("kind", "sweep") != "sweep":
        raise InputError(
            Issue(option, f"the folder holds a {doc.get('kind')} result, not a sweep; give another folder, or --fresh to replace it", str(path))
        )
    foreign = _foreign_entries(path, "sweep")
    if foreign:
        shown = ", ".join(foreign[:4]) + (", ..." if len(foreign) > 4 else "")
        raise InputError(
            Issue(option, f"the sweep folder also holds files neuromod-sim did not write ({shown}); it is left untouched: move them, or give another folder", str(path))
        )


def _only_marker_being_written(folder: Path) -> bool:
    """True when `folder` holds nothing, or only temporary files of our marker: a process
    killed between creating its temporary folder and writing the marker leaves exactly that."""
    prefix = f".{MARKER_NAME}.tmp-"
    try:
        return all(entry.name.startswith(prefix) and entry.is_file(follow_symlinks=False) for entry in os.scandir(folder))
    except OSError:
        return False


def _remove_unmarked_start(folder: Path) -> None:
    """Remove a folder that `_only_marker_being_written` accepted (files first, then the folder)."""
    for entry in os.scandir(folder):
        os.unlink(entry.path)
    os.rmdir(folder)


def make_temp_dir(parent: Path, stem: str, kind: str, option: str = "(folder)") -> Path:
    """A new temporary folder `.STEM.tmp-PID-XXXXXX` in `parent`, carrying the marker (state
    `writing`), so that `recover_leftovers(parent / stem)` may remove it if the process dies."""
    tmp = Path(parent) / _temp_name(stem)
    try:
        os.mkdir(tmp, 0o777)
        write_marker(tmp, kind, "writing")
    except OSError as exc:
        _discard(tmp)
        if is_user_os_error(exc):
            raise os_input_error(exc, parent, option) from None
        raise
    except BaseException:
        _discard(tmp)
        raise
    return tmp


def replace_dir(new: Path, dest: Path, spare: Path) -> None:
    """Put folder `new` in the place of folder `dest` (which may not exist); the old one ends
    at `spare` (swapped in one step where the system can). Call inside `deferred_interrupt`."""
    if not os.path.lexists(dest):
        os.rename(new, dest)
        return
    if _exchange(new, dest):
        os.rename(new, spare)
        return
    os.rename(dest, spare)
    try:
        os.rename(new, dest)
    except BaseException:
        os.rename(spare, dest)
        raise


def _discard(tmp: Path) -> None:
    """Remove our temporary folder after a failure (it never holds the only copy of a result)."""
    if os.path.lexists(tmp):
        shutil.rmtree(tmp, ignore_errors=True)


def _commit(tmp: Path, dest: Path, kind: str, option: str) -> Path | None:
    """Put `tmp` in the place of `dest`; returns the folder now holding the replaced result."""
    state = check_replaceable(dest, kind, option)  # again: the folder may have changed meanwhile
    if state in ("new", "empty"):
        os.rename(tmp, dest)  # over an empty folder, rename is atomic too
        return None
    if _exchange(tmp, dest):
        return tmp  # dest holds the new result now, tmp the old one
    old = dest.parent / _temp_name(dest.name, "old")
    os.rename(dest, old)
    try:
        os.rename(tmp, dest)
    except BaseException:
        os.rename(old, dest)
        raise
    return old
