"""The training dock of the app: exercises beside the programmer, 'Check my work', attempt export.

The main window adds it with `install_training_dock(window)`.
"""
from gui.training.demo_view import DemoView
from gui.training.dock import install_training_dock
from gui.training.panel import TrainingPanel, report_html

__all__ = ["DemoView", "TrainingPanel", "install_training_dock", "report_html"]
