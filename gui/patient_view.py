"""The virtual patient's view: body map, what the patient says, and relief / NRS plots.

APPROXIMATION FOR TEACHING (`simulator.patient`): every part is labelled so. The view reads the
patient only through `snapshot()` and its `profile` (the pain map), and the recorded events and
series of the run.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QSplitter, QVBoxLayout, QWidget

from gui.body_map import TEACHING_NOTE, BodyMap
from gui.device_views import DeviceViews
from gui.plot_common import follow_time, series_xy_days, set_curve, step_xy
from gui.series_plots import SeriesPlots
from simulator.event_kinds import K
from simulator.event_text import describe
from simulator.units import describe_elapsed

#: The patient's events that are things it says (newest first in "Patient says").
SAYS_KINDS = frozenset({K.PATIENT_REPORT, K.PATIENT_DISCOMFORT, K.PATIENT_DIARY, K.PATIENT_TRIAL_VERDICT})
#: The recorded series plotted (the per-region nrs_<region> are left out: the body map shows them).
PLOTTED_SIGNALS = ("relief_pct", "nrs", "coverage_pct")
#: Smallest height of each plot, px: the tab (body map above three plots) fits a 1366 x 768 screen.
PLOT_MIN_HEIGHT_PX = 70


def _teaching_label(text: str) -> QLabel:
    label = QLabel(f"{text} ({TEACHING_NOTE})")
    label.setWordWrap(True)
    label.setStyleSheet("QLabel { font-weight: bold; }")
    return label


class PatientSays(QListWidget):
    """The patient's reports, discomfort, diary entries and trial verdict as sentences, newest first."""

    def __init__(self, device_id: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.device_id = device_id
        self.setWordWrap(True)
        self.setAlternatingRowColors(True)

    def show_records(self, records) -> None:
        """Show the sentences of `records` (all of a run), replacing what was shown."""
        self.clear()
        self.on_events(records)

    def on_events(self, records) -> None:
        for r in records:
            if r.device == self.device_id and r.kind in SAYS_KINDS:
                self.insertItem(0, f"{describe_elapsed(r.t_s)}  {describe(r)}")

    def sentences(self) -> list[str]:
        """The lines shown, top (newest) first."""
        return [self.item(i).text() for i in range(self.count())]


class PatientPlots(SeriesPlots):
    """The patient's relief, NRS and coverage series (series_plots' plots, filtered)."""

    def refresh(self, now_s: float) -> None:
        """As SeriesPlots, with relief and NRS drawn on to their closed-form values now (the
        snapshot's), not stopped at the last recorded breakpoint."""
        if self.sim is None or not self.device_ids:  # made with the patient's id (build_patient_views)
            return
        self.skip |= {k for k in self.sim.recorder.series if k[0] in self.device_ids and k[1] not in PLOTTED_SIGNALS}
        self._ensure()
        for plot, _curve in self.plots.values():
            plot.setMinimumHeight(PLOT_MIN_HEIGHT_PX)
        snap = self.sim.devices[self.device_ids[0]].snapshot()
        now_values = {"relief_pct": snap.relief_pct, "nrs": snap.nrs} if snap.t_s == now_s else {}
        for key, (plot, curve) in self.plots.items():
            series = self.sim.recorder.series[key]
            x, y = series_xy_days(series, now_s, now_values.get(key[1]))
            if series.interp == "step":
                x, y = step_xy(x, y)
            set_curve(curve, x, y)
            follow_time(plot, now_s)


class PatientView(QWidget):
    """Body map and 'Patient says' side by side above the relief / NRS plots."""

    def __init__(self, sim, device_id: str, x_link=None, parent: QWidget | None = None):
        super().__init__(parent)
        self.sim, self.device_id = sim, device_id
        self.label = QLabel(f"Virtual patient ({device_id}): a toy model, an {TEACHING_NOTE}, not a physiological or clinical prediction")
        self.label.setObjectName("patient-teaching-label")
        self.label.setWordWrap(True)
        self.label.setStyleSheet("QLabel#patient-teaching-label { padding: 3px 6px; background: #fff4d6; color: #5d4200; }")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.body_map = BodyMap()
        self.says = PatientSays(device_id)
        self.plots = PatientPlots([device_id])

        left = QWidget()
        col = QVBoxLayout(left)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(_teaching_label("Body map"))
        col.addWidget(self.body_map, 1)
        col.addWidget(self.status)
        right = QWidget()
        col2 = QVBoxLayout(right)
        col2.setContentsMargins(0, 0, 0, 0)
        col2.addWidget(_teaching_label("Patient says, newest first"))
        col2.addWidget(self.says, 1)
        top = QWidget()
        row = QHBoxLayout(top)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(left, 3)
        row.addWidget(right, 2)
        bottom = QWidget()
        col3 = QVBoxLayout(bottom)
        col3.setContentsMargins(0, 0, 0, 0)
        col3.addWidget(_teaching_label("Relief, pain score (NRS) and coverage"))
        col3.addWidget(self.plots, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(bottom)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setSizes([480, 420])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.label)
        layout.addWidget(split, 1)
        self.says.show_records(list(sim.recorder.events))
        self.plots.set_simulation(sim, x_link)
        self.refresh(sim.now)

    def teaching_labels(self) -> list[str]:
        """The texts of every label of the view (each says it is an approximation for teaching)."""
        return [w.text() for w in self.findChildren(QLabel) if w is not self.status]

    def refresh(self, now_s: float) -> None:
        device = self.sim.devices[self.device_id]
        snap = device.snapshot()
        self.body_map.set_state(device.profile.pain_map, snap.paresthesia_regions, snap.relief_by_region_pct)
        self.status.setText(
            f"Posture {snap.posture}; stimulating: {'yes' if snap.stimulating else 'no'}; coverage of the pain {snap.coverage_pct:.0f} %; "
            f"relief {snap.relief_pct:.0f} %; NRS {snap.nrs:.1f} of baseline {snap.baseline_nrs:.1f}; "
            f"{'responder' if snap.responder else 'not a responder'} (>= 50 % relief)")
        self.plots.refresh(now_s)

    def on_events(self, records) -> None:
        self.says.on_events(records)
        self.plots.on_events(records)


def patient_views(sim, device_id: str, runner, x_link_holder: list) -> DeviceViews:
    """The patient's tab (the full view) and its overview panel (every recorded series, as before)."""
    overview = SeriesPlots([device_id])
    overview.set_simulation(sim, x_link_holder[0] if x_link_holder else None)
    tab = PatientView(sim, device_id)
    return DeviceViews(device_id, "patient", f"Patient ({device_id})", tab, overview, {"patient_view": tab, "body_map": tab.body_map, "says": tab.says})
