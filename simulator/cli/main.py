"""The `neuromod-sim` command (also `python -m simulator`).

Each sub-command lives in its own module `simulator.cli.cmd_<name>` with `add_parser(subparsers,
parents)` and `run(args) -> int`. Command modules import heavy libraries (Qt, pandas, Dask,
matplotlib) inside `run`, so that `neuromod-sim --help` starts fast.

Exit codes: 0 ok, 2 invalid input (the message names the file, field, value and what is
allowed) or a missing optional extra (the message gives the install command), 1 internal error, 130 interrupted.
"""
from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = ["run", "validate", "profiles", "schema", "gui", "sweep", "report", "exercise", "demo"]

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


class Interrupted(KeyboardInterrupt):
    """Ctrl-C, with a message that says truly what was and was not written."""


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on usage errors already; keep its message but name the command."""


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of the command line; with `only` (a name in COMMANDS), of that command alone
    (the same parser for its arguments, messages and help; the others' modules not imported)."""
    from simulator import __version__

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--profiles",
        action="append",
        metavar="DIR",
        default=[],
        help="extra folder of profile YAML files (repeatable; also NEUROMOD_PROFILES)",
    )
    parser = _Parser(
        prog="neuromod-sim",
        description="Simulate spinal cord stimulators and intrathecal drug pumps. For training and engineering only; not medical advice.",
    )
    parser.add_argument("--version", action="version", version=f"neuromod-sim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS if only is None else [only]:
        try:
            module = importlib.import_module(f"simulator.cli.cmd_{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"simulator.cli.cmd_{name}":
                continue  # command not built yet
            raise
        module.add_parser(sub, [common])
    return parser


def _missing_extra(command: str, exc: ImportError) -> int:
    """Print what a missing optional extra is and how to install it; exit 2 (no traceback)."""
    print(f"neuromod-sim {command}: {exc}", file=sys.stderr)
    return EXIT_INPUT


#: commands run with the cyclic garbage collector paused, and after which the process that ran
#: them from its command line ends at once (see `main` and `_end_process_now`)
_QUICK_COMMANDS = frozenset({"run"})


def main(argv: list[str] | None = None) -> int:
    """Run the command in `argv` (default: the process's command line) and return its exit code.

    `run` is run with the cyclic garbage collector paused: its loading, running and writing
    pause it already; what is left, the imports (numpy, pydantic, the device models) and the
    profile registry, makes ~100 passes over young objects that are not garbage (20-40 ms).
    Called with no `argv`, as the `neuromod-sim` script and `python -m simulator` do, a `run`
    that ended normally (exit 0 or 2) ends the process here, without the interpreter's teardown."""
    words = sys.argv[1:] if argv is None else argv
    parser = build_parser(words[0] if words and words[0] in COMMANDS else None)
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_OK
    if args.command not in _QUICK_COMMANDS:
        return _dispatch(args)
    from simulator.collector import collector_paused

    with collector_paused():
        code = _dispatch(args)
        if argv is None and code in (EXIT_OK, EXIT_INPUT):
            _end_process_now(code)  # with the collector still paused: no pass over the whole heap
    return code


def _end_process_now(code: int) -> None:
    """End the process with exit status `code` without the interpreter's teardown.

    At the end of a long run the heap holds the whole simulation, its events and series in
    reference cycles; the normal exit collects and frees all of it (0.1-0.2 s for ten years)
    only to hand the memory back to the system. Here the exit does what the normal one does
    that anybody could notice - wait for no thread (returns if any other thread is alive, so
    the normal exit waits for it), run every `atexit` function (ours and the libraries',
    among them `weakref.finalize` clean-ups such as temporary folders), flush stdout and
    stderr - and then stops. If a flush fails (a closed pipe) it returns and the normal exit
    reports it as usual."""
    import atexit
    import os
    import threading

    if threading.active_count() > 1:
        return
    atexit._run_exitfuncs()
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):
        return
    os._exit(code)


def _dispatch(args: argparse.Namespace) -> int:
    """Call the handler of the parsed command; turn the errors a user can act on into messages
    and exit codes (see the module docstring)."""
    from simulator.errors import InputError
    from simulator.extras import MissingExtra, from_import_error

    try:
        return int(args.handler(args) or 0)
    except InputError as exc:
        print(f"neuromod-sim {args.command}: invalid input:", file=sys.stderr)
        for issue in exc.issues:
            print(f"  {issue}", file=sys.stderr)
        return EXIT_INPUT
    except Interrupted as exc:
        print(f"\n{exc}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except MissingExtra as exc:
        return _missing_extra(args.command, exc)
    except ModuleNotFoundError as exc:  # an extra's module imported deep inside a command
        extra = from_import_error(exc, f"`neuromod-sim {args.command}`")
        return _internal_error() if extra is None else _missing_extra(args.command, extra)
    except KeyboardInterrupt:
        print("\ninterrupted; nothing was written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except OSError as exc:
        from simulator.atomic import is_user_os_error

        if not is_user_os_error(exc):
            return _internal_error()
        # disk full, no permission, read-only...: the user's to fix, not a bug
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"neuromod-sim {args.command}: cannot read or write a file{where}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_INPUT
    except Exception as exc:
        if _caused_by_ctrl_c(exc):  # Ctrl-C that a library wrapped in its own error (pydantic's serializer calling our code)
            print("\ninterrupted; nothing was written", file=sys.stderr)
            return EXIT_INTERRUPTED
        return _internal_error()  # an internal error: show it, exit 1


def _caused_by_ctrl_c(exc: BaseException) -> bool:
    """Whether a KeyboardInterrupt is among the causes and contexts of `exc` (each link once)."""
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        if isinstance(link, KeyboardInterrupt):
            return True
        seen.add(id(link))
        link = link.__cause__ or link.__context__
    return False


def _internal_error() -> int:
    """Show the exception being handled (a bug) and exit 1."""
    import traceback

    traceback.print_exc()
    print("neuromod-sim: internal error (a bug: please report it with the scenario file)", file=sys.stderr)
    return EXIT_INTERNAL


def registry_from_args(args):
    """The profile registry for a command: bundled, NEUROMOD_PROFILES, then --profiles folders."""
    from simulator.profiles.registry import ProfileRegistry, default_registry

    registry = ProfileRegistry(args.profiles) if getattr(args, "profiles", None) else default_registry()
    if not getattr(registry, "_overrides_told", False):
        from simulator.errors import printable

        for note in registry.override_notes():
            print(f"neuromod-sim: note: {printable(note)}", file=sys.stderr)
        registry._overrides_told = True
    return registry


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
