"""The session's view (a tab: header, log of transmits, undo, report) and its printout: an HTML
session report like a clinician programmer's, with the device plots embedded as PNG images.

The report holds the device status at the session start and now, every transmit (old -> new
with units, findings, undo), the alarms raised in the run, and the predicted refill / recharge
dates; times are calendar times with the elapsed simulated time beside them."""
from __future__ import annotations

import base64
import html
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.session import Change, ProgrammingSession, device_status, fmt_value, when_text
from simulator.event_kinds import K

LOG_COLUMNS = ["#", "simulated time (calendar, elapsed)", "sent at (wall clock)", "device", "action", "changes (old -> new)", "result"]


class SessionView(QWidget):
    """The session tab: header, log table, Undo last transmit, Save session report."""

    def __init__(self, session: ProgrammingSession, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.header = QLabel()
        self.header.setWordWrap(True)
        layout.addWidget(self.header)
        buttons = QHBoxLayout()
        self.undo_button = QPushButton("Undo last transmit")
        self.undo_button.setToolTip("Send what restores the settings before the last transmit (reviewed, and logged as an undo)")
        self.report_button = QPushButton("Save session report...")
        self.report_button.setToolTip("An HTML printout: device status at the start and now, every change, alarms, predicted dates, plots")
        buttons.addWidget(self.undo_button)
        buttons.addWidget(self.report_button)
        buttons.addStretch(1)
        self.state = QLabel()
        buttons.addWidget(self.state)
        layout.addLayout(buttons)
        self.table = QTableWidget(0, len(LOG_COLUMNS))
        self.table.setHorizontalHeaderLabels(LOG_COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        for c in range(len(LOG_COLUMNS)):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        session.changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        s = self.session
        self.header.setText(s.header_text())
        # ((simulated s, wall-clock time), the row's cells: number, or '' for a note, then text)
        keyed: list[tuple[tuple[float, Any], tuple[int | str, ...]]] = [((e.t_s, e.wall), (e.number, when_text(s.sim, e.t_s), f"{e.wall:%H:%M:%S}", e.device_id,
                                     e.action + (f" (undo of #{e.undo_of})" if e.undo_of is not None else ""),
                                     "; ".join(c.text() for c in e.changes) or "-",
                                     ("sent" if e.accepted else f"refused: {e.reason}") + (" (undone)" if e.undone else ""))) for e in s.entries]
        keyed += [((n.t_s, n.wall), ("", when_text(s.sim, n.t_s), f"{n.wall:%H:%M:%S}", "", "note", n.text, "")) for n in s.notes]
        rows = [row for _key, row in sorted(keyed, key=lambda kr: kr[0])]  # in simulated, then wall-clock order
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                item = QTableWidgetItem(str(v))
                item.setToolTip(str(v))
                self.table.setItem(r, c, item)
        self.undo_button.setEnabled(s.last_undoable() is not None)
        self.state.setText("unsaved changes" if s.unsaved else "")


def widget_png_base64(widget: QWidget, width: int = 900, height: int = 420) -> str:
    """The widget drawn into a PNG, base64 (sized when it has no size yet, e.g. never shown)."""
    if widget.width() < 50 or widget.height() < 50:
        widget.resize(width, height)
    pixmap = widget.grab()
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    pixmap.save(buf, "PNG")
    buf.close()
    return base64.b64encode(data.data()).decode("ascii")


def _status_html(sim, st: dict[str, Any]) -> str:
    e = html.escape
    rows = [("model", st["model"]), ("kind", st["kind"]), ("at", when_text(sim, st["elapsed_s"]))]
    if st["kind"] == "scs":
        rows.append(("running", ", ".join(st["running"]) or "none"))
        rows += [(f"program {n}", t) for n, t in st["programs"].items()]
        rows.append(("battery", f"{st['battery_pct']:.1f} %"))
    elif st["kind"] == "pump":
        rows += [("drug", st["drug"]), ("mode", ", ".join(f"{k} {fmt_value(v)}" for k, v in st["mode"].items())),
                 ("reservoir", f"{st['reservoir_ml']:.2f} mL"), ("low-reservoir alarm at", f"{st['threshold_ml']:g} mL")]
    for what, t_s in (st.get("predicted") or {}).items():
        rows.append((f"predicted {what}", when_text(sim, t_s)))
    return "<table>" + "".join(f"<tr><th>{e(str(a))}</th><td>{e(str(b))}</td></tr>" for a, b in rows) + "</table>"


def report_html(window) -> str:
    """The session report of a main window, as a self-contained HTML page."""
    session: ProgrammingSession = window.session
    sim = session.sim
    e = html.escape
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>Programming session report</title>",
        ("<style>body{font-family:sans-serif;margin:1.5em} table{border-collapse:collapse;margin:.5em 0}"
         " th,td{border:1px solid #bbb;padding:3px 6px;text-align:left;vertical-align:top} th{background:#eee}"
         " .critical{color:#b00020;font-weight:bold} img{max-width:100%;border:1px solid #ccc}</style></head><body>"),
        "<h1>Programming session report</h1>",
        (f"<p>{e(session.header_text())}<br>Scenario start {sim.scenario.start:%Y-%m-%d %H:%M}; report at {e(when_text(sim, sim.now))}."
         "<br><i>Simulated devices, for training and engineering only. Not medical advice.</i></p>"),
    ]
    for dev_id in sim.devices:
        parts.append(f"<h2>{e(dev_id)}</h2><div style='display:flex;gap:2em;flex-wrap:wrap'>")
        parts.append("<div><h3>At the session start</h3>" + _status_html(sim, session.start_status[dev_id]) + "</div>")
        parts.append("<div><h3>Now</h3>" + _status_html(sim, device_status(sim, dev_id)) + "</div></div>")
    parts.append("<h2>Changes sent</h2>")
    if not session.entries:
        parts.append("<p>No transmit in this session.</p>")
    else:
        parts.append("<table><tr><th>#</th><th>simulated time</th><th>device</th><th>action</th><th>setting</th><th>old</th><th>new</th><th>unit</th><th>findings</th><th>result</th></tr>")
        for en in session.entries:
            changes: list[Change | None] = [*en.changes] if en.changes else [None]
            for i, c in enumerate(changes):
                first = i == 0
                parts.append(
                    "<tr>" + (f"<td>{en.number}</td><td>{e(when_text(sim, en.t_s))}</td><td>{e(en.device_id)}</td>"
                              f"<td>{e(en.action + (f' (undo of #{en.undo_of})' if en.undo_of is not None else ''))}</td>" if first else "<td></td>" * 4)
                    + (f"<td>{e(c.setting)}</td><td>{e(fmt_value(c.old))}</td><td>{e(fmt_value(c.new))}</td><td>{e(c.unit)}</td>" if c else "<td colspan=4>-</td>")
                    + (f"<td>{e('; '.join(en.findings)) or '-'}</td><td>{'sent' if en.accepted else e('refused: ' + en.reason)}{' (undone)' if en.undone else ''}</td>" if first else "<td></td><td></td>")
                    + "</tr>")
        parts.append("</table>")
    if session.notes:
        parts.append("<h2>Notes</h2><ul>" + "".join(f"<li>{e(when_text(sim, n.t_s))}: {e(n.text)}</li>" for n in session.notes) + "</ul>")
    parts.append("<h2>Alarms</h2>")
    alarms = [r for r in sim.recorder.events if r.kind in (K.ALARM_RAISED, K.ALARM_ACKNOWLEDGED, K.ALARM_CLEARED)]
    if not alarms:
        parts.append("<p>No alarm in the run so far.</p>")
    else:
        parts.append("<table><tr><th>time</th><th>device</th><th>event</th><th>alarm</th><th>severity</th><th>message</th></tr>")
        for r in alarms:
            sev = r.payload.get("severity", "")
            parts.append(f"<tr class='{'critical' if sev == 'critical' else ''}'><td>{e(when_text(sim, r.t_s))}</td><td>{e(r.device)}</td><td>{e(r.kind)}</td>"
                         f"<td>{e(str(r.payload.get('alarm', '')))}</td><td>{e(sev)}</td><td>{e(str(r.payload.get('message', '')))}</td></tr>")
        parts.append("</table>")
    parts.append("<h2>Plots</h2>")
    for dev_id, views in window.device_views.items():
        try:
            built = views.build()
            built.overview.refresh(sim.now)
            png = widget_png_base64(built.overview)
        except (RuntimeError, ValueError, KeyError, OSError) as exc:  # a plot that cannot be drawn must not lose the report
            parts.append(f"<p>{e(dev_id)}: plot not available ({e(str(exc))})</p>")
            continue
        parts.append(f"<h3>{e(dev_id)}</h3><img alt='{e(dev_id)} plots' src='data:image/png;base64,{png}'>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(window, path) -> None:
    """Write the report to `path` (a new file or one replaced whole: written beside, then moved)."""
    from pathlib import Path

    target = Path(path)
    tmp = target.with_name(target.name + ".part")
    tmp.write_text(report_html(window), encoding="utf-8")
    tmp.replace(target)
