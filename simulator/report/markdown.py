"""report.md: the run's summary as Markdown tables, from a Results alone."""
from __future__ import annotations

from typing import Any

from simulator.event_kinds import K
from simulator.units import describe_elapsed

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
    return describe_elapsed(t_s)


def render(results, plots: list[tuple[str, str]], limits: dict[str, tuple[float | None, str]]) -> str:
    """The Markdown text. `plots`: (title, relative path) of each image written."""
    from simulator.report.plots import alarm_spans, daily_doses, signals_like

    s = results.summary
    lines = [f"# Run report: {s.get('scenario', results.scenario_name)}", ""]
    lines += [
        "Simulated with neuromod-sim for training and engineering only; not medical advice.",
        "",
        *table(
            ["run", "value"],
            [
                ["seed", s.get("seed")],
                ["calendar start", s.get("start")],
                ["duration (s)", s.get("duration_s")],
                ["simulated to (s)", s.get("end_t_s")],
                ["simulated to (d hh:mm:ss)", when(float(s.get("end_t_s") or 0.0))],
                ["completed", s.get("completed")],
                ["events", len(results.events)],
            ],
        ),
        "",
        "## Summary figures",
        "",
    ]
    scenario_devices = {d.get("id"): d for d in results.scenario_json.get("devices", [])}
    for dev, figures in s.get("devices", {}).items():
        profile = scenario_devices.get(dev, {}).get("profile", "")
        lines += [f"### {dev}" + (f" ({profile})" if profile else ""), ""]
        rows = scalar_rows(figures)
        lines += table(["figure", "value"], rows) if rows else ["(no figures)"]
        lines.append("")

    dose_rows = []
    for dev in sorted({d for d, _ in results.series}):
        for sig in signals_like(results, dev, "cumulative_drug_"):
            unit = sig[len("cumulative_drug_") :]
            _, dose = daily_doses(results, dev, sig)
            if len(dose) == 0:
                continue
            limit, drug = limits.get(dev, (None, ""))
            over = int((dose > limit * (1 + 1e-9)).sum()) if limit is not None else 0
            dose_rows.append([dev, drug, unit, float(dose.max()), float(dose.mean()), limit if limit is not None else "no set limit", over])
    if dose_rows:
        lines += ["## Daily dose", ""]
        lines += table(["device", "drug", "unit", "highest day", "mean day", "daily limit", "days over limit"], dose_rows)
        lines.append("")

    spans = alarm_spans(results)
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
            ]
            for a in spans
        ]
        lines += table(["raised", "device", "alarm", "severity", "acknowledged", "cleared", "repeats"], rows)
    else:
        lines.append("No alarms.")
    lines.append("")

    refusals = results.events_where(kind=K.REFUSAL)
    lines += ["## Refusals", ""]
    if refusals:
        lines += table(["time", "device", "action", "reason"], [[when(e.t_s), e.device, e.payload.get("action", ""), e.payload.get("reason", "")] for e in refusals])
    else:
        lines.append("No refusals.")
    lines.append("")

    warnings = results.events_where(kind=K.WARNING)
    lines += ["## Warnings", ""]
    if warnings:
        lines += table(["time", "device", "message"], [[when(e.t_s), e.device, e.payload.get("message", "")] for e in warnings])
    else:
        lines.append("No warnings.")
    lines.append("")

    counts = s.get("event_counts", {})
    if counts:
        lines += ["## Event counts", "", *table(["kind", "count"], [[k, v] for k, v in counts.items()]), ""]

    if plots:
        lines += ["## Plots", ""]
        for title, rel in plots:
            lines += [f"### {title}", "", f"![{title}]({rel})", ""]
    return "\n".join(lines).rstrip() + "\n"
