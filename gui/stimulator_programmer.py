"""The stimulator programmer: lead diagram and contacts, program list, the pending program's
parameters, a charge-density gauge, Check / Transmit, the impedance table and the battery panel.

Edits are pending until Transmit (`set_program`); Check runs the stimulator's own check and its
safety report on the pending program (charge density per contact against the profile's limit,
with the profile's warn or refuse policy). The gauge shows the charge that builds up before it is
reversed: per pulse, or per burst for a burst with passive recovery after the burst (its pulses
accumulate: 0.6 mA x 1000 us x 5 = 3.0 uC); the limits are checked against that figure.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from gui import dialogs
from gui.match_label import show_changed_underneath, show_matches, show_pending
from gui.lead_diagram import CASE, CYCLE, LeadDiagram
from gui.program_editor import ProgramEditor
from gui.stimulator_clinician import GroupsBox, PatientLimitsBox
from gui.tables import cell_text
from gui.transmit import check_findings, transmit
from simulator.errors import InputError, validate_model
from simulator.scs.program import Program, configuration_shares_pct
from simulator.units import describe_elapsed
from simulator.event_kinds import K

SHARE_TIP = ("Share of the current per contact, %: cathodes sum to 100 %, anodes sum to 100 %. "
             "Grey: the even split the stimulator uses when no share is typed; type a percentage to set one.")
SINGLE_SOURCE_TIP = "This profile has one current source: it sets no share per contact (the shares follow the contact impedances)."
#: Text colour of a share the stimulator fills in (even split), not one typed.
DEFAULT_SHARE_COLOUR = QColor("#666666")
GAUGE_TIP = ("Highest charge density over the contacts, uC/cm^2, against the profile's limit. It is the charge that builds up "
             "before it is reversed: one pulse, or with passive recovery after a burst the whole burst's pulses (per burst). "
             "The limit and Shannon's k are checked against that accumulated figure.")
#: Rows the contact table shows without a scroll bar.
CONTACT_ROWS_SHOWN = 4


def gauge_explanation(row: dict[str, Any], report: dict[str, Any]) -> str:
    """The gauge's words for its contact row (`safety.contact_report`): per-pulse charge and density,
    and for a passive burst the accumulated per-burst figures the limits are checked against."""
    q, d = row["charge_per_phase_uc"], row["density_per_pulse_uc_per_cm2"]
    n = row["pulses_before_recovery"]
    k, k_limit = row.get("shannon_k"), report["shannon_k_limit"]
    cap = row.get("max_amplitude_for_density_ma")
    text = f"{row['contact']}: {q:.3f} uC per pulse ({d:.2f} uC/cm^2)"
    if n > 1:
        text += (f"; with passive recovery after the burst its {n} pulses add up before the charge reverses: "
                 f"{row['charge_before_recovery_uc']:.2f} uC per burst ({row['charge_density_uc_per_cm2']:.2f} uC/cm^2). "
                 "Limits are checked against the per-burst (accumulated) figure")
    else:
        text += ". Limits are checked against the per-pulse figure"
    if k is not None:
        text += f"; Shannon k = {k:.3f}{' per burst' if n > 1 else ''} (limit {k_limit:g}{', over: warned' if row['over_shannon'] else ''})"
    if cap:
        text += f"; density limit reached at {cap:.2f} mA"
    return text + f". Policy over the density limit: {report['policy']}."


class StimulatorProgrammer(QWidget):
    def __init__(self, sim, device_id: str, runner, parent: QWidget | None = None):
        super().__init__(parent)
        self.runner = runner
        self.device_id = device_id
        dev = sim.devices[device_id]
        self.profile = dev.profile
        self.independent = self.profile.current_sources == "independent"
        self.contacts: dict[str, tuple[str, float | None]] = {}
        self.pending = False
        outer = QHBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        split = QSplitter()
        outer.addWidget(split)

        # left: leads and contacts
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        self.diagram = LeadDiagram()
        self.diagram.set_contacts({k: c.model_dump() for k, c in dev.snapshot().contacts.items()}, case_allowed=True)
        self.diagram.contact_clicked.connect(self.cycle_contact)
        ll.addWidget(self.diagram, 3)
        self.contact_table = QTableWidget(0, 3)
        self.contact_table.setHorizontalHeaderLabels(["contact", "polarity", "share (%)"])
        self.contact_table.verticalHeader().setVisible(False)
        self.contact_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.contact_table.setToolTip(SHARE_TIP if self.independent else SINGLE_SOURCE_TIP)
        self.contact_table.itemChanged.connect(self._share_edited)
        self._fit_contact_table()
        ll.addWidget(self.contact_table, 1)
        pg_box = QGroupBox("Programs (* = running)")
        pl = QVBoxLayout(pg_box)
        self.program_list = QListWidget()
        self.program_list.setMaximumHeight(60)
        self.program_list.setToolTip("Stored programs; select one to edit it")
        self.program_list.currentTextChanged.connect(self._program_chosen)
        pl.addWidget(self.program_list)
        prow = QHBoxLayout()
        self.run_button = QPushButton("Run this program")
        self.run_button.setToolTip("Make the selected program the only one running (select_program)")
        self.run_button.clicked.connect(self.run_selected)
        prow.addWidget(self.run_button)
        self.stim_button = QPushButton("Stimulation off")
        self.stim_button.setToolTip("Turn stimulation on or off")
        self.stim_button.clicked.connect(self.toggle_stimulation)
        prow.addWidget(self.stim_button)
        pl.addLayout(prow)
        ll.addWidget(pg_box)
        split.addWidget(left)

        # middle: programs and parameters
        mid = QWidget()
        ml = QVBoxLayout(mid)
        ml.setContentsMargins(0, 0, 0, 0)
        self.editor = ProgramEditor(self.profile)
        self.editor.changed.connect(self._edited)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.editor)
        ml.addWidget(scroll, 1)
        self.pending_label = QLabel()
        ml.addWidget(self.pending_label)
        brow = QHBoxLayout()
        self.check_button = QPushButton("Check")
        self.check_button.setToolTip("Run the stimulator's checks on the pending program")
        self.transmit_button = QPushButton("Transmit")
        self.transmit_button.setToolTip("Check, then send the pending program and run it (Ctrl+T)")
        self.transmit_button.setShortcut("Ctrl+T")
        self.revert_button = QPushButton("Revert")
        self.revert_button.setToolTip("Discard the pending edits")
        self.cycling_button = QPushButton("Send cycling only")
        self.cycling_button.setToolTip("Send only the cycling (on / off, s) and ramps (soft start / stop, s) of the form to the selected program (set_cycling)")
        self.cycling_button.clicked.connect(self.transmit_cycling)
        for b in (self.check_button, self.transmit_button, self.cycling_button, self.revert_button):
            brow.addWidget(b)
        ml.addLayout(brow)
        self.check_button.clicked.connect(self.check_pending)
        self.transmit_button.clicked.connect(self.transmit_pending)
        self.revert_button.clicked.connect(self.revert)
        split.addWidget(mid)

        # right: impedance and battery
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        gauge_box = QGroupBox("Charge density of the pending program (highest contact, before recovery)")
        gl = QVBoxLayout(gauge_box)
        self.gauge = QProgressBar()
        self.gauge.setToolTip(GAUGE_TIP)
        gl.addWidget(self.gauge)
        self.gauge_text = QLabel()
        self.gauge_text.setWordWrap(True)
        gl.addWidget(self.gauge_text)
        rl.addWidget(gauge_box)
        self.perception_box = QGroupBox("Comfort estimate of the pending program (approximation)")
        el = QVBoxLayout(self.perception_box)
        self.perception_text = QLabel()
        self.perception_text.setWordWrap(True)
        el.addWidget(self.perception_text)
        rl.addWidget(self.perception_box)
        self.right_tabs = QTabWidget()
        imp_box = QWidget()
        il = QVBoxLayout(imp_box)
        self.imp_button = QPushButton("Measure impedances")
        self.imp_button.setToolTip("Run the stimulator's impedance check of every contact (ohm)")
        self.imp_button.clicked.connect(self.impedance_check)
        il.addWidget(self.imp_button)
        self.imp_when = QLabel("no impedance check yet")
        self.imp_when.setWordWrap(True)
        self.imp_when.setToolTip("When the table's impedances were measured (calendar time, and elapsed since the scenario start)")
        il.addWidget(self.imp_when)
        self.imp_table = QTableWidget(0, 4)
        self.imp_table.setHorizontalHeaderLabels(["contact", "level", "impedance (ohm)", "flag"])
        self.imp_table.verticalHeader().setVisible(False)
        self.imp_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        il.addWidget(self.imp_table)
        self.right_tabs.addTab(imp_box, "Impedance")
        self.limits_box = PatientLimitsBox(self)
        self.right_tabs.addTab(self.limits_box, "Patient limits")
        self.groups_box = GroupsBox(self)
        self.right_tabs.addTab(self.groups_box, "Groups")
        self.right_tabs.addTab(self._procedures_box(), "MRI / loop / posture")  # gui.action_dialogs
        rl.addWidget(self.right_tabs, 2)
        bat_box = QWidget()
        bl = QVBoxLayout(bat_box)
        self.battery_bar = QProgressBar()
        self.battery_bar.setToolTip("Battery level, %")
        bl.addWidget(self.battery_bar)
        self.projection_label = QLabel()
        self.projection_label.setWordWrap(True)
        bl.addWidget(self.projection_label)
        self.recharge_button = QPushButton("Recharge to full")
        self.recharge_button.setToolTip("Start a recharge session until the battery is full")
        self.recharge_button.clicked.connect(self.recharge)
        self.recharge_button.setEnabled(self.profile.battery.chemistry == "rechargeable")
        bl.addWidget(self.recharge_button)
        bl.addStretch(1)
        self.right_tabs.addTab(bat_box, "Battery")
        split.addWidget(right)
        split.setSizes([270, 470, 480])

        self._baseline: dict[str, Any] | None = None  # the device's program the form was loaded from
        self._device_sig: tuple | None = None
        self.reload_programs()
        self.show_latest_impedance_check(list(sim.recorder.events))

    @property
    def device(self):
        return self.runner.sim.devices[self.device_id]

    def _procedures_box(self) -> QWidget:
        """Buttons opening the MRI-mode, closed-loop and posture/cough dialogs."""
        from gui.action_dialogs import STIMULATOR_DIALOGS

        box = QWidget()
        lay = QVBoxLayout(box)
        self.action_buttons = {}
        for label, cls in STIMULATOR_DIALOGS.items():
            b = QPushButton(label)
            b.setToolTip(f"{cls.title}: open its form, check and send")
            b.clicked.connect(lambda _=False, c=cls: self.open_action(c))
            if cls.action == "set_closed_loop":
                b.setEnabled(self.profile.closed_loop is not None)
            lay.addWidget(b)
            self.action_buttons[cls.action] = b
        lay.addStretch(1)
        return box

    def open_action(self, cls):
        from gui.action_dialogs import open_dialog

        return open_dialog(cls, self.runner, self.device_id, self)

    # ----- programs -----
    def reload_programs(self, select: str | None = None) -> None:
        snap = self.device.snapshot()
        current = select or (self.program_list.currentItem().text().lstrip("* ") if self.program_list.currentItem() else None)
        self.program_list.blockSignals(True)
        self.program_list.clear()
        for name in snap.programs:
            self.program_list.addItem(("* " if name in snap.active_programs else "  ") + name)
        self.program_list.blockSignals(False)
        names = list(snap.programs)
        pick = current if current in names else (snap.active_programs[0] if snap.active_programs else names[0])
        self.program_list.setCurrentRow(names.index(pick))
        self._load(snap.programs[pick])
        self._device_sig = self._device_signature()
        self.stim_button.setText("Stimulation off" if snap.stimulating else "Stimulation on")
        if hasattr(self, "limits_box"):
            self.limits_box.show_program()
            self.groups_box.show_device()

    def selected_name(self) -> str:
        item = self.program_list.currentItem()
        return item.text().lstrip("* ").strip() if item else ""

    def _program_chosen(self, text: str) -> None:
        name = text.lstrip("* ").strip()
        programs = self.device.stored_programs()
        if name in programs:
            self._load(programs[name])
            self.limits_box.show_program()

    def _load(self, program: Program) -> None:
        self._baseline = program.model_dump()
        self.editor.set_program(program)
        self.contacts = {k: (v.polarity, v.fraction_pct) for k, v in program.contacts.items()}
        self._show_contacts()
        self._set_pending(False)
        self._update_gauge()

    def revert(self) -> None:
        self._load(self.device.stored_programs()[self.selected_name()])

    # ----- contacts -----
    def cycle_contact(self, label: str) -> None:
        pol = self.contacts.get(label, (None, None))[0]
        nxt = CYCLE[pol]
        if label == CASE and nxt == "-":
            nxt = "+"  # the case serves as an anode only
        elif label == CASE and pol == "+":
            nxt = None
        if nxt is None:
            self.contacts.pop(label, None)
        else:
            self.contacts[label] = (nxt, None)
        # a new configuration starts at 0 mA, as programmers do
        self.editor.amplitude.setValue(0.0)
        self._show_contacts()
        self._edited()

    def _fit_contact_table(self) -> None:
        """Compact rows, and height for `CONTACT_ROWS_SHOWN` rows with no scroll bar."""
        t = self.contact_table
        row_h = t.fontMetrics().height() + 8
        t.verticalHeader().setMinimumSectionSize(row_h)
        t.verticalHeader().setDefaultSectionSize(row_h)
        t.setMinimumHeight(t.horizontalHeader().sizeHint().height() + CONTACT_ROWS_SHOWN * row_h + 2 * t.frameWidth() + 2)

    def _sorted_contacts(self) -> list[tuple[str, tuple[str, float | None]]]:
        return sorted(self.contacts.items(), key=lambda kv: (kv[0] == CASE, int(kv[0][1:]) if kv[0][1:].isdigit() else 0))

    def contact_shares_pct(self) -> dict[str, float]:
        """Contact -> share of the current, %, of the pending configuration as the stimulator uses it
        (stated shares; unstated ones split what is left evenly). Independent current sources only."""
        return configuration_shares_pct(self.contacts)

    def _share_cell(self, label: str, frac: float | None, shares: dict[str, float]) -> tuple[str, str, bool]:
        """(text, tooltip, default?) of a contact's share cell."""
        if not self.independent:
            return "-", SINGLE_SOURCE_TIP, False
        if frac is not None:
            return f"{frac:g}", SHARE_TIP, False
        return f"{shares.get(label, 0.0):.4g}", f"{label}: no share typed; the stimulator splits the rest evenly. " + SHARE_TIP, True

    def _show_contacts(self) -> None:
        self.diagram.set_state(self.contacts)
        self.contact_table.blockSignals(True)
        self.contact_table.setRowCount(len(self.contacts))
        shares = self.contact_shares_pct() if self.independent else {}
        for r, (label, (pol, frac)) in enumerate(self._sorted_contacts()):
            share_text, share_tip, default = self._share_cell(label, frac, shares)
            for c, text in enumerate([label, {"-": "cathode (-)", "+": "anode (+)"}[pol], share_text]):
                item = QTableWidgetItem(text)
                if c < 2 or not self.independent:
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                if c == 2:
                    item.setToolTip(share_tip)
                    if default:
                        item.setForeground(DEFAULT_SHARE_COLOUR)
                self.contact_table.setItem(r, c, item)
        self.contact_table.blockSignals(False)

    def _refresh_shares(self) -> None:
        """Re-show the share column in place (after an edit changes the even split of the others)."""
        shares = self.contact_shares_pct()
        self.contact_table.blockSignals(True)
        for r, (label, (_pol, frac)) in enumerate(self._sorted_contacts()):
            item = self.contact_table.item(r, 2)
            if item is None:
                continue
            text, tip, default = self._share_cell(label, frac, shares)
            item.setText(text)
            item.setToolTip(tip)
            item.setForeground(DEFAULT_SHARE_COLOUR if default else self.contact_table.palette().text().color())
        self.contact_table.blockSignals(False)

    def _share_edited(self, item) -> None:
        if item.column() != 2:
            return
        label = cell_text(self.contact_table, item.row(), 0)
        text = item.text().strip().rstrip("%")
        pol = self.contacts[label][0]
        if not text:
            self.contacts[label] = (pol, None)
        else:
            try:
                self.contacts[label] = (pol, float(text))
            except ValueError:
                dialogs.inform(self, "Invalid share", f"{label}: {text!r} is not a number of percent; the share is unchanged.")
                self._show_contacts()
                return
        self.diagram.set_state(self.contacts)
        self._refresh_shares()
        self._edited()

    # ----- pending program -----
    def pending_dict(self) -> dict[str, Any]:
        out = self.editor.values()
        out["contacts"] = {k: ({"polarity": p} if f is None else {"polarity": p, "fraction_pct": f}) for k, (p, f) in self.contacts.items()}
        return out

    def pending_program(self) -> Program:
        """The pending program; InputError when the form does not make a valid program."""
        return validate_model(Program, self.pending_dict())

    def _set_pending(self, pending: bool) -> None:
        self.pending = pending
        self.show_match_state()

    def _edited(self) -> None:
        self._set_pending(True)
        self._update_gauge()

    def _update_gauge(self) -> None:
        try:
            program = self.pending_program()
        except InputError as exc:
            self.gauge.setValue(0)
            self.gauge_text.setText(f"incomplete program: {exc.issues[0].message}")
            self.perception_text.setText("")
            return
        self._update_perception(program)
        report = self.device.safety_report(program)
        limit = report["density_limit_uc_per_cm2"]
        rows = [r for r in report["contacts"] if r["charge_density_uc_per_cm2"] is not None]
        top = max(rows, key=lambda r: r["charge_density_uc_per_cm2"], default=None)
        density = top["charge_density_uc_per_cm2"] if top else 0.0
        burst = bool(top and top["pulses_before_recovery"] > 1)
        self.gauge.setRange(0, 1000)
        self.gauge.setValue(int(min(density / limit, 1.0) * 1000))
        self.gauge.setFormat(f"{density:.1f} of {limit:g} uC/cm^2 " + ("per burst (accumulated)" if burst else "per phase"))
        over = density > limit
        over_k = bool(top and top["over_shannon"])
        self.gauge.setStyleSheet("QProgressBar::chunk { background: %s }" % ("#c62828" if over else "#8a5a00" if over_k else "#2e7d32"))
        if top:
            self.gauge_text.setText(gauge_explanation(top, report))
        else:
            self.gauge_text.setText("no contact configured")

    def _update_perception(self, program: Program) -> None:
        """The stimulator model's perception estimate (a strength-duration fit) of the pending program."""
        est = self.device.perception_estimate(program)
        colour = {"below perception": "#1565c0", "perceived (comfortable)": "#2e7d32", "possibly uncomfortable": "#8a5a00"}.get(est["zone"], "#c62828")
        self.perception_text.setText(
            f"<b style='color:{colour}'>{est['zone']}</b>: {est['amplitude_ma']:.2f} mA is {est['ratio_to_perception']:.2f} x the estimated "
            f"perception threshold of {est['perception_threshold_ma']:.2f} mA at {program.pulse_width_us:g} us; "
            f"discomfort estimated from {est['discomfort_low_ma']:.2f} to {est['discomfort_high_ma']:.2f} mA."
            "<br><i>Approximation for teaching: real thresholds vary widely between patients and with posture.</i>")
        self.perception_box.setToolTip(est["label"])

    def transmit_cycling(self) -> bool:
        v = self.editor.values()
        c = v.get("cycling") or {}
        params = {"program": self.selected_name(), "on_s": c.get("on_s"), "off_s": c.get("off_s"),
                  "soft_start_s": v["soft_start_s"], "soft_stop_s": v["soft_stop_s"]}
        ok = bool(transmit(self, self.runner, self.device_id, "set_cycling", params, "Cycling and ramps"))
        if ok:
            self.reload_programs(select=params["program"])
        return ok

    def check_pending(self) -> None:
        try:
            findings = check_findings(self.runner.sim, self.device_id, "set_program", {"program": self.pending_dict(), "activate": True})
        except InputError as exc:
            dialogs.show_input_error(self, "Check: invalid entry", exc)
            return
        if not findings:
            dialogs.inform(self, "Check", "No findings: the program is within the stimulator's limits.", QMessageBox.Icon.Information)
        else:
            dialogs.inform(self, "Check", "\n".join(f"{f.level}: {dialogs.describe_finding(f)}" for f in findings))

    def transmit_pending(self) -> bool:
        program = self.pending_dict()
        params = {"program": program, "activate": True}
        result = transmit(self, self.runner, self.device_id, "set_program", params, "Stimulator program")
        if result:
            self.reload_programs(select=program["name"])
        return bool(result)

    # ----- other commands -----
    def run_selected(self) -> bool:
        ok = bool(transmit(self, self.runner, self.device_id, "select_program", {"name": self.selected_name()}, "Run program"))
        self.reload_programs()
        return ok

    def toggle_stimulation(self) -> bool:
        action = "stimulation_off" if self.device.stimulating() else "stimulation_on"
        ok = bool(transmit(self, self.runner, self.device_id, action, {}, "Stimulation"))
        self.reload_programs()
        return ok

    def impedance_check(self) -> bool:
        result = transmit(self, self.runner, self.device_id, "impedance_check", {}, "Impedance check")
        if result:
            self.show_impedances(result.payload.get("table", []))
        return bool(result)

    def show_impedances(self, rows: list[dict]) -> None:
        self.imp_table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            ohm = row.get("ohm", row.get("impedance_ohm"))
            values = [row.get("contact", ""), row.get("level", ""), "" if ohm is None else f"{ohm:.0f}", row.get("flag") or "ok"]
            for c, v in enumerate(values):
                item = QTableWidgetItem(str(v))
                if c == 3 and row.get("flag"):
                    item.setForeground(Qt.GlobalColor.red)
                self.imp_table.setItem(r, c, item)

    def recharge(self) -> bool:
        return bool(transmit(self, self.runner, self.device_id, "recharge", {"to_full": True}, "Recharge"))

    def refresh(self, now_s: float) -> None:
        self.sync_with_device()
        dev = self.device
        pct = dev.battery_pct_at(now_s)
        self.battery_bar.setValue(int(round(pct)))
        self.battery_bar.setFormat(f"{pct:.1f} %")
        proj = dev.projection()
        lines = [f"drain {proj['drain_ma'] * 1000:.1f} uA at the running programs"]
        if proj["chemistry"] == "rechargeable":
            lines.append(f"{proj['days_between_recharges']:.1f} d between recharges (full to low); {proj['daily_charge_minutes']:.1f} min of charging a day")
            lines.append(f"low battery in {proj['days_to_low_battery']:.1f} d: {self._predicted_when(now_s, proj['days_to_low_battery'])}")
        else:
            lines.append(f"longevity {proj['longevity_days'] / 365:.1f} years from now: end of service {self._predicted_when(now_s, proj['longevity_days'])}")
        if dev.snapshot().recharging:
            lines.append("recharging now")
        self.projection_label.setText("\n".join(lines))


    def _predicted_when(self, now_s: float, days: float) -> str:
        """A predicted date as calendar time with the elapsed simulated time beside it."""
        t_s = now_s + days * 86400.0
        return f"{self.runner.sim.calendar_time(t_s):%Y-%m-%d %H:%M} (elapsed {describe_elapsed(t_s)})"

    # ----- following the device -----
    # The form follows the stimulator whatever changed it (a timeline action, a jump, the refill
    # of another view, an exercise start): without edits it reloads; with edits it keeps them and
    # says that the device changed underneath, showing both. "Matches" is shown only when true.
    def device_program(self) -> Program | None:
        """The device's program of the name selected in the list (None: no such program now)."""
        return self.device.stored_programs().get(self.selected_name())

    def form_matches_device(self) -> bool:
        """True when the form, read as a program, equals the device's program of that name."""
        try:
            pending = self.pending_program()
        except InputError:
            return False
        stored = self.device.stored_programs().get(pending.name)
        return stored is not None and stored == pending

    def device_changed_under_edits(self) -> bool:
        """True when the device's program differs from the one the pending edits started from."""
        now = self.device_program()
        return self.pending and self._baseline is not None and (now is None or now.model_dump() != self._baseline)

    def _device_signature(self) -> tuple:
        dev = self.device
        return (tuple((n, repr(p)) for n, p in dev.stored_programs().items()), tuple(dev.active_programs()), dev.stimulating())

    def sync_with_device(self) -> bool:
        """Follow the device: reload the form (no edits) or flag the change (edits kept); True if
        the device had changed since the form last looked."""
        sig = self._device_signature()
        if sig == self._device_sig:
            return False
        self._device_sig = sig
        if not self.pending:
            self.reload_programs()
        else:
            self._relist_programs()
            self.show_match_state()
        return True

    def _relist_programs(self) -> None:
        """Refresh the program list's names and running marks, keeping the selection and the form."""
        dev = self.device
        current = self.selected_name()
        self.program_list.blockSignals(True)
        self.program_list.clear()
        running = dev.active_programs()
        names = list(dev.stored_programs())
        for name in names:
            self.program_list.addItem(("* " if name in running else "  ") + name)
        if current in names:
            self.program_list.setCurrentRow(names.index(current))
        self.program_list.blockSignals(False)
        self.stim_button.setText("Stimulation off" if dev.stimulating() else "Stimulation on")

    def show_match_state(self) -> None:
        """The label under the form: matches (only when true), pending, or changed underneath."""
        if not self.pending and self.form_matches_device():
            show_matches(self.pending_label, f"Matches the stimulator's program '{self.selected_name()}'")
        elif self.device_changed_under_edits():
            now = self.device_program()
            show_changed_underneath(self.pending_label, "The stimulator's program",
                                    f"Device now: {describe_program(now) if now is not None else 'no such program'}",
                                    self._describe_form(), "the device's")
        else:
            show_pending(self.pending_label)

    def _describe_form(self) -> str:
        try:
            return describe_program(self.pending_program())
        except InputError as exc:
            return f"incomplete ({exc.issues[0].message})"

    def on_events(self, records) -> None:
        """New events: follow the device, and show a new impedance check of this stimulator."""
        mine = [r for r in records if r.device == self.device_id]
        if mine:
            self.show_latest_impedance_check(mine)
            self.sync_with_device()

    def show_latest_impedance_check(self, records) -> bool:
        """Show the last `impedance.check` of this stimulator among `records` (True if one)."""
        for r in reversed(records):
            if r.device == self.device_id and r.kind == K.IMPEDANCE_CHECK:
                self.show_impedances(r.payload.get("table", []))
                sim = self.runner.sim
                self.imp_when.setText(f"measured {sim.calendar_time(r.t_s):%Y-%m-%d %H:%M} (elapsed {describe_elapsed(r.t_s)})")
                return True
        return False


def describe_program(p: Program) -> str:
    """A one-line summary of a program: contacts, amplitude (mA), pulse width (us), rate (Hz)."""
    contacts = " ".join(f"{k}{v.polarity}" for k, v in p.contacts.items())
    return f"{p.name}: {contacts}, {p.amplitude_ma:g} mA, {p.pulse_width_us:g} us, {p.rate_hz:g} Hz, {p.waveform}"
