"""Put a report together: read the folder, draw the plots, write report.md, all atomically.

Files are made in a temporary folder inside DIR (`.report.tmp-PID-XXXXXX`, with the marker of
`simulator.atomic`), then renamed into place: `DIR/plots/` (the whole folder swapped) and
`DIR/report.md` and `DIR/report.html`, with Ctrl-C held back during those renames. An error or an interrupt before
them leaves DIR's older report as it was and writes nothing; a temporary folder left by a
killed process is removed by the next report. An existing `DIR/plots/` is replaced only if it
holds nothing but .png files (what a report writes); otherwise the report is refused. In a folder
without the marker of a run result (`neuromod-sim-result.json`: a folder put together by hand, or
written before results carried it) an existing report.md, report.html or plots/ may be the user's:
the report is then refused and nothing there is touched.
"""
from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def find_drug_ids(value: Any) -> list[str]:
    """Every 'drug/...' profile id inside a device's settings (a bare name under a `drug` key counts)."""
    if isinstance(value, str):
        return [value] if value.startswith("drug/") else []
    if isinstance(value, dict):
        found = []
        for k, v in value.items():
            if k == "drug" and isinstance(v, str) and "/" not in v:
                v = f"drug/{v}"
            found.extend(find_drug_ids(v))
        return found
    if isinstance(value, list):
        return [d for v in value for d in find_drug_ids(v)]
    return []


def drug_limits(scenario_json: dict, registry=None) -> dict[str, tuple[float | None, str]]:
    """device id -> (maximum daily dose in the drug's unit or None, drug name), from the profiles."""
    from simulator.errors import InputError

    out: dict[str, tuple[float | None, str]] = {}
    for dev in scenario_json.get("devices", []):
        ids = find_drug_ids(dev.get("settings", {}))
        if not ids:
            continue
        try:
            if registry is None:
                from simulator.profiles.registry import default_registry

                registry = default_registry()
            drug = registry.get(ids[0])
        except (InputError, KeyError, ImportError) as exc:
            log.warning("no daily limit for %s: %s", dev.get("id"), exc)
            out[dev.get("id")] = (None, ids[0].split("/", 1)[1])
            continue
        limit = getattr(drug, "max_daily_dose", None)
        limit = limit() if callable(limit) else limit
        out[dev.get("id")] = (limit, getattr(drug, "drug_name", "") or drug.name)
    return out


def waveform_figures(results, registry=None) -> tuple[list[tuple[str, str, Any]], list[str]]:
    """(file stem, title, figure) per stimulator program, and notes on what could not be drawn."""
    from simulator.report.waveforms import snapshots

    figures: list[tuple[str, str, Any]] = []
    notes: list[str] = []
    try:
        shots = snapshots(results, registry)
    except Exception as exc:  # a snapshot is a nicety: never lose the rest of the report for it
        log.warning("waveform snapshots skipped", exc_info=True)
        return [], [f"waveform snapshots skipped: {exc}"]
    from simulator.report.plots import waveform

    for shot in shots:
        stem = "waveform_" + "".join(c if c.isalnum() or c in "-_" else "_" for c in f"{shot['device']}_{shot['program']}")
        figures.append((stem, f"Waveform: {shot['device']} program {shot['program']}", waveform(shot)))
    return figures, notes


def cut_to_window(fig, scope, end_t_s: float) -> None:
    """Limit the time axes (in days) of a report figure to the scope's window."""
    from simulator.report.plots import DAY_S

    if scope is None or (scope.start_s == 0.0 and scope.end_s is None):
        return
    end = end_t_s if scope.end_s is None else min(scope.end_s, end_t_s)
    for ax in fig.axes:
        if "day" in ax.get_xlabel():
            ax.set_xlim(scope.start_s / DAY_S, end / DAY_S)


