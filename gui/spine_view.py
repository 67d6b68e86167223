"""The leads drawn over the vertebral column at their real levels, and an X-ray-style view of a migration.

APPROXIMATION FOR TEACHING (`simulator.patient`). Everything drawn comes from two snapshots:
- the patient's (`PatientSnapshot`): every contact's position along the spine now and at implant
  (vertebra units: 0.0 = top of C1, 1.0 = top of C2, ...), its lateral position (mm, + right),
  each lead's migration (mm, + caudal) and the model's segment height (mm);
- the linked stimulator's (`StimulatorSnapshot`): the contacts of the running programs and their
  role (cathode -, anode +, with the share of the current), as `gui.lead_diagram` colours them.

The drawing only scales: one vertebra is `px_per_level` pixels high (every segment the model's
`segment_mm`; real vertebrae differ in height, the model does not), seen from behind (the
patient's left on the left). Lateral distances are drawn `LATERAL_EXAGGERATION` times larger
than vertical ones so that two leads 4 mm apart stay apart on screen.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from gui.lead_diagram import COLOURS
from simulator.scs.leads import VERTEBRAE

#: Fewest vertebrae drawn (six, e.g. T7-T12 around a thoracic lead, C2-C7 around a cervical one).
MIN_LEVELS_SHOWN = 6
#: Lateral distances are drawn this many times larger than vertical ones (a drawing choice).
LATERAL_EXAGGERATION = 2.0
#: A vertebral body is drawn over this fraction of its segment (the rest is the disc below it).
BODY_FRACTION = 0.82
#: Smallest drawn contact, px (a 3 mm contact is a few px high at six levels a screen).
MIN_CONTACT_PX = (7.0, 6.0)
TEACHING_NOTE = "approximation for teaching"


@dataclass(frozen=True)
class ContactMark:
    """One contact to draw: label, lead (1..), position now and at implant (vertebra units), lateral mm, role."""

    contact: str
    lead: int
    position_levels: float
    placed_position_levels: float
    x_mm: float
    role: str | None = None  # '-' cathode, '+' anode, None off
    fraction_pct: float | None = None


@dataclass(frozen=True)
class SpineScene:
    """What the spine and X-ray views draw, read from the patient's and the stimulator's snapshots."""

    contacts: tuple[ContactMark, ...] = ()
    leads: tuple = ()  # the patient's LeadState records
    segment_mm: float = 25.0
    case_role: str | None = None
    programs: tuple[str, ...] = ()
    stimulating: bool = False


def scene_from_snapshots(patient_snap, stim_snap=None) -> SpineScene:
    """The scene of a patient snapshot and (for the contacts' roles) its stimulator's snapshot.

    A contact used by several running programs shows the role of the first program that uses it."""
    roles: dict[str, tuple[str, float | None]] = {}
    programs: tuple[str, ...] = ()
    stimulating = False
    if stim_snap is not None:
        programs = tuple(stim_snap.active_programs)
        stimulating = bool(stim_snap.stimulating)
        for name in programs:
            program = stim_snap.programs.get(name)
            if program is None:
                continue
            for label, use in program.contacts.items():
                roles.setdefault(label, (use.polarity, use.fraction_pct))
    marks = tuple(ContactMark(c.contact, c.lead, c.position_levels, c.placed_position_levels, c.x_mm,
                              *roles.get(c.contact, (None, None))) for c in patient_snap.contacts)
    case = roles.get("case", (None, None))[0]
    return SpineScene(marks, tuple(patient_snap.leads), float(patient_snap.segment_mm), case, programs, stimulating)


def levels_shown(positions: list[float], minimum: int = MIN_LEVELS_SHOWN) -> tuple[int, int]:
    """First and last vertebra index drawn: one vertebra above the highest contact and one below
    the lowest, widened to `minimum` vertebrae (a vertebra below, then one above, in turn), inside C1..S1."""
    n = len(VERTEBRAE)
    if not positions:
        return 0, min(minimum, n) - 1
    first = max(math.floor(min(positions)) - 1, 0)
    last = min(math.floor(max(positions) + 1e-9) + 1, n - 1)
    below = True
    while last - first + 1 < minimum and (first > 0 or last < n - 1):
        if (below and last < n - 1) or first == 0:
            last += 1
        else:
            first -= 1
        below = not below
    return first, last


@dataclass(frozen=True)
class SpineGeometry:
    """Where things go on screen: vertebra `first` starts at `top_px`; one vertebra is `px_per_level`."""

    first: int
    last: int
    top_px: float
    px_per_level: float
    centre_x_px: float
    px_per_mm_x: float
    body_half_width_px: float

    def y_of(self, position_levels: float) -> float:
        return self.top_px + (position_levels - self.first) * self.px_per_level

    def x_of(self, x_mm: float) -> float:
        return self.centre_x_px + x_mm * self.px_per_mm_x


class SpineCanvas(QWidget):
    """Vertebral column (labelled) with leads drawn on it; subclasses choose the look."""

    title = "Leads on the spine (top = cranial, seen from behind)"
    draw_ghost = False

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.scene = SpineScene()
        self.setMinimumSize(200, 170)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)

    def sizeHint(self) -> QSize:
        return QSize(420, 420)

    def set_scene(self, scene: SpineScene) -> None:
        self.scene = scene
        self.update()

    # ----- geometry -----
    def _positions(self) -> list[float]:
        out = [c.position_levels for c in self.scene.contacts]
        if self.draw_ghost:
            out += [c.placed_position_levels for c in self.scene.contacts]
        return out

    #: Each column drawn: (centre as a fraction of the width, draws the implant positions, caption).
    columns: tuple[tuple[float, bool, str], ...] = ((0.45, False, ""),)

    def geometry_now(self, placed: bool = False) -> SpineGeometry:
        """Screen geometry of the column that draws the positions now (placed=False) or at implant."""
        first, last = levels_shown(self._positions())
        top, bottom = 26.0, 24.0 + 16.0 * self._note_lines()
        ppl = max((self.height() - top - bottom) / (last - first + 1), 4.0)
        seg = self.scene.segment_mm or 25.0
        frac = next((f for f, pl, _c in self.columns if pl == placed), self.columns[0][0])
        half = min(0.8 * ppl, self.width() / len(self.columns) * 0.22)
        return SpineGeometry(first, last, top, ppl, self.width() * frac, LATERAL_EXAGGERATION * ppl / seg, half)

    def _note_lines(self) -> int:
        return 1

    def vertebra_labels(self) -> list[str]:
        g = self.geometry_now()
        return list(VERTEBRAE[g.first:g.last + 1])

    def vertebra_centres_px(self) -> dict[str, float]:
        """Vertical centre (px) of each drawn vertebra's segment, where its label is written."""
        g = self.geometry_now()
        return {VERTEBRAE[i]: g.y_of(i + 0.5) for i in range(g.first, g.last + 1)}

    def contact_centres_px(self, placed: bool = False) -> dict[str, QPointF]:
        """Centre of each contact on screen, now or (placed=True) where it was at implant."""
        g = self.geometry_now(placed)
        return {c.contact: QPointF(g.x_of(c.x_mm), g.y_of(c.placed_position_levels if placed else c.position_levels))
                for c in self.scene.contacts}

    def contact_roles(self) -> dict[str, str | None]:
        return {c.contact: c.role for c in self.scene.contacts}

    def _contact_size(self, g: SpineGeometry) -> tuple[float, float]:
        """Drawn width and height of a contact: 1.3 mm x 3/4 of the pitch on its lead (at least MIN_CONTACT_PX)."""
        by_lead: dict[int, list[float]] = {}
        for c in self.scene.contacts:
            by_lead.setdefault(c.lead, []).append(c.position_levels)
        pitches = [min(b - a for a, b in zip(sorted(p), sorted(p)[1:])) for p in by_lead.values() if len(p) > 1]
        pitch_px = (min(pitches) if pitches else 0.12) * g.px_per_level
        return max(1.3 * g.px_per_mm_x, MIN_CONTACT_PX[0]), max(0.75 * pitch_px, MIN_CONTACT_PX[1])

    def contact_at(self, pos: QPointF) -> ContactMark | None:
        g = self.geometry_now()
        w, h = self._contact_size(g)
        for c in self.scene.contacts:
            x, y = g.x_of(c.x_mm), g.y_of(c.position_levels)
            if abs(pos.x() - x) <= w / 2 + 2 and abs(pos.y() - y) <= h / 2 + 2:
                return c
        return None

    def mouseMoveEvent(self, event) -> None:
        c = self.contact_at(event.position())
        if c is not None:
            role = {"-": "cathode", "+": "anode"}.get(c.role or "", "off")
            share = f" ({c.fraction_pct:g} % of the current)" if c.fraction_pct is not None else ""
            level = VERTEBRAE[min(max(math.floor(c.position_levels + 1e-9), 0), len(VERTEBRAE) - 1)]
            self.setToolTip(f"{c.contact} (lead {c.lead}) at {level}, {abs(c.x_mm):.1f} mm {'right' if c.x_mm > 0 else 'left' if c.x_mm < 0 else 'on the midline'}: "
                            f"{role}{share}")
        else:
            self.setToolTip(self.title + f" ({TEACHING_NOTE})")
        super().mouseMoveEvent(event)

    # ----- drawing -----
    background = QColor("white")
    body_fill = QColor("#efe6d8")
    body_edge = QColor("#a89a85")
    text_colour = QColor("#333333")
    lead_fill = QColor("#d0d0d0")
    lead_edge = QColor("#777777")

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.fillRect(self.rect(), self.background)
        for _frac, placed, caption in self.columns:
            g = self.geometry_now(placed)
            self._draw_column(p, g, caption)
            if self.scene.contacts:
                self.draw_leads(p, g, placed)
        if not self.scene.contacts:
            p.setPen(self.text_colour)
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "no leads placed")
        else:
            self._draw_notes(p, self.geometry_now(False))
        p.setPen(self.text_colour)
        p.drawText(QRectF(0, 4, self.width(), 20), Qt.AlignmentFlag.AlignHCenter, self.title)
        p.end()

    def _draw_column(self, p: QPainter, g: SpineGeometry, caption: str = "") -> None:
        font = QFont(self.font())
        font.setBold(True)
        p.setFont(font)
        half = g.body_half_width_px
        for i in range(g.first, g.last + 1):
            top, ppl = g.y_of(i + (1 - BODY_FRACTION) / 2), g.px_per_level
            body = QRectF(g.centre_x_px - half, top, 2 * half, BODY_FRACTION * ppl)
            p.setPen(QPen(self.body_edge, 1.2))
            p.setBrush(QBrush(self.body_fill))
            # transverse processes, then the body over them
            proc_h = 0.22 * ppl
            proc = QRectF(g.centre_x_px - half * 1.55, body.center().y() - proc_h / 2, half * 3.1, proc_h)
            p.drawRoundedRect(proc, proc_h / 2, proc_h / 2)
            p.drawRoundedRect(body, 0.12 * ppl, 0.12 * ppl)
            p.setPen(self.text_colour)
            p.drawText(QRectF(g.centre_x_px - half * 1.6 - 48, g.y_of(i), 42, ppl), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, VERTEBRAE[i])
        p.setFont(self.font())
        p.setPen(self.text_colour)
        y = g.y_of(g.last + 1) + 4
        p.drawText(QRectF(g.centre_x_px - half * 1.6 - 40, y, 40, 16), Qt.AlignmentFlag.AlignRight, "left")
        p.drawText(QRectF(g.centre_x_px + half * 1.6, y, 40, 16), Qt.AlignmentFlag.AlignLeft, "right")
        if caption:
            font = QFont(self.font())
            font.setBold(True)
            p.setFont(font)
            p.drawText(QRectF(g.centre_x_px - 80, y, 160, 16), Qt.AlignmentFlag.AlignHCenter, caption)
            p.setFont(self.font())

    def _lead_pen_brush(self, placed: bool) -> tuple[QPen, QBrush]:
        return QPen(self.lead_edge, 1), QBrush(self.lead_fill)

    def _contact_colours(self, c: ContactMark, placed: bool) -> tuple[QPen, QBrush, QColor]:
        fill = COLOURS.get(c.role, COLOURS[None])
        return QPen(QColor("#333333"), 1), QBrush(fill), QColor("white") if c.role else QColor("#222222")

    def draw_leads(self, p: QPainter, g: SpineGeometry, placed: bool) -> None:
        w, h = self._contact_size(g)
        by_lead: dict[int, list[ContactMark]] = {}
        for c in self.scene.contacts:
            by_lead.setdefault(c.lead, []).append(c)
        bottom = g.y_of(g.last + 1)
        for marks in by_lead.values():
            ys = [g.y_of(c.placed_position_levels if placed else c.position_levels) for c in marks]
            xs = [g.x_of(c.x_mm) for c in marks]
            pen, brush = self._lead_pen_brush(placed)
            p.setPen(pen)
            p.setBrush(brush)
            # the lead body from its tip to the bottom of the picture (it enters the epidural space lower down)
            path = QPainterPath()
            path.addRoundedRect(QRectF(min(xs) - w / 2 - 1.5, min(ys) - h / 2 - 3, max(xs) - min(xs) + w + 3, bottom - min(ys) + h / 2 + 3), w / 2, w / 2)
            p.drawPath(path)
        small = QFont(self.font())
        small.setPointSizeF(max(self.font().pointSizeF() * 0.75, 6.0))
        p.setFont(small)
        leads_x = {c.lead: c.x_mm for c in self.scene.contacts}
        leftmost = min(leads_x.values()) if leads_x else 0.0
        for c in self.scene.contacts:
            pos = c.placed_position_levels if placed else c.position_levels
            x, y = g.x_of(c.x_mm), g.y_of(pos)
            pen, brush, text = self._contact_colours(c, placed)
            p.setPen(pen)
            p.setBrush(brush)
            p.drawRoundedRect(QRectF(x - w / 2, y - h / 2, w, h), 1.5, 1.5)
            if placed or not (c.role or c is self._first_or_last(c)):
                continue
            label = c.contact + (f" {c.role}" if c.role else "") + (f"{c.fraction_pct:g}%" if c.role and c.fraction_pct is not None else "")
            p.setPen(self.text_colour)
            left_side = c.x_mm <= leftmost and len(leads_x) > 1 or (len(leads_x) == 1 and c.x_mm > 0)
            if left_side:
                p.drawText(QRectF(x - w / 2 - 64, y - 7, 60, 14), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label)
            else:
                p.drawText(QRectF(x + w / 2 + 4, y - 7, 64, 14), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, label)
        p.setFont(self.font())

    def _first_or_last(self, c: ContactMark) -> ContactMark:
        same = [m for m in self.scene.contacts if m.lead == c.lead]
        return same[0] if c is same[0] else same[-1]

    def _draw_notes(self, p: QPainter, g: SpineGeometry) -> None:
        s = self.scene
        y = g.y_of(g.last + 1) + 18
        running = ", ".join(s.programs) if s.programs else "none"
        case = "; case +" if s.case_role == "+" else ""
        p.setPen(self.text_colour)
        p.drawText(QRectF(4, y, self.width() - 8, 16), Qt.AlignmentFlag.AlignLeft,
                   f"running: {running} ({'on' if s.stimulating else 'off'}){case}; blue = cathode, red = anode, grey = off")


