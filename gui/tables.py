"""Reading table cells: Qt returns None for a cell that was never given an item."""
from __future__ import annotations

from PySide6.QtWidgets import QTableWidget


def cell_text(table: QTableWidget, row: int, column: int) -> str:
    """The text of a cell, '' when the cell has no item."""
    item = table.item(row, column)
    return item.text() if item is not None else ""
