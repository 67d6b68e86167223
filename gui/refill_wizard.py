"""The refill wizard: aspirate and compare, fill, concentration change (bridge bolus), confirm.

A mixture: the fill page has an optional second drug (admixture, from the drug library, its
concentration in that drug's unit per mL); it starts as the pump's admixture (snapshot
`admixture`). The review gives each drug's daily dose (programmed volume per day x its
concentration) and the pump's check findings of the refill.

It builds the parameters of the pump's `refill` action step by step; the last page checks them
with the pump (`device.check`) and transmits. Expected volumes, tolerances, the dead volume and
the dose program come from the pump model and its profile.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QLabel, QVBoxLayout, QWizard, QWizardPage

from gui.limits import Limits, field_range, spin
from gui.transmit import transmit
from simulator.pump.settings import ContinuousMode, RefillParams


class _Page(QWizardPage):
    """A wizard page whose initialize / validate steps call back into the wizard."""

    def __init__(self, on_init=None, on_validate=None):
        super().__init__()
        self._on_init, self._on_validate = on_init, on_validate

    def initializePage(self) -> None:
        if self._on_init is not None:
            self._on_init()

    def validatePage(self) -> bool:
        return bool(self._on_validate()) if self._on_validate is not None else True


class RefillWizard(QWizard):
    def __init__(self, runner, device_id: str, parent=None):
        super().__init__(parent)
        self.runner = runner
        self.device_id = device_id
        self.result_payload: dict[str, Any] | None = None
        self.setWindowTitle(f"Refill {device_id}")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, False)
        dev = self.device
        sim = runner.sim
        u = dev.drug_unit
        reg = sim.registry
        self.drug_ids = reg.ids("drug")

        # 1. aspirate and compare
        p1 = QWizardPage()
        p1.setTitle("1. Aspirate the residual and compare")
        f1 = QFormLayout(p1)
        self.expected_ml = dev.expected_reservoir_ml_at(sim.now)
        intro = QLabel(
            f"The pump calculates {self.expected_ml:.2f} mL left in the reservoir. Aspirate all residual drug and enter the "
            "volume in the syringe. The box starts at what is really left in the simulated reservoir (it differs from the "
            "pump's calculation when the pump runs fast or slow); change it to practise a discrepancy."
        )
        intro.setWordWrap(True)
        f1.addRow(intro)
        self.aspirated = spin(field_range(RefillParams, "aspirated_ml"), "mL", "Volume drawn out of the reservoir", decimals=2, value=dev.reservoir_ml_at(sim.now))
        f1.addRow("Aspirated", self.aspirated)
        self.compare = QLabel()
        self.compare.setWordWrap(True)
        f1.addRow(self.compare)
        self.aspirated.valueChanged.connect(self._compare)
        self._compare()
        self.addPage(p1)

        # 2. fill
        p2 = QWizardPage()
        p2.setTitle("2. Fill")
        f2 = QFormLayout(p2)
        self.drug_combo = QComboBox()
        for i in self.drug_ids:
            self.drug_combo.addItem(reg.get(i).drug_name, i)
        self.drug_combo.setCurrentIndex(max(self.drug_combo.findData(dev.drug_profile().id), 0))
        self.drug_combo.setToolTip("Drug in the syringe (a different drug needs the reservoir emptied)")
        f2.addRow("Drug", self.drug_combo)
        self.concentration = spin(Limits(0.0001, 1e4, None), f"{u}/mL", "Concentration of the new drug", decimals=4, value=dev.programmed_concentration_per_ml())
        f2.addRow("Concentration", self.concentration)
        cap = dev.profile.reservoir_capacity_ml
        self.fill = spin(Limits(0.1, cap, 0.1), "mL", f"Volume injected through the reservoir port (capacity {cap:g} mL)", decimals=2, value=cap)
        f2.addRow("Fill volume", self.fill)
        self.drug_combo.currentIndexChanged.connect(self._drug_changed)
        self._drug_changed()
        # mixture: an optional second drug in the same fluid
        adm_now = dev.snapshot().admixture
        self.mix_check = QCheckBox("Mixture: add a second drug (admixture)")
        self.mix_check.setToolTip("The pump moves one fluid; each drug's dose is the volume per day x its own concentration")
        f2.addRow(self.mix_check)
        self.mix_drug_combo = QComboBox()
        for i in self.drug_ids:
            self.mix_drug_combo.addItem(reg.get(i).drug_name, i)
        self.mix_drug_combo.setToolTip("Second drug in the syringe (from the drug library)")
        f2.addRow("Admixture drug", self.mix_drug_combo)
        self.mix_concentration = spin(Limits(0.0001, 1e4, None), "mg/mL", "Concentration of the second drug in its own unit", decimals=4, value=1.0)
        f2.addRow("Admixture concentration", self.mix_concentration)
        if adm_now is not None:
            self.mix_drug_combo.setCurrentIndex(max(self.mix_drug_combo.findData(adm_now.drug_id), 0))
            self.mix_check.setChecked(True)
            # the pump keeps its admixture at a refill (RefillParams: default the admixture in the pump)
            self.mix_check.setEnabled(False)
            self.mix_check.setToolTip("The pump holds a mixture: the refill keeps a second drug (change its drug or concentration below)")
        else:
            idx = self.mix_drug_combo.findData("drug/bupivacaine")
            self.mix_drug_combo.setCurrentIndex(idx if idx >= 0 else 0)
        self.mix_drug_combo.currentIndexChanged.connect(self._mix_drug_changed)
        self._mix_drug_changed()
        if adm_now is not None:
            self.mix_concentration.setValue(adm_now.concentration_per_ml)
        self.mix_check.toggled.connect(self._mix_toggled)
        self._mix_toggled()
        self.addPage(p2)

        # 3. concentration change
        p3 = _Page(on_init=self._init_change_page)
        p3.setTitle("3. Concentration change and bridge bolus")
        l3 = QVBoxLayout(p3)
        self.change_text = QLabel()
        self.change_text.setWordWrap(True)
        l3.addWidget(self.change_text)
        self.bridge = QCheckBox("Run a bridge bolus (recommended when the concentration changes)")
        self.bridge.setToolTip("Moves the old drug out of the pump tubing and catheter at the rate that keeps the dose right")
        l3.addWidget(self.bridge)
        self.new_dose_form = QFormLayout()
        self.new_dose = spin(field_range(ContinuousMode, "dose_mg_per_day"), "mg/day", "Starting daily dose of the new drug", decimals=4)
        self.new_dose_form.addRow("New drug: continuous dose", self.new_dose)
        l3.addLayout(self.new_dose_form)
        l3.addStretch(1)
        self.addPage(p3)

        # 4. confirm
        p4 = _Page(on_init=self._init_confirm_page, on_validate=self._transmit)
        p4.setTitle("4. Confirm and transmit")
        l4 = QVBoxLayout(p4)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        l4.addWidget(self.summary)
        self.addPage(p4)
        self.resize(640, 420)

    @property
    def device(self):
        return self.runner.sim.devices[self.device_id]

    # ----- pages -----
    def _init_confirm_page(self) -> None:
        self.summary.setText(self.summary_text())

    def _compare(self, *_):
        p = self.device.profile
        got = self.aspirated.value()
        diff = round(got - self.expected_ml, 2) + 0.0  # as shown in the syringe box (no "-0.00")
        tol = max(p.refill_discrepancy_tolerance_ml, p.refill_discrepancy_tolerance_pct / 100.0 * self.expected_ml)
        if abs(diff) > tol:
            meaning = "more left than expected: under-delivery?" if diff > 0 else "less left than expected: over-delivery or a leak?"
            self.compare.setText(f"Difference {diff:+.2f} mL is outside the tolerance of {tol:.2f} mL: {meaning} The pump will log a discrepancy.")
            self.compare.setStyleSheet("color: #b00020")
        else:
            self.compare.setText(f"Difference {diff:+.2f} mL is within the tolerance of {tol:.2f} mL.")
            self.compare.setStyleSheet("color: #2e7d32")

    def selected_drug(self):
        return self.runner.sim.registry.get(self.drug_combo.currentData())

    def _drug_changed(self, *_):
        drug = self.selected_drug()
        u = drug.unit
        self.concentration.setSuffix(f" {u}/mL")
        top = drug.max_concentration_per_ml or 1e4
        self.concentration.setRange(10 ** -self.concentration.decimals(), top)
        self.concentration.setToolTip(f"Concentration of {drug.drug_name}, {u}/mL. Allowed: up to {top:g} {u}/mL")
        if drug.id == self.device.drug_profile().id:
            self.concentration.setValue(self.device.programmed_concentration_per_ml())

    def selected_admixture(self):
        """The admixture drug profile chosen, or None when the fill holds one drug."""
        if not self.mix_check.isChecked():
            return None
        return self.runner.sim.registry.get(self.mix_drug_combo.currentData())

    def _mix_drug_changed(self, *_):
        drug = self.runner.sim.registry.get(self.mix_drug_combo.currentData())
        u = drug.unit
        top = drug.max_concentration_per_ml or 1e4
        self.mix_concentration.setSuffix(f" {u}/mL")
        self.mix_concentration.setRange(10 ** -self.mix_concentration.decimals(), 1e4)
        self.mix_concentration.setToolTip(f"Concentration of {drug.drug_name} in the mixture, {u}/mL (drug library maximum {top:g} {u}/mL)")

    def _mix_toggled(self, *_):
        on = self.mix_check.isChecked()
        self.mix_drug_combo.setEnabled(on)
        self.mix_concentration.setEnabled(on)

    def primary_daily_dose(self) -> float:
        """The primary drug's programmed daily dose after the refill, its unit/day: the new
        starting dose after a drug change, else the dose program kept."""
        if self.selected_drug().id != self.device.drug_profile().id:
            return float(self.new_dose.value())
        return float(self.device.snapshot().programmed_daily_dose)

    def daily_doses(self) -> list[tuple[str, float, str]]:
        """Each drug of the new fill: (name, daily dose, unit). Volume per day (mL/day) = primary
        daily dose / primary concentration; each drug's daily dose = that volume x its concentration."""
        drug = self.selected_drug()
        daily = self.primary_daily_dose()
        out = [(drug.drug_name, daily, drug.unit)]
        adm = self.selected_admixture()
        if adm is not None:
            conc = float(self.concentration.value())
            volume_ml_per_day = daily / conc if conc > 0 else 0.0
            out.append((adm.drug_name, volume_ml_per_day * float(self.mix_concentration.value()), adm.unit))
        return out

    def concentration_changed(self) -> bool:
        return self.selected_drug().id != self.device.drug_profile().id or abs(self.concentration.value() - self.device.programmed_concentration_per_ml()) > 1e-12

    def _init_change_page(self) -> None:
        dev = self.device
        drug = self.selected_drug()
        same_drug = drug.id == dev.drug_profile().id
        self.new_dose.setVisible(not same_drug)
        self.new_dose_form.labelForField(self.new_dose).setVisible(not same_drug)
        if same_drug:
            if self.concentration_changed():
                plan = dev.concentration_change_preview(self.concentration.value())
                u = plan["unit"]
                text = (f"The concentration changes from {dev.programmed_concentration_per_ml():g} to {self.concentration.value():g} {u}/mL. "
                        f"The dose program stays {plan['dose_per_day']:g} {u}/day, so the pump's rate changes from "
                        f"{plan['old_rate_ml_per_day']:.4g} to {plan['new_rate_ml_per_day']:.4g} mL/day.\n\n"
                        f"The {plan['dead_volume_ml']:.3f} mL dead volume (pump tubing and catheter) still holds {plan['old_amount']:.4g} {u} of the old drug. ")
                if plan["flush_hours"] is not None:
                    kind = "over-dose" if plan["error_amount"] > 0 else "under-dose"
                    pct = f" ({plan['error_pct']:+.0f} %)" if plan["error_pct"] is not None else ""
                    text += (f"Without a bridge bolus it would be pushed out at the new rate: an {kind} of "
                             f"{abs(plan['error_amount']):.4g} {u}{pct} over {plan['flush_hours']:.1f} h.")
                if plan["bridge_hours"] is not None:
                    text += f" The bridge bolus delivers it at {plan['old_rate_ml_per_day']:.4g} mL/day, which takes about {plan['bridge_hours']:.1f} h."
                self.bridge.setChecked(True)
                self.bridge.setEnabled(True)
            else:
                text = "Same drug and concentration: no bridge bolus is needed."
                self.bridge.setChecked(False)
                self.bridge.setEnabled(False)
        else:
            text = (f"Drug change from {dev.drug_profile().drug_name} to {drug.drug_name}: the reservoir must be emptied first. "
                    f"Enter the new starting dose; the old drug in the {dev.snapshot().dead_volume_ml:.3f} mL dead volume is delivered first.")
            limits = field_range(ContinuousMode, f"dose_{drug.unit}_per_day")
            self.new_dose.setRange(limits.minimum, limits.maximum)
            self.new_dose.setSuffix(f" {drug.unit}/day")
            self.bridge.setChecked(False)
            self.bridge.setEnabled(False)
        self.change_text.setText(text)

    # ----- result -----
    def params(self) -> dict[str, Any]:
        drug = self.selected_drug()
        out: dict[str, Any] = {"fill_ml": self.fill.value(), "aspirated_ml": self.aspirated_ml()}
        if drug.id != self.device.drug_profile().id:
            out["drug"] = drug.id
            out["mode"] = {"type": "continuous", f"dose_{drug.unit}_per_day": self.new_dose.value()}
        if self.concentration_changed():
            out[f"concentration_{drug.unit}_per_ml"] = self.concentration.value()
        if self.bridge.isChecked() and self.bridge.isEnabled():
            out["bridge_bolus"] = True
        adm = self.selected_admixture()
        if adm is not None:
            out["admixture"] = {"drug": adm.id, f"concentration_{adm.unit}_per_ml": self.mix_concentration.value()}
        return out

    def findings(self) -> list[str]:
        """The pump's check of the refill, one line per finding ('refuse'/'warn' and the message)."""
        from gui.transmit import check_findings
        from simulator.errors import InputError

        try:
            found = check_findings(self.runner.sim, self.device_id, "refill", self.params())
        except InputError as exc:
            return [f"refuse: {i}" for i in exc.issues]
        return [f"{f.level}: {f.message}" for f in found]

    def aspirated_ml(self) -> float:
        """The volume aspirated, mL. The box shows 0.01 mL; an entry within that rounding of what is
        really in the reservoir means all of it (5.979 mL shown as 5.98 must not be refused as more
        than is there)."""
        entered = float(self.aspirated.value())
        residual = float(self.device.reservoir_ml_at(self.runner.sim.now))
        return residual if abs(entered - residual) <= 0.005 + 1e-9 else entered

    def summary_text(self) -> str:
        p = self.params()
        drug = self.selected_drug()
        lines = [
            f"Aspirated: {p['aspirated_ml']:.2f} mL (pump calculated {self.expected_ml:.2f} mL)",
            f"Fill: {p['fill_ml']:.2f} mL of {drug.drug_name} at {self.concentration.value():g} {drug.unit}/mL",
            f"Bridge bolus: {'yes' if p.get('bridge_bolus') else 'no'}",
        ]
        if "mode" in p:
            lines.append(f"New program: continuous {self.new_dose.value():g} {drug.unit}/day")
        adm = self.selected_admixture()
        if adm is not None:
            lines.append(f"Admixture: {adm.drug_name} at {self.mix_concentration.value():g} {adm.unit}/mL (same fluid)")
            lines.append("Daily doses: " + "; ".join(f"{name} {dose:.4g} {unit}/day" for name, dose, unit in self.daily_doses()))
        found = self.findings()
        lines.append("Checks: " + ("\n  " + "\n  ".join(found) if found else "no findings"))
        lines.append("\nFinish checks the refill with the pump and transmits it.")
        return "\n".join(lines)

    def _transmit(self) -> bool:
        result = transmit(self, self.runner, self.device_id, "refill", self.params(), "Refill")
        if result:
            self.result_payload = result.payload
            return True
        return False