class SpineView(SpineCanvas):
    """The lead diagram over the vertebral column: each lead at its level, side and offset, contacts by role."""


class XrayView(SpineCanvas):
    """X-ray style: vertebrae and leads as a radiograph shows them, now, over a ghost of the leads at implant."""

    title = "X-ray view: the leads at implant (dashed ghost, left) and now (right)"
    draw_ghost = True
    columns = ((0.3, True, "at implant"), (0.72, False, "now"))
    background = QColor("#101418")
    body_fill = QColor("#6f7478")
    body_edge = QColor("#b9bec2")
    text_colour = QColor("#e6e6e6")
    lead_fill = QColor("#f2f2f2")
    lead_edge = QColor("#ffffff")

    def _lead_pen_brush(self, placed: bool) -> tuple[QPen, QBrush]:
        if placed:
            pen = QPen(QColor("#5ad1ff"), 1.2, Qt.PenStyle.DashLine)
            return pen, QBrush(Qt.BrushStyle.NoBrush)
        return QPen(QColor("#cfcfcf"), 1), QBrush(QColor(235, 235, 235, 150))

    def _contact_colours(self, c: ContactMark, placed: bool) -> tuple[QPen, QBrush, QColor]:
        if placed:
            return QPen(QColor("#5ad1ff"), 1, Qt.PenStyle.DashLine), QBrush(Qt.BrushStyle.NoBrush), QColor("#5ad1ff")
        return QPen(QColor("#ffffff"), 1), QBrush(QColor("#ffffff")), QColor("#101418")

    def _note_lines(self) -> int:
        return max(len(self.scene.leads), 1)

    def migration_texts(self) -> list[str]:
        """One line per lead: how far it moved from where it was placed (from the patient's snapshot)."""
        out = []
        for lead in self.scene.leads:
            moved = lead.migrated_mm
            levels = moved / self.scene.segment_mm
            if abs(moved) < 1e-9:
                out.append(f"lead {lead.lead}: at its implant position (top contact {lead.top_level})")
            else:
                way = "caudal" if moved > 0 else "rostral"
                out.append(f"lead {lead.lead}: {abs(moved):g} mm {way} ({abs(levels):.2g} level), top contact {lead.placed_level} -> {lead.top_level}")
        return out

    def draw_leads(self, p: QPainter, g: SpineGeometry, placed: bool) -> None:
        if not placed:  # the ghost of the implant position in the 'now' column too, under the leads
            super().draw_leads(p, g, True)
        super().draw_leads(p, g, placed)

    def _draw_notes(self, p: QPainter, g: SpineGeometry) -> None:
        gi = self.geometry_now(True)
        for lead in self.scene.leads:  # a dashed line from the tip at implant across, an arrow down to the tip now
            tips = [c for c in self.scene.contacts if c.lead == lead.lead]
            if not tips or abs(lead.migrated_mm) < 1e-9:
                continue
            y0, y1 = g.y_of(tips[0].placed_position_levels), g.y_of(tips[0].position_levels)
            p.setPen(QPen(QColor("#ffd166"), 1, Qt.PenStyle.DashLine))
            p.drawLine(QPointF(gi.x_of(tips[0].x_mm), y0), QPointF(g.x_of(tips[0].x_mm), y0))
            x = max(g.x_of(c.x_mm) for c in tips) + 58  # right of the contact labels
            p.setPen(QPen(QColor("#ffd166"), 1.6))
            p.drawLine(QPointF(x, y0), QPointF(x, y1))
            sign = 1 if y1 > y0 else -1
            p.drawLine(QPointF(x, y1), QPointF(x - 4, y1 - 6 * sign))
            p.drawLine(QPointF(x, y1), QPointF(x + 4, y1 - 6 * sign))
            p.drawText(QRectF(x + 6, min(y0, y1), 90, abs(y1 - y0) + 2), Qt.AlignmentFlag.AlignVCenter, f"{abs(lead.migrated_mm):g} mm")
        p.setPen(QColor("#ffd166"))
        y = g.y_of(g.last + 1) + 18
        for text in self.migration_texts():
            p.drawText(QRectF(4, y, self.width() - 8, 16), Qt.AlignmentFlag.AlignLeft, text)
            y += 15
