"""The desktop app (PySide6 + pyqtgraph): a view and controller over simulator.Simulation."""
