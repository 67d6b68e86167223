"""The virtual patient's view: body map, what the patient says, and relief / NRS plots.

APPROXIMATION FOR TEACHING (`simulator.patient`): every part is labelled so. The view reads the
patient only through `snapshot()` and its `profile` (the pain map), and the recorded events and
series of the run.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSplitter, QTabWidget, QVBoxLayout, QWidget

from gui.event_list import DeviceEventList
from gui.body_map import TEACHING_NOTE, BodyMap
from gui.device_views import DeviceViews
from gui.plot_common import follow_time, series_xy_days, set_curve, step_xy
from gui.series_plots import SeriesPlots
from gui.spine_view import SpineView, XrayView, scene_from_snapshots
from gui.threshold_recorder import ThresholdRecorder
from simulator.event_kinds import K

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


class PatientSays(DeviceEventList):
    """The patient's reports, discomfort, diary entries and trial verdict as sentences, newest first."""

    def __init__(self, device_id: str, parent: QWidget | None = None):
        super().__init__(device_id, SAYS_KINDS, parent)


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
    """Body map, leads on the spine, X-ray and the relief / NRS plots (tabs) beside 'Patient says'
    and the threshold recorder."""

    def __init__(self, sim, device_id: str, x_link=None, parent: QWidget | None = None, runner=None):
        super().__init__(parent)
        self.sim, self.device_id = sim, device_id
        self.label = QLabel(f"Virtual patient ({device_id}): a toy model, an {TEACHING_NOTE}, not a physiological or clinical prediction")
        self.label.setObjectName("patient-teaching-label")
        self.label.setWordWrap(True)
        self.label.setStyleSheet("QLabel#patient-teaching-label { padding: 3px 6px; background: #fff4d6; color: #5d4200; }")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.body_map = BodyMap()
        self.spine = SpineView()
        self.xray = XrayView()
        self.says = PatientSays(device_id)
        self.recorder = ThresholdRecorder(sim, device_id, runner)
        self.plots = PatientPlots([device_id])

        self.pictures = QTabWidget()
        self.pictures.setDocumentMode(True)
        for widget, title, text in ((self.body_map, "Body map", "Body map"),
                                    (self.spine, "Leads on the spine", "Leads over the vertebral column, contacts by role"),
                                    (self.xray, "X-ray (migration)", "X-ray view: lead position now vs at implant"),
                                    (self.plots, "Relief over time", "Relief, pain score (NRS) and coverage")):
            page = QWidget()
            pcol = QVBoxLayout(page)
            pcol.setContentsMargins(0, 0, 0, 0)
            pcol.setSpacing(2)
            pcol.addWidget(_teaching_label(text))
            pcol.addWidget(widget, 1)
            self.pictures.addTab(page, title)
        self.pictures.currentChanged.connect(lambda _i: self.refresh(self.sim.now))
        left = QWidget()
        col = QVBoxLayout(left)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(2)
        col.addWidget(self.pictures, 1)
        col.addWidget(self.status)
        right = QWidget()
        col2 = QVBoxLayout(right)
        col2.setContentsMargins(0, 0, 0, 0)
        col2.addWidget(_teaching_label("Patient says, newest first"))
        col2.addWidget(self.says, 1)
        col2.addWidget(_teaching_label("Threshold recording: step the amplitude up and ask"))
        col2.addWidget(self.recorder)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([780, 520])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.label)
        layout.addWidget(split, 1)
        self.says.show_records(list(sim.recorder.events))
        self.plots.set_simulation(sim, x_link)
        self.refresh(sim.now)

    def teaching_labels(self) -> list[str]:
        """The texts of every label of the view (each says it is an approximation for teaching)."""
        return [w.text() for w in self.findChildren(QLabel) if w is not self.status and not self.recorder.isAncestorOf(w)]

    def show_picture(self, name: str) -> None:
        """Show one of the pages: 'body', 'spine', 'xray' or 'plots'."""
        self.pictures.setCurrentIndex({"body": 0, "spine": 1, "xray": 2, "plots": 3}[name])

    def refresh(self, now_s: float) -> None:
        device = self.sim.devices[self.device_id]
        snap = device.snapshot()
        self.body_map.set_state(device.profile.pain_map, snap.paresthesia_regions, snap.relief_by_region_pct)
        stim_snap = self.sim.devices[snap.stimulator].snapshot()
        scene = scene_from_snapshots(snap, stim_snap)
        self.spine.set_scene(scene)
        self.xray.set_scene(scene)
        self.recorder.refresh(now_s, stim_snap, snap)
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
    tab = PatientView(sim, device_id, runner=runner)
    return DeviceViews(device_id, "patient", f"Patient ({device_id})", tab, overview,
                       {"patient_view": tab, "body_map": tab.body_map, "says": tab.says, "spine": tab.spine, "xray": tab.xray,
                        "threshold_recorder": tab.recorder})