def write_report(root: Path, registry=None, scope=None, window: str | None = None, devices: str | None = None) -> list[Path]:
    """Write report.md, report.html and plots/ into `root` for a `scope` (a ReportScope), or for
    the `window` ('0d..7d') and `devices` ('pump,scs') texts of the CLI; the whole run by default."""
    from simulator.report import plots
    from simulator.report.files import read_results
    from simulator.report.scope import restrict, scope_from_args

    full = read_results(root)
    if scope is None:
        known = [d.get("id") for d in full.scenario_json.get("devices", []) if d.get("id")] or sorted(full.summary.get("devices", {}))
        scope = scope_from_args(window, devices, known, full.end_t_s)
    # plots: the scope's devices; all their events (alarms raised before the window still show)
    results = full if scope.devices is None else restrict(full, type(scope)(devices=scope.devices))
    limits = drug_limits(results.scenario_json, registry)
    figures: list[tuple[str, str, Any]] = []
    for stem, title, make in [
        ("reservoir", "Reservoir volume", lambda: plots.reservoir(results)),
        ("delivery_rate", "Delivery rate", lambda: plots.delivery_rate(results)),
        ("daily_dose", "Daily dose against the daily limit", lambda: plots.daily_dose(results, limits)),
        ("battery", "Battery", lambda: plots.battery(results)),
        ("stimulation", "Stimulation amplitude", lambda: plots.stimulation(results)),
        ("alarms", "Alarm timeline", lambda: plots.alarm_timeline(results)),
    ]:
        fig = make()
        if fig is not None:
            cut_to_window(fig, scope, full.end_t_s)
            figures.append((stem, title, fig))
    waves, notes = waveform_figures(results, registry)
    figures.extend(waves)

    return _write_report_files(Path(root), figures, notes, full, limits, scope)


#: what a report writes into a results folder (and replaces there)
REPORT_ENTRIES = ("report.md", "report.html", "plots")


def _check_report_replaceable(root: Path) -> None:
    """InputError unless writing a report into `root` replaces only what a report wrote: in a folder
    without a run result's marker, no report.md, report.html or plots/ may be there yet; in any
    folder, plots/ may hold nothing but .png files."""
    from simulator.atomic import MARKER_NAME, read_marker
    from simulator.errors import InputError, Issue

    marker = read_marker(root)
    if marker is None or marker.get("kind") != "run":
        present = [name for name in REPORT_ENTRIES if os.path.lexists(root / name)]
        if present:
            raise InputError(Issue(
                "(folder)",
                f"holds {', '.join(present)} but not the {MARKER_NAME} of a result written by `neuromod-sim run`, so they may not be "
                "neuromod-sim's and a report would replace them; the folder is left untouched: move them away, or report on a folder written by `run`",
                str(root),
            ))
    plots = root / "plots"
    if not os.path.lexists(plots):
        return
    if not plots.is_dir() or plots.is_symlink():
        raise InputError(Issue("(folder)", "plots exists and is not a folder of plots; move it away to make a report", str(plots)))
    foreign = sorted(e.name for e in os.scandir(plots) if not (e.name.endswith(".png") and e.is_file(follow_symlinks=False)))
    if foreign:
        raise InputError(Issue("(folder)", f"plots/ holds files a report did not write ({', '.join(foreign[:4])}); it is left untouched: move them to make a report", str(plots)))


def _write_report_files(root: Path, figures, notes, full, limits, scope) -> list[Path]:
    """Write the figures, report.md and report.html of `full` (the run's results, all devices)
    for `scope` into `root`, atomically (see the module's docstring)."""
    from simulator.atomic import InterruptedAfterWrite, deferred_interrupt, is_user_os_error, make_temp_dir, os_input_error, recover_leftovers, replace_dir
    from simulator.report.html import markdown_to_html
    from simulator.report.markdown import render

    recover_leftovers(root / "report")  # temporaries of a killed report
    _check_report_replaceable(root)
    tmp = make_temp_dir(root, "report", "report")
    committed = False
    try:
        (tmp / "plots").mkdir()
        written = []
        for stem, title, fig in figures:
            fig.savefig(tmp / "plots" / f"{stem}.png")
            written.append((title, f"plots/{stem}.png"))
        text = render(full, written, limits, scope)
        if notes:
            text += "\n" + "\n".join(f"> Note: {n}" for n in notes) + "\n"
        (tmp / "report.md").write_text(text, encoding="utf-8")
        (tmp / "report.html").write_text(markdown_to_html(text, tmp, f"Run report: {full.scenario_name}"), encoding="utf-8")
        with deferred_interrupt():
            replace_dir(tmp / "plots", root / "plots", tmp / "plots.old")
            os.replace(tmp / "report.md", root / "report.md")
            os.replace(tmp / "report.html", root / "report.html")
        committed = True
    except OSError as exc:
        if is_user_os_error(exc):
            raise os_input_error(exc, root, "(folder)") from None
        raise
    finally:
        try:
            shutil.rmtree(tmp, ignore_errors=True)
        except KeyboardInterrupt:  # the marked temporary is removed by the next report
            if committed:
                raise InterruptedAfterWrite(str(root)) from None
            raise
    return [root / "report.md", root / "report.html", *(root / rel for _, rel in written)]
