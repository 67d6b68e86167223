"""report.md: the run's summary as Markdown tables, from a Results alone.

For teaching: every alarm, dose error, refusal and warning is listed with its time from the
start (days) and its calendar time; a scope (`--window`, `--devices`) narrows the report.
"""
from __future__ import annotations

from typing import Any

from simulator.event_kinds import K
from simulator.report.scope import ReportScope, calendar, duration_text, restrict
from simulator.units import SECONDS_PER_DAY, SECONDS_PER_HOUR, describe_elapsed

MAX_ROWS = 200


def fmt(value: Any) -> str:
    """How a figure is written in the report: floats to 6 significant digits."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _cell(value: Any) -> str:
    return fmt(value).replace("|", "\\|").replace("\n", " ")


def table(header: list[str], rows: list[list[Any]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for row in rows[:MAX_ROWS]:
        out.append("| " + " | ".join(_cell(v) for v in row) + " |")
    if len(rows) > MAX_ROWS:
        out.append(f"\n... and {len(rows) - MAX_ROWS} more rows (see events.jsonl)")
    return out


def scalar_rows(figures: dict[str, Any], prefix: str = "") -> list[list[Any]]:
    rows: list[list[Any]] = []
    for key, value in figures.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            rows.extend(scalar_rows(value, name))
        elif not isinstance(value, list):
            rows.append([name, value])
    return rows


def when(t_s: float) -> str:
    """Time from the scenario start, '1d 12:00:00'."""
    return describe_elapsed(t_s)


SEVERE = ("warning", "critical", "high")


def count(n: int, noun: str) -> str:
    """'1 refusal', '0 refusals'."""
    return f"{n} {noun}" + ("" if n == 1 else "s")


def figure_row(name: str, value: Any, start_iso: str) -> list[Any]:
    """A summary figure as a table row, with times and durations in days and calendar time:
    `*_t_s` (a moment) -> '190d 00:00:00 (2026-07-14 08:00)', `*_s` (a duration) -> days."""
    if name.endswith("_t_s"):
        label = name[: -len("_t_s")] + " (time)"
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            cal = calendar(start_iso, value)
            return [label, when(value) + (f" ({cal})" if cal else "")]
        return [label, "never" if value is None else value]
    if name.endswith("_s") and isinstance(value, (int, float)) and not isinstance(value, bool):
        return [name[: -len("_s")] + " (days)", f"{value / SECONDS_PER_DAY:.4g}"]
    return [name, value]


def dose_error_row(e, start_iso: str) -> list[Any]:
    """time | device | what | size | lasts | until | calendar, from a dose_error.* event."""
    p = e.payload
    what = e.kind.split(".", 1)[1].replace("_", " ") if "." in e.kind else e.kind
    if p.get("bridged"):
        return [when(e.t_s), e.device, what, "none (bridge bolus)", "-", "-", calendar(start_iso, e.t_s)]
    amount, pct, unit = p.get("error_amount"), p.get("error_pct"), p.get("unit", "")
    size = "?"
    if isinstance(amount, (int, float)):
        kind = "under-dose" if amount < 0 else "over-dose"
        size = f"{kind} {abs(amount):.4g} {unit}" + (f" ({pct:+.0f} %)" if isinstance(pct, (int, float)) else "")
    hours = p.get("flush_hours")
    lasts, until = "-", "-"
    if isinstance(hours, (int, float)):
        lasts = duration_text(hours * SECONDS_PER_HOUR)
        end_t = e.t_s + hours * SECONDS_PER_HOUR
        until = when(end_t) + (f" ({calendar(start_iso, end_t)})" if start_iso else "")
    return [when(e.t_s), e.device, what, size, lasts, until, calendar(start_iso, e.t_s)]


def warning_events(events) -> list:
    """Warnings: `warning` events and any other event (not an alarm, not a dose error, which have
    their own tables) whose payload severity is warning, high or critical."""
    out = []
    for e in events:
        if e.kind == K.WARNING:
            out.append(e)
        elif e.kind.startswith(("alarm.", "dose_error")):
            continue
        elif str(e.payload.get("severity", "")) in SEVERE:
            out.append(e)
    return out


def render(results, plots: list[tuple[str, str]], limits: dict[str, tuple[float | None, str]], scope: ReportScope | None = None) -> str:
    """The Markdown text of the whole run, or of `scope` (a time window and some devices).

    `plots`: (title, relative path) of each image written. Every alarm, dose error, refusal and
    warning of the scope is listed with its time from the start and its calendar time."""
    from simulator.report.plots import alarm_spans, daily_doses, signals_like

    scope = scope or ReportScope()
    s = results.summary
    start_iso = str(s.get("start") or results.start_iso or "")
    end_t = float(s.get("end_t_s") or results.end_t_s or 0.0)
    shown = restrict(results, scope)
    lines = [f"# Run report: {s.get('scenario', results.scenario_name)}", ""]
    lines += [
        "Simulated with neuromod-sim for training and engineering only; not medical advice.",
        "",
        *table(
            ["run", "value"],
            [
                ["seed", s.get("seed")],
                ["calendar start", start_iso or "(not given)"],
                ["duration (days)", f"{float(s['duration_s']) / SECONDS_PER_DAY:.4g}" if isinstance(s.get("duration_s"), (int, float)) else "?"],
                ["simulated to (d hh:mm:ss)", when(end_t)],
                ["simulated to (calendar)", calendar(start_iso, end_t) or "-"],
                ["completed", s.get("completed")],
                ["events", len(results.events)],
                ["this report covers", "the whole run" if scope.whole_run else scope.describe(end_t)],
            ],
        ),
        "",
    ]

    spans = [a for a in alarm_spans(restrict(results, ReportScope(devices=scope.devices)))
             if a["raised_t_s"] <= (end_t if scope.end_s is None else scope.end_s)
             and (a["cleared_t_s"] is None or a["cleared_t_s"] >= scope.start_s)]
    dose_errors = shown.events_where(kind="dose_error.*")
    refusals = shown.events_where(kind=K.REFUSAL)
    warnings = warning_events(shown.events)
    real_errors = [e for e in dose_errors if not e.payload.get("bridged")]
    lines += ["## At a glance", ""]
    avoided = len(dose_errors) - len(real_errors)
    lines += [
        f"- {count(len(spans), 'alarm episode')}, {sum(1 for a in spans if a['severity'] == 'critical')} critical",
        f"- {count(len(real_errors), 'dose error')}" + (f" ({avoided} avoided by a bridge bolus)" if avoided else ""),
        f"- {count(len(refusals), 'refusal')}",
        f"- {count(len(warnings), 'warning')}",
        "",
    ]

    lines += ["## Summary figures", ""]
    if not scope.whole_run:
        lines += ["(at the end of the run, whatever the window)", ""]
    scenario_devices = {d.get("id"): d for d in results.scenario_json.get("devices", [])}
    for dev, figures in s.get("devices", {}).items():
        if scope.devices is not None and dev not in scope.devices:
            continue
        profile = scenario_devices.get(dev, {}).get("profile", "")
        lines += [f"### {dev}" + (f" ({profile})" if profile else ""), ""]
        rows = [figure_row(name, value, start_iso) for name, value in scalar_rows(figures)]
        lines += table(["figure", "value"], rows) if rows else ["(no figures)"]
        lines.append("")

    dose_rows = []
    for dev in sorted({d for d, _ in shown.series}):
        for sig in signals_like(shown, dev, "cumulative_drug_"):
            unit = sig[len("cumulative_drug_") :]
            days, dose = daily_doses(results, dev, sig)
            inside = (days * SECONDS_PER_DAY >= scope.start_s) & (True if scope.end_s is None else days * SECONDS_PER_DAY < scope.end_s)
            dose = dose[inside] if len(dose) else dose
            if len(dose) == 0:
                continue
            limit, drug = limits.get(dev, (None, ""))
            over = int((dose > limit * (1 + 1e-9)).sum()) if limit is not None else 0
            dose_rows.append([dev, drug, unit, float(dose.max()), float(dose.mean()), limit if limit is not None else "no set limit", over])
    if dose_rows:
        lines += ["## Daily dose", ""]
        lines += table(["device", "drug", "unit", "highest day", "mean day", "daily limit", "days over limit"], dose_rows)
        lines.append("")

    lines += ["## Dose errors", ""]
    if dose_errors:
        lines += table(["time", "device", "error", "size", "lasts", "until", "calendar"], [dose_error_row(e, start_iso) for e in dose_errors])
        for e in real_errors:
            if e.payload.get("message"):
                lines += ["", f"- {when(e.t_s)} {e.device}: {e.payload['message']}"]
    else:
        lines.append("No dose errors.")
    lines.append("")

    lines += ["## Alarms", ""]
    if spans:
        rows = [
            [
                when(a["raised_t_s"]),
                a["device"],
                a["alarm"],
                a["severity"],
                when(a["acknowledged_t_s"]) if a["acknowledged_t_s"] is not None else "-",
                when(a["cleared_t_s"]) if a["cleared_t_s"] is not None else "still active",
                a["repeats"],
                calendar(start_iso, a["raised_t_s"]),
            ]
            for a in spans
        ]
        lines += table(["raised", "device", "alarm", "severity", "acknowledged", "cleared", "repeats", "raised (calendar)"], rows)
    else:
        lines.append("No alarms.")
    lines.append("")

    lines += ["## Refusals", ""]
    if refusals:
        lines += table(["time", "device", "action", "reason", "calendar"], [[when(e.t_s), e.device, e.payload.get("action", ""), e.payload.get("reason", ""), calendar(start_iso, e.t_s)] for e in refusals])
    else:
        lines.append("No refusals.")
    lines.append("")

    lines += ["## Warnings", ""]
    if warnings:
        lines += table(
            ["time", "device", "kind", "message", "calendar"],
            [[when(e.t_s), e.device, e.kind, e.payload.get("message", "") or e.payload.get("reason", ""), calendar(start_iso, e.t_s)] for e in warnings],
        )
    else:
        lines.append("No warnings" + (" other than the dose errors above." if real_errors else "."))
    lines.append("")

    overrides = results.events_where(kind=K.OVERRIDE)
    if overrides:  # warned drug-library limits the user confirmed
        lines += ["## Confirmed overrides", ""]
        lines += table(["time", "device", "action", "limit", "message"], [[when(e.t_s), e.device, e.payload.get("action", ""), e.payload.get("limit", ""), e.payload.get("message", "")] for e in overrides])
        lines.append("")

    counts = s.get("event_counts", {})
    if counts and scope.whole_run:
        lines += ["## Event counts", "", *table(["kind", "count"], [[k, v] for k, v in counts.items()]), ""]

    if plots:
        lines += ["## Plots", ""]
        if scope.end_s is not None or scope.start_s > 0:
            lines += ["(time axes cut to the window)", ""]
        for title, rel in plots:
            lines += [f"### {title}", "", f"![{title}]({rel})", ""]
    return "\n".join(lines).rstrip() + "\n"
