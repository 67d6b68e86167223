"""Progress that fits where it runs: a bar in a terminal, a widget in a notebook, lines in a log.

`ProgressDisplay.show(fraction, detail)` is called as often as the caller likes; what it writes
depends on the mode, chosen once from where the stream goes (`mode="auto"`):
- "bar": the stream is a terminal; one line redrawn in place with a carriage return;
- "lines": the stream is a file or pipe (a log, CI); a plain line, no carriage return, each time
  the run crosses another tenth of the way (and at the end), so a log gets at most 11 lines;
- "notebook": inside a Jupyter kernel with ipywidgets installed, a progress widget (falls back
  to "lines" when ipywidgets is missing).
`quiet` is the caller's business: it simply does not make a display.
"""
from __future__ import annotations

import math
import sys
from typing import Any

MODES = ("auto", "bar", "lines", "notebook")


def in_notebook() -> bool:
    """True inside a Jupyter kernel (an IPython ZMQ shell), False in a terminal or a script."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    try:
        shell = ipython.get_ipython()
    except (AttributeError, RuntimeError):  # an odd IPython: treat it as no notebook
        return False
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def choose_mode(stream: Any, mode: str = "auto") -> str:
    """The display mode for `stream`: the one asked for, or from where the stream goes."""
    if mode not in MODES:
        raise ValueError(f"progress mode must be one of {', '.join(MODES)}, not {mode!r}")
    if mode != "auto":
        return mode
    if stream in (sys.stderr, sys.stdout) and in_notebook():
        return "notebook"
    isatty = getattr(stream, "isatty", None)
    try:
        return "bar" if isatty is not None and isatty() else "lines"
    except (ValueError, OSError):  # a closed stream
        return "lines"


class ProgressDisplay:
    """One progress display: `show(fraction, detail)` any number of times, `close()` at the end.

    fraction is 0..1 of the work done; detail is a short text after the percentage
    (e.g. "12/40 scenarios  3.1/s  9 s left").
    """

    def __init__(self, label: str, stream: Any = None, mode: str = "auto", width: int = 30):
        self.label, self.width = label, width
        self.stream = stream if stream is not None else sys.stderr
        self.mode = choose_mode(self.stream, mode)
        self._tenth = -1
        self._widget: tuple[Any, Any] | None = None  # (ipywidgets bar, label) in a notebook
        self._closed = False
        if self.mode == "notebook":
            self._widget = self._make_widget()
            if self._widget is None:
                self.mode = "lines"

    def _make_widget(self) -> tuple[Any, Any] | None:
        try:
            import ipywidgets
            from IPython.display import display
        except ImportError:
            return None
        bar = ipywidgets.FloatProgress(value=0.0, min=0.0, max=1.0, description=self.label[:20])
        text = ipywidgets.Label(value="")
        box = ipywidgets.HBox([bar, text])
        display(box)
        return bar, text

    def picture(self, fraction: float) -> str:
        """`[#####.....]  50.0%`: the bar drawn with `width` characters."""
        fraction = min(max(fraction, 0.0), 1.0)
        filled = round(self.width * fraction)
        return f"[{'#' * filled}{'.' * (self.width - filled)}] {fraction:6.1%}"

    def show(self, fraction: float, detail: str = "") -> None:
        if self._closed:
            return
        fraction = min(max(float(fraction), 0.0), 1.0)
        done = fraction >= 1.0
        text = f"{self.label} {self.picture(fraction)}" + (f" {detail}" if detail else "")
        if self.mode == "notebook" and self._widget is not None:
            bar, label = self._widget
            bar.value = fraction
            label.value = detail
        elif self.mode == "bar":
            self.stream.write("\r" + text)
            if done:
                self.stream.write("\n")
            self.stream.flush()
        else:
            tenth = math.floor(fraction * 10 + 1e-9)
            if tenth == self._tenth and not done:
                return
            self._tenth = tenth
            self.stream.write(text.rstrip() + "\n")
            self.stream.flush()
        if done:
            self._closed = True

    def close(self) -> None:
        """End the display (a terminal bar left unfinished gets its newline)."""
        if not self._closed and self.mode == "bar":
            self.stream.write("\n")
            self.stream.flush()
        self._closed = True
