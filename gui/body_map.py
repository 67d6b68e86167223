"""A body map of the virtual patient: front and back silhouettes drawn with QPainter.

APPROXIMATION FOR TEACHING: the shapes are a schematic, not anatomy. Each body region of the
patient model (`simulator.patient.somatotopy.REGIONS`) is one shape, placed by the small table
`PARTS` below; a few neutral shapes (head, shins, upper back) only complete the outline.

What a region shows:
- fill: the pain intensity of the profile's pain map (white = no pain, deep red = weight 1);
- blue hatch: paresthesia (tingling) is felt there now;
- text: the relief of a painful region now, in %.

`model()` gives the state drawn, region by region, so tests read what is shown without pixels.
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from simulator.patient.somatotopy import MIDLINE_PARTS, PAIRED_PARTS, REGIONS

#: Part -> (view, distance of its centre from the midline, centre height, width, height), in units
#: of the silhouette's height (0 = top of the head, 1 = sole). A paired part is drawn on both
#: sides: seen from the front the patient's left is on the viewer's right, from the back on the left.
PARTS: dict[str, tuple[str, float, float, float, float]] = {
    # front
    "jaw": ("front", 0.035, 0.085, 0.06, 0.03),
    "neck": ("front", 0.0, 0.125, 0.08, 0.04),
    "shoulder": ("front", 0.15, 0.17, 0.1, 0.05),
    "chest": ("front", 0.06, 0.22, 0.12, 0.08),
    "axilla": ("front", 0.14, 0.245, 0.05, 0.05),
    "upper_arm": ("front", 0.2, 0.28, 0.06, 0.13),
    "forearm": ("front", 0.225, 0.42, 0.055, 0.14),
    "hand": ("front", 0.24, 0.535, 0.06, 0.07),
    "abdomen": ("front", 0.055, 0.33, 0.11, 0.13),
    "perineum": ("front", 0.0, 0.475, 0.06, 0.04),
    "thigh_front": ("front", 0.065, 0.575, 0.1, 0.15),
    "knee": ("front", 0.065, 0.685, 0.085, 0.06),
    "ankle": ("front", 0.065, 0.915, 0.06, 0.035),
    "foot": ("front", 0.075, 0.96, 0.08, 0.04),
    # back
    "occiput": ("back", 0.0, 0.05, 0.1, 0.08),
    "low_back": ("back", 0.0, 0.37, 0.22, 0.1),
    "buttock": ("back", 0.06, 0.46, 0.11, 0.08),
    "thigh_back": ("back", 0.065, 0.585, 0.1, 0.17),
    "leg": ("back", 0.065, 0.79, 0.085, 0.19),
}
#: Neutral shapes that complete the outline: (view, offset, y, w, h, paired).
OUTLINE: tuple[tuple[str, float, float, float, float, bool], ...] = (
    ("front", 0.0, 0.045, 0.1, 0.08, False),  # head
    ("front", 0.065, 0.8, 0.075, 0.19, True),  # shins
    ("back", 0.0, 0.125, 0.08, 0.04, False),  # neck
    ("back", 0.0, 0.23, 0.25, 0.17, False),  # upper back and shoulders
    ("back", 0.2, 0.28, 0.06, 0.13, True),  # upper arms
    ("back", 0.225, 0.42, 0.055, 0.14, True),  # forearms
    ("back", 0.24, 0.535, 0.06, 0.07, True),  # hands
    ("back", 0.065, 0.93, 0.08, 0.06, True),  # heels
)
VIEWS = ("front", "back")
TEACHING_NOTE = "approximation for teaching"
PARESTHESIA_COLOUR = "#1565c0"


@dataclass(frozen=True)
class RegionState:
    """What one region shows: pain weight of the pain map (0 = not painful, 0..1), whether
    paresthesia is felt there now, and its relief now (%, None for a region without pain)."""

    region: str
    pain_weight: float
    paresthesia: bool
    relief_pct: float | None


def region_shape(region: str) -> tuple[str, QRectF]:
    """The view ('front' / 'back') and rectangle of `region`, in silhouette units (height 1)."""
    if region in MIDLINE_PARTS:
        side, part = "midline", region
    else:
        side, part = region.split("_", 1)
    view, offset, y, w, h = PARTS[part]
    return view, _rect(view, side, offset, y, w, h)


def _rect(view: str, side: str, offset: float, y: float, w: float, h: float) -> QRectF:
    # the silhouette's midline is at x = 0.3 (its width is 0.6 units)
    sign = 0.0 if side == "midline" else (1.0 if side == "left" else -1.0)
    if view == "back":
        sign = -sign
    cx = 0.3 + sign * offset
    return QRectF(cx - w / 2, y - h / 2, w, h)


def pain_colour(weight: float) -> QColor:
    """White for no pain to deep red for a weight of 1."""
    w = max(0.0, min(1.0, weight))
    return QColor(int(255 - 55 * w), int(255 - 225 * w), int(255 - 225 * w))


class BodyMap(QWidget):
    """Front and back silhouettes; `set_state(pain_map, paresthesia_regions, relief_by_region_pct)`."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._states: dict[str, RegionState] = {r: RegionState(r, 0.0, False, None) for r in REGIONS}
        self.setMinimumSize(200, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setToolTip("Body map (approximation for teaching): red = pain of the pain map, blue hatch = tingling felt now, % = relief now")

    def sizeHint(self) -> QSize:
        return QSize(420, 460)

    def set_state(self, pain_map: dict[str, float], paresthesia_regions, relief_by_region_pct: dict[str, float]) -> None:
        """Show the pain map (region -> weight 0..1), the regions felt now and the relief (%)."""
        felt = set(paresthesia_regions)
        states = {}
        for r in REGIONS:
            weight = float(pain_map.get(r, 0.0))
            relief = relief_by_region_pct.get(r) if weight > 0 else None
            states[r] = RegionState(r, weight, r in felt, None if relief is None else float(relief))
        if states != self._states:
            self._states = states
            self.update()

    def model(self) -> dict[str, RegionState]:
        """Region -> what it shows now."""
        return dict(self._states)

    def painful_regions(self) -> set[str]:
        return {r for r, s in self._states.items() if s.pain_weight > 0}

    def paresthesia_regions(self) -> set[str]:
        return {r for r, s in self._states.items() if s.paresthesia}

    # ----- drawing -----
    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor("white"))
        title_h = 18
        legend_h = 34
        avail_w, avail_h = self.width(), self.height() - title_h - legend_h
        scale = max(10.0, min(avail_h - 4, avail_w / (2 * 0.6 + 0.1)))
        total_w = scale * (2 * 0.6 + 0.1)
        x0 = (avail_w - total_w) / 2
        small = QFont(self.font())
        small.setPointSizeF(max(6.5, small.pointSizeF() * 0.8))
        for i, view in enumerate(VIEWS):
            ox = x0 + i * scale * 0.7
            p.setPen(QColor("#333"))
            p.drawText(QRectF(ox, 0, scale * 0.6, title_h), Qt.AlignmentFlag.AlignCenter, view)
            p.setFont(small)
            for v, offset, y, w, h, paired in OUTLINE:
                if v != view:
                    continue
                for side in (("left", "right") if paired else ("midline",)):
                    self._shape(p, _rect(v, side, offset, y, w, h), ox, title_h, scale, QColor("#eeeeee"), False)
            for region in REGIONS:
                rview, rect = region_shape(region)
                if rview != view:
                    continue
                s = self._states[region]
                screen = self._shape(p, rect, ox, title_h, scale, pain_colour(s.pain_weight), s.paresthesia)
                if s.relief_pct is not None:
                    p.setPen(QColor("black"))
                    p.drawText(screen, Qt.AlignmentFlag.AlignCenter, f"{s.relief_pct:.0f}%")
            p.setFont(self.font())
        p.setPen(QColor("#333"))
        legend = QRectF(4, self.height() - legend_h, self.width() - 8, legend_h)
        p.drawText(legend, int(Qt.AlignmentFlag.AlignLeft) | int(Qt.TextFlag.TextWordWrap),
                   "Front: the patient faces you (their left on your right); back: seen from behind. Red: pain of the pain map "
                   "(deeper = more); blue hatch: tingling felt now; %: relief now. Schematic, an approximation for teaching.")
        p.end()

    @staticmethod
    def _shape(p: QPainter, rect: QRectF, ox: float, oy: float, scale: float, fill: QColor, hatch: bool) -> QRectF:
        screen = QRectF(ox + rect.x() * scale, oy + rect.y() * scale, rect.width() * scale, rect.height() * scale)
        p.setPen(QPen(QColor("#777"), 1))
        p.setBrush(QBrush(fill))
        p.drawRoundedRect(screen, 4, 4)
        if hatch:
            p.setPen(QPen(QColor(PARESTHESIA_COLOUR), 2))
            p.setBrush(QBrush(QColor(PARESTHESIA_COLOUR), Qt.BrushStyle.BDiagPattern))
            p.drawRoundedRect(screen, 4, 4)
        return screen


def _check_table() -> None:
    """Every region of the patient model has exactly one shape (import-time guard)."""
    missing = [p for p in (*PAIRED_PARTS, *MIDLINE_PARTS) if p not in PARTS]
    if missing:
        raise RuntimeError(f"body map has no shape for {missing}")


_check_table()
