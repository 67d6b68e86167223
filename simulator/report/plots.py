"""The report's plots. Each function takes a Results and returns a matplotlib Figure, or None when
the run has nothing to show for it (a pump-only run has no waveform). No pyplot, no display:
figures are drawn on the Agg canvas.

Times are shown in days from the scenario start.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from simulator.event_kinds import K

DAY_S = 86400.0
CRITICAL_COLOUR, NON_CRITICAL_COLOUR = "#c62828", "#ef8f00"


def new_figure(rows: int = 1, height_in: float = 3.2):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9.0, height_in * rows), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    axes = [fig.add_subplot(rows, 1, k + 1) for k in range(rows)]
    return fig, axes


def _plot_signal(ax, results, device: str, signal: str, label: str | None = None):
    series = results.series[(device, signal)]
    t, v = series.t_s / DAY_S, series.values
    if series.interp == "step":
        ax.step(t, v, where="post", label=label or device)
    else:
        ax.plot(t, v, label=label or device)


def devices_with(results, signal: str) -> list[str]:
    return sorted({d for d, s in results.series if s == signal})


def signals_like(results, device: str, prefix: str, suffix: str = "") -> list[str]:
    return sorted(s for d, s in results.series if d == device and s.startswith(prefix) and s.endswith(suffix))


def reservoir(results) -> Any:
    devices = devices_with(results, "reservoir_ml")
    if not devices:
        return None
    fig, (ax,) = new_figure()
    for dev in devices:
        _plot_signal(ax, results, dev, "reservoir_ml")
        refills = [e.t_s for e in results.events_where(dev, K.ACTION) if "fill" in str(e.payload.get("action", ""))]
        if refills:
            ax.plot(np.asarray(refills) / DAY_S, results.resample(dev, "reservoir_ml", np.asarray(refills)), "v", color="#1565c0", label=f"{dev} refill")
        for e in results.events_where(dev, K.ALARM_RAISED):
            ax.axvline(e.t_s / DAY_S, color=CRITICAL_COLOUR if e.payload.get("severity") == "critical" else NON_CRITICAL_COLOUR, lw=0.8, ls="--")
    ax.set_title("Reservoir volume (dashed: alarms raised)")
    ax.set_xlabel("time (days)")
    ax.set_ylabel("volume (mL)")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    return fig


def delivery_rate(results) -> Any:
    devices = devices_with(results, "rate_ml_per_day")
    if not devices:
        return None
    drug_signals = [(d, s) for d in devices for s in signals_like(results, d, "drug_rate_", "_per_day")]
    fig, axes = new_figure(2 if drug_signals else 1, 2.8)
    for dev in devices:
        _plot_signal(axes[0], results, dev, "rate_ml_per_day")
    axes[0].set_title("Delivery rate")
    axes[0].set_ylabel("volume rate (mL/day)")
    for dev, sig in drug_signals:
        unit = sig[len("drug_rate_") : -len("_per_day")]
        _plot_signal(axes[1], results, dev, sig, label=f"{dev} ({unit}/day)")
        axes[1].set_ylabel(f"drug rate ({unit}/day)")
    for ax in axes:
        ax.set_xlabel("time (days)")
        ax.grid(alpha=0.3)
        ax.set_ylim(bottom=0)
        ax.legend(loc="best", fontsize=8)
    return fig


def daily_doses(results, device: str, signal: str) -> tuple[np.ndarray, np.ndarray]:
    """Drug delivered in each day of the run (day k covers [k, k+1) days; the last may be partial).

    Returns (day start in days, amount in the drug's unit)."""
    end = results.end_t_s
    edges = np.arange(0.0, end, DAY_S)
    edges = np.append(edges, end)
    cumulative = results.resample(device, signal, edges)
    cumulative = np.nan_to_num(cumulative, nan=0.0)
    return edges[:-1] / DAY_S, np.diff(cumulative)


def daily_dose(results, limits: dict[str, tuple[float | None, str]]) -> Any:
    """Bars of the drug delivered each day, with the drug's daily limit as a line.

    `limits`: device -> (max daily dose in the drug's unit or None, drug name)."""
    pairs = [(d, s) for d in sorted({d for d, _ in results.series}) for s in signals_like(results, d, "cumulative_drug_")]
    if not pairs:
        return None
    fig, axes = new_figure(len(pairs), 2.8)
    for ax, (dev, sig) in zip(axes, pairs):
        unit = sig[len("cumulative_drug_") :]
        days, dose = daily_doses(results, dev, sig)
        limit, drug = limits.get(dev, (None, ""))
        over = np.zeros(len(dose), dtype=bool) if limit is None else dose > limit * (1 + 1e-9)
        ax.bar(days, dose, width=0.9, align="edge", color=np.where(over, CRITICAL_COLOUR, "#1565c0"))
        if limit is not None:
            ax.axhline(limit, color=CRITICAL_COLOUR, ls="--", label=f"{drug} daily limit {limit:g} {unit}/day")
            ax.legend(loc="best", fontsize=8)
        ax.set_title(f"Daily dose: {dev}" + (f" ({drug})" if drug else ""))
        ax.set_xlabel("day of the run")
        ax.set_ylabel(f"dose ({unit}/day)")
        ax.grid(alpha=0.3, axis="y")
    return fig


def battery(results) -> Any:
    devices = devices_with(results, "battery_pct")
    if not devices:
        return None
    fig, (ax,) = new_figure()
    for dev in devices:
        _plot_signal(ax, results, dev, "battery_pct")
    ax.set_title("Battery")
    ax.set_xlabel("time (days)")
    ax.set_ylabel("charge (%)")
    ax.set_ylim(0, 105)
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    return fig


def stimulation(results) -> Any:
    pairs = [(d, s) for d, s in sorted(results.series) if s.startswith("amplitude_ma.")]
    if not pairs:
        return None
    fig, (ax,) = new_figure()
    for dev, sig in pairs:
        _plot_signal(ax, results, dev, sig, label=f"{dev} {sig.split('.', 1)[1]}")
    ax.set_title("Stimulation amplitude per program")
    ax.set_xlabel("time (days)")
    ax.set_ylabel("amplitude (mA)")
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    return fig


def alarm_spans(results) -> list[dict[str, Any]]:
    """Each alarm episode: device, alarm, severity, raised/acknowledged/cleared times (s; None if
    not), repeats. An alarm still active at the end has cleared_t_s None."""
    open_: dict[tuple[str, str], dict[str, Any]] = {}
    spans: list[dict[str, Any]] = []
    for e in results.events_where(kind="alarm.*"):
        key = (e.device, str(e.payload.get("alarm", "?")))
        if e.kind == K.ALARM_RAISED:
            span = {"device": e.device, "alarm": key[1], "severity": e.payload.get("severity", ""), "raised_t_s": e.t_s, "acknowledged_t_s": None, "cleared_t_s": None, "repeats": 0}
            open_[key] = span
            spans.append(span)
        elif key in open_:
            span = open_[key]
            if e.kind == K.ALARM_REPEAT:  # one repeat (results written before repeats were coalesced)
                span["repeats"] += 1
            elif e.kind == K.ALARM_REPEATS:  # repeats coalesced: `count` of them (simulator.alarms)
                span["repeats"] += int(e.payload.get("count", 0))
            elif e.kind == K.ALARM_ACKNOWLEDGED:
                span["acknowledged_t_s"] = e.t_s
            elif e.kind == K.ALARM_CLEARED:
                span["cleared_t_s"] = e.t_s
                del open_[key]
    return spans


def alarm_timeline(results) -> Any:
    spans = alarm_spans(results)
    if not spans:
        return None
    rows = sorted({(s["device"], s["alarm"]) for s in spans})
    fig, (ax,) = new_figure(1, max(1.6, 0.45 * len(rows) + 1.2))
    end_d = results.end_t_s / DAY_S
    for s in spans:
        y = rows.index((s["device"], s["alarm"]))
        start = s["raised_t_s"] / DAY_S
        stop = (s["cleared_t_s"] / DAY_S) if s["cleared_t_s"] is not None else end_d
        colour = CRITICAL_COLOUR if s["severity"] == "critical" else NON_CRITICAL_COLOUR
        ax.barh(y, max(stop - start, end_d * 0.002), left=start, height=0.5, color=colour, alpha=0.85)
        if s["acknowledged_t_s"] is not None:
            ax.plot(s["acknowledged_t_s"] / DAY_S, y, "k|", ms=14)
    ax.set_yticks(range(len(rows)), [f"{d}: {a}" for d, a in rows], fontsize=8)
    ax.set_xlim(0, end_d)
    ax.set_xlabel("time (days)")
    ax.set_title("Alarms (red critical, orange non-critical; | acknowledged)")
    ax.grid(alpha=0.3, axis="x")
    return fig


def waveform(shot: dict[str, Any]) -> Any:
    """A snapshot from `simulator.report.waveforms.snapshot`: the pulse train and one pulse close up."""
    fig, (top, bottom) = new_figure(2, 2.4)
    fig.suptitle(shot["title"], fontsize=10)
    t, i = shot["train"]
    top.plot(t * 1e3, i, lw=0.9)
    top.set_xlabel("time (ms)")
    tp, ip = shot["pulse"]
    bottom.plot(tp * 1e6, ip, lw=1.0)
    bottom.set_xlabel("time (us)")
    for ax, name in ((top, "pulse train"), (bottom, "one pulse / burst")):
        ax.axhline(0, color="k", lw=0.5)
        ax.set_ylabel("current (mA)")
        ax.set_title(name, fontsize=9)
        ax.grid(alpha=0.3)
    return fig
