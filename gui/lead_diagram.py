"""A drawing of the placed leads with clickable contacts.

Each click on a contact cycles it: off -> cathode (-) -> anode (+) -> off. The case electrode
is drawn beside the leads when the stimulator allows it. Positions come from the stimulator's
contact map (label -> x_mm, y_mm, lead_index, level); the drawing only scales them.
"""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

CASE = "case"
CYCLE = {None: "-", "-": "+", "+": None}
COLOURS = {"-": QColor("#1f5fbf"), "+": QColor("#c62828"), None: QColor("#d9d9d9")}


class LeadDiagram(QWidget):
    """Shows contacts and their polarity; emits `contact_clicked(label)`."""

    contact_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.contacts: dict[str, dict] = {}
        self.state: dict[str, tuple[str, float | None]] = {}  # label -> (polarity, fraction_pct)
        self.case_allowed = True
        self._rects: dict[str, QRectF] = {}
        self.setMinimumSize(220, 270)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        self.setToolTip("Click a contact to cycle it: off, cathode (-), anode (+). Blue: cathode; red: anode.")
        self.setMouseTracking(True)

    def sizeHint(self) -> QSize:
        return QSize(260, 420)

    def set_contacts(self, contact_map: dict[str, dict], case_allowed: bool = True) -> None:
        self.contacts = dict(contact_map)
        self.case_allowed = case_allowed
        self.update()

    def set_state(self, state: dict[str, tuple[str, float | None]]) -> None:
        self.state = dict(state)
        self.update()

    # ----- geometry -----
    def _layout(self) -> None:
        self._rects = {}
        if not self.contacts:
            return
        xs = [c["x_mm"] for c in self.contacts.values()]
        ys = [c["y_mm"] for c in self.contacts.values()]
        x0, x1 = min(xs), max(xs)
        y0, y1 = min(ys), max(ys)
        margin_top, margin_bottom = 28.0, 20.0
        label_w = 44.0
        case_w = 70.0 if self.case_allowed else 0.0
        w = self.width() - label_w - case_w - 20
        h = self.height() - margin_top - margin_bottom
        span_x = max(x1 - x0, 1e-6)
        span_y = max(y1 - y0, 1e-6)
        n_rows = len(set(round(y, 3) for y in ys))
        cell_h = min(h / max(n_rows, 1) * 0.75, 34.0)
        n_cols = len(set(round(x, 3) for x in xs))
        cell_w = min(w / max(n_cols, 1) * 0.7, 40.0)
        scale_x = (w - cell_w) / span_x if n_cols > 1 else 0.0
        scale_y = (h - cell_h) / span_y if n_rows > 1 else 0.0
        for label, c in self.contacts.items():
            cx = label_w + 10 + (c["x_mm"] - x0) * scale_x + (0 if n_cols > 1 else (w - cell_w) / 2)
            cy = margin_top + (c["y_mm"] - y0) * scale_y
            self._rects[label] = QRectF(cx, cy, cell_w, cell_h)
        if self.case_allowed:
            self._rects[CASE] = QRectF(self.width() - case_w - 4, margin_top, case_w - 8, 40)

    def resizeEvent(self, event) -> None:
        self._layout()
        super().resizeEvent(event)

    def contact_at(self, pos: QPointF) -> str | None:
        if not self._rects:
            self._layout()
        for label, rect in self._rects.items():
            if rect.contains(pos):
                return label
        return None

    def center_of(self, label: str) -> QPointF:
        if not self._rects:
            self._layout()
        return self._rects[label].center()

    # ----- events -----
    def mousePressEvent(self, event) -> None:
        label = self.contact_at(event.position())
        if label is not None and event.button() == Qt.MouseButton.LeftButton:
            self.contact_clicked.emit(label)

    def mouseMoveEvent(self, event) -> None:
        label = self.contact_at(event.position())
        if label and label in self.contacts:
            c = self.contacts[label]
            pol, frac = self.state.get(label, (None, None))
            role = {"-": "cathode", "+": "anode"}.get(pol or "", "off")
            share = f", {frac:g} % of the current" if frac is not None else ""
            self.setToolTip(f"{label} at {c.get('level', '?')} ({c.get('side', '')}), area {c.get('area_cm2', 0):.4g} cm^2: {role}{share}")
        elif label == CASE:
            self.setToolTip("Case (the generator's can) as an electrode: click to cycle off / anode")
        super().mouseMoveEvent(event)

    # ----- drawing -----
    def paintEvent(self, event) -> None:
        self._layout()
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.fillRect(self.rect(), QColor("white"))
        font = QFont(self.font())
        p.setFont(font)
        if not self.contacts:
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "no leads placed")
            p.end()
            return
        # lead bodies
        leads: dict[int, list[QRectF]] = {}
        for label, rect in self._rects.items():
            if label == CASE:
                continue
            leads.setdefault(self.contacts[label]["lead_index"], []).append(rect)
        p.setPen(QPen(QColor("#888888"), 1))
        p.setBrush(QBrush(QColor("#f0f0f0")))
        for rects in leads.values():
            left = min(r.left() for r in rects) - 4
            right = max(r.right() for r in rects) + 4
            top = min(r.top() for r in rects) - 10
            bottom = max(r.bottom() for r in rects) + 6
            p.drawRoundedRect(QRectF(left, top, right - left, bottom - top), 8, 8)
        # level labels on the left
        p.setPen(QColor("#555555"))
        seen_levels: dict[str, float] = {}
        for label, c in self.contacts.items():
            rect = self._rects[label]
            lvl = c.get("level", "")
            if lvl and lvl not in seen_levels:
                seen_levels[lvl] = rect.center().y()
                p.drawText(QRectF(2, rect.top(), 40, rect.height()), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, lvl)
        # contacts
        for label, rect in self._rects.items():
            pol, frac = self.state.get(label, (None, None))
            p.setPen(QPen(QColor("#333333"), 1))
            p.setBrush(QBrush(COLOURS.get(pol, COLOURS[None])))
            p.drawRoundedRect(rect, 4, 4)
            p.setPen(QColor("white") if pol else QColor("#222222"))
            text = label if pol is None else f"{label} {pol}" + (f"{frac:g}%" if frac is not None else "")
            small = QFont(font)
            small.setPointSizeF(max(font.pointSizeF() * 0.8, 6.5))
            p.setFont(small)
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text if rect.width() > 36 or pol is None else pol)
            p.setFont(font)
        p.setPen(QColor("#333333"))
        p.drawText(QRectF(0, 2, self.width(), 20), Qt.AlignmentFlag.AlignHCenter, "leads (top = cranial)")
        p.end()
